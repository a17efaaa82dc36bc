#!/usr/bin/env bash
# The officers' web console in a real browser (tests/console, docs/adr/0021): Debian's Chromium,
# headless, driven by playwright-core and checked by axe-core, against the `outpost` built in
# target/debug. Installs what it needs: Chromium with apt-get when /usr/bin/chromium is missing
# (as root), the two pinned npm packages with `npm ci`. Playwright never downloads a browser.
# Also runs the console's QR decoder tests in Node (qr.test.mjs) on symbols drawn by the qrcode
# crate through `outpost-qr-codes`. Both files run in one `node --test`, so its TAP "# pass N"
# and "# fail N" lines, which scripts/test-all.sh counts, cover both.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "error: /usr/bin/chromium is missing; install Debian's chromium (apt-get install chromium) or run as root" >&2
    exit 1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "error: node and npm are needed for the console tests (Node 20 or later)" >&2
  exit 1
fi
cargo build --locked --quiet -p outpost-cli -p outpost-qr-codes
cd tests/console
PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --silent
node --test --test-reporter=tap console.test.mjs qr.test.mjs
