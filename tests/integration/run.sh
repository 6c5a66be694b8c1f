#!/usr/bin/env bash
# Integration tests: a private PostgreSQL cluster and the four daemons as real processes, driven
# through gridctl and raw ZeroMQ. Usage: tests/integration/run.sh BIN_DIR [t_NAME ...]
# (naming test files runs only those, for work on one of them)
# Each tests/integration/t_*.sh runs in turn against the same stack; their cases live in
# different grids so they do not disturb each other's figures.
set -uo pipefail
cd "$(dirname "$0")/../.."
bin=$(cd "${1:?usage: run.sh BIN_DIR [t_NAME ...]}" && pwd)
shift
if [ $# -gt 0 ]; then tests=("${@%.sh}"); tests=("${tests[@]/#/tests/integration/}"); tests=("${tests[@]/%/.sh}"); else tests=(tests/integration/t_*.sh); fi
for t in "${tests[@]}"; do [ -f "$t" ] || { echo "not ok - no test file $t"; exit 1; }; done
export GC_VAR="var/test-$$"
export GC_PORT_BASE=$((20000 + ($$ % 400) * 10))
export GC_ESCALATION_TICK_MS=100 GC_STATS_INTERVAL_MS=300 GC_TEST_CLOCK=1
export PATH="$bin:$PATH"

cleanup() { deploy/stack.sh down >/dev/null 2>&1; }
trap cleanup EXIT
mkdir -p "$GC_VAR"
deploy/stack.sh up "$bin" > "$GC_VAR/up.log" 2>&1 || { echo "not ok - the stack did not start:"; cat "$GC_VAR/up.log"; exit 1; }
# shellcheck disable=SC1091
. "$GC_VAR/env"

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

total_failures=0
for t in "${tests[@]}"; do
    settle
    echo "# $t"
    (
        # shellcheck source=tests/integration/lib.sh
        . tests/integration/lib.sh
        . "$t"
        exit $((failures > 0))
    ) || total_failures=$((total_failures + 1))
done

deploy/stack.sh down >/dev/null 2>&1
trap - EXIT
# a sanitizer report or a crash in any daemon fails the run, even if every check passed
if grep -l -E 'AddressSanitizer|LeakSanitizer|runtime error:|Segmentation' "$GC_VAR"/log/*.log; then
    echo "not ok - a daemon reported a sanitizer error (logs above)"
    grep -h -A30 -E 'AddressSanitizer|LeakSanitizer|runtime error:' "$GC_VAR"/log/*.log | head -80
    total_failures=$((total_failures + 1))
fi
if [ $total_failures -eq 0 ]; then
    echo "# integration: all test files passed"
    rm -rf "$(readlink -f "$GC_VAR/pg/pgdata")" "$GC_VAR"
    exit 0
fi
echo "# integration: $total_failures test file(s) failed; logs kept in $GC_VAR/log"
exit 1
