#!/usr/bin/env bash
# Newcomer command #1: install, then run Hypersend's main job on the embedded default stores
# (SQLite, local disk): the signaling server and the store-and-forward relay. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

signaling_port=${PORT:-8080}
relay_port=${RELAY_PORT:-8090}
pids=()
stop() { for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done; wait; }
trap stop EXIT INT TERM

PORT=$signaling_port node --import tsx signaling/src/main.ts &
pids+=($!)
# The relay verifies tokens with signaling's JWKS, so signaling must answer first.
node -e '
  const url = `http://127.0.0.1:${process.argv[1]}/healthz`;
  const until = Date.now() + 30_000;
  (async () => {
    while (Date.now() < until) {
      try { if ((await fetch(url)).ok) return; } catch {}
      await new Promise((r) => setTimeout(r, 200));
    }
    console.error(`signaling did not answer ${url}`); process.exit(1);
  })();' "$signaling_port"
RELAY_PORT=$relay_port RELAY_JWKS_URL="http://127.0.0.1:$signaling_port/v1/jwks.json" \
  node --import tsx relay/src/main.ts &
pids+=($!)

cat <<MSG

Hypersend is running (development mode, embedded stores):
  signaling  http://127.0.0.1:$signaling_port   (WebSocket /v1/ws, JWKS /v1/jwks.json)
  relay      http://127.0.0.1:$relay_port   (tus uploads /v1/uploads, downloads /v1/objects)

Next: in another terminal, create two accounts and send a file with the CLI:
  node client-sdk/bin/hypersend.js register alice --profile alice   # password: HYPERSEND_PASSWORD or stdin
  node client-sdk/bin/hypersend.js --help
or run the SDK example: see examples/send-file/README.md.  Ctrl-C stops both servers.
MSG
wait -n
