#!/usr/bin/env bash
# make profile: where the time goes under the benchmark's full load. Starts the stack as
# tests/bench/run.sh does (its own directory var/profile, ports 7500..), warms it up, then runs one
# load for GC_PROFILE_SECONDS while it records
#   - every CPU's call stacks (perf record -a -g): per daemon and per PostgreSQL backend, named
#     by the daemon it serves (the daemons set application_name);
#   - what each daemon's backend waits for (pg_stat_activity, sampled every 20 ms by one psql);
#   - the statements' times (pg_stat_statements, loaded for this run only).
# Writes var/profile/report.txt and prints it. A profile, not a benchmark: perf costs a few per
# cent, and the figures it prints are the load generator's own.
#
# Usage: tests/bench/profile.sh BIN_DIR [intake | end_to_end | latency]
#   intake      64 reporters unthrottled, no department or stats client (the default)
#   end_to_end  the same with a client per department and a stats subscriber
#   latency     GC_BENCH_LATENCY_RATE (1000) cases/s offered, department clients on
# Settings: GC_PROFILE_SECONDS (30), GC_PROFILE_PORT (7500), GC_BENCH_REPORTERS (64),
# GC_BENCH_IN_FLIGHT (8).
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=$(cd "${1:?usage: profile.sh BIN_DIR [intake|end_to_end|latency]}" && pwd)
what=${2:-intake}
export PATH="$bin:$PATH"
var=var/profile port=${GC_PROFILE_PORT:-7500} seconds=${GC_PROFILE_SECONDS:-30}
reporters=${GC_BENCH_REPORTERS:-64} in_flight=${GC_BENCH_IN_FLIGHT:-8}
export GC_VAR=$var GC_PORT_BASE=$port GC_CURVE=0
# shellcheck source=tests/bench/lib.sh
. tests/bench/lib.sh
case $what in
    intake) load=(--rate 0) ;;
    end_to_end) load=(--rate 0 --departments --stats) ;;
    latency) load=(--rate "${GC_BENCH_LATENCY_RATE:-1000}" --departments) ;;
    *) echo "profile.sh: unknown load '$what' (intake, end_to_end or latency)" >&2; exit 2 ;;
esac
command -v perf > /dev/null || { echo "profile.sh: perf is not installed (make deps installs linux-perf)" >&2; exit 1; }

deploy/stack.sh down > /dev/null 2>&1 || true
rm -rf "$(readlink -f "$var/pg/pgdata")" "$var"
mkdir -p "$var/log" "$var/sections"
sampler=
cleanup() {
    [ -n "$sampler" ] && kill "$sampler" 2> /dev/null
    for d in "${daemons[@]}"; do kill -TERM "$(pid_of "$d" 2> /dev/null)" 2> /dev/null || true; done
    deploy/stack.sh down > /dev/null 2>&1 || true
    deploy/pg.sh stop "$var/pg" > /dev/null 2>&1 || true
}
trap cleanup EXIT
trap 'exit 130' INT # (the EXIT trap runs on a signal only when the signal is trapped)
trap 'exit 143' TERM

# pg_stat_statements must be loaded at the server's start: set before the stack starts it
deploy/pg.sh start "$var/pg" "$port"
psql_at -d postgres -c "ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'"
deploy/pg.sh stop "$var/pg"
deploy/stack.sh up "$bin" > "$var/log/stack-up.log" 2>&1 \
    || { cat "$var/log/stack-up.log" >&2; exit 1; }
# shellcheck disable=SC1091
. "$var/env"
psql_at -d gridcase -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements"
common=(--reporters "$reporters" --in-flight "$in_flight" --drain-timeout 600)
note "warm-up: 10 s"
section warm_up run --duration 10 "${common[@]}" --rate 0 --departments --stats
psql_at -d gridcase -c "ANALYZE"
psql_at -d gridcase -c "SELECT pg_stat_statements_reset()" > /dev/null

# wait events: one psql session, a sample every 20 ms, the daemons' backends only
"$pgbin/psql" -h 127.0.0.1 -p "$port" -U gridcase -d gridcase -qtAX -F ' ' > "$var/waits.txt" \
    2> /dev/null <<'EOF' &
SELECT application_name, coalesce(wait_event_type, 'CPU') || ':' || coalesce(wait_event, state)
FROM pg_stat_activity WHERE application_name LIKE 'gc-%' AND pid <> pg_backend_pid()
\watch 0.02
EOF
sampler=$!
note "$what: ${seconds} s under perf"
perf record -a -g -F 499 -o "$var/perf.data" -- sleep "$seconds" > "$var/log/perf.log" 2>&1 &
perf_pid=$!
section "$what" run --duration "$seconds" "${common[@]}" "${load[@]}"
wait "$perf_pid" || true
kill "$sampler" 2> /dev/null || true
sampler=

# backend pid -> daemon, for perf's per-process view
psql_at -d gridcase -F ' ' -c "SELECT pid, application_name FROM pg_stat_activity
    WHERE application_name LIKE 'gc-%'" > "$var/backends.txt"
set +o pipefail # head ends perf report's output early
{
    echo "# gridcase profile: $what, $seconds s, $reporters reporters x $in_flight in flight, $(date -u +%Y-%m-%dT%H:%MZ), commit $(git describe --always --dirty 2> /dev/null || echo unknown)"
    echo "## figures of the load generator"
    jq -c 'del(.cpu_percent) | with_entries(select(.value | type != "object" or length < 8))' \
        "$var/sections/$what.json"
    echo
    echo "## CPU by process (share of all samples; 100% = both cores for the whole run)"
    perf report -i "$var/perf.data" --no-children --sort pid --stdio -g none 2> /dev/null \
        | grep -v '^#' | grep -v '^$' | head -n 16 \
        | while read -r pct rest; do
            pid=${rest%%:*}
            who=$(awk -v p="$pid" '$1 == p { print "(backend of " $2 ")" }' "$var/backends.txt")
            echo "$pct $rest $who"
        done
    for d in "${daemons[@]}"; do
        echo
        echo "## gc-$d: top symbols (self)"
        perf report -i "$var/perf.data" --no-children --pid "$(pid_of "$d")" --sort dso,sym \
            --stdio -g none 2> /dev/null | grep -v '^#' | grep -v '^$' | head -n 15
        bpid=$(awk -v n="gc-$d" '$2 == n { print $1; exit }' "$var/backends.txt")
        if [ -n "$bpid" ]; then
            echo
            echo "## gc-$d's backend (pid $bpid): top symbols (self)"
            perf report -i "$var/perf.data" --no-children --pid "$bpid" --sort dso,sym \
                --stdio -g none 2> /dev/null | grep -v '^#' | grep -v '^$' | head -n 15
        fi
    done
    echo
    echo "## what each daemon's backend was doing (share of 20 ms samples)"
    awk 'NF == 2 { n[$1]++; w[$1 " " $2]++ }
         END { for (k in w) { split(k, a, " "); printf "%-16s %-40s %5.1f%%\n", a[1], a[2], 100 * w[k] / n[a[1]] } }' \
        "$var/waits.txt" | sort -k1,1 -k3,3nr
    echo
    echo "## statements by total time (pg_stat_statements)"
    psql_at -d gridcase -F $'\t' -c "SELECT round(total_exec_time)::bigint AS total_ms, calls,
            round((total_exec_time / greatest(calls, 1))::numeric, 3) AS mean_ms, rows,
            left(regexp_replace(query, '\s+', ' ', 'g'), 110)
        FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 20" \
        | column -t -s $'\t'
} > "$var/report.txt"
cat "$var/report.txt"
