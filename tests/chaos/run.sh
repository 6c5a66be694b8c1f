#!/usr/bin/env bash
# make chaos: reporters submit cases with idempotency keys (retrying as a real client would), a
# quarter of them in a grid worker's name; department clients accept and resolve them, grid
# leaders verify, the police never answer (so their cases go overdue while the clock is pushed
# on), while a driver kills a random daemon with SIGKILL every 1-3 s and restarts it, and
# restarts PostgreSQL once (fast shutdown). Then it checks that nothing was lost or doubled and
# that every statistic equals a recount, prints the figures, and exits non-zero on any loss or
# doubling.
#   tests/chaos/run.sh BIN_DIR          CHAOS_CASES (default 2000), CHAOS_SECONDS (120)
set -uo pipefail
cd "$(dirname "$0")/../.."
bin=$(cd "${1:?usage: run.sh BIN_DIR}" && pwd)
cases=${CHAOS_CASES:-2000} seconds=${CHAOS_SECONDS:-120}
export GC_VAR="var/chaos-$$" GC_PORT_BASE=$((24000 + ($$ % 400) * 10))
export GC_ESCALATION_TICK_MS=200 GC_STATS_INTERVAL_MS=500 GC_TEST_CLOCK=1 PATH="$bin:$PATH"
mkdir -p "$GC_VAR"
cleanup() { touch "$GC_VAR/stop"; deploy/stack.sh down >/dev/null 2>&1; }
trap cleanup EXIT
deploy/stack.sh up "$bin" > "$GC_VAR/up.log" 2>&1 || { cat "$GC_VAR/up.log"; exit 1; }
# shellcheck disable=SC1091
. "$GC_VAR/env"
sql() { psql "$GC_PG_DSN" -tAc "$1" 2>/dev/null; }
say() { echo "chaos: $*"; }

# the load
for d in municipal cityman; do
    gc-chaos-dept "$d" $((seconds + 600)) "$GC_VAR/$d.seqs" > "$GC_VAR/dept-$d.out" 2>&1 &
    echo $! >> "$GC_VAR/workers.pids"
done
reporters=()
for r in 1 2 3 4; do
    # paced to last about two thirds of the run, so cases keep coming while daemons die
    gc-chaos-report "$GC_INTAKE_URL" $((cases / 4)) "$$-$r" "$GC_VAR/acks" \
        "$(awk -v n=$((cases / 4)) -v s="$seconds" 'BEGIN {print 1.5 * n / s}')" > "$GC_VAR/report-$r.out" 2>&1 &
    reporters+=($!)
done
verify_loop() { # grid leaders close what departments resolved, each as the demo grid's leader
    local ref leader
    until [ -e "$GC_VAR/stop" ]; do
        while read -r ref leader; do
            [ -n "$ref" ] && gridctl verify "$ref" --ok --actor "grid-leader" --as "$leader" >/dev/null 2>&1
        done < <(sql "SELECT c.ref || ' ' || p.code FROM cases c JOIN people p ON p.area_code = c.area_code AND p.role = 'leader' AND p.retired_at IS NULL WHERE c.status = 'resolved' AND c.description = 'chaos' LIMIT 40")
        sleep 0.3
    done
}
verify_loop &
verifier=$!

# the killer
declare -A kills=([intake]=0 [routing]=0 [escalation]=0 [stats]=0)
daemons=(intake routing escalation stats)
pg_restarts=0 clock_moves=0
start=$SECONDS
while [ $((SECONDS - start)) -lt "$seconds" ]; do
    sleep "$((1 + RANDOM % 2)).$((RANDOM % 10))"
    d=${daemons[RANDOM % 4]}
    if kill -KILL "$(cat "$GC_VAR/run/$d.pid")" 2>/dev/null; then kills[$d]=$((kills[$d] + 1)); fi
    sleep "0.$((RANDOM % 8))"
    deploy/stack.sh up "$bin" >> "$GC_VAR/restarts.log" 2>&1 || say "restart of $d failed (see restarts.log)"
    if [ $pg_restarts -eq 0 ] && [ $((SECONDS - start)) -ge $((seconds / 2)) ]; then
        deploy/pg.sh stop "$GC_VAR/pg" && sleep 1 && deploy/pg.sh start "$GC_VAR/pg" "$GC_PORT_BASE" >/dev/null &&
            pg_restarts=1
    fi
    # deadlines pass during the run: open cases go overdue, and climb
    if [ $((RANDOM % 3)) -eq 0 ] && gridctl clock advance $((3 * 3600)) >/dev/null 2>&1; then
        clock_moves=$((clock_moves + 1))
    fi
done
say "killer done after $((SECONDS - start)) s; waiting for the reporters"
reporter_failures=0
for p in "${reporters[@]}"; do wait "$p" || reporter_failures=$((reporter_failures + 1)); done
cat "$GC_VAR"/report-*.out

# settle: every daemon up, the clock far enough for every open case to reach the district and
# be flagged, every consumer and both workers caught up, nothing moving any more
deploy/stack.sh up "$bin" >> "$GC_VAR/restarts.log" 2>&1
for _ in 1 2 3 4 5; do gridctl clock advance $((24 * 3600)) >/dev/null; sleep 1; done
# shellcheck source=tests/chaos/quiet.sh
. tests/chaos/quiet.sh
settled=no
for _ in $(seq 180); do if chaos_quiet; then settled=yes; break; fi; sleep 1; done
touch "$GC_VAR/stop"
wait "$verifier"
while read -r p; do kill "$p" 2>/dev/null; done < "$GC_VAR/workers.pids"

# the checks
lost=0 doubled=0 problems=()
problem() { problems+=("$1"); }
[ "$settled" = yes ] || problem "the system did not settle within 180 s"
[ $reporter_failures -eq 0 ] || problem "$reporter_failures reporter(s) gave up or saw a refusal"
acked=$(wc -l < "$GC_VAR/acks")
psql "$GC_PG_DSN" -q -c "CREATE TABLE chaos_acks (key text, ref text)" \
    -c "\\copy chaos_acks FROM '$GC_VAR/acks' WITH (FORMAT text, DELIMITER ' ')" >/dev/null
missing=$(sql "SELECT count(*) FROM chaos_acks a WHERE NOT EXISTS (SELECT 1 FROM cases c WHERE c.idempotency_key = a.key AND c.ref = a.ref)")
lost=$((lost + missing))
[ "$missing" = 0 ] || problem "$missing acknowledged case(s) missing or with another reference"
unacked=$(sql "SELECT count(*) FROM cases c WHERE c.description = 'chaos' AND NOT EXISTS (SELECT 1 FROM chaos_acks a WHERE a.key = c.idempotency_key)")
[ "$unacked" = 0 ] || problem "$unacked stored case(s) never acknowledged"
twice=$(sql "SELECT count(*) FROM (SELECT key FROM chaos_acks GROUP BY key HAVING count(DISTINCT ref) > 1) d")
doubled=$((doubled + twice))
[ "$twice" = 0 ] || problem "$twice key(s) acknowledged with two different cases"
unrouted=$(sql "SELECT count(*) FROM cases WHERE description = 'chaos' AND status = 'submitted'")
lost=$((lost + unrouted))
[ "$unrouted" = 0 ] || problem "$unrouted case(s) never routed"
undelivered=$(sql "SELECT count(*) FROM case_assignments a JOIN cases c ON c.id = a.case_id WHERE c.description = 'chaos' AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.case_id = a.case_id AND d.department = a.department)")
lost=$((lost + undelivered))
[ "$undelivered" = 0 ] || problem "$undelivered assignment(s) with no delivery"
gaps=$(sql "SELECT count(*) FROM (SELECT department FROM deliveries GROUP BY department HAVING count(*) <> max(seq) OR count(DISTINCT seq) <> count(*)) g")
[ "$gaps" = 0 ] || problem "$gaps department(s) with a gap in their delivery sequence"
for d in municipal cityman; do
    last=$(sql "SELECT last_seq FROM department_delivery_state WHERE department = '$d'")
    got=$(cut -d' ' -f1 "$GC_VAR/$d.seqs" | sort -un | awk -v n="$last" '$1 >= 1 && $1 <= n' | wc -l)
    [ "$got" = "$last" ] || { problem "$d's client received $got of its $last deliveries"; lost=$((lost + last - got)); }
done
twice=$(sql "SELECT count(*) FROM (SELECT case_id FROM case_events WHERE kind IN ('accepted', 'verified', 'supervised') GROUP BY case_id, kind, department HAVING count(*) > 1) d")
doubled=$((doubled + twice))
[ "$twice" = 0 ] || problem "$twice action(s) applied twice (accept, verify or supervision)"
unnamed=$(sql "SELECT count(*) FROM case_events e JOIN cases c ON c.id = e.case_id WHERE c.description = 'chaos' AND e.kind = 'verified' AND e.person_code IS NULL")
[ "$unnamed" = 0 ] || problem "$unnamed verification(s) without the leader who made it"
# a grid worker's report names them on its submitted event, once; a resident's names nobody
read -r named misnamed <<< "$(sql "SELECT count(*) FILTER (WHERE c.source = 'grid_worker'), count(*) FILTER (WHERE e.person_code IS DISTINCT FROM CASE c.source WHEN 'grid_worker' THEN c.area_code || '-W1' END) FROM cases c JOIN case_events e ON e.case_id = c.id AND e.kind = 'submitted' WHERE c.description = 'chaos'" | tr '|' ' ')"
[ "$misnamed" = 0 ] || problem "$misnamed report(s) naming the wrong person, or none"
[ "$named" -gt 0 ] || problem "no grid worker's report was stored"
twice=$(sql "SELECT count(*) FROM (SELECT c.id FROM cases c WHERE c.description = 'chaos' AND (SELECT count(*) FROM case_events e WHERE e.case_id = c.id AND e.kind = 'resolved' AND e.status = 'resolved') > 1 + (SELECT count(*) FROM case_events e WHERE e.case_id = c.id AND e.kind = 'reopened')) d")
doubled=$((doubled + twice))
[ "$twice" = 0 ] || problem "$twice case(s) resolved twice without a reopen"
twice=$(sql "SELECT count(*) FROM (SELECT case_id FROM case_events WHERE kind = 'escalated' GROUP BY case_id, level HAVING count(*) > 1) d")
doubled=$((doubled + twice))
[ "$twice" = 0 ] || problem "$twice case(s) escalated twice to the same level"
overdue_left=$(sql "SELECT count(*) FROM cases WHERE status NOT IN ('resolved', 'closed') AND supervised_at IS NULL AND deadline_at <= gc_now()")
lost=$((lost + overdue_left))
[ "$overdue_left" = 0 ] || problem "$overdue_left open case(s) past a deadline never escalated"
mkdir -p "$GC_VAR/stats"
if compared=$(tests/integration/stats_compare.sh "$GC_VAR/stats"); then stats_ok="all $compared equal"
else problem "statistics differ from the recount: $compared"; stats_ok="DIFFERENT"; fi

escalations=$(sql "SELECT count(*) FROM case_events e JOIN cases c ON c.id = e.case_id WHERE c.description = 'chaos' AND e.kind = 'escalated'")
supervised=$(sql "SELECT count(*) FROM cases WHERE description = 'chaos' AND supervised_at IS NOT NULL")
closed=$(sql "SELECT count(*) FROM cases WHERE description = 'chaos' AND status = 'closed'")
say "$acked cases acknowledged of $cases ($named in a grid worker's name); $closed closed, $escalations escalations, $supervised flagged at the district"
say "kills survived: intake ${kills[intake]}, routing ${kills[routing]}, escalation ${kills[escalation]}, stats ${kills[stats]}; PostgreSQL restarts: $pg_restarts; clock moves: $clock_moves"
say "statistics: $stats_ok"
say "lost: $lost, doubled: $doubled"
if [ ${#problems[@]} -gt 0 ] || [ "$lost" != 0 ] || [ "$doubled" != 0 ]; then
    printf 'chaos: FAILED: %s\n' "${problems[@]}"
    echo "chaos: state kept in $GC_VAR"
    trap - EXIT
    deploy/stack.sh down >/dev/null 2>&1
    exit 1
fi
trap - EXIT
deploy/stack.sh down >/dev/null 2>&1
rm -rf "$(readlink -f "$GC_VAR/pg/pgdata")" "$GC_VAR"
say "passed"
