#!/usr/bin/env bash
# deploy-color.sh COLOR VERSION — the blue-green deploy hook: (re)starts every
# COLOR-* instance with VERSION. Meant for the idle colour, which has no
# traffic; on the live colour it would still drain each instance first.
# Idempotent (deploy.sh per instance).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ $# -eq 2 ] || die "usage: deploy-color.sh COLOR VERSION" 2
color=$1 version=$2
case $color in
  blue | green) ;;
  *) die "colour must be blue or green, not \`$color\`" 2 ;;
esac
names=$(instances | grep "^$color-" || true)
[ -n "$names" ] || die "no $color-* instances in $DEMO_DIR/instances" 2
for name in $names; do
  "$DEMO_LIB_DIR/deploy.sh" "$name" "$version"
done
