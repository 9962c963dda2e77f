#!/usr/bin/env bash
# The whole test suite, from a fresh checkout: installs what the tests need, starts the
# services they talk to (FerretDB for the MongoDB wire protocol, coturn, ...), then runs
# the formatter/linter, the type checker and every test. Fails loudly; never skips a suite.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh --test

echo "[test] lint + format (biome)"
npx biome check .
echo "[test] typecheck (tsc)"
npx tsc -p tsconfig.json
echo "[test] vitest"
mkdir -p .cache
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json=.cache/vitest-report.json "$@" || status=$?
# One plain closing line that any CI reader understands.
node -e '
const r = JSON.parse(require("fs").readFileSync(".cache/vitest-report.json", "utf8"));
console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
if (r.numTotalTests === 0) { console.error("no tests ran"); process.exit(1); }
' || status=1
exit $status
