#!/usr/bin/env bash
# croc v10.7.0, the reference that bench/src/croc.ts measures Hypersend against ("what a user would
# pick instead"), built from the Go module proxy into .cache/bin. The benchmark's smoke test runs it.
# Idempotent: does nothing when the cached binary already reports this version.
set -euo pipefail
cd "$(dirname "$0")/../.."

version=v10.7.0
bin=.cache/bin/croc
log() { printf '\033[1m[setup:croc]\033[0m %s\n' "$*" >&2; }

if [[ -x "$bin" ]] && [[ "$("$bin" --version 2>/dev/null)" == "croc version ${version#v}" ]]; then
  log "$bin $version already built"; exit 0
fi
go=$(command -v go || echo /usr/local/go/bin/go)
[[ -x "$go" ]] || { log "go not found: install Go 1.22+ (croc is built from source)"; exit 1; }
log "building croc $version from the Go module proxy"
mkdir -p "$(dirname "$bin")"
GOBIN="$PWD/.cache/bin" "$go" install "github.com/schollz/croc/v10@$version"
"$bin" --version >&2
