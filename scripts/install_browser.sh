#!/usr/bin/env bash
# Install Debian's Chromium for the kedro-viz browser test, when we can.
set -uo pipefail
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing chromium (Debian) for the browser test..."
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
    || echo "warning: could not install chromium; the browser test will be skipped" >&2
else
  echo "note: chromium not installed (needs root + apt-get); the browser test will be skipped" >&2
fi
exit 0
