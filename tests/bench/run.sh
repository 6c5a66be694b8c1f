#!/usr/bin/env bash
# make bench: the benchmark's figures, measured against the real stack (the four daemons and a
# private PostgreSQL cluster with default durability: fsync and synchronous_commit on) under
# var/bench, started afresh each run. Prints one table and writes the figures to
# var/bench/latest.json (keys: docs/PERFORMANCE.md). Not a test: targets are shown, never
# enforced; it fails only when it cannot measure. Usage: tests/bench/run.sh BIN_DIR
#
# Sections, in this order (each waits until the consumers have caught up with the last one):
#   fill        (GC_BENCH_FILL_CASES) years of history written before the stack starts
#   warm-up     load that is not reported, then ANALYZE: the tables have a history and the
#               planner statistics autovacuum would keep, as in a system that has been running
#   intake      64 reporters, unthrottled, no department or stats clients
#   open311     posts/s through the Open311 gateway (16 HTTP clients, unthrottled), beside
#               intake's own figure, then GET requests/ID p99 at a fixed rate
#   end_to_end  the same with a client per department and a stats subscriber
#   latency     a fixed offered rate, department clients on
#   stats_lag   at the measured end-to-end rate, some cases resolved and verified
#   catch_up    N cases for one department while it is offline, then it reconnects
#   stats_restart, memory (VmHWM), pgbench (a second database on the same cluster: warm-up and
#   ANALYZE as above, then the two scripts unthrottled, then one case per transaction at the
#   latency section's rate, for the database's own latency), escalation (gc-bench-escalation, a
#   third database)
#
# Settings (environment), full size by default:
#   GC_BENCH_PORT             port base: PostgreSQL, then the four sockets on +1..+4 (7300)
#   GC_BENCH_WARMUP_SECONDS   unreported load before the first section, and before pgbench
#                             (10; 0: none, as in the smoke run)
#   GC_BENCH_SECONDS          length of the intake, end-to-end and latency sections (60)
#   GC_BENCH_REPORTERS        concurrent reporter connections (64)
#   GC_BENCH_IN_FLIGHT        submissions each reporter keeps outstanding (8)
#   GC_BENCH_LATENCY_RATE     offered cases/s of the latency section (1000)
#   GC_BENCH_OPEN311_GET_RATE GETs/s of the open311 section (200)
#   GC_BENCH_LAG_SECONDS      length of the stats lag section (30)
#   GC_BENCH_CLOSE_RATE       cases resolved and verified per second in it (20)
#   GC_BENCH_CATCHUP_CASES    cases routed to the offline department (1000000)
#   GC_BENCH_PGBENCH_SECONDS  length of each pgbench run (30)
#   GC_BENCH_OPEN_CASES       open cases for the escalation tick (1000000)
#   GC_BENCH_DUE              cases falling due at once in the escalation section (100000)
#   GC_BENCH_DRAIN_TIMEOUT    longest wait for a backlog to clear, in seconds (1800)
#   GC_BENCH_FILL_CASES       cases of history stored before the stack starts (0: none), each
#                             with six events (tests/bench/fill.sql); the run's state then lives
#                             in var/bench-large, its figures set beside var/bench/latest.json's
#                             (make bench-large: 10,000,000)
#   GC_BENCH_CURVE=1          the stack with CurveZMQ on every socket, as docker-compose runs it
#                             (deploy/stack.sh GC_CURVE=1); the load generator uses gridctl's key
#   GC_BENCH_SMOKE=1          every section tiny, in a throwaway directory (make check)
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=$(cd "${1:?usage: run.sh BIN_DIR}" && pwd)
export PATH="$bin:$PATH"
smoke=${GC_BENCH_SMOKE:-0}
curve=${GC_BENCH_CURVE:-0}
export GC_CURVE=$curve
if [ "$smoke" = 1 ]; then
    var="var/bench-smoke-$$" port=$((24000 + $$ % 400 * 10)) # clear of the integration tests' ports
    warmup=0 seconds=1 reporters=64 in_flight=1 latency_rate=200 lag_seconds=1 close_rate=5
    catchup=300 pgbench_seconds=3 open=2000 supervised=200 due=500 ticks=5 drain=120
    open311_get_rate=50
else
    var=var/bench port=${GC_BENCH_PORT:-7300}
    [ "${GC_BENCH_FILL_CASES:-0}" -gt 0 ] && var=var/bench-large
    warmup=${GC_BENCH_WARMUP_SECONDS:-10}
    seconds=${GC_BENCH_SECONDS:-60} reporters=${GC_BENCH_REPORTERS:-64}
    in_flight=${GC_BENCH_IN_FLIGHT:-8} latency_rate=${GC_BENCH_LATENCY_RATE:-1000}
    lag_seconds=${GC_BENCH_LAG_SECONDS:-30} close_rate=${GC_BENCH_CLOSE_RATE:-20}
    catchup=${GC_BENCH_CATCHUP_CASES:-1000000} pgbench_seconds=${GC_BENCH_PGBENCH_SECONDS:-30}
    open=${GC_BENCH_OPEN_CASES:-1000000} supervised=10000 due=${GC_BENCH_DUE:-100000} ticks=50
    drain=${GC_BENCH_DRAIN_TIMEOUT:-1800}
    open311_get_rate=${GC_BENCH_OPEN311_GET_RATE:-200}
fi
export GC_VAR=$var GC_PORT_BASE=$port
# shellcheck source=tests/bench/lib.sh
. tests/bench/lib.sh
started=$(date +%s)
commit=$(git describe --always --dirty 2> /dev/null || echo unknown)

# A fresh cluster: the figures depend on what the database holds.
deploy/stack.sh down > /dev/null 2>&1 || true
rm -rf "$(readlink -f "$var/pg/pgdata")" "$var/pg" "$var/keys" "$var/log" "$var/run" \
    "$var/sections" "$var/env" "$var/escalation.json" # (the last: where earlier runners wrote)
mkdir -p "$var/sections" "$var/log"
# The run's own copy of the programs: a rebuild of BIN_DIR meanwhile (the stats restart starts a
# daemon again) must not mix two versions in one set of figures.
rm -rf "$var/bin"
cp -r "$bin" "$var/bin"
bin=$(cd "$var/bin" && pwd)
export PATH="$bin:$PATH"
cleanup() {
    # each daemon takes about 2 s to stop: ask them all at once, then stack.sh waits for each
    for d in "${daemons[@]}"; do kill -TERM "$(pid_of "$d" 2> /dev/null)" 2> /dev/null || true; done
    deploy/stack.sh down > /dev/null 2>&1 || true
    if [ "$smoke" = 1 ]; then rm -rf "$(readlink -f "$var/pg/pgdata")" "$var"; fi
}
trap cleanup EXIT
trap 'exit 130' INT # (the EXIT trap runs on a signal only when the signal is trapped)
trap 'exit 143' TERM
# Other work on the machine skews every figure: measured before anything of the run starts
# (and in each section's window, as the machine's CPU beside the run's own processes).
quiet_seconds=$([ "$smoke" = 1 ] && echo 1 || echo 5)
others_before=$(machine_busy_percent "$quiet_seconds")
note "before the run: the machine busy at $others_before% of a core over $quiet_seconds s"
# (the smoke run fills a little history, to prove the fill works)
fill_cases=$([ "$smoke" = 1 ] && echo 2000 || echo "${GC_BENCH_FILL_CASES:-0}")
fill_s=0
if [ "$fill_cases" -gt 0 ]; then
    # the history first, into the database the stack will find: its daemons start on it
    note "filling $fill_cases cases of history (tests/bench/fill.sql), then VACUUM (ANALYZE)"
    fill_started=$SECONDS
    deploy/pg.sh start "$var/pg" "$port"
    GC_PG_DSN="host=127.0.0.1 port=$port user=gridcase dbname=gridcase" gridctl migrate 2> /dev/null
    GC_PG_DSN="host=127.0.0.1 port=$port user=gridcase dbname=gridcase" \
        gridctl import deploy/demo-district.json > /dev/null
    psql_at -d gridcase -v cases="$fill_cases" -f tests/bench/fill.sql > "$var/log/fill.log" 2>&1 \
        || { tail "$var/log/fill.log" >&2; exit 1; }
    # as after years of running: the tables vacuumed, so autovacuum does not start on them mid-run
    psql_at -d gridcase -c "VACUUM (ANALYZE)"
    fill_s=$((SECONDS - fill_started))
fi
note "stack under $var (ports $port-$((port + 4)))"
deploy/stack.sh up "$bin" > "$var/log/stack-up.log" 2>&1 \
    || { cat "$var/log/stack-up.log" >&2; exit 1; }
# shellcheck disable=SC1091
. "$var/env"
load=(--reporters "$reporters" --in-flight "$in_flight" --drain-timeout "$drain")

if [ "$warmup" -gt 0 ]; then
    section warm_up run --duration "$warmup" "${load[@]}" --rate 0 --departments --stats
fi
psql_at -d gridcase -c "ANALYZE"
section intake run --duration "$seconds" "${load[@]}" --rate 0
note "open311: gc-bench-open311, 16 connections, then GETs at $open311_get_rate/s"
gc-bench-open311 "$GC_OPEN311_BIND" "$(gridctl apikey add "bench-$$")" --seconds "$seconds" \
    --connections 16 --get-rate "$open311_get_rate" --json "$var/sections/open311.json" \
    2>> "$var/log/bench-load.log" \
    || { echo "bench: section open311 failed (see $var/log/bench-load.log)" >&2; exit 1; }
section end_to_end run --duration "$seconds" "${load[@]}" --rate 0 --departments --stats
section latency run --duration "$seconds" "${load[@]}" --rate "$latency_rate" --departments
e2e_rate=$(jq '.end_to_end_cases_per_s | floor | if . < 1 then 1 else . end' \
    "$var/sections/end_to_end.json")
section stats_lag run --duration "$lag_seconds" "${load[@]}" --rate "$e2e_rate" --departments \
    --stats --close-rate "$close_rate"
section catch_up catchup --cases "$catchup" --category street_light "${load[@]}"

# Stats restart: the daemon stopped (its peak RSS kept first) and started again by stack.sh, with
# every case of the sections above in the database; timed from its process start to its first
# snapshot.
cases_in_db=$(psql_at -d gridcase -c "SELECT count(*) FROM cases")
stats_hwm_before=$(hwm_mb stats)
old_stats=$(pid_of stats)
note "stats_restart: $cases_in_db cases in the database"
kill -TERM "$old_stats"
for _ in $(seq 100); do kill -0 "$old_stats" 2> /dev/null || break; sleep 0.1; done
kill -KILL "$old_stats" 2> /dev/null || true
gc-bench-load stats-restart --pidfile "$var/run/stats.pid" --old-pid "$old_stats" --timeout 60 \
    --json "$var/sections/stats_restart.json" 2>> "$var/log/bench-load.log" &
waiter=$!
sleep 0.2 # subscribed before the daemon starts (the first snapshot must not be missed)
deploy/stack.sh up "$bin" > "$var/log/stack-restart.log" 2>&1
wait "$waiter" || { echo "bench: no snapshot after the stats restart" >&2; exit 1; }

# Memory: each daemon's peak resident set over the whole run (stats: the larger of its two lives).
jq -n --argjson i "$(hwm_mb intake)" --argjson r "$(hwm_mb routing)" \
    --argjson e "$(hwm_mb escalation)" --argjson s "$(hwm_mb stats)" \
    --argjson s0 "$stats_hwm_before" \
    '{intake: $i, routing: $r, escalation: $e, stats: ([$s, $s0] | max)}' \
    > "$var/sections/memory.json"
for d in "${daemons[@]}"; do
    kill -0 "$(pid_of "$d")" 2> /dev/null || { echo "bench: gc-$d died during the run" >&2; exit 1; }
done

# The database's own limit, on the same cluster: 100 cases and their events stored by one
# statement per transaction, over 1 and over 8 connections (tests/bench/pgbench_set.sql: the
# ratio targets' reference, as intake stores a batch); then per statement, one case and event per
# transaction (64 clients) and 100 per transaction (8 clients), plainly and with intake's
# one-at-a-time statements behind the event counter.
note "pgbench: ${pgbench_seconds} s each, set-based x 1 and x 8; 1 case/transaction x 64 clients, 100 x 8; plain, then counter"
scratch_db gridcase_pgbench
psql_at -d gridcase_pgbench -c "CREATE SEQUENCE pgbench_event_seq START 1000000000000"
for kind in bare counter; do
    pgbench_script 1 "$kind" > "$var/sections/pgbench_one_$kind.sql"
    pgbench_script 100 "$kind" > "$var/sections/pgbench_hundred_$kind.sql"
done
[ "$warmup" -gt 0 ] && pgbench_tps 64 "$warmup" "$var/sections/pgbench_one_bare.sql" > /dev/null
psql_at -d gridcase_pgbench -c "ANALYZE"
cp tests/bench/pgbench_set.sql "$var/sections/pgbench_set.sql"
tps_set_one=$(pgbench_tps 1 "$pgbench_seconds" "$var/sections/pgbench_set.sql")
tps_set_eight=$(pgbench_tps 8 "$pgbench_seconds" "$var/sections/pgbench_set.sql")
tps_one=$(pgbench_tps 64 "$pgbench_seconds" "$var/sections/pgbench_one_bare.sql")
tps_hundred=$(pgbench_tps 8 "$pgbench_seconds" "$var/sections/pgbench_hundred_bare.sql")
tps_one_counter=$(pgbench_tps 64 "$pgbench_seconds" "$var/sections/pgbench_one_counter.sql")
tps_hundred_counter=$(pgbench_tps 8 "$pgbench_seconds" "$var/sections/pgbench_hundred_counter.sql")
# ... and its own latency at the latency section's rate: one case per transaction, paced, as long
# as that section (and a second more at each end, left out). A submission's acknowledgement
# waits for at least such a commit.
note "pgbench: 1 case/transaction at $latency_rate/s x 64 clients, $seconds s"
# after the runs above, autovacuum would be working through their rows meanwhile: done first
psql_at -d gridcase_pgbench -c "VACUUM (ANALYZE)"
at_rate=$(pgbench_latency 64 "$seconds" "$latency_rate" "$var/sections/pgbench_one_bare.sql")
jq -n --argjson one "$tps_one" --argjson hundred "$tps_hundred" --argjson s "$pgbench_seconds" \
    --argjson one_c "$tps_one_counter" --argjson hundred_c "$tps_hundred_counter" \
    --argjson at_rate "$at_rate" --argjson rate "$latency_rate" --argjson rate_s "$seconds" \
    --argjson set_one "$tps_set_one" --argjson set_eight "$tps_set_eight" \
    '{seconds: $s,
      set_based: {one_connection: {clients: 1, tps: $set_one, cases_per_s: ($set_one * 100)},
                  eight_connections: {clients: 8, tps: $set_eight, cases_per_s: ($set_eight * 100)}},
      one_per_tx: {clients: 64, tps: $one, cases_per_s: $one},
      hundred_per_tx: {clients: 8, tps: $hundred, cases_per_s: ($hundred * 100)},
      counter: {one_per_tx: {clients: 64, tps: $one_c, cases_per_s: $one_c},
                hundred_per_tx: {clients: 8, tps: $hundred_c, cases_per_s: ($hundred_c * 100)}},
      one_per_tx_at_rate: ({clients: 64, offered_rate: $rate, seconds: $rate_s} + $at_rate)}' \
    > "$var/sections/pgbench.json"

note "escalation: $open open cases, $due due at once"
escalation_db=gridcase_escalation
if [ "$fill_cases" -gt 0 ]; then
    # among the history: the stack's own gc-escalation stopped first, or it would escalate the
    # cases falling due at once too
    escalation_db=gridcase
    kill -TERM "$(pid_of escalation)"
    for _ in $(seq 100); do kill -0 "$(pid_of escalation)" 2> /dev/null || break; sleep 0.1; done
else
    scratch_db gridcase_escalation
fi
GC_PG_DSN="host=127.0.0.1 port=$port user=gridcase dbname=$escalation_db" \
    gc-bench-escalation --open "$open" --supervised "$supervised" --due "$due" --ticks "$ticks" \
    --json "$var/sections/escalation.json" > "$var/log/bench-escalation.log" 2>&1

# What the database holds per million cases: each table of a case's life with its indexes
storage=$(psql_at -d gridcase -c "SELECT json_build_object('cases', (SELECT count(*) FROM cases),
    'tables', json_object_agg(t.name, json_build_object(
        'table_mb', round(pg_table_size(t.name::regclass) / 1048576.0, 1),
        'index_mb', round(pg_indexes_size(t.name::regclass) / 1048576.0, 1))))
    FROM unnest(ARRAY['cases', 'case_events', 'case_assignments', 'deliveries']) t (name)")
# a run on a filled database is set beside the last run on an empty one (the same settings)
baseline=var/bench/latest.json
[ "$fill_cases" -gt 0 ] && [ "$smoke" = 0 ] && [ -f "$baseline" ] || baseline=/dev/null
note "done; stopping the stack"
pg_settings=$(psql_at -d gridcase -c "SELECT json_build_object('version', current_setting('server_version'),
    'fsync', current_setting('fsync'), 'synchronous_commit', current_setting('synchronous_commit'))")
s="$var/sections"
jq -n --arg at "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
    --arg commit "$commit" \
    --argjson cores "$(nproc)" --argjson smoke "$([ "$smoke" = 1 ] && echo true || echo false)" \
    --argjson curve "$([ "$curve" = 1 ] && echo true || echo false)" \
    --argjson run_s "$(($(date +%s) - started))" --argjson postgres "$pg_settings" \
    --argjson cases_in_db "$cases_in_db" --argjson others_before "$others_before" \
    --argjson quiet_s "$quiet_seconds" \
    --argjson storage "$storage" --argjson fill_cases "$fill_cases" --argjson fill_s "$fill_s" \
    --slurpfile baseline "$baseline" \
    --argjson sizes "$(jq -n --argjson a "$seconds" --argjson b "$reporters" \
        --argjson c "$in_flight" --argjson d "$latency_rate" --argjson e "$lag_seconds" \
        --argjson f "$close_rate" --argjson g "$catchup" --argjson h "$pgbench_seconds" \
        --argjson i "$open" --argjson j "$due" \
        '{seconds: $a, reporters: $b, in_flight: $c, latency_rate: $d, lag_seconds: $e,
          close_rate: $f, catchup_cases: $g, pgbench_seconds: $h, open_cases: $i, due: $j}')" \
    --slurpfile intake "$s/intake.json" --slurpfile e2e "$s/end_to_end.json" \
    --slurpfile latency "$s/latency.json" --slurpfile lag "$s/stats_lag.json" \
    --slurpfile catchup "$s/catch_up.json" --slurpfile restart "$s/stats_restart.json" \
    --slurpfile memory "$s/memory.json" --slurpfile pgbench "$s/pgbench.json" \
    --slurpfile escalation "$s/escalation.json" --slurpfile open311 "$s/open311.json" \
    '{measured_at: $at, commit: $commit, cores: $cores, smoke: $smoke, curve: $curve, run_seconds: $run_s,
      postgres: $postgres, sizes: $sizes,
      machine_before: {seconds: $quiet_s, busy_percent: $others_before},
      intake: $intake[0], end_to_end: $e2e[0], latency: $latency[0], catch_up: $catchup[0],
      escalation: $escalation[0], open311: $open311[0],
      stats: {lag: $lag[0], restart: ($restart[0] + {cases_in_db: $cases_in_db})},
      memory_mb: $memory[0], pgbench: $pgbench[0],
      storage: ($storage + {per_million_cases_mb: ($storage.cases as $n
                 | $storage.tables | map_values(if $n > 0 then
                     {table: (.table_mb * 1000000 / $n), index: (.index_mb * 1000000 / $n)}
                   else null end))}),
      filled: (if $fill_cases > 0 then
                 {cases: $fill_cases, fill_s: $fill_s}
                 + (if ($baseline | length) > 0 then
                      ($baseline[0] as $e
                       | def to(x; y): if x != null and y != null and y > 0 then x / y else null end;
                       {empty_run: {commit: $e.commit, measured_at: $e.measured_at},
                        intake_to_empty: to($intake[0].intake_cases_per_s; $e.intake.intake_cases_per_s),
                        end_to_end_to_empty: to($e2e[0].end_to_end_cases_per_s; $e.end_to_end.end_to_end_cases_per_s),
                        ack_p99_to_empty: to($latency[0].submit_to_ack_ms.p99; $e.latency.submit_to_ack_ms.p99)})
                    else {} end)
               else null end),
      ratios: (($pgbench[0].set_based.one_connection.cases_per_s as $set
               | def to_set(x): if $set > 0 and x != null then x / $set else null end;
               {intake_to_set_one: to_set($intake[0].intake_cases_per_s),
                end_to_end_to_set_one: to_set($e2e[0].end_to_end_cases_per_s),
                catch_up_to_set_one: to_set($catchup[0].cases_per_s),
                set_eight_to_set_one: to_set($pgbench[0].set_based.eight_connections.cases_per_s)})
             + ($intake[0].intake_cases_per_s as $i | $pgbench[0] as $p
               | def per(r): if r > 0 then $i / r else null end;
               {intake_to_pgbench_one: per($p.one_per_tx.cases_per_s),
                intake_to_pgbench_hundred: per($p.hundred_per_tx.cases_per_s),
                intake_to_counter_one: per($p.counter.one_per_tx.cases_per_s),
                intake_to_counter_hundred: per($p.counter.hundred_per_tx.cases_per_s),
                open311_posts_to_intake: (if $i > 0 then $open311[0].posts_per_s / $i else null end)})
             + ($e2e[0].end_to_end_cases_per_s as $e | $pgbench[0].hundred_per_tx.cases_per_s as $h
                | {end_to_end_to_pgbench_hundred: (if $h > 0 then $e / $h else null end)})
             + ($latency[0].submit_to_ack_ms.p99 as $a
                | $pgbench[0].one_per_tx_at_rate.latency_ms.p99 as $d
                | {ack_p99_to_pgbench_p99: (if $a != null and $d != null and $d > 0
                                            then $a / $d else null end)}))}' \
    > "$var/latest.json"

echo "# gridcase benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, PostgreSQL $(jq -r .postgres.version "$var/latest.json") (fsync $(jq -r .postgres.fsync "$var/latest.json"), synchronous_commit $(jq -r .postgres.synchronous_commit "$var/latest.json"))"
jq -r -f tests/bench/table.jq "$var/latest.json" | column -t -s $'\t'
if [ "$smoke" = 1 ]; then
    echo "# smoke run: tiny sizes, the figures mean nothing"
else
    echo "# figures: $var/latest.json"
fi
