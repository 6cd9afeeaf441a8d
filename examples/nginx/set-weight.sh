#!/usr/bin/env bash
# set-weight.sh WEIGHT — the canary-by-weight hook: rewrites the upstream
# weights so that canary-* instances get WEIGHT percent of the requests and
# stable-* the rest (0: the canary serves nothing; 100: only the canary
# serves), reloads nginx and waits for the old workers. Idempotent.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ $# -eq 1 ] || die "usage: set-weight.sh WEIGHT" 2
set_canary_weight "$1"
apply_upstream
say "canary weight $1%: $(upstream_summary)"
