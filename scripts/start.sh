#!/usr/bin/env bash
# Newcomer command #1: install, then run Hypersend on the embedded default store.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec node --import tsx signaling/src/main.ts
