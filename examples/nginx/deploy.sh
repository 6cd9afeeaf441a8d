#!/usr/bin/env bash
# deploy.sh TARGET VERSION — the rolling deploy (and rollback) hook.
#
# Takes TARGET out of the nginx upstream and reloads, waits for the requests
# already sent to it to finish, restarts it with VERSION, waits until its
# /healthz answers, puts it back and reloads. Idempotent: when TARGET already
# runs VERSION and answers, it only makes sure TARGET is back in the upstream,
# so a resumed run (or a rollback of a target that was never updated) is safe.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ $# -eq 2 ] || die "usage: deploy.sh TARGET VERSION" 2
target=$1 version=$2
need_instance "$target"
d=$(inst_dir "$target")

if [ "$(cat "$d/version")" = "$version" ] && [ -n "$(inst_pid "$target")" ] &&
  [ -n "$(http_status "$(cat "$d/port")" /healthz)" ]; then
  say "$target: already runs $version"
else
  if serving "$target"; then was=serving; else was=idle; fi
  t0=$(now_ms)
  touch "$d/drained"
  apply_upstream
  if [ "$was" = serving ]; then
    say "$target: out of the upstream; its in-flight requests were done after $(($(now_ms) - t0)) ms"
  else
    say "$target: not in the upstream; nothing to drain"
  fi
  stop_instance "$target"
  start_instance "$target" "$version"
fi
rm -f "$d/drained"
apply_upstream
