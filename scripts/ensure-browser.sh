#!/usr/bin/env bash
# Installs Debian's Chromium for the dashboard's end-to-end test when it is missing. Idempotent and
# quiet when present; loud and failing when it cannot be installed (the test never turns into a skip).
# playwright-core drives it: it downloads no browser of its own.
set -euo pipefail

BROWSER=/usr/bin/chromium
[ -x "$BROWSER" ] && exit 0

echo "ensure-browser: installing chromium" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "ensure-browser: need root or sudo to install chromium" >&2; exit 1; }
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
if ! $SUDO apt-get install -y -qq --no-install-recommends chromium fonts-liberation >/dev/null 2>&1; then
  $SUDO apt-get update -qq >/dev/null
  $SUDO apt-get install -y -qq --no-install-recommends chromium fonts-liberation >/dev/null
fi
[ -x "$BROWSER" ] || { echo "ensure-browser: $BROWSER still missing after install" >&2; exit 1; }
echo "ensure-browser: done" >&2
