#!/usr/bin/env bash
# health.sh TARGET — the health hook: asks TARGET's /healthz directly (not
# through nginx). Exit 0 healthy (200), 1 unhealthy (another status, or the
# process is gone), 75 no answer yet from a process that is running (starting).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ $# -eq 1 ] || die "usage: health.sh TARGET" 2
target=$1
need_instance "$target"
d=$(inst_dir "$target")
code=$(http_status "$(cat "$d/port")" /healthz)
case $code in
  200) exit 0 ;;
  '')
    if [ -n "$(inst_pid "$target")" ]; then
      say "$target: no answer yet on 127.0.0.1:$(cat "$d/port")"
      exit 75
    fi
    say "$target: not running (log: $d/log)"
    exit 1
    ;;
  *)
    say "$target: /healthz answered $code ($(cat "$d/version"))"
    exit 1
    ;;
esac
