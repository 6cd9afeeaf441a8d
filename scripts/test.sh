#!/usr/bin/env bash
# The test command: installs what the end-to-end tests run for real when it is
# missing (nginx, python3, postgresql, prometheus and chromium, from Debian's packages), then runs every test,
# the ignored ones included (they are ignored only because they need those).
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
command -v python3 >/dev/null || missing+=(python3)
# The PostgreSQL store's tests start a real server (initdb + pg_ctl).
command -v initdb >/dev/null || compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null ||
  missing+=(postgresql)
# The traffic tests backfill and serve a real Prometheus (promtool + prometheus).
{ command -v prometheus && command -v promtool; } >/dev/null || missing+=(prometheus)
# The page's browser tests drive a real headless Chromium.
command -v chromium >/dev/null || [ -x /usr/bin/chromium ] || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]} for the end-to-end tests" >&2
  if [ "$(id -u)" -eq 0 ]; then sudo=(); else sudo=(sudo); fi
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq "${missing[@]}"
fi

# The OpenAPI test validates /v1/openapi.json with the PyPI package
# openapi-spec-validator: from pip, else from Debian's packages.
if ! python3 -c 'import openapi_spec_validator' 2>/dev/null; then
  echo "installing openapi-spec-validator for the OpenAPI test" >&2
  python3 -m pip install --quiet --user openapi-spec-validator 2>/dev/null ||
    python3 -m pip install --quiet --user --break-system-packages openapi-spec-validator 2>/dev/null ||
    { if [ "$(id -u)" -eq 0 ]; then sudo=(); else sudo=(sudo); fi
      "${sudo[@]}" apt-get install -y -qq python3-openapi-spec-validator; } ||
    { echo "error: cannot install openapi-spec-validator; install it (python3 -m pip install openapi-spec-validator) and run again" >&2; exit 2; }
fi

# The test command runs every test: a local run's skip of the PostgreSQL tests
# never carries into it.
unset SHIPWINDOW_SKIP_POSTGRES
cargo test "$@" -- --include-ignored
