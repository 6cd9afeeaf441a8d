#!/usr/bin/env bash
# teardown.sh — stops the demo's nginx and app instances (SIGTERM, then
# SIGKILL after $SHIPWINDOW_DEMO_WAIT seconds). Leaves $SHIPWINDOW_DEMO_DIR
# and its logs in place. Safe to run when nothing is running.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ -d "$DEMO_DIR" ] || { say "no demo in $DEMO_DIR"; exit 0; }
if master=$(nginx_master); then
  workers=$(nginx_workers "$master")
  kill -TERM "$master" 2>/dev/null || true
  deadline=$(($(now_ms) + DEMO_WAIT * 1000))
  while alive "$master"; do
    if [ "$(now_ms)" -ge "$deadline" ]; then
      # shellcheck disable=SC2086 # one pid per word
      kill -KILL "$master" $workers 2>/dev/null || true
      break
    fi
    sleep 0.05
  done
  say "nginx $master stopped"
fi
for name in $(instances); do
  pid=$(inst_pid "$name")
  if [ -n "$pid" ]; then
    stop_instance "$name"
    say "$name $(cat "$(inst_dir "$name")/version") (pid $pid) stopped"
  fi
done
