#!/usr/bin/env bash
# Headless Chromium for the browser tests (test/src/browser/**, the web app's UI tests): Debian's
# `chromium` package, driven by the `playwright-core` npm package (a devDependency of the `test`
# workspace, installed by `npm ci`). Playwright's own browser download is never used: it cannot
# reach its CDN here. Idempotent: skips the install when the binary is already there.
# test/src/fixtures/chromium.ts launches it (CHROMIUM_PATH overrides the path).
set -euo pipefail
cd "$(dirname "$0")/../.."

log() { printf '\033[1m[setup:chromium]\033[0m %s\n' "$*" >&2; }

chromium=${CHROMIUM_PATH:-/usr/bin/chromium}
if [[ ! -x "$chromium" ]]; then
  export DEBIAN_FRONTEND=noninteractive
  # apt-get update only when the package lists do not know chromium yet (fresh image).
  if ! apt-cache show chromium >/dev/null 2>&1; then
    log "apt-get update"
    apt-get update -qq
  fi
  log "installing chromium (Debian package)"
  apt-get install -y -qq chromium >/dev/null
fi
[[ -x "$chromium" ]] || { log "missing $chromium after install"; exit 1; }

# playwright-core comes from the lock file; check it loads and can drive this binary (a launch
# and a blank page, ~1 s), so a broken pairing fails here with a clear message, not mid-suite.
node --input-type=module -e "
  import { chromium } from 'playwright-core';
  const browser = await chromium.launch({
    executablePath: '$chromium',
    args: ['--headless=new', '--disable-gpu', '--disable-background-networking', ...(process.getuid?.() === 0 ? ['--no-sandbox'] : [])],
  });
  const page = await browser.newPage();
  await page.setContent('<p>ok</p>');
  const text = await page.textContent('p');
  await browser.close();
  if (text !== 'ok') throw new Error('unexpected page text: ' + text);
" 2>&1 || {
  log "playwright-core could not drive $chromium (is npm ci done? see the error above)"
  exit 1
}
log "$("$chromium" --version 2>/dev/null | sed -n 1p) ready, driven by playwright-core $(node -p "require('./node_modules/playwright-core/package.json').version")"
