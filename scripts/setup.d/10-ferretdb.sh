#!/usr/bin/env bash
# A MongoDB-wire-protocol server for the MongoDB store tests. No MongoDB server package reaches
# these machines, so we build FerretDB v1.24.2 (SQLite backend) from the Go module proxy into
# .cache/bin. Idempotent: does nothing when MONGODB_URI is set, a mongod/ferretdb is on PATH,
# or the binary was already built. test/src/fixtures/mongo-global-setup.ts starts it.
set -euo pipefail
cd "$(dirname "$0")/../.."

version=v1.24.2
bin=.cache/bin/ferretdb
log() { printf '\033[1m[ferretdb]\033[0m %s\n' "$*" >&2; }

if [[ -n "${MONGODB_URI:-}" ]]; then log "MONGODB_URI is set; not building FerretDB"; exit 0; fi
if command -v mongod >/dev/null || command -v ferretdb >/dev/null; then
  log "using $(command -v mongod || command -v ferretdb) from PATH"; exit 0
fi
built=$([[ -x "$bin" ]] && "$bin" --version 2>/dev/null || true)
if [[ "$built" == "version: $version"* ]]; then
  log "$bin $version already built"; exit 0
fi
command -v go >/dev/null || { log "go not found: install Go 1.22+ or set MONGODB_URI"; exit 1; }

# `go install github.com/FerretDB/FerretDB/cmd/ferretdb@v1.24.2` builds, but the binary panics at
# start: the module zip lacks the generated build/version/version.txt. So: fetch the module
# through the proxy, copy it, write version.txt, build that copy. No build tags are needed
# (the SQLite backend is in by default; ferretdb_no_postgresql etc. only remove backends).
log "building FerretDB $version from the Go module proxy (a few minutes)"
src=$(go mod download -json "github.com/FerretDB/FerretDB@$version" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
[[ -d "$src" ]] || { log "go mod download did not report a module directory"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$src" "$work/src"
chmod -R u+w "$work/src"
echo "$version" >"$work/src/build/version/version.txt"
mkdir -p "$(dirname "$bin")"
# -buildvcs=false: the copy is not a repository, and we must not stamp it with ours.
(cd "$work/src" && go build -buildvcs=false -trimpath -o "$OLDPWD/$bin.tmp" ./cmd/ferretdb)
mv "$bin.tmp" "$bin"
# sed reads to the end: `head -1` exiting early SIGPIPEd the writer, and pipefail failed setup (exit 141).
"$bin" --version | sed -n 1p >&2
