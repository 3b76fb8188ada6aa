#!/usr/bin/env bash
# Installs the load generator and the reference proxies that test/bench compares against.
# Idempotent: prints nothing and exits 0 when everything is already present.
set -euo pipefail

has() { command -v "$1" >/dev/null 2>&1; }

# nginx must offer the stream module (TCP benches): either compiled in
# statically, or Debian's dynamic module from libnginx-mod-stream.
has_nginx_stream() {
  has nginx || return 1
  local flags
  flags="$(nginx -V 2>&1)"
  if grep -Eq -- '--with-stream( |$)' <<<"$flags"; then return 0; fi
  [ -f /usr/lib/nginx/modules/ngx_stream_module.so ]
}

missing=()
has wrk || missing+=(wrk)
has haproxy || missing+=(haproxy)
has taskset || missing+=(util-linux)
has nginx || missing+=(nginx)
has_nginx_stream || missing+=(libnginx-mod-stream)

[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=
[ "$(id -u)" -ne 0 ] && SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
echo "bench-deps: installing ${missing[*]}" >&2

# Refresh the package lists once, and only when apt does not know a package (fresh machine).
for pkg in "${missing[@]}"; do
  if ! apt-cache show "$pkg" >/dev/null 2>&1; then
    $SUDO apt-get update -qq >/dev/null
    break
  fi
done
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

# The benches run their own instances on free loopback ports; the packaged
# services (nginx on :80, haproxy) are not wanted, so stop them if the install started them.
if has systemctl; then
  for svc in nginx haproxy; do
    if systemctl is-active --quiet "$svc" 2>/dev/null; then $SUDO systemctl stop "$svc" || true; fi
  done
fi

has_nginx_stream || { echo "bench-deps: nginx has no stream module after install" >&2; exit 1; }
echo "bench-deps: done" >&2
