#!/usr/bin/env bash
# coturn for the TURN tests: Debian's package (4.6.1 on bookworm). Idempotent.
# We launch our own turnserver per test (turn/src/launch-coturn.ts) with a rendered config, so the
# package's default service must not run: it would listen on 3478 with Debian's stock config.
set -euo pipefail

log() { printf '\033[1m[setup:coturn]\033[0m %s\n' "$*" >&2; }

if ! command -v turnserver >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  # apt-get update only when the package lists do not know coturn yet (fresh image).
  if ! apt-cache show coturn >/dev/null 2>&1; then
    log "apt-get update"
    apt-get update -qq
  fi
  log "installing coturn"
  # policy-rc.d may already forbid starting services (containers); either way we check below.
  apt-get install -y -qq coturn >/dev/null
fi

for tool in turnserver turnutils_uclient turnutils_peer; do
  command -v "$tool" >/dev/null 2>&1 || { log "missing $tool after install"; exit 1; }
done

# Keep the packaged service off at boot: /etc/default/coturn gates the init script, and systemd
# is only asked when it is actually PID 1 (in containers systemctl exists but cannot operate).
if [[ -f /etc/default/coturn ]] && grep -qE '^\s*TURNSERVER_ENABLED=1' /etc/default/coturn; then
  log "disabling TURNSERVER_ENABLED in /etc/default/coturn"
  sed -i -E 's/^\s*TURNSERVER_ENABLED=1/#TURNSERVER_ENABLED=1/' /etc/default/coturn
fi
if [[ -d /run/systemd/system ]] && command -v systemctl >/dev/null 2>&1; then
  if systemctl is-active --quiet coturn 2>/dev/null; then
    log "stopping the packaged coturn service"
    systemctl stop coturn
  fi
  systemctl disable coturn >/dev/null 2>&1 || true
fi

# A turnserver still running that we did not start (its config is not one of our temp renders):
# report it and leave it alone; it is someone else's process.
while read -r pid args; do
  [[ -n "${pid:-}" ]] || continue
  if [[ "$args" != *hypersend-coturn-* ]]; then
    log "note: turnserver pid $pid is running ($args); not ours, left alone. It may hold port 3478."
  fi
done < <(pgrep -a -x turnserver || true)

log "coturn $(turnserver --version 2>/dev/null | sed -n 1p) ready"
