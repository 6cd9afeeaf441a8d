#!/usr/bin/env bash
# bench/http.sh: a bounded load run of `shipwindow serve` on loopback.
#
# Measures, in one run, requests/second and p50/p99 latency of
#   GET /v1/check?service=web&env=prod&at=2026-12-01T10:00:00%2B09:00   (the check)
#   GET /healthz                                                        (the baseline)
# with wrk at 64 connections, alternating baseline and check (healthz, check, healthz,
# check), and prints a table plus the ratios the issue's target is written in:
#   check rps / healthz rps >= 0.80, and check p99 < 2 ms.
#
# Usage: bench/http.sh            (from anywhere; it works on the repository it is in)
# Environment (all optional):
#   DURATION     length of each measured wrk run         (default 10s; wrk syntax: 10s, 1m)
#   CONNECTIONS  wrk connections                         (default 64)
#   THREADS      wrk threads                             (default 2)
#   ROUNDS       healthz/check pairs                     (default 2)
#   WARMUP       length of the warm-up run of each path  (default 2s)
#   STRICT=1     exit 3 when a target is missed (default: report only)
#   ALLOW_LONG=1 allow more than 110 s of load in all (refused otherwise)
#   POLICIES     policy directory the server loads      (default: the repository's policies/)
#   SERVICE      the check's service                     (default web)
#   CHECK_ENV    the check's environment                 (default prod)
#   AT           the check's instant, RFC 3339           (default 2026-12-01T10:00:00+09:00)
#   TARGET_RATIO check rps / healthz rps target          (default 0.80)
#   TIMEOUT      wrk's per-request timeout                (default 2s, wrk's own; a slow
#                check that overruns it counts as a socket error, not a latency)
#   BIN          a built shipwindow binary to serve with (default: cargo build --release)
#   CARGO_TARGET_DIR is honoured by the build.
#
# The large policy of `cargo bench --bench large`:
#   cargo run --release --example gen_large_policy -- DIR   (prints heaviest= and light=)
#   POLICIES=DIR SERVICE=<heaviest> AT=2027-02-01T10:00:00+09:00 TARGET_RATIO=0.5 bench/http.sh
#
# Exit codes: 0 done (targets reported), 1 the benchmark could not run or is invalid
# (wrk missing, build failed, server did not start, non-2xx responses), 3 STRICT=1 and a
# target was missed.
set -euo pipefail

DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
ROUNDS=${ROUNDS:-2}
WARMUP=${WARMUP:-2s}
STRICT=${STRICT:-0}

SERVICE=${SERVICE:-web}
CHECK_ENV=${CHECK_ENV:-prod}
AT=${AT:-2026-12-01T10:00:00+09:00}
TIMEOUT=${TIMEOUT:-2s}
[[ $SERVICE =~ ^[A-Za-z0-9._-]+$ ]] || { echo "bench/http.sh: error: SERVICE must be a service name ([A-Za-z0-9._-]), got '$SERVICE'" >&2; exit 1; }
[[ $CHECK_ENV =~ ^[A-Za-z0-9._-]+$ ]] || { echo "bench/http.sh: error: CHECK_ENV must be an environment name ([A-Za-z0-9._-]), got '$CHECK_ENV'" >&2; exit 1; }
[[ $AT =~ ^[0-9T:+.Z-]+$ ]] || { echo "bench/http.sh: error: AT must be an RFC 3339 instant such as 2026-12-01T10:00:00+09:00, got '$AT'" >&2; exit 1; }
CHECK_PATH="/v1/check?service=$SERVICE&env=$CHECK_ENV&at=${AT//+/%2B}"
HEALTH_PATH='/healthz'
TARGET_RATIO=${TARGET_RATIO:-0.80}   # check rps / healthz rps, at least
TARGET_P99_MS=2     # check p99, under

die() { echo "bench/http.sh: error: $*" >&2; exit 1; }
log() { echo "# $*" >&2; }

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
POLICIES=${POLICIES:-$REPO/policies}
[[ -d $POLICIES ]] || { echo "bench/http.sh: error: POLICIES must be a policy directory, '$POLICIES' is not one" >&2; exit 1; }
POLICIES=$(cd "$POLICIES" && pwd)
cd "$REPO"

# --- arguments --------------------------------------------------------------------
for v in CONNECTIONS THREADS ROUNDS; do
    [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer, got '${!v}'"
done
[[ $TARGET_RATIO =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "TARGET_RATIO must be a number such as 0.8, got '$TARGET_RATIO'"
[[ $TIMEOUT =~ ^[0-9]+[smh]?$ ]] || die "TIMEOUT must be a wrk duration such as 2s or 30s, got '$TIMEOUT'"
# wrk durations: a number with an optional s/m/h suffix; turned into seconds for the
# time budget and the per-run timeouts.
to_seconds() {
    local d=$1
    [[ $d =~ ^([0-9]+)([smh]?)$ ]] || die "bad duration '$d' (use e.g. 10s or 1m)"
    case ${BASH_REMATCH[2]} in
        ''|s) echo "${BASH_REMATCH[1]}" ;;
        m) echo $((BASH_REMATCH[1] * 60)) ;;
        h) echo $((BASH_REMATCH[1] * 3600)) ;;
    esac
}
DUR_S=$(to_seconds "$DURATION")
WARM_S=$(to_seconds "$WARMUP")
((DUR_S > 0)) || die "DURATION must be longer than zero"
((THREADS <= CONNECTIONS)) || die "THREADS ($THREADS) must not exceed CONNECTIONS ($CONNECTIONS)"
LOAD_S=$((2 * WARM_S + 2 * ROUNDS * DUR_S))
# Bounded: the defaults load the machine for 44 s; refuse settings past ~2 minutes.
if ((LOAD_S > 110)) && [[ ${ALLOW_LONG:-0} != 1 ]]; then
    die "DURATION/ROUNDS/WARMUP add up to ${LOAD_S}s of load (over 110s); set ALLOW_LONG=1 to run it anyway"
fi

# --- tools ------------------------------------------------------------------------
if ! command -v wrk >/dev/null 2>&1; then
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
        log "wrk not found; installing it with apt-get install -y wrk"
        apt-get install -y wrk >&2 \
            || { apt-get update >&2 && apt-get install -y wrk >&2; } \
            || die "could not install wrk; install it yourself (Debian/Ubuntu: apt-get install wrk; macOS: brew install wrk; or build https://github.com/wg/wrk)"
    else
        die "wrk is not installed. Install it (Debian/Ubuntu: sudo apt-get install wrk; macOS: brew install wrk; or build https://github.com/wg/wrk) and run this again"
    fi
fi
command -v curl >/dev/null 2>&1 || die "curl is needed (for the health wait and the pre-flight check)"
command -v cargo >/dev/null 2>&1 || die "cargo is needed to build the release binary"

# --- machine ----------------------------------------------------------------------
cpu_model=$( (lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | head -n1) || true)
[[ -n $cpu_model ]] || cpu_model=$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo 2>/dev/null | head -n1 || true)
echo "machine: nproc=$(nproc), cpu=${cpu_model:-unknown}, kernel $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"
echo "wrk:     $(wrk --version 2>&1 | head -n1 | sed 's/ \[.*//')"
echo "policy:  $POLICIES"
echo "load:    wrk -t$THREADS -c$CONNECTIONS -d$DURATION --timeout $TIMEOUT --latency; warm-up $WARMUP per path; $ROUNDS x (healthz, check); about ${LOAD_S}s of load"
echo "note:    wrk and the server share this machine's $(nproc) CPUs"
load1=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo 0)
if awk -v l="$load1" -v n="$(nproc)" 'BEGIN{exit !(l > 0.75 * n)}'; then
    echo "warning: load average $load1 on $(nproc) CPUs before the run: other work is running, so the"
    echo "         figures will be noisy (and the ratio squeezed towards 1, as both paths get a share)"
fi

# --- build ------------------------------------------------------------------------
if [[ -n ${BIN:-} ]]; then
    [[ -x $BIN ]] || die "BIN must be an executable shipwindow binary, '$BIN' is not one"
else
    log "building the release binary (cargo build --release)"
    cargo build --release --bin shipwindow >&2 || die "cargo build --release failed"
    target_dir=$(cargo metadata --format-version 1 --no-deps 2>/dev/null \
        | grep -o '"target_directory":"[^"]*"' | head -n1 | sed 's/^"target_directory":"//; s/"$//') || true
    [[ -n $target_dir ]] || target_dir=${CARGO_TARGET_DIR:-$REPO/target}
    [[ $target_dir = /* ]] || target_dir=$REPO/$target_dir
    BIN=$target_dir/release/shipwindow
    [[ -x $BIN ]] || die "built binary not found at $BIN"
fi
echo "binary:  $BIN ($("$BIN" --version 2>/dev/null || echo '?')), git $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?')$( [[ -n $(git -C "$REPO" status --porcelain --untracked-files=no 2>/dev/null) ]] && echo ' (uncommitted changes)')"

# --- server -----------------------------------------------------------------------
WORK=$(mktemp -d "${TMPDIR:-/tmp}/shipwindow-http-bench.XXXXXX")
SERVER_PID=
WRK_PID=
cleanup() {
    local rc=$?
    if [[ -n $WRK_PID ]]; then kill -TERM "$WRK_PID" 2>/dev/null || true; wait "$WRK_PID" 2>/dev/null || true; fi
    if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# No tokens (the request carries none) and an explicit policy directory, whatever the
# caller's environment says. Loopback only, on a free port. A server that keeps state
# (`--state-dir`, default ./.shipwindow) gets a throw-away one, not one in the repository.
serve_args=(serve --listen 127.0.0.1:0 --policies "$POLICIES")
if "$BIN" serve --help 2>/dev/null | grep -q -- '--state-dir'; then
    serve_args+=(--state-dir "$WORK/state")
fi
env -u SHIPWINDOW_TOKENS -u SHIPWINDOW_POLICIES -u SHIPWINDOW_STATE_DIR \
    "$BIN" "${serve_args[@]}" >"$WORK/server.out" 2>"$WORK/server.err" &
SERVER_PID=$!

BASE=
for _ in $(seq 1 100); do   # up to 10 s
    BASE=$(grep -oE 'http://127\.0\.0\.1:[0-9]+' "$WORK/server.err" | head -n1 || true)
    [[ -n $BASE ]] && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.err" >&2; die "the server exited before serving"; }
    sleep 0.1
done
[[ -n $BASE ]] || { cat "$WORK/server.err" >&2; die "no http://127.0.0.1:PORT in the server's stderr after 10 s"; }
echo "server:  $BASE; $(grep -m1 -oE 'serving .*' "$WORK/server.err" || echo "(no 'serving' line)")"

ok=
for _ in $(seq 1 50); do    # up to 5 s
    if [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$BASE$HEALTH_PATH" || true) == 200 ]]; then ok=1; break; fi
    sleep 0.1
done
[[ -n $ok ]] || die "GET $HEALTH_PATH did not answer 200 within 5 s"

# Pre-flight: the check must be a 200 with a decision in it, or the load run measures
# error pages.
code=$(curl -s -o "$WORK/check.json" -w '%{http_code}' --max-time 5 "$BASE$CHECK_PATH" || true)
[[ $code == 200 ]] || { cat "$WORK/check.json" >&2 2>/dev/null || true; echo >&2; die "GET $CHECK_PATH answered $code, not 200"; }
grep -q '"verdict"' "$WORK/check.json" || die "GET $CHECK_PATH answered 200 without a \"verdict\""
verdict=$(grep -oE '"verdict"[[:space:]]*:[[:space:]]*"[a-z]*"' "$WORK/check.json" | head -n1 | sed 's/.*"\([a-z]*\)"$/\1/' || true)
echo "check:   GET $CHECK_PATH -> 200, verdict $verdict, $(wc -c <"$WORK/check.json") bytes"
echo

# --- wrk runs ---------------------------------------------------------------------
# run_wrk NAME PATH DURATION_ARG DURATION_SECONDS: runs wrk, fails on non-2xx/3xx,
# writes "rps p50_ms p99_ms socket_errors" to $WORK/NAME.fig. wrk runs in the
# background and is waited for, so an interrupt is handled at once (and the trap ends
# wrk and the server) instead of after the run.
run_wrk() {
    local name=$1 path=$2 d=$3 ds=$4 out=$WORK/$1.txt
    timeout $((ds + 30)) wrk -t"$THREADS" -c"$CONNECTIONS" -d"$d" --timeout "$TIMEOUT" --latency "$BASE$path" >"$out" 2>&1 &
    WRK_PID=$!
    if ! wait "$WRK_PID"; then
        WRK_PID=
        cat "$out" >&2; die "wrk failed or overran ($name)"
    fi
    WRK_PID=
    if grep -q 'Non-2xx or 3xx responses' "$out"; then
        cat "$out" >&2
        die "$name: wrk saw non-2xx/3xx responses ($(sed -n 's/.*Non-2xx or 3xx responses:[[:space:]]*//p' "$out")); the figures would be of error pages"
    fi
    awk -v name="$name" '
        # "Latency Distribution" block: "     50%  812.00us"; units us, ms, s, m, h
        function ms(v,   n, u) {
            if (!match(v, /^[0-9.]+/)) return "nan"
            n = substr(v, 1, RLENGTH) + 0; u = substr(v, RLENGTH + 1)
            if (u == "us") return n / 1000
            if (u == "ms") return n
            if (u == "s")  return n * 1000
            if (u == "m")  return n * 60000
            if (u == "h")  return n * 3600000
            if (u == "ns") return n / 1000000
            return "nan"
        }
        /Latency Distribution/ { dist = 1; next }
        dist && $1 == "50%" { p50 = ms($2) }
        dist && $1 == "99%" { p99 = ms($2); dist = 0 }
        /^Requests\/sec:/ { rps = $2 }
        /Socket errors:/ { gsub(/,/, ""); err = $4 + $6 + $8 + $10 }
        END {
            if (rps == "" || p50 == "" || p99 == "" || p50 == "nan" || p99 == "nan") {
                print "unparsed wrk output for " name > "/dev/stderr"; exit 1
            }
            printf "%s %s %s %d\n", rps, p50, p99, err + 0
        }' "$out" >"$WORK/$name.fig" || { cat "$out" >&2; die "could not parse wrk's output ($name)"; }
}

log "warm-up: ${WARMUP} of healthz, ${WARMUP} of check"
if ((WARM_S > 0)); then
    run_wrk warmup-healthz "$HEALTH_PATH" "$WARMUP" "$WARM_S"
    run_wrk warmup-check "$CHECK_PATH" "$WARMUP" "$WARM_S"
fi

declare -a H_RPS H_P50 H_P99 C_RPS C_P50 C_P99
errors=0
printf '%-8s %-7s %12s %10s %10s %s\n' round path 'req/s' 'p50 ms' 'p99 ms' 'socket errors'
for r in $(seq 1 "$ROUNDS"); do
    for which in healthz check; do
        if [[ $which == healthz ]]; then p=$HEALTH_PATH; else p=$CHECK_PATH; fi
        log "round $r: $which"
        run_wrk "$which-$r" "$p" "$DURATION" "$DUR_S"
        read -r rps p50 p99 err <"$WORK/$which-$r.fig"
        errors=$((errors + err))
        printf '%-8s %-7s %12.0f %10.3f %10.3f %s\n' "$r" "$which" "$rps" "$p50" "$p99" "$err"
        if [[ $which == healthz ]]; then H_RPS+=("$rps"); H_P50+=("$p50"); H_P99+=("$p99")
        else C_RPS+=("$rps"); C_P50+=("$p50"); C_P99+=("$p99"); fi
    done
done
kill -0 "$SERVER_PID" 2>/dev/null || die "the server died during the run"

# --- summary ----------------------------------------------------------------------
# "Best" is the round with the highest req/s for that path; its own p50/p99 are shown
# (figures from one run are not mixed). Each round's healthz and check ran back to back,
# so the per-round ratio is also printed.
best() { # best RPS_ARRAY_NAME -> index of the highest
    local -n a=$1; local i bi=0
    for i in "${!a[@]}"; do awk -v x="${a[$i]}" -v y="${a[$bi]}" 'BEGIN{exit !(x > y)}' && bi=$i; done
    echo "$bi"
}
hb=$(best H_RPS); cb=$(best C_RPS)
echo
echo "best of $ROUNDS (the round with the highest req/s, with that round's latencies):"
printf '%-8s %12s %10s %10s\n' path 'req/s' 'p50 ms' 'p99 ms'
printf '%-8s %12.0f %10.3f %10.3f\n' healthz "${H_RPS[$hb]}" "${H_P50[$hb]}" "${H_P99[$hb]}"
printf '%-8s %12.0f %10.3f %10.3f\n' check "${C_RPS[$cb]}" "${C_P50[$cb]}" "${C_P99[$cb]}"
echo
per_round=
for i in "${!C_RPS[@]}"; do
    per_round+=$(awk -v c="${C_RPS[$i]}" -v h="${H_RPS[$i]}" 'BEGIN{printf " %.2f", c / h}')
done
ratio=$(awk -v c="${C_RPS[$cb]}" -v h="${H_RPS[$hb]}" 'BEGIN{printf "%.2f", c / h}')
worst_p99=$(printf '%s\n' "${C_P99[@]}" | sort -g | tail -n1)
ratio_ok=$(awk -v r="$ratio" -v t="$TARGET_RATIO" 'BEGIN{print (r >= t) ? "met" : "MISSED"}')
p99_ok=$(awk -v p="${C_P99[$cb]}" -v t="$TARGET_P99_MS" 'BEGIN{print (p < t) ? "met" : "MISSED"}')
echo "ratio check/healthz req/s: $ratio (best vs best); per round:$per_round   target >= $TARGET_RATIO: $ratio_ok"
echo "check p99: ${C_P99[$cb]} ms (best round); worst round $worst_p99 ms   target < $TARGET_P99_MS ms: $p99_ok"
echo "check p99 / healthz p99: $(awk -v c="${C_P99[$cb]}" -v h="${H_P99[$hb]}" 'BEGIN{printf "%.2f", c / h}')"
((errors == 0)) || echo "warning: $errors socket errors over the measured runs (see wrk's 'Socket errors')"

if [[ $STRICT == 1 && ($ratio_ok != met || $p99_ok != met) ]]; then
    exit 3
fi
