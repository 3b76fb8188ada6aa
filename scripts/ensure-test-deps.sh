#!/usr/bin/env bash
# Installs the Debian packages the test suites talk to, when they are missing. Idempotent and quiet
# when everything is present; loud and failing when something cannot be installed, never skipping.
set -euo pipefail

# The reference peers (HAProxy, nginx with its stream module, wrk) that interop tests run against.
bash "$(dirname "$0")/bench-deps.sh"

# command-to-check:debian-package
needed=(
  "curl:curl"
  "nats-server:nats-server"
  "wrk:wrk"
)

missing=()
for pair in "${needed[@]}"; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair##*:}")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "ensure-test-deps: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "ensure-test-deps: need root or sudo to install ${missing[*]}" >&2; exit 1; }
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
if ! $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
  $SUDO apt-get update -qq >/dev/null
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
for pair in "${needed[@]}"; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || { echo "ensure-test-deps: ${pair%%:*} still missing after install" >&2; exit 1; }
done
