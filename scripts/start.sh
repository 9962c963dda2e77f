#!/usr/bin/env bash
# Newcomer command #1: install, then run Hypersend's main job on the embedded default stores
# (SQLite, local disk): the signaling server, the store-and-forward relay and the web app.
# Ctrl-C stops all three.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

signaling_port=${PORT:-8080}
relay_port=${RELAY_PORT:-8090}
web_port=${WEB_PORT:-8070}
# Signaling only lets browsers in from allowed origins: the web app's, under both local names.
web_origins="http://127.0.0.1:$web_port,http://localhost:$web_port"
pids=()
stop() { for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done; wait; }
trap stop EXIT INT TERM

# Wait (at most 60 s) until $1/healthz answers; $2 names the server in the error.
wait_healthy() {
  node -e '
    const url = `${process.argv[1]}/healthz`;
    const until = Date.now() + 60_000;
    (async () => {
      while (Date.now() < until) {
        try { if ((await fetch(url)).ok) return; } catch {}
        await new Promise((r) => setTimeout(r, 200));
      }
      console.error(`${process.argv[2]} did not answer ${url}`); process.exit(1);
    })();' "$1" "$2"
}

# Signaling advertises the relay to clients (GET /v1/config) for the store-and-forward fallback.
PORT=$signaling_port HYPERSEND_RELAY_URL="${HYPERSEND_RELAY_URL:-http://127.0.0.1:$relay_port}" \
  HYPERSEND_ALLOWED_ORIGINS="${HYPERSEND_ALLOWED_ORIGINS:+$HYPERSEND_ALLOWED_ORIGINS,}$web_origins" \
  node --import tsx signaling/src/main.ts &
pids+=($!)
# The relay verifies tokens with signaling's JWKS, so signaling must answer first.
wait_healthy "http://127.0.0.1:$signaling_port" signaling
# The web app uploads to and downloads from the relay in the page: CORS for the same origins.
RELAY_PORT=$relay_port RELAY_JWKS_URL="http://127.0.0.1:$signaling_port/v1/jwks.json" \
  RELAY_ALLOWED_ORIGINS="${HYPERSEND_ALLOWED_ORIGINS:+$HYPERSEND_ALLOWED_ORIGINS,}$web_origins" \
  node --import tsx relay/src/main.ts &
pids+=($!)
# The web server bundles the app at start-up (a few seconds), then serves it.
WEB_PORT=$web_port WEB_SIGNALING_URL="http://127.0.0.1:$signaling_port" \
  WEB_RELAY_URL="http://127.0.0.1:$relay_port" node --import tsx web/src/server/main.ts &
pids+=($!)
wait_healthy "http://127.0.0.1:$web_port" "web app"

cat <<MSG

Hypersend is running (development mode, embedded stores):
  signaling  http://127.0.0.1:$signaling_port   (WebSocket /v1/ws, JWKS /v1/jwks.json)
  relay      http://127.0.0.1:$relay_port   (tus uploads /v1/uploads, downloads /v1/objects)
  web app    http://127.0.0.1:$web_port

Next:
  open http://127.0.0.1:$web_port   # in two browser profiles (or one private window): two accounts
Or, in another terminal, create two accounts and send a file with the CLI:
  node client-sdk/bin/hypersend.js register alice --profile alice   # password: HYPERSEND_PASSWORD or stdin
  node client-sdk/bin/hypersend.js --help
or run the SDK example: see examples/send-file/README.md.  Ctrl-C stops all three servers.
MSG
wait -n
