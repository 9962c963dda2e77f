#!/usr/bin/env bash
# Network namespaces for the NAT test (test/src/turn/turn-nat.test.ts): iproute2 (`ip netns`,
# veth) and nftables (masquerade). Idempotent. Without them that test fails and says why.
set -euo pipefail

log() { printf '\033[1m[setup:netns]\033[0m %s\n' "$*" >&2; }

missing=()
command -v ip >/dev/null 2>&1 || missing+=(iproute2)
command -v nft >/dev/null 2>&1 || missing+=(nftables)
if ((${#missing[@]})); then
  export DEBIAN_FRONTEND=noninteractive
  # apt-get update only when the package lists do not know the packages yet (fresh image).
  if ! apt-cache show "${missing[@]}" >/dev/null 2>&1; then
    log "apt-get update"
    apt-get update -qq
  fi
  log "installing ${missing[*]}"
  # The nftables service is not enabled or started: the test loads its own tables per namespace.
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi

for tool in ip nft; do
  command -v "$tool" >/dev/null 2>&1 || { log "missing $tool after install"; exit 1; }
done
log "iproute2 $(ip -V 2>&1 | awk '{print $NF}') and $(nft --version) ready"
