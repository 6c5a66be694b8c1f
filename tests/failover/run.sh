#!/usr/bin/env bash
# make failover: the stack on a primary and its synchronous standby under pg_auto_failover
# (deploy/ha/formation.sh: each machine in its own network namespace), the chaos run's load
# (reporters that retry under their idempotency keys and record every acknowledged reference,
# department clients, grid leaders verifying), then in turn:
#   kill    the primary's machine dies: SIGKILL of its pg_autoctl and every postgres process
#   freeze  the primary hangs: SIGSTOP of its postgres processes (TCP still answers), SIGCONT
#           once the standby has taken over
#   cut     the primary's network is cut (its link on the bridge down), restored after failover
#   standby (not by default) the standby's machine dies: how long the primary's commits stall
#           before pg_auto_failover lets it commit alone (wait_primary)
# each followed by the old primary rejoining as the new standby, so the next fault again meets
# a synchronous standby. For each fault it prints the failover time (fault to the new primary
# taking a write), each daemon's time back (fault to its first database work on the new primary:
# the first rewrite of its health file after the failover) and how long the old primary took to
# rejoin; at the end, acknowledged cases lost, doubled and references naming another case, the
# event log's gaplessness, and every figure against the recount. Exits non-zero on any loss.
# The formation archives its WAL (pgBackRest): a full backup is taken once the stack is up, a
# moment under load before the first fault is marked, and at the end the archive is restored to
# that moment and compared with the live database: every case acknowledged before it is there,
# nothing committed after it, and its event log is the live one's, cut there.
#   tests/failover/run.sh BIN_DIR       FAILOVER_SHORT=1: fewer cases (for make check)
#                                       FAILOVER_RATE=N cases a second per reporter (4 of them)
#                                       FAILOVER_FAULTS="kill freeze cut" (and/or standby)
#                                       FAILOVER_FREEZE_HOLD=S: the frozen primary stays frozen
#                                       until every daemon is back on the new one, or S seconds
#                                       (15); a daemon back only after it woke is a failure
# Needs root (network namespaces) and pg_auto_failover (postgresql-15-auto-failover).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
bin=$(cd "${1:?usage: run.sh BIN_DIR}" && pwd)
# 4 reporters, each submitting batches of $batch cases at $rate a second until the faults are done
if [ "${FAILOVER_SHORT:-0}" = 1 ]; then batch=20 rate=${FAILOVER_RATE:-2}
else batch=100 rate=${FAILOVER_RATE:-10}; fi
read -r -a faults <<< "${FAILOVER_FAULTS:-kill freeze cut}"
export GC_VAR="var/failover-$$" GC_PORT_BASE=7100 # the stack's ports are on the app namespace's own loopback
export GC_ESCALATION_TICK_MS=200 GC_STATS_INTERVAL_MS=500 GC_TEST_CLOCK=1 PATH="$bin:$PATH"
ha="$GC_VAR/ha"
mkdir -p "$GC_VAR"
say() { echo "failover: $*"; }
now_ms() { date +%s%3N; }

cleanup() {
    touch "$GC_VAR/stop"
    for f in "$GC_VAR"/*.pids; do
        [ -f "$f" ] || continue
        while read -r p; do kill "$p" 2>/dev/null; done < "$f"
    done
    if [ -f "$ha/env" ]; then
        # shellcheck disable=SC1091
        . "$ha/env"
        ip netns exec "$GC_HA_APP_NS" env GC_PG_EXTERNAL=1 deploy/stack.sh down >/dev/null 2>&1
    fi
    if [ -f "$ha/real" ]; then # the nodes' logs stay with the run's state
        mkdir -p "$GC_VAR/ha-logs"
        for n in mon n1 n2; do cp "$(cat "$ha/real")/$n/autoctl.log" "$GC_VAR/ha-logs/$n.log" 2>/dev/null; done
    fi
    deploy/ha/formation.sh down "$ha" >/dev/null 2>&1
    wait 2>/dev/null
}
trap cleanup EXIT
trap 'exit 130' INT TERM

started=$SECONDS
deploy/ha/formation.sh up "$ha" > "$GC_VAR/formation.log" 2>&1 || { cat "$GC_VAR/formation.log"; exit 1; }
# shellcheck disable=SC1091
. "$ha/env"
say "formation up in $((SECONDS - started)) s: $GC_PG_HOSTS ports $GC_PG_PORTS"
export GC_PG_EXTERNAL=1 GC_PG_HOSTS GC_PG_PORTS
app() { ip netns exec "$GC_HA_APP_NS" "$@"; }
app deploy/stack.sh up "$bin" > "$GC_VAR/up.log" 2>&1 || { cat "$GC_VAR/up.log"; exit 1; }
# shellcheck disable=SC1091
. "$GC_VAR/env"
sql() { app psql "$GC_PG_DSN" -tAc "$1" 2>/dev/null; }
t=$SECONDS
deploy/ha/formation.sh backup "$ha" > "$GC_VAR/backup.log" 2>&1 || { cat "$GC_VAR/backup.log"; exit 1; }
say "full backup in $((SECONDS - t)) s"
IFS=, read -r -a hosts <<< "$GC_PG_HOSTS"
IFS=, read -r -a ports <<< "$GC_PG_PORTS"
node_index() { [ "$1" = n1 ] && echo 0 || echo 1; }

# every rewrite of a daemon's health file, with its time: "DAEMON MTIME_MS"
watch_health() {
    local prev="" cur
    until [ -e "$GC_VAR/stop" ]; do
        cur=$(cd "$GC_VAR/run" && stat -c '%n %.3Y' intake.alive routing.alive escalation.alive stats.alive 2>/dev/null)
        if [ "$cur" != "$prev" ]; then
            awk '{sub(/\.alive$/, "", $1); t = $2; sub(/\./, "", t); print $1, t}' <<< "$cur" >> "$GC_VAR/health.log"
            prev=$cur
        fi
        sleep 0.1
    done
}
watch_health &
echo $! >> "$GC_VAR/workers.pids"

# the load, in the application's namespace: reporters in batches until the faults are done
for d in municipal cityman; do
    ip netns exec "$GC_HA_APP_NS" gc-chaos-dept "$d" 3600 "$GC_VAR/$d.seqs" > "$GC_VAR/dept-$d.out" 2>&1 &
    echo $! >> "$GC_VAR/workers.pids"
done
report_loop() {
    local r=$1 b=0 p
    until [ -e "$GC_VAR/faults.done" ] || [ -e "$GC_VAR/stop" ]; do
        ip netns exec "$GC_HA_APP_NS" gc-chaos-report "$GC_INTAKE_URL" "$batch" "$$-$r-$b" "$GC_VAR/acks" "$rate" \
            >> "$GC_VAR/report-$r.out" 2>&1 &
        p=$!
        echo "$p" >> "$GC_VAR/workers.pids"
        wait "$p" || echo "batch $b gave up or saw a refusal" >> "$GC_VAR/report-failures"
        b=$((b + 1))
    done
}
reporters=()
for r in 1 2 3 4; do
    report_loop "$r" &
    reporters+=($!)
done
verify_loop() { # grid leaders close what departments resolved
    until [ -e "$GC_VAR/stop" ]; do
        # several at once: each waits for intake's commit, which waits for the standby
        sql "SELECT ref FROM cases WHERE status = 'resolved' AND description = 'chaos' LIMIT 64" |
            xargs -r -P 8 -I REF ip netns exec "$GC_HA_APP_NS" gridctl verify REF --ok --actor grid-leader >/dev/null 2>&1
        sleep 0.3
    done
}
verify_loop &
echo $! >> "$GC_VAR/workers.pids"

# the node the monitor has as primary, with the standby caught up (secondary)
ready() {
    [ "$(app psql -X "$GC_HA_MONITOR" -tAc "SELECT string_agg(reportedstate || '/' || goalstate, ' ' ORDER BY reportedstate) FROM pgautofailover.node" 2>/dev/null)" = "primary/primary secondary/secondary" ]
}
primary_node() { app psql -X "$GC_HA_MONITOR" -tAc "SELECT nodename FROM pgautofailover.node WHERE reportedstate = 'primary'" 2>/dev/null; }
# a write that commits (an xid), on this node only, within 2 s
writable() {
    local i
    i=$(node_index "$1")
    app timeout -k 1 2 psql -X "host=${hosts[$i]} port=${ports[$i]} user=gridcase dbname=gridcase connect_timeout=1 target_session_attrs=read-write" \
        -tAc "SELECT txid_current()" >/dev/null 2>&1
}
fmt() { awk -v ms="$1" 'BEGIN {printf "%.1f s", ms / 1000}'; }

# first_work DAEMON FROM_MS: when the daemon first rewrote its health file at or after FROM_MS
first_work() { awk -v d="$1" -v t="$2" '$1 == d && $2 >= t {print $2; exit}' "$GC_VAR/health.log"; }
hold=${FAILOVER_FREEZE_HOLD:-15}
results=()
sleep 7 # the load running before the point in time restored at the end
# the point in time: the acknowledgements received so far were for commits before it
acked_at_mark=$(wc -l < "$GC_VAR/acks")
mark=$(sql "SELECT clock_timestamp()")
[ -n "$mark" ] || { say "no answer from the primary at the point in time"; exit 1; }
sleep 3 # and commits after it, before the first fault
for fault in "${faults[@]}"; do
    for _ in $(seq 120); do ready && break; sleep 1; done
    ready || { say "no primary with a synchronous standby before '$fault'"; deploy/ha/formation.sh state "$ha"; exit 1; }
    primary=$(primary_node)
    standby=$([ "$primary" = n1 ] && echo n2 || echo n1)
    # the machine the fault hits, and the one that must take writes afterwards
    if [ "$fault" = standby ]; then victim=$standby target=$primary; else victim=$primary target=$standby; fi
    t0=$(now_ms)
    case $fault in
        kill | standby)
            procs=$(deploy/ha/formation.sh pids "$ha" "$victim")
            [ -n "$procs" ] || { say "$fault: no process of $victim found"; exit 1; }
            for p in $procs; do kill -KILL "$p" 2>/dev/null; done ;;
        freeze)
            procs=$(deploy/ha/formation.sh pgpids "$ha" "$victim")
            [ -n "$procs" ] || { say "freeze: no postgres process of $victim found"; exit 1; }
            for p in $procs; do kill -STOP "$p" 2>/dev/null; done ;;
        cut) ip -n "$(cat "$ha/prefix")-br" link set "$victim" down ;;
        *) say "unknown fault $fault"; exit 2 ;;
    esac
    tfo=""
    for _ in $(seq 600); do
        if writable "$target"; then tfo=$(now_ms); break; fi
        sleep 0.1
    done
    [ -n "$tfo" ] || { say "$fault: $target never took a write"; deploy/ha/formation.sh state "$ha"; exit 1; }
    if [ "$fault" = standby ]; then line="standby $victim killed: $target's commits stalled $(fmt $((tfo - t0)))"
    else line="$fault: $victim -> $target writable after $(fmt $((tfo - t0)))"; fi
    # a frozen primary stays frozen for a while: a silent server must not hold a daemon
    if [ "$fault" = freeze ]; then
        while [ "$(now_ms)" -lt $((tfo + hold * 1000)) ]; do
            n=0
            for d in intake routing escalation stats; do [ -n "$(first_work "$d" "$tfo")" ] && n=$((n + 1)); done
            [ $n = 4 ] && break
            sleep 0.1
        done
        woken=$(now_ms)
    fi
    # the machine comes back (it rejoins as the standby), then each daemon's first work
    case $fault in
        kill | standby) deploy/ha/formation.sh start "$ha" "$victim" ;;
        freeze) for p in $procs; do kill -CONT "$p" 2>/dev/null; done ;;
        cut) ip -n "$(cat "$ha/prefix")-br" link set "$victim" up ;;
    esac
    back=()
    for d in intake routing escalation stats; do
        t=""
        for _ in $(seq 600); do t=$(first_work "$d" "$tfo"); [ -n "$t" ] && break; sleep 0.1; done
        if [ -z "$t" ]; then back+=("$d NOT BACK in 60 s")
        elif [ "$fault" = freeze ] && [ "$t" -ge "$woken" ]; then
            back+=("$d $(fmt $((t - t0))) (NOT while $victim was frozen: only once it woke, $(fmt $((woken - t0))) after the fault)")
        else back+=("$d $(fmt $((t - t0)))"); fi
    done
    joined=$(IFS='|'; echo "${back[*]}")
    line="$line; daemons back: ${joined//|/, }"
    rejoined=""
    for _ in $(seq 180); do if ready && [ "$(primary_node)" = "$target" ]; then rejoined=$(now_ms); break; fi; sleep 1; done
    if [ -n "$rejoined" ]; then line="$line; $victim standby again after $(fmt $((rejoined - t0)))"
    else line="$line; $victim NOT rejoined in 180 s"; fi
    say "$line"
    results+=("$line")
    app deploy/stack.sh up "$bin" >> "$GC_VAR/restarts.log" 2>&1 # a daemon that died is started again
done

say "faults done after $((SECONDS - started)) s; waiting for the reporters' last batches"
# a failover leaves the archive without what the dead primary had not pushed yet
# (deploy/ha/README.md): the operator takes a full backup on the new primary
t=$SECONDS
if deploy/ha/formation.sh backup "$ha" >> "$GC_VAR/backup.log" 2>&1; then
    say "full backup on the new primary ($(deploy/ha/formation.sh primary "$ha")) in $((SECONDS - t)) s"
else backup_failed=1; fi
touch "$GC_VAR/faults.done"
for p in "${reporters[@]}"; do wait "$p"; done
reporter_failures=0
[ -f "$GC_VAR/report-failures" ] && reporter_failures=$(wc -l < "$GC_VAR/report-failures")

# settle: every open case past every deadline, every consumer and both workers caught up
app deploy/stack.sh up "$bin" >> "$GC_VAR/restarts.log" 2>&1
for _ in 1 2 3 4 5; do app gridctl clock advance $((24 * 3600)) >/dev/null; sleep 1; done
# shellcheck source=tests/chaos/quiet.sh
. tests/chaos/quiet.sh
settled=no
for _ in $(seq 600); do if chaos_quiet app; then settled=yes; break; fi; sleep 1; done
touch "$GC_VAR/stop"
while read -r p; do kill "$p" 2>/dev/null; done < "$GC_VAR/workers.pids"

# the checks
problems=()
problem() { problems+=("$1"); }
[ "$settled" = yes ] || problem "the system did not settle within 600 s"
[ -z "${backup_failed:-}" ] || problem "the backup on the new primary failed (see $GC_VAR/backup.log)"
[ "$reporter_failures" -eq 0 ] || problem "$reporter_failures reporter(s) gave up or saw a refusal"
acked=$(wc -l < "$GC_VAR/acks")
app psql "$GC_PG_DSN" -q -c "CREATE TABLE failover_acks (key text, ref text)" \
    -c "\\copy failover_acks FROM '$GC_VAR/acks' WITH (FORMAT text, DELIMITER ' ')" >/dev/null
lost=$(sql "SELECT count(DISTINCT a.key) FROM failover_acks a WHERE NOT EXISTS (SELECT 1 FROM cases c WHERE c.idempotency_key = a.key)")
[ "$lost" = 0 ] || problem "$lost acknowledged case(s) missing"
misnamed=$(sql "SELECT count(*) FROM failover_acks a JOIN cases c ON c.ref = a.ref WHERE c.idempotency_key IS DISTINCT FROM a.key")
misnamed=$((misnamed + $(sql "SELECT count(*) FROM failover_acks a WHERE NOT EXISTS (SELECT 1 FROM cases c WHERE c.ref = a.ref)")))
[ "$misnamed" = 0 ] || problem "$misnamed acknowledged reference(s) naming another case or none"
doubled=$(sql "SELECT count(*) FROM (SELECT key FROM failover_acks GROUP BY key HAVING count(DISTINCT ref) > 1) d")
doubled=$((doubled + $(sql "SELECT count(*) FROM (SELECT idempotency_key FROM cases WHERE description = 'chaos' GROUP BY idempotency_key HAVING count(*) > 1) d")))
[ "$doubled" = 0 ] || problem "$doubled key(s) stored or acknowledged twice"
unacked=$(sql "SELECT count(*) FROM cases c WHERE c.description = 'chaos' AND NOT EXISTS (SELECT 1 FROM failover_acks a WHERE a.key = c.idempotency_key)")
[ "$unacked" = 0 ] || problem "$unacked stored case(s) never acknowledged"
unrouted=$(sql "SELECT count(*) FROM cases WHERE description = 'chaos' AND status = 'submitted'")
[ "$unrouted" = 0 ] || problem "$unrouted case(s) never routed"
undelivered=$(sql "SELECT count(*) FROM case_assignments a JOIN cases c ON c.id = a.case_id WHERE c.description = 'chaos' AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.case_id = a.case_id AND d.department = a.department)")
[ "$undelivered" = 0 ] || problem "$undelivered assignment(s) with no delivery"
read -r events first last distinct <<< "$(sql "SELECT count(*), min(seq), max(seq), count(DISTINCT seq) FROM case_events" | tr '|' ' ')"
stream_last=$(sql "SELECT last_seq FROM event_streams")
if [ "$first" = 1 ] && [ "$events" = "$last" ] && [ "$distinct" = "$events" ] && [ "$stream_last" = "$last" ]; then
    gapless="gapless (seq 1..$last)"
else gapless="NOT gapless ($events events, seq $first..$last, counter $stream_last)"; problem "the event log has holes"; fi
gaps=$(sql "SELECT count(*) FROM (SELECT department FROM deliveries GROUP BY department HAVING count(*) <> max(seq) OR count(DISTINCT seq) <> count(*)) g")
[ "$gaps" = 0 ] || problem "$gaps department(s) with a gap in their delivery sequence"
twice=$(sql "SELECT count(*) FROM (SELECT case_id FROM case_events WHERE kind IN ('accepted', 'verified', 'supervised') GROUP BY case_id, kind, department HAVING count(*) > 1) d")
twice=$((twice + $(sql "SELECT count(*) FROM (SELECT case_id FROM case_events WHERE kind = 'escalated' GROUP BY case_id, level HAVING count(*) > 1) d")))
[ "$twice" = 0 ] || problem "$twice action(s) or escalation(s) applied twice"
mkdir -p "$GC_VAR/stats"
if compared=$(app tests/integration/stats_compare.sh "$GC_VAR/stats"); then stats_ok="all $compared equal to the recount"
else problem "statistics differ from the recount: $compared"; stats_ok="DIFFERENT from the recount"; fi

# the point in time, restored from the backup and the archived WAL (across every failover since)
restored=""
if deploy/ha/formation.sh archived "$ha" > "$GC_VAR/restore.log" 2>&1; then
    t=$(now_ms)
    restored=$(deploy/ha/formation.sh restore "$ha" "$mark" 2>> "$GC_VAR/restore.log")
    restore_ms=$(($(now_ms) - t))
fi
if [ -z "$restored" ]; then
    problem "the restore to $mark failed (see $GC_VAR/restore.log)"
    pitr="FAILED"
else
    rsql() { psql "$restored" -tAc "$1" 2>/dev/null; }
    head -n "$acked_at_mark" "$GC_VAR/acks" > "$GC_VAR/acks-at-mark"
    psql "$restored" -q -c "CREATE TABLE mark_acks (key text, ref text)" \
        -c "\\copy mark_acks FROM '$GC_VAR/acks-at-mark' WITH (FORMAT text, DELIMITER ' ')" >/dev/null
    r_missing=$(rsql "SELECT count(*) FROM mark_acks a WHERE NOT EXISTS (SELECT 1 FROM cases c WHERE c.idempotency_key = a.key AND c.ref = a.ref)")
    # events are stamped with their transaction's start, before its commit: none after the mark
    r_late=$(rsql "SELECT count(*) FROM case_events, clock WHERE at - make_interval(secs => offset_seconds) > '$mark'")
    read -r r_events r_last r_counter <<< "$(rsql "SELECT count(*), coalesce(max(seq), 0), (SELECT last_seq FROM event_streams) FROM case_events" | tr '|' ' ')"
    digest="SELECT md5(string_agg(seq || ' ' || case_id || ' ' || kind || ' ' || at || ' ' || status, ',' ORDER BY seq)) FROM case_events WHERE seq <= $r_last"
    [ "$(rsql "$digest")" = "$(sql "$digest")" ] && r_prefix=yes || r_prefix=no
    pitr="restored to $mark in $(fmt "$restore_ms"): $r_events events (seq 1..$r_last), $acked_at_mark cases acknowledged before it"
    [ "$r_missing" = 0 ] || problem "the restore lacks $r_missing case(s) acknowledged before $mark"
    [ "$r_late" = 0 ] || problem "the restore holds $r_late event(s) stamped after $mark"
    [ "$r_events" = "$r_last" ] && [ "$r_counter" = "$r_last" ] && [ "$r_events" -gt 0 ] ||
        problem "the restored event log is not gapless ($r_events events, last $r_last, counter $r_counter)"
    [ "$r_prefix" = yes ] || problem "the restored event log differs from the live one's first $r_last events"
    if [ "$r_missing" = 0 ] && [ "$r_late" = 0 ] && [ "$r_prefix" = yes ]; then
        pitr="$pitr, all present, nothing after it, the log equal to the live one's up to there"
    fi
fi

say "--- per fault ---"
printf 'failover: %s\n' "${results[@]}"
sent=$(awk '/acknowledged/ {n += $4} END {print n + 0}' "$GC_VAR"/report-*.out)
resends=$(awk '/acknowledged/ {n += $6} END {print n + 0}' "$GC_VAR"/report-*.out)
say "$acked cases acknowledged of $sent submitted ($resends resends); lost: $lost, doubled: $doubled, references naming another case: $misnamed"
say "event log: $gapless; statistics: $stats_ok"
say "point-in-time restore: $pitr"
say "took $((SECONDS - started)) s"
for r in "${results[@]}"; do if [[ $r == *NOT* ]]; then problem "$r"; fi; done
if [ ${#problems[@]} -gt 0 ]; then
    printf 'failover: FAILED: %s\n' "${problems[@]}"
    exit 1
fi
trap - EXIT
cleanup
rm -rf "$GC_VAR"
say "passed"
