#!/usr/bin/env bash
# Installs Debian's Chromium for the dashboard's browser tests (driven through the DevTools protocol by
# chromedp) when it is missing, and prints its path. Needs root (apt-get) the first time.
set -euo pipefail
bin=${STOKE_CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$bin" ]; then
  echo "chromium: installing Debian's chromium package" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q chromium >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null; }
fi
echo "$bin"
