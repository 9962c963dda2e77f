#!/usr/bin/env bash
# Install everything Hypersend needs on a fresh Debian 12 machine with Node.js 20 and Go:
# npm packages (compiling native ones from source) and, with --test, the services the test
# suite talks to. Idempotent: re-running skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=false
[[ "${1:-}" == "--test" ]] && want_test=true

log() { printf '\033[1m[setup]\033[0m %s\n' "$*" >&2; }

node_major=$(node -p 'process.versions.node.split(".")[0]')
if [[ "$node_major" != 20 ]]; then
  log "warning: Node.js $(node -v); Hypersend is verified on Node.js 20 (native uWS and wrtc bindings)"
fi

# npm ci only when the lock file changed since the last install: it takes minutes
# (better-sqlite3 compiles from source here, prebuilt binaries are not reachable).
if ! cmp -s package-lock.json node_modules/.package-lock.json.installed 2>/dev/null; then
  log "installing npm packages (npm ci)"
  npm ci --no-audit --no-fund
  cp package-lock.json node_modules/.package-lock.json.installed
fi

if $want_test; then
  for script in scripts/setup.d/*.sh; do
    [[ -e "$script" ]] || continue
    log "running $script"
    bash "$script"
  done
fi
