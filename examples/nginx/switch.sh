#!/usr/bin/env bash
# switch.sh COLOR — the blue-green switch hook (and its rollback): rewrites the
# upstream so that only COLOR-* instances serve, reloads nginx and waits until
# the old workers have finished their requests. The other colour keeps running
# for an instant switch back. Idempotent.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ $# -eq 1 ] || die "usage: switch.sh COLOR" 2
set_color "$1"
apply_upstream
say "traffic goes to $1: $(upstream_summary)"
