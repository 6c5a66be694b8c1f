#!/usr/bin/env bash
# Integration tests: a private PostgreSQL cluster and the four daemons as real processes, driven
# through gridctl and raw ZeroMQ. Usage: tests/integration/run.sh BIN_DIR [t_NAME ...]
# (naming test files runs only those, for work on one of them)
#
# The test files run in GC_TEST_LANES lanes (default 2), each lane a stack of its own (cluster,
# daemons, ports) running its files in turn. Most of a file's time is spent waiting for daemons,
# so two lanes on two cores take about half the time of one. Within a lane the files share the
# stack; their cases live in different grids so they do not disturb each other's figures.
# Each file's output is printed whole when it ends.
set -uo pipefail
cd "$(dirname "$0")/../.."
bin=$(cd "${1:?usage: run.sh BIN_DIR [t_NAME ...]}" && pwd)
shift
if [ $# -gt 0 ]; then tests=("${@%.sh}"); tests=("${tests[@]/#/tests/integration/}"); tests=("${tests[@]/%/.sh}"); else tests=(tests/integration/t_*.sh); fi
for t in "${tests[@]}"; do [ -f "$t" ] || { echo "not ok - no test file $t"; exit 1; }; done
export GC_ESCALATION_TICK_MS=100 GC_STATS_INTERVAL_MS=300 GC_TEST_CLOCK=1
export PATH="$bin:$PATH"
run_var="var/test-$$"
lanes=${GC_TEST_LANES:-2}
[ "$lanes" -gt ${#tests[@]} ] && lanes=${#tests[@]}
[ "$lanes" -lt 1 ] && lanes=1
mkdir -p "$run_var"

# Seconds each file took in one lane on a 2-core machine (session 6): the longest go first, each
# to the lane with the least work so far. A file not listed counts as 10 s.
# t_stats_brief and t_stats: session 7, after the figures' rewrite.
declare -A seconds=([t_curve]=54 [t_hostile]=42 [t_stats_truth]=32 [t_config]=30
    [t_departments]=27 [t_routing_batch]=22 [t_stats_brief]=20 [t_meetings]=17 [t_stats]=12
    [t_intake_batch]=10 [t_stats_batch]=9 [t_escalation]=9 [t_intake]=8 [t_backup]=6
    [t_restart]=4 [t_delivery]=3 [t_lifecycle]=2 [t_spot_levels]=3 [t_malformed]=1
    [t_python_client]=1 [t_roles]=1 [t_board]=16 [t_node_client]=45 [t_open311]=30
    [t_stack]=45 [t_gridctl]=20 [t_people]=30 [t_slow_peers]=37)
weight() { local n; n=$(basename "$1" .sh); echo "${seconds[$n]:-10}"; }
declare -a lane_files lane_load
for ((l = 0; l < lanes; l++)); do lane_files[l]=""; lane_load[l]=0; done
while read -r _ t; do
    best=0
    for ((l = 1; l < lanes; l++)); do [ "${lane_load[l]}" -lt "${lane_load[best]}" ] && best=$l; done
    lane_files[best]+="$t "
    lane_load[best]=$((lane_load[best] + $(weight "$t")))
done < <(for t in "${tests[@]}"; do echo "$(weight "$t") $t"; done | sort -k1,1nr -k2)

# Between test files: wait (up to 180 s) until routing, escalation and stats have applied every
# event, so that one file's backlog (a clock jump escalates thousands of open cases) does not
# eat into the next file's timeouts.
settle() {
    local behind
    for _ in $(seq 360); do
        behind=$(psql "$GC_PG_DSN" -tAc "SELECT count(*) FROM consumer_cursors WHERE last_seq < (SELECT last_seq FROM event_streams)" 2>/dev/null)
        [ "$behind" = 0 ] && return 0
        sleep 0.5
    done
    echo "# the consumers did not catch up within 180 s"
}

# run_lane L FILES...: start lane L's stack, run its files in turn, stop it. Exits with the
# number of files that failed. Its own ports: run.sh's block of 10 per lane (t_curve adds 8000).
run_lane() {
    local l=$1 t out started failed=0
    shift
    export GC_VAR="$run_var/lane$l"
    export GC_PORT_BASE=$((20000 + (($$ * lanes + l) % 400) * 10))
    mkdir -p "$GC_VAR/out"
    if ! deploy/stack.sh up "$bin" > "$GC_VAR/up.log" 2>&1; then
        { echo "not ok - lane $l: the stack did not start:"; cat "$GC_VAR/up.log"; } | print_whole
        return $#
    fi
    # shellcheck disable=SC1091
    . "$GC_VAR/env"
    for t in "$@"; do
        out="$GC_VAR/out/$(basename "$t" .sh).out"
        started=$SECONDS
        {
            settle
            echo "# $t (lane $l)"
            (
                # shellcheck source=tests/integration/lib.sh
                . tests/integration/lib.sh
                . "$t"
                exit $((failures > 0))
            ) || { failed=$((failed + 1)); echo "# FAILED: $t"; }
            echo "# $t: $((SECONDS - started)) s"
        } > "$out" 2>&1 < /dev/null
        print_whole < "$out"
    done
    deploy/stack.sh down >/dev/null 2>&1
    return $failed
}
# one file's output at a time on stdout, whichever lane ends first
print_whole() { flock "$run_var/print.lock" cat; }

cleanup() {
    for ((l = 0; l < lanes; l++)); do GC_VAR="$run_var/lane$l" deploy/stack.sh down >/dev/null 2>&1; done
}
trap cleanup EXIT

pids=()
for ((l = 0; l < lanes; l++)); do
    # shellcheck disable=SC2086 # the lane's file list, split on spaces
    run_lane "$l" ${lane_files[l]} &
    pids+=($!)
done
total_failures=0
for p in "${pids[@]}"; do wait "$p"; total_failures=$((total_failures + $?)); done
cleanup
trap - EXIT

# a sanitizer report or a crash in any daemon fails the run, even if every check passed
if grep -l -E 'AddressSanitizer|LeakSanitizer|runtime error:|Segmentation' "$run_var"/lane*/log/*.log; then
    echo "not ok - a daemon reported a sanitizer error (logs above)"
    grep -h -A30 -E 'AddressSanitizer|LeakSanitizer|runtime error:' "$run_var"/lane*/log/*.log | head -80
    total_failures=$((total_failures + 1))
fi
if [ $total_failures -eq 0 ]; then
    echo "# integration: all test files passed"
    for d in "$run_var"/lane*; do rm -rf "$(readlink -f "$d/pg/pgdata")"; done
    rm -rf "$run_var"
    exit 0
fi
echo "# integration: $total_failures test file(s) failed; logs kept in $run_var/lane*/log"
exit 1
