# Shared by the demo scripts (sourced, not run). See README.md.
#
# The demo directory ($SHIPWINDOW_DEMO_DIR) holds everything:
#
#   nginx.conf            from nginx.conf.template, written by setup.sh
#   upstream.conf         `upstream app { … }`, rewritten from instances/ by render
#   reload-pending        present while upstream.conf is newer than what nginx runs
#   upstream.lock         one upstream change at a time (flock)
#   nginx.pid, logs/, tmp/
#   instances/NAME/       one per instance of the app:
#     port                its loopback port
#     version             the version it runs
#     weight              its share in the upstream; 0 = not serving
#     drained             present while a deploy has taken it out of the upstream
#     pid, log            the process and its output
#
# An instance is in the upstream when its weight is above 0 and it is not
# drained; otherwise it is listed as `down`.

DEMO_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DEMO_DIR=${SHIPWINDOW_DEMO_DIR:-${TMPDIR:-/tmp}/shipwindow-demo}
if [ -d "$DEMO_DIR" ]; then DEMO_DIR=$(cd "$DEMO_DIR" && pwd); fi
DEMO_PYTHON=${SHIPWINDOW_DEMO_PYTHON:-python3}
# How long to wait for an instance to answer, stop, or for a reload to drain.
DEMO_WAIT=${SHIPWINDOW_DEMO_WAIT:-15}

say() { printf '%s\n' "$*"; }
die() {
  printf 'error: %s\n' "$1" >&2
  exit "${2:-1}"
}

now_ms() {
  local s=${EPOCHREALTIME//[.,]/}
  echo "${s:0:${#s}-3}"
}

# The nginx binary: $SHIPWINDOW_DEMO_NGINX, nginx on PATH, or /usr/sbin/nginx.
nginx_bin() {
  if [ -n "${SHIPWINDOW_DEMO_NGINX:-}" ]; then
    echo "$SHIPWINDOW_DEMO_NGINX"
  elif command -v nginx >/dev/null 2>&1; then
    command -v nginx
  elif [ -x /usr/sbin/nginx ]; then
    echo /usr/sbin/nginx
  else
    die "nginx not found; install it (apt-get install nginx-light)" 2
  fi
}

# nginx with the demo's prefix and config; `-e` (nginx >= 1.19.5) keeps it off
# the system error log even before the config is read.
nginx_run() {
  local bin
  bin=$(nginx_bin)
  if [ -z "${DEMO_NGINX_E+x}" ]; then
    DEMO_NGINX_E=()
    if "$bin" -e /dev/null -v >/dev/null 2>&1; then
      DEMO_NGINX_E=(-e "$DEMO_DIR/logs/error.log")
    fi
  fi
  "$bin" -p "$DEMO_DIR/" -c "$DEMO_DIR/nginx.conf" "${DEMO_NGINX_E[@]}" "$@"
}

# Whether PID is a live process (a zombie is not).
alive() {
  local pid=$1 stat state
  [ -n "$pid" ] && [ -r "/proc/$pid/stat" ] || return 1
  stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  state=${stat%% *}
  [ "$state" != Z ] && [ "$state" != X ]
}

nginx_master() {
  local pid
  pid=$(cat "$DEMO_DIR/nginx.pid" 2>/dev/null) || return 1
  alive "$pid" && echo "$pid"
}

# The pids of the master's children (its workers).
nginx_workers() {
  local master=$1 f
  for f in $(grep -ls "^PPid:[[:space:]]*$master\$" /proc/[0-9]*/status || true); do
    f=${f#/proc/}
    echo "${f%/status}"
  done
}

inst_dir() { echo "$DEMO_DIR/instances/$1"; }

need_instance() {
  [ -d "$(inst_dir "$1")" ] || die "no instance \`$1\` in $DEMO_DIR/instances ($(instances | paste -sd ' ' -)); run setup.sh first" 2
}

instances() {
  local d
  for d in "$DEMO_DIR"/instances/*/; do
    [ -d "$d" ] && basename "$d"
  done
}

inst_pid() {
  local pid
  pid=$(cat "$(inst_dir "$1")/pid" 2>/dev/null) || return 0
  if alive "$pid"; then echo "$pid"; fi
}

# The HTTP status of GET PATH on a loopback PORT, or nothing when nothing
# answers (refused, or no status line within 2 seconds). Pure bash.
http_status() {
  local port=$1 path=$2 line='' rest
  { exec 3<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null || return 0
  printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' "$path" >&3 2>/dev/null || true
  if IFS= read -r -t 2 line <&3; then
    while IFS= read -r -t 2 rest <&3; do :; done
  fi
  exec 3<&- 3>&-
  line=${line%$'\r'}
  case $line in
    HTTP/*)
      line=${line#* }
      echo "${line%% *}"
      ;;
  esac
}

# Starts instance NAME with VERSION and waits until its /healthz answers (any
# status: health.sh is the judge of whether it is healthy).
start_instance() {
  local name=$1 version=$2 d port pid deadline code
  d=$(inst_dir "$name")
  port=$(cat "$d/port")
  "$DEMO_PYTHON" "$DEMO_LIB_DIR/app.py" --detach --name "$name" --port "$port" \
    --version "$version" --delay-ms "${SHIPWINDOW_DEMO_DELAY_MS:-0}" \
    </dev/null >>"$d/log" 2>&1 &
  pid=$!
  echo "$pid" >"$d/pid"
  echo "$version" >"$d/version"
  deadline=$(($(now_ms) + DEMO_WAIT * 1000))
  while :; do
    code=$(http_status "$port" /healthz)
    if [ -n "$code" ]; then
      say "$name: $version is up on 127.0.0.1:$port (pid $pid, /healthz $code)"
      return 0
    fi
    if ! alive "$pid"; then
      tail -n 5 "$d/log" >&2 || true
      die "$name: $version exited at startup (log: $d/log)"
    fi
    if [ "$(now_ms)" -ge "$deadline" ]; then
      die "$name: $version does not answer on 127.0.0.1:$port after ${DEMO_WAIT}s (log: $d/log)"
    fi
    sleep 0.05
  done
}

# Stops instance NAME: SIGTERM (it finishes its requests), SIGKILL after DEMO_WAIT.
stop_instance() {
  local name=$1 pid deadline
  pid=$(inst_pid "$name")
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  deadline=$(($(now_ms) + DEMO_WAIT * 1000))
  while alive "$pid"; do
    if [ "$(now_ms)" -ge "$deadline" ]; then
      say "$name: pid $pid ignored SIGTERM for ${DEMO_WAIT}s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    sleep 0.05
  done
}

# Whether NAME is in the upstream: weight above 0 and not drained.
serving() {
  local d
  d=$(inst_dir "$1")
  [ "$(cat "$d/weight")" -gt 0 ] && [ ! -e "$d/drained" ]
}

# Rewrites upstream.conf from instances/; succeeds only when it changed.
render_upstream() {
  local f="$DEMO_DIR/upstream.conf" tmp="$DEMO_DIR/upstream.conf.$$" name d weight live=0
  {
    echo "# Written by examples/nginx/lib.sh from $DEMO_DIR/instances; do not edit."
    echo "upstream app {"
    for name in $(instances); do
      d=$(inst_dir "$name")
      weight=$(cat "$d/weight")
      if serving "$name"; then
        echo "    server 127.0.0.1:$(cat "$d/port") weight=$weight max_fails=1 fail_timeout=2s;  # $name $(cat "$d/version")"
        live=$((live + 1))
      else
        echo "    server 127.0.0.1:$(cat "$d/port") down;  # $name $(cat "$d/version")"
      fi
    done
    echo "}"
  } >"$tmp"
  if [ "$live" -eq 0 ]; then
    say "warning: no instance is in the upstream: nginx answers 502 until one is"
  fi
  if cmp -s "$tmp" "$f"; then
    rm -f "$tmp"
    return 1
  fi
  # Until nginx has reloaded it, the new file is not in force (a hook killed
  # in between leaves the marker, and the next apply_upstream reloads).
  touch "$DEMO_DIR/reload-pending"
  mv "$tmp" "$f"
}

# `nginx -s reload`, then waits until every worker that existed before has
# exited: old workers finish their in-flight requests first, so afterwards no
# request routed by the old upstream is still running.
reload_nginx() {
  local master old pid deadline err
  master=$(nginx_master) || die "nginx is not running (no live pid in $DEMO_DIR/nginx.pid); start the demo with setup.sh"
  if ! err=$(nginx_run -t -q 2>&1); then
    printf '%s\n' "$err" >&2
    die "the new nginx config does not load; nginx keeps the old one"
  fi
  old=$(nginx_workers "$master")
  nginx_run -s reload
  deadline=$(($(now_ms) + DEMO_WAIT * 1000))
  for pid in $old; do
    while alive "$pid"; do
      if [ "$(now_ms)" -ge "$deadline" ]; then
        die "nginx: old worker $pid still running ${DEMO_WAIT}s after the reload (see $DEMO_DIR/logs/error.log)"
      fi
      sleep 0.02
    done
  done
}

# Renders the upstream and reloads nginx when it changed (or a reload is
# still pending).
apply_upstream() {
  # One change at a time, should someone run a script by hand during a run.
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$DEMO_DIR/upstream.lock"
    flock 9
  fi
  render_upstream || true
  if [ -e "$DEMO_DIR/reload-pending" ]; then
    reload_nginx
    rm -f "$DEMO_DIR/reload-pending"
    say "nginx: reloaded, upstream: $(upstream_summary)"
  fi
  exec 9>&-
}

# `web-1 web-2 web-4(down)` for messages.
upstream_summary() {
  local name d out=()
  for name in $(instances); do
    d=$(inst_dir "$name")
    if serving "$name"; then
      if [ "$(cat "$d/weight")" -eq 1 ]; then
        out+=("$name")
      else
        out+=("$name=$(cat "$d/weight")")
      fi
    else
      out+=("$name(down)")
    fi
  done
  echo "${out[*]}"
}

# Blue-green: the instances named COLOR-* get weight 1, the other colour 0.
set_color() {
  local color=$1 name
  case $color in
    blue | green) ;;
    *) die "colour must be blue or green, not \`$color\`" 2 ;;
  esac
  [ -n "$(instances | grep "^$color-" || true)" ] || die "no $color-* instances in $DEMO_DIR/instances" 2
  for name in $(instances); do
    case $name in
      "$color"-*) echo 1 >"$(inst_dir "$name")/weight" ;;
      blue-* | green-*) echo 0 >"$(inst_dir "$name")/weight" ;;
    esac
  done
}

# Canary by weight: canary-* get WEIGHT percent of the requests, stable-* the
# rest (nginx weights are relative: W per canary-to-stable pair).
set_canary_weight() {
  local w=$1 ns nc name
  case $w in
    '' | *[!0-9]*) die "weight must be a whole percentage, not \`$w\`" 2 ;;
  esac
  w=$((10#$w))
  [ "$w" -le 100 ] || die "weight must be from 0 to 100, not $w" 2
  ns=$(instances | grep -c '^stable-' || true)
  nc=$(instances | grep -c '^canary-' || true)
  if [ "$ns" -eq 0 ] || [ "$nc" -eq 0 ]; then
    die "a canary needs stable-* and canary-* instances in $DEMO_DIR/instances" 2
  fi
  for name in $(instances); do
    case $name in
      stable-*) echo $(((100 - w) * nc)) >"$(inst_dir "$name")/weight" ;;
      canary-*) echo $((w * ns)) >"$(inst_dir "$name")/weight" ;;
    esac
  done
}
