#!/usr/bin/env bash
# setup.sh [NAME[=PORT]]... — starts the demo: one app instance per NAME on
# loopback ports, and nginx in front of them, all as the current user with
# every file under $SHIPWINDOW_DEMO_DIR (default ${TMPDIR:-/tmp}/shipwindow-demo).
#
# The names say what the instances are for (default: web-1 web-2 web-3 web-4):
#   web-1 web-2 …            a pool for rolling deploys (deploy.sh, health.sh)
#   blue-1 … green-1 …       blue-green: $SHIPWINDOW_DEMO_LIVE (default blue)
#                            serves, the other colour idles (deploy-color.sh, switch.sh)
#   stable-1 … canary-1 …    canary by weight: the canary starts at weight 0
#                            (deploy.sh canary-1 V, set-weight.sh W)
#
# Environment: SHIPWINDOW_DEMO_PORT (nginx, default 8080),
# SHIPWINDOW_DEMO_BASE_PORT (first instance port, default 9001; NAME=PORT
# overrides), SHIPWINDOW_DEMO_VERSION (default v1), SHIPWINDOW_DEMO_DELAY_MS
# (time the app takes per request, default 0). Stop it all with teardown.sh.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

port=${SHIPWINDOW_DEMO_PORT:-8080}
base=${SHIPWINDOW_DEMO_BASE_PORT:-9001}
version=${SHIPWINDOW_DEMO_VERSION:-v1}
[ $# -gt 0 ] || set -- web-1 web-2 web-3 web-4

mkdir -p "$DEMO_DIR"
DEMO_DIR=$(cd "$DEMO_DIR" && pwd)
if master=$(nginx_master); then
  die "the demo in $DEMO_DIR is running (nginx pid $master); run teardown.sh first"
fi
nginx_bin >/dev/null
command -v "$DEMO_PYTHON" >/dev/null 2>&1 || die "$DEMO_PYTHON not found; the demo app needs Python 3" 2

rm -rf "$DEMO_DIR/instances"
rm -f "$DEMO_DIR/upstream.conf" "$DEMO_DIR/nginx.pid" "$DEMO_DIR/reload-pending"
mkdir -p "$DEMO_DIR/instances" "$DEMO_DIR/logs" "$DEMO_DIR/tmp"

i=0
for spec in "$@"; do
  name=${spec%%=*}
  case $name in
    '' | *[!a-z0-9-]*) die "instance names are made of a-z, 0-9 and -, not \`$name\`" 2 ;;
  esac
  if [ "$spec" != "$name" ]; then p=${spec#*=}; else p=$((base + i)); fi
  d=$(inst_dir "$name")
  [ ! -d "$d" ] || die "instance \`$name\` is listed twice" 2
  mkdir -p "$d"
  echo "$p" >"$d/port"
  echo "$version" >"$d/version"
  echo 1 >"$d/weight"
  : >"$d/log"
  i=$((i + 1))
done
if instances | grep '^\(blue\|green\)-' >/dev/null; then
  set_color "${SHIPWINDOW_DEMO_LIVE:-blue}"
fi
if instances | grep '^canary-' >/dev/null; then
  set_canary_weight 0
fi

for name in $(instances); do
  start_instance "$name" "$version"
done

if [ "$(id -u)" = 0 ]; then
  user_line="user $(id -un) $(id -gn);  # nginx runs as root here: keep its workers as the current user"
else
  user_line="# workers run as $(id -un), like the master"
fi
sed -e "s|@DEMO_DIR@|$DEMO_DIR|g" -e "s|@PORT@|$port|g" -e "s|@USER_LINE@|$user_line|" \
  "$DEMO_LIB_DIR/nginx.conf.template" >"$DEMO_DIR/nginx.conf"
render_upstream || true
rm -f "$DEMO_DIR/reload-pending" # nginx starts with it
if ! err=$(nginx_run -t -q 2>&1); then
  printf '%s\n' "$err" >&2
  die "nginx does not accept $DEMO_DIR/nginx.conf"
fi
nginx_run </dev/null >>"$DEMO_DIR/logs/nginx.out" 2>&1 || {
  tail -n 5 "$DEMO_DIR/logs/error.log" >&2 || true
  die "nginx did not start (see $DEMO_DIR/logs/error.log)"
}
deadline=$(($(now_ms) + DEMO_WAIT * 1000))
until [ -n "$(http_status "$port" /)" ]; do
  [ "$(now_ms)" -lt "$deadline" ] || die "nginx does not answer on 127.0.0.1:$port (see $DEMO_DIR/logs/error.log)"
  sleep 0.05
done
say "nginx $(nginx_master) on http://127.0.0.1:$port/ -> upstream: $(upstream_summary)"
say "demo directory: $DEMO_DIR"
