#!/usr/bin/env bash
# make soak MINUTES=N: a steady mixed load for N minutes against the real stack (a private
# cluster under var/soak-PID): reporters submit cases and notes (gc-soak-load, SOAK_RATE per
# second, default 50), departments accept and resolve (gc-chaos-dept), grid leaders verify.
# Prints per minute the latency percentiles of intake's replies and every daemon's resident
# memory and open file descriptors, and at the end a table of start against end, so that a
# leak or a slow drift shows. Usage: tests/soak/run.sh BIN_DIR MINUTES
set -uo pipefail
cd "$(dirname "$0")/../.."
bin=$(cd "${1:?usage: run.sh BIN_DIR MINUTES}" && pwd)
minutes=${2:?MINUTES} rate=${SOAK_RATE:-50}
export GC_VAR="var/soak-$$" GC_PORT_BASE=$((26000 + ($$ % 400) * 10)) PATH="$bin:$PATH"
mkdir -p "$GC_VAR"
cleanup() { touch "$GC_VAR/stop"; deploy/stack.sh down >/dev/null 2>&1; }
trap cleanup EXIT
deploy/stack.sh up "$bin" > "$GC_VAR/up.log" 2>&1 || { cat "$GC_VAR/up.log"; exit 1; }
# shellcheck disable=SC1091
. "$GC_VAR/env"
daemons=(intake routing escalation stats board)
rss() { awk '/^VmRSS/ {print $2}' "/proc/$(cat "$GC_VAR/run/$1.pid")/status"; }
fds() { ls "/proc/$(cat "$GC_VAR/run/$1.pid")/fd" | wc -l; }
sample() { for d in "${daemons[@]}"; do printf '%s %s %s\n' "$d" "$(rss "$d")" "$(fds "$d")"; done; }

for d in municipal cityman sanitation; do
    gc-chaos-dept "$d" $((minutes * 60 + 60)) "$GC_VAR/$d.seqs" > "$GC_VAR/dept-$d.out" 2>&1 &
done
(until [ -e "$GC_VAR/stop" ]; do
    for ref in $(psql "$GC_PG_DSN" -tAc "SELECT ref FROM cases WHERE status = 'resolved' LIMIT 100"); do
        gridctl verify "$ref" --ok --actor grid-leader >/dev/null 2>&1
    done
    sleep 1
done) &
sample > "$GC_VAR/start.txt"
echo "soak: $minutes min at $rate requests/s; start: $(tr '\n' ' ' < "$GC_VAR/start.txt")"
: > "$GC_VAR/load.out"  # before tail -f follows it
gc-soak-load "$GC_INTAKE_URL" "$rate" "$minutes" "$$" >> "$GC_VAR/load.out" 2>&1 &
load=$!
tail -f "$GC_VAR/load.out" --pid=$load | while read -r line; do
    echo "$line  |  $(sample | awk '{printf "%s %d MB %d fds  ", $1, $2 / 1024, $3}')"
done
wait $load
load_rc=$?
sample > "$GC_VAR/end.txt"
touch "$GC_VAR/stop"
echo "soak: daemon        RSS start    RSS end   fds start  fds end"
join "$GC_VAR/start.txt" "$GC_VAR/end.txt" | awk '{printf "soak: %-10s %8d kB %8d kB %9d %8d\n", $1, $2, $4, $3, $5}'
echo "soak: cases $(psql "$GC_PG_DSN" -tAc "SELECT count(*) || ' reported, ' || count(*) FILTER (WHERE status = 'closed') || ' closed' FROM cases")"
[ $load_rc -eq 0 ] || echo "soak: some requests failed (see $GC_VAR/load.out)"
exit $load_rc
