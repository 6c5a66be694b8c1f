#!/usr/bin/env bash
# make netfaults: gridcase across a bad city network. The stack runs in one network namespace
# (the district's server), the departments' clients (gc-chaos-dept for municipal and cityman) in
# a second and the reporters (gc-chaos-report, retrying under their idempotency keys) in a
# third, each joined to a bridge by its own link (tests/netfaults/net.sh). Each run shapes a link
# while cases are reported and routed, then waits until the departments have caught up and
# checks:
#   lost      acknowledged reports missing, cases never routed or never delivered, deliveries
#             the department's client never received (gapless per-department seq on the server
#             and on the client)
#   doubled   a key acknowledged with two cases, a delivery handed to the client twice, an
#             accept or resolve applied twice
#   replies lost  department actions whose outcome the client never learned
# and prints a row of figures: cases acknowledged, those figures, the time from the link's return
# (or the end of the load) to the departments caught up, and gc-routing's and gc-intake's memory
# (resident set at the start and its peak) and CPU seconds during the run.
# The runs: loss5, loss20 (packet loss on the department's link), delay (200 ms +- 100 ms with
# reordering), rate256 (256 kbit/s), cut30 and cut300 (the department's link cut for 30 s and
# 5 minutes while cases keep being routed to it), reporters (the reporters' link cut for 20 s
# mid-load), flap (the department's link up 2 s, down 2 s for a minute).
#   tests/netfaults/run.sh BIN_DIR     NETFAULTS_SHORT=1: shorter runs (make check, ~3 minutes)
#                                      NETFAULTS_RUNS="loss5 cut30 ...": these runs only
# Needs root (ip netns, tc, iptables). Exits non-zero on any loss, doubling or lost reply.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
bin=$(cd "${1:?usage: run.sh BIN_DIR}" && pwd)
short=${NETFAULTS_SHORT:-0}
if [ "$short" = 1 ]; then
    default_runs="loss20 delay cut30 reporters flap" load=15 cut=15 long_cut=60 flap=20 rate=3
else
    default_runs="loss5 loss20 delay rate256 cut30 cut300 reporters flap" load=40 cut=30 long_cut=300 flap=60 rate=4
fi
read -r -a runs <<< "${NETFAULTS_RUNS:-$default_runs}"
# the stack's ports are on the server namespace's own loopback and address
export GC_VAR="var/netfaults-$$" GC_PORT_BASE=24500 GC_HOST=10.88.0.1
export GC_STATS_INTERVAL_MS=500 PATH="$bin:$PATH"
mkdir -p "$GC_VAR"
GC_VAR=$(cd "$GC_VAR" && pwd)
say() { echo "netfaults: $*"; }
# shellcheck source=tests/netfaults/net.sh
. tests/netfaults/net.sh

srv() { ip netns exec "gcnf$$-srv" "$@"; }
cleanup() {
    local f p
    for f in "$GC_VAR"/*.pids; do
        [ -f "$f" ] || continue
        while read -r p; do kill "$p" 2>/dev/null; done < "$f"
    done
    srv deploy/stack.sh down >/dev/null 2>&1
    sleep 0.5
    for f in "$GC_VAR"/*.pids; do
        [ -f "$f" ] || continue
        while read -r p; do kill -KILL "$p" 2>/dev/null; done < "$f"
    done
    net_down
}
trap cleanup EXIT
trap 'exit 130' INT TERM

net_up "gcnf$$" srv dept rep
srv deploy/stack.sh up "$bin" > "$GC_VAR/up.log" 2>&1 || { cat "$GC_VAR/up.log"; exit 1; }
# shellcheck disable=SC1091
. "$GC_VAR/env"
sql() { srv psql "$GC_PG_DSN" -tAc "$1" 2>/dev/null; }
[ "$net_netem" = 1 ] || say "this kernel has no tc netem: loss and cuts are iptables rules, the rate a tbf, the delay a relay (delay_proxy.py)"

# resident set (kB) and CPU ticks of a daemon
rss() { awk '/^VmRSS/ {print $2}' "/proc/$(cat "$GC_VAR/run/$1.pid")/status" 2>/dev/null || echo 0; }
ticks() { awk '{print $14 + $15}' "/proc/$(cat "$GC_VAR/run/$1.pid")/stat" 2>/dev/null || echo 0; }
sample() { # every second until $GC_VAR/sampling goes: the peak resident set of routing and intake
    local r i pr=0 pi=0
    while [ -e "$GC_VAR/sampling" ]; do
        r=$(rss routing) i=$(rss intake)
        [ "$r" -gt "$pr" ] && pr=$r
        [ "$i" -gt "$pi" ] && pi=$i
        echo "$pr $pi" > "$GC_VAR/peaks"
        sleep 1
    done
}

start_depts() {
    local d
    : > "$GC_VAR/depts.pids"
    for d in municipal cityman; do
        ip netns exec "gcnf$$-dept" env GC_DEPT_URL="$1" gc-chaos-dept "$d" 3600 "$GC_VAR/$d.seqs" >> "$GC_VAR/dept-$d.out" 2>&1 &
        echo $! >> "$GC_VAR/depts.pids"
    done
}
stop_depts() { # SIGTERM: each prints what it did
    local p
    while read -r p; do kill "$p" 2>/dev/null; done < "$GC_VAR/depts.pids"
    while read -r p; do wait "$p" 2>/dev/null; done < "$GC_VAR/depts.pids"
    : > "$GC_VAR/depts.pids"
}

# caught up: every case of the run routed, every department's client at its last seq and that
# acknowledged, no case of the run's still open at municipal or cityman
caught_up() {
    local run=$1 d last got
    [ "$(sql "SELECT count(*) FROM cases WHERE idempotency_key LIKE 'chaos-$run-%' AND status = 'submitted'")" = 0 ] || return 1
    for d in municipal cityman; do
        last=$(sql "SELECT last_seq FROM department_delivery_state WHERE department = '$d' AND acked_seq = last_seq")
        [ -n "$last" ] || return 1
        got=$(cut -d' ' -f1 "$GC_VAR/$d.seqs" 2>/dev/null | sort -n | tail -1)
        [ "${got:-0}" = "$last" ] || return 1
    done
    [ "$(sql "SELECT count(*) FROM case_assignments a JOIN cases c ON c.id = a.case_id
              WHERE c.idempotency_key LIKE 'chaos-$run-%' AND a.department IN ('municipal', 'cityman')
                AND a.active AND a.is_lead AND c.status NOT IN ('resolved', 'closed')")" = 0 ]
}

# the faults: each shapes a link while the load runs, and leaves in $GC_VAR/returned the
# moment (ms) the link came back (or the load ended)
now_ms() { date +%s%3N; }
fault() {
    local run=$1
    case $run in
        loss5) net_shape dept loss 5; sleep "$load" ;;
        loss20) net_shape dept loss 20; sleep "$load" ;;
        delay) if net_can delay; then net_shape dept delay 200 100; fi; sleep "$load" ;;
        rate256) net_shape dept rate 256; sleep "$load" ;;
        cut30 | cut300)
            local hold=$cut
            [ "$run" = cut300 ] && hold=$long_cut
            sleep 3; net_shape dept cut; sleep "$hold"; net_shape dept none ;;
        reporters) sleep 5; net_shape rep cut; sleep 20; net_shape rep none; sleep 5 ;;
        flap)
            local end=$((SECONDS + flap))
            while [ $SECONDS -lt $end ]; do net_shape dept cut; sleep 2; net_shape dept none; sleep 2; done ;;
    esac
    now_ms > "$GC_VAR/returned"
}
# how long the load of a run goes on: as long as its fault
duration() {
    case $1 in
        cut30) echo $((cut + 6)) ;;
        cut300) echo $((long_cut + 6)) ;;
        reporters) echo 30 ;;
        flap) echo "$flap" ;;
        *) echo "$load" ;;
    esac
}

failed=0 total_lost=0 total_doubled=0 total_replies=0
printf '%-10s %6s %5s %7s %8s %8s %8s %17s %17s\n' run acked lost doubled replies retries caughtup "routing RSS/CPU" "intake RSS/CPU" > "$GC_VAR/table"
printf '%-10s %6s %5s %7s %8s %8s %8s %17s %17s\n' "" "" "" "" lost "" "s" "MB start>peak s" "MB start>peak s" >> "$GC_VAR/table"
for run in "${runs[@]}"; do
    secs=$(duration "$run")
    case $run in
        cut30) what="the department's link cut for $cut s" ;;
        cut300) what="the department's link cut for $long_cut s" ;;
        reporters) what="the reporters' link cut for 20 s" ;;
        flap) what="the department's link up 2 s, down 2 s" ;;
        *) what="the department's link: $run" ;;
    esac
    say "$run: $what; ${secs} s of load at $rate cases/s"
    dept_url=$GC_DEPT_URL
    if [ "$run" = delay ] && ! net_can delay; then
        # no netem: the delay is a relay on the department's side that holds every chunk
        ip netns exec "gcnf$$-dept" python3 tests/netfaults/delay_proxy.py 127.0.0.1 24600 \
            "$GC_HOST" "${GC_DEPT_URL##*:}" 200 100 > "$GC_VAR/delay.log" 2>&1 &
        echo $! > "$GC_VAR/proxy.pids"
        dept_url=tcp://127.0.0.1:24600
        sleep 0.5
    fi
    start_depts "$dept_url"
    r0=$(rss routing) i0=$(rss intake) rt0=$(ticks routing) it0=$(ticks intake)
    touch "$GC_VAR/sampling"
    sample &
    sampler=$!
    : > "$GC_VAR/reporters.pids"
    : > "$GC_VAR/acks-$run"
    for r in 1 2; do
        ip netns exec "gcnf$$-rep" gc-chaos-report "$GC_INTAKE_URL" $((secs * rate / 2)) "$run-$r" \
            "$GC_VAR/acks-$run" "$(awk -v r="$rate" 'BEGIN {print r / 2}')" > "$GC_VAR/report-$run-$r.out" 2>&1 &
        echo $! >> "$GC_VAR/reporters.pids"
    done
    fault "$run"
    reporter_failures=0
    while read -r p; do wait "$p" || reporter_failures=$((reporter_failures + 1)); done < "$GC_VAR/reporters.pids"
    : > "$GC_VAR/reporters.pids"
    returned=$(cat "$GC_VAR/returned")
    caught=""
    for _ in $(seq 600); do
        if caught_up "$run"; then caught=$(($(now_ms) - returned)); break; fi
        sleep 0.5
    done
    net_shape dept none
    net_shape rep none
    rm -f "$GC_VAR/sampling"
    wait "$sampler"
    read -r rp ip < "$GC_VAR/peaks"
    rcpu=$(( $(ticks routing) - rt0 )) icpu=$(( $(ticks intake) - it0 ))
    stop_depts
    if [ -s "$GC_VAR/proxy.pids" ]; then kill "$(cat "$GC_VAR/proxy.pids")"; wait "$(cat "$GC_VAR/proxy.pids")"; : > "$GC_VAR/proxy.pids"; fi

    # the checks, for this run's cases and the whole history of deliveries
    problems=()
    lost=0 doubled=0 replies=0 retries=0
    [ -n "$caught" ] || problems+=("the departments did not catch up within 300 s")
    [ $reporter_failures = 0 ] || problems+=("$reporter_failures reporter(s) gave up")
    psql_acks="CREATE TEMP TABLE acks (key text, ref text); COPY acks FROM STDIN WITH (FORMAT text, DELIMITER ' ');"
    missing=$( (echo "$psql_acks"; cat "$GC_VAR/acks-$run"; printf '\\.\n';
        echo "SELECT count(*) FROM acks a WHERE NOT EXISTS (SELECT 1 FROM cases c WHERE c.idempotency_key = a.key AND c.ref = a.ref);") |
        srv psql "$GC_PG_DSN" -tAq 2>&1 | tail -1)
    lost=$((lost + missing))
    [ "$missing" = 0 ] || problems+=("$missing acknowledged case(s) missing or with another reference")
    twice=$(cut -d' ' -f1 "$GC_VAR/acks-$run" | sort | uniq -d | while read -r k; do grep "^$k " "$GC_VAR/acks-$run" | cut -d' ' -f2 | sort -u | wc -l; done | awk '$1 > 1' | wc -l)
    doubled=$((doubled + twice))
    [ "$twice" = 0 ] || problems+=("$twice key(s) acknowledged with two different cases")
    unrouted=$(sql "SELECT count(*) FROM cases WHERE idempotency_key LIKE 'chaos-$run-%' AND status = 'submitted'")
    lost=$((lost + unrouted))
    [ "$unrouted" = 0 ] || problems+=("$unrouted case(s) never routed")
    undelivered=$(sql "SELECT count(*) FROM case_assignments a JOIN cases c ON c.id = a.case_id WHERE c.idempotency_key LIKE 'chaos-$run-%' AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.case_id = a.case_id AND d.department = a.department)")
    lost=$((lost + undelivered))
    [ "$undelivered" = 0 ] || problems+=("$undelivered assignment(s) with no delivery")
    gaps=$(sql "SELECT count(*) FROM (SELECT department FROM deliveries GROUP BY department HAVING count(*) <> max(seq) OR count(DISTINCT seq) <> count(*)) g")
    [ "$gaps" = 0 ] || problems+=("$gaps department(s) with a gap in their delivery sequence")
    for d in municipal cityman; do
        last=$(sql "SELECT last_seq FROM department_delivery_state WHERE department = '$d'")
        got=$(cut -d' ' -f1 "$GC_VAR/$d.seqs" | sort -un | awk -v n="$last" '$1 >= 1 && $1 <= n' | wc -l)
        [ "$got" = "$last" ] || { problems+=("$d's client received $got of its $last deliveries"); lost=$((lost + last - got)); }
        again=$(cut -d' ' -f1 "$GC_VAR/$d.seqs" | sort -n | uniq -d | wc -l)
        doubled=$((doubled + again))
        [ "$again" = 0 ] || problems+=("$again delivery(ies) handed to $d's client twice")
        outcome=$(grep '^department' "$GC_VAR/dept-$d.out" | tail -1)
        n=$(sed -n 's/.* \([0-9]*\) outcomes unknown/\1/p' <<< "$outcome")
        replies=$((replies + ${n:-1}))
        [ "${n:-1}" = 0 ] || problems+=("$d: ${outcome:-no summary}")
        n=$(sed -n 's/.*resolved, \([0-9]*\) retries.*/\1/p' <<< "$outcome")
        retries=$((retries + ${n:-0}))
        r=$(sed -n 's/.*retries, \([0-9]*\) refused.*/\1/p' <<< "$outcome")
        [ "${r:-0}" = 0 ] || problems+=("$d: actions refused: $outcome")
    done
    twice=$(sql "SELECT count(*) FROM (SELECT case_id FROM case_events e JOIN cases c ON c.id = e.case_id WHERE c.idempotency_key LIKE 'chaos-$run-%' AND e.kind IN ('accepted', 'resolved') GROUP BY case_id, kind HAVING count(*) > 1) d")
    doubled=$((doubled + twice))
    [ "$twice" = 0 ] || problems+=("$twice action(s) applied twice")
    acked=$(wc -l < "$GC_VAR/acks-$run")
    # what the fault cost the clients: actions sent again, reports sent again
    retries=$((retries + $(sed -n 's/.* \([0-9]*\) resends.*/\1/p' "$GC_VAR"/report-"$run"-*.out | awk '{n += $1} END {print n + 0}')))
    row=$(printf '%-10s %6s %5s %7s %8s %8s %8s %17s %17s' "$run" "$acked" "$lost" "$doubled" "$replies" "$retries" \
        "$([ -n "$caught" ] && awk -v m="$caught" 'BEGIN {printf "%.1f", m / 1000}' || echo never)" \
        "$((r0 / 1024))>$((rp / 1024)) $(awk -v t="$rcpu" 'BEGIN {printf "%.1f", t / 100}')" \
        "$((i0 / 1024))>$((ip / 1024)) $(awk -v t="$icpu" 'BEGIN {printf "%.1f", t / 100}')")
    echo "$row" >> "$GC_VAR/table"
    say "$row"
    total_lost=$((total_lost + lost)) total_doubled=$((total_doubled + doubled)) total_replies=$((total_replies + replies))
    if [ ${#problems[@]} -gt 0 ]; then
        failed=1
        printf 'netfaults: %s: FAILED: %s\n' "$run" "${problems[@]}"
    fi
done

echo
cat "$GC_VAR/table"
say "lost: $total_lost, doubled: $total_doubled, replies lost: $total_replies"
if [ $failed = 1 ]; then
    say "FAILED; state kept in $GC_VAR"
    exit 1
fi
trap - EXIT
cleanup
rm -rf "$(readlink -f "$GC_VAR/pg/pgdata")" "$GC_VAR"
say "passed"
