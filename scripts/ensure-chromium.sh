#!/bin/sh
# Browser tests drive Debian's Chromium through Playwright. Install it when we can (root + apt);
# otherwise stop with a message that says how. Never skip the browser tests silently.
set -e
CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
[ -x "$CHROMIUM" ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Chromium for the browser tests (apt-get install chromium)..."
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
  [ -x "$CHROMIUM" ] && exit 0
fi
echo "The browser tests need Chromium at $CHROMIUM." >&2
echo "Install it with:  sudo apt-get install chromium fonts-noto-cjk   (or set CHROMIUM_PATH)" >&2
exit 1
