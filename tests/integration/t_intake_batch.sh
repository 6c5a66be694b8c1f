# Intake's batch path: submissions that arrive together are stored by one call of
# gc_submit_cases in one transaction, each with the outcome it would have alone; when that call
# fails, the same submissions are stored one at a time and only the bad one is refused. Grid
# 4101010204 (航海东路街道, 中铁七局社区), used by no other test.
#
# To make requests land in one batch, a psql session holds the event stream's counter lock
# (which the batch call takes before its events) while a first request ("blocker") makes intake
# wait on it; the batch is sent meanwhile and queues on intake's socket, so intake reads it whole
# once the lock goes. The cases of one transaction share created_at (now() is the transaction's start), which
# shows that they were stored together.
g=4101010204
mkdir -p "$GC_VAR/py"
protoc -Iproto --python_out="$GC_VAR/py" proto/*.proto
cat > "$GC_VAR/py/batch_send.py" <<'PY'
# batch_send.py URL < requests.json: one DEALER; sends the first request, waits 0.5 s, sends
# the rest at once, then prints one line per request, in order:
#   RID accepted REF known=0|1 dup=REF grid=G area=A entry=N   or   RID error CODE message
# (REF "-" when the reply names no case: a diary entry)
import json, sys, time
import zmq
from google.protobuf import json_format
import common_pb2, intake_pb2
reqs = json.load(sys.stdin)
ctx = zmq.Context()
s = ctx.socket(zmq.DEALER)
s.setsockopt(zmq.LINGER, 0)
s.connect(sys.argv[1])
for i, r in enumerate(reqs):
    s.send_multipart([b"", json_format.ParseDict(r, intake_pb2.IntakeRequest()).SerializeToString()])
    if i == 0:
        time.sleep(0.5)
replies, deadline = {}, time.time() + 20
while len(replies) < len(reqs) and s.poll(max(1, int((deadline - time.time()) * 1000))):
    rep = intake_pb2.IntakeReply()
    rep.ParseFromString(s.recv_multipart()[-1])
    replies[rep.request_id] = rep
for r in reqs:
    rep = replies.get(r["request_id"])
    if rep is None:
        print(r["request_id"], "noreply")
    elif rep.WhichOneof("result") == "error":
        print(r["request_id"], "error", common_pb2.ErrorCode.Name(rep.error.code), rep.error.message)
    else:
        a = rep.accepted
        print(r["request_id"], "accepted", a.case_ref or "-", "known=%d" % a.already_known,
              "dup=" + a.possible_duplicate_of, "grid=" + a.grid, "area=" + a.area,
              "entry=%d" % a.diary_entry)
PY
# send_batch FILE: the requests of FILE, the first alone, the rest while the counter is locked
# (for 1.3 s: less than intake's wait for one statement, after which it would answer UNAVAILABLE)
send_batch() {
    psql "$GC_PG_DSN" -qtA -c "BEGIN" -c "SELECT gc_lock_event_stream()" -c "SELECT pg_sleep(1.3)" \
        -c "COMMIT" > /dev/null &
    local holder=$!
    for _ in $(seq 50); do
        [ "$(sql "SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(1.3)'")" = 1 ] && break
        sleep 0.1
    done
    PYTHONPATH="$GC_VAR/py" timeout -k 5 30 /usr/bin/python3 "$GC_VAR/py/batch_send.py" "$GC_INTAKE_URL" < "$1"
    wait "$holder"
}
# word RID N: word N of the reply line of request RID
word() { awk -v r="$1" -v n="$2" '$1 == r { print $n }' "$GC_VAR/batch.out"; }
gapless() { sql "SELECT count(*) = max(seq) AND max(seq) = (SELECT last_seq FROM event_streams) FROM case_events"; }

noted=$(gridctl submit --category floating_population --grid $g --desc "批次前的案件")
k="batch-$$-$RANDOM"
sub() { # sub RID KEY CATEGORY [extra JSON fields of the submission [description]]
    printf '{"request_id": "%s", "submit": {"idempotency_key": "%s", "category": "%s", "description": "批次 %s", "source": "SOURCE_HOTLINE"%s}}' \
        "$1" "$2" "$3" "${5:-$1}" "${4:+, $4}"
}
{
    echo "["
    sub blocker "$k-blocker" floating_population "\"grid\": \"$g\"";                      echo ","
    sub same1 "$k-same" street_light "\"grid\": \"$g\"";                         echo ","
    sub same2 "$k-same" street_light "\"grid\": \"$g\"" same1;                   echo ","
    sub other "$k-same" street_light "\"grid\": \"$g\"" other;                    echo ","
    sub nocat "$k-nocat" no_such_category "\"grid\": \"$g\"";                    echo ","
    sub dirty1 "$k-dirty1" dirty_surroundings "\"grid\": \"$g\"";                echo ","
    sub dirty2 "$k-dirty2" dirty_surroundings "\"grid\": \"$g\"";                echo ","
    sub point1 "$k-point1" drain_cover '"location": {"lon": 113.7370, "lat": 34.7300}'; echo ","
    sub point2 "$k-point2" drain_cover '"location": {"lon": 113.7372, "lat": 34.7301}'; echo ","
    sub outside "$k-outside" drain_cover '"location": {"lon": 113.50, "lat": 34.50}'; echo ","
    sub nogrid "$k-nogrid" drain_cover '"grid": "4101010299"';                   echo ","
    printf '{"request_id": "diary", "diary": {"grid": "%s", "visited_on": "2026-11-21", "note": "批次中的日记"}}' $g; echo ","
    printf '{"request_id": "note", "command": {"case_ref": "%s", "kind": "COMMAND_KIND_NOTE", "note": "批次中的备注", "actor": "测试"}}' "$noted"; echo ","
    sub task "$k-task" outdoor_ads "\"grid\": \"$g\", \"source\": \"SOURCE_DEPARTMENT\"";  echo ","
    for i in $(seq 1 20); do
        sub "vend$i" "$k-vend$i" street_vending "\"grid\": \"$g\""; echo ","
    done
    # text that needs escaping on its way to the database (it travels in array literals)
    printf '%s' '{"request_id": "quoted", "submit": {"idempotency_key": "'"$k"'-quoted", "category": "overhead_cables", "grid": "'"$g"'", "description": "引号\" 反斜杠\\ {花括号,逗号} NULL", "reporter_name": "NULL", "source": "SOURCE_RESIDENT"}}'
    echo "]"
} > "$GC_VAR/batch.json"
events_before=$(sql "SELECT last_seq FROM event_streams")
send_batch "$GC_VAR/batch.json" > "$GC_VAR/batch.out"
expect_eq "every request of the batch got a reply" "$(grep -c noreply "$GC_VAR/batch.out")" "0"
expect_eq "the submissions went through the batch call, not one at a time" \
    "$(grep -c "storing them one at a time" "$GC_VAR/log/intake.log")" "0"
batch_keys="'$k-same','$k-dirty1','$k-dirty2','$k-point1','$k-point2','$k-task'$(for i in $(seq 1 20); do printf ",'%s'" "$k-vend$i"; done),'$k-quoted'"
expect_eq "the batch's new cases were stored in one transaction, apart from the blocker's" \
    "$(sql "SELECT count(DISTINCT created_at) || ' ' || count(*) || ' ' || bool_and(created_at > (SELECT created_at FROM cases WHERE idempotency_key = '$k-blocker')) FROM cases WHERE idempotency_key IN ($batch_keys)")" "1 27 true"

# the same key twice in one batch: one case, one event, both replies name it
expect_eq "the same key twice in one batch: both replies name the same case" \
    "$(word same1 3) $(word same1 2)" "$(word same2 3) accepted"
expect_eq "the first is new, the second already known" "$(word same1 4) $(word same2 4)" "known=0 known=1"
expect_eq "one case stored for the key" "$(sql "SELECT count(*) FROM cases WHERE idempotency_key = '$k-same'")" "1"
expect_eq "and one submitted event" \
    "$(sql "SELECT count(*) FROM case_events e JOIN cases c ON c.id = e.case_id WHERE c.idempotency_key = '$k-same' AND e.kind = 'submitted'")" "1"
if grep -q "case $(word same1 3) stored in $g\"" "$GC_VAR/log/intake.log" \
   && grep -q "case $(word same1 3) already known in $g\"" "$GC_VAR/log/intake.log"; then
    ok "intake logs each outcome as before (stored, already known)"
else not_ok "intake logs each outcome as before (stored, already known)"; fi

# the same key for another request (its description differs) in the same batch: refused, with
# the case the key made named
expect_eq "the same key for another request in one batch is refused" "$(word other 2) $(word other 3)" \
    "error ERROR_CODE_IDEMPOTENCY_CONFLICT"
expect_eq "naming the case the key made" "$(grep -o "(case $(word same1 3))" <<<"$(grep '^other ' "$GC_VAR/batch.out")")" \
    "(case $(word same1 3))"

# refusals in the batch are the refused requests' own
expect_eq "an unknown category among valid ones is refused" "$(word nocat 2) $(word nocat 3)" "error ERROR_CODE_UNKNOWN_CATEGORY"
expect_eq "and nothing is stored for it" "$(sql "SELECT count(*) FROM cases WHERE idempotency_key = '$k-nocat'")" "0"
expect_eq "a point outside the district is refused before the database" "$(word outside 3)" "ERROR_CODE_OUTSIDE_DISTRICT"
expect_eq "an unknown grid is refused" "$(word nogrid 3)" "ERROR_CODE_UNKNOWN_GRID"
expect_eq "every other request of the batch was accepted" \
    "$(grep -v -E '^(nocat|outside|nogrid|other) ' "$GC_VAR/batch.out" | awk '$2 != "accepted"' | wc -l)" "0"

# possible duplicates inside one batch
expect_eq "a second report of a kind in the grid names the first of the same batch" \
    "$(word dirty1 5) $(word dirty2 5)" "dup= dup=$(word dirty1 3)"
expect_eq "so does one 21 m from a point reported earlier in the batch" \
    "$(word point1 5) $(word point2 5) $(word point2 6)" "dup= dup=$(word point1 3) grid=$g"
expect_eq "and it is linked to it" "$(case_field "$(word point2 3)" .duplicate_of)" "$(word point1 3)"
expect_eq "twenty reports of one kind name the first of them (the oldest open one)" \
    "$(for i in $(seq 2 20); do word "vend$i" 5; done | sort -u) $(word vend1 5)" "dup=$(word vend1 3) dup="
expect_eq "the duplicate's event says so" \
    "$(case_field "$(word dirty2 3)" '.timeline[0] | "\(.kind) \(.actor) \(.note)"')" "submitted hotline possible duplicate"

# the rest of the batch: diary entry, command, grid task
expect_eq "a diary entry in the batch is stored" \
    "$(sql "SELECT note FROM grid_diary WHERE id = $(word diary 8 | cut -d= -f2)")" "批次中的日记"
expect_eq "a command in the batch is stored" "$(case_field "$noted" '.timeline[-1].note')" "批次中的备注"
expect_eq "a department's report in the batch is a grid task with a deadline" \
    "$(case_field "$(word task 3)" '[.status, .deadline_at != null] | @tsv')" $'grid_task\ttrue'

# the event log: gapless, and the batch's submitted events in request order
expect_eq "the event log is gapless and the counter matches it" "$(gapless)" "t"
seqs=$(sql "SELECT string_agg(e.seq::text, ' ' ORDER BY c.id) FROM case_events e JOIN cases c ON c.id = e.case_id WHERE e.kind = 'submitted' AND c.idempotency_key IN ($batch_keys)")
first=$(cut -d' ' -f1 <<<"$seqs")
expect_eq "the batch's events have consecutive seqs, in the order of the requests" \
    "$seqs" "$(seq -s ' ' "$first" $((first + 26)))"
expect_eq "its cases' ids follow the order of the requests" \
    "$(sql "SELECT string_agg(idempotency_key, ' ' ORDER BY id) FROM cases WHERE idempotency_key IN ($batch_keys)")" \
    "$k-same $k-dirty1 $k-dirty2 $k-point1 $k-point2 $k-task $(for i in $(seq 1 20); do printf '%s ' "$k-vend$i"; done)$k-quoted"
expect_eq "quotes, backslashes, braces, commas and the word NULL arrive as they were sent" \
    "$(sql "SELECT description = \$q\$引号\" 反斜杠\\ {花括号,逗号} NULL\$q\$ AND reporter_name = 'NULL' FROM cases WHERE idempotency_key = '$k-quoted'")" "t"
if [ "$(sql "SELECT last_seq FROM event_streams")" -gt "$events_before" ]; then ok "events were appended"
else not_ok "events were appended"; fi
wait_for "routing routes the batch's cases" 20 field_is "$(word vend20 3)" .status routed

# The fallback: a trigger (a test fixture, dropped below) makes storing one submission fail, so
# the batch call fails as a whole; intake rolls back to its savepoint and stores the same
# submissions one at a time: only that one is refused, its neighbours commit together.
sql "CREATE FUNCTION test_refuse_case() RETURNS trigger LANGUAGE plpgsql AS \$\$ BEGIN RAISE EXCEPTION 'test: refused'; END \$\$;
     CREATE TRIGGER test_refuse_case BEFORE INSERT ON cases FOR EACH ROW
         WHEN (NEW.description = 'refuse me') EXECUTE FUNCTION test_refuse_case()" > /dev/null
k2="fallback-$$-$RANDOM"
{
    echo "["
    sub blocker "$k2-blocker" floating_population "\"grid\": \"$g\""; echo ","
    sub a "$k2-a" green_space "\"grid\": \"$g\""; echo ","
    printf '{"request_id": "bad", "submit": {"idempotency_key": "%s", "category": "green_space", "grid": "%s", "description": "refuse me", "source": "SOURCE_RESIDENT"}}' "$k2-bad" $g; echo ","
    sub b "$k2-b" green_space "\"grid\": \"$g\""; echo ","
    sub c "$k2-a" green_space "\"grid\": \"$g\"" a; echo ","
    sub e "$k2-a" green_space "\"grid\": \"$g\"" e; echo ","
    sub d "$k2-d" no_such_category "\"grid\": \"$g\""
    echo "]"
} > "$GC_VAR/fallback.json"
send_batch "$GC_VAR/fallback.json" > "$GC_VAR/batch.out"
sql "DROP TRIGGER test_refuse_case ON cases; DROP FUNCTION test_refuse_case()" > /dev/null
expect_eq "when the batch call fails, only the bad submission is refused" \
    "$(word bad 2) $(word bad 3)" "error ERROR_CODE_INTERNAL"
expect_eq "its neighbours are stored, one at a time, with the same outcomes" \
    "$(word a 2) $(word a 4) $(word b 2) $(word c 3) $(word c 4) $(word d 3) $(word e 3)" \
    "accepted known=0 accepted $(word a 3) known=1 ERROR_CODE_UNKNOWN_CATEGORY ERROR_CODE_IDEMPOTENCY_CONFLICT"
expect_eq "b names a as a possible duplicate" "$(word b 5)" "dup=$(word a 3)"
expect_eq "in the same transaction, and nothing of the bad one" \
    "$(sql "SELECT count(DISTINCT created_at) || ' ' || count(*) FROM cases WHERE idempotency_key IN ('$k2-a', '$k2-b')") $(sql "SELECT count(*) FROM cases WHERE idempotency_key = '$k2-bad'")" "1 2 0"
if grep -q "the batch of 6 submissions failed: storing them one at a time" "$GC_VAR/log/intake.log"; then
    ok "intake says it fell back to one at a time"
else not_ok "intake says it fell back to one at a time"; fi
expect_eq "the event log is still gapless" "$(gapless)" "t"
expect_ok "intake takes cases in batches again" gridctl submit --category green_space --grid $g --desc "之后"

# gc_submit_cases against the one-at-a-time path, inside transactions that are rolled back:
# random batches of 80 (repeated keys, a key already stored, an unknown category, grid tasks,
# points a few metres apart and reports by grid, so that duplicates are found in the table and
# earlier in the batch) give the same outcome per element and the same events, in the same
# order, as SQL_INSERT_CASE (common/gc_case.c, copied here) and gc_append_event one by one.
cat > "$GC_VAR/equiv.sql" <<'SQL'
\set ON_ERROR_STOP on
CREATE TEMP TABLE batch AS
SELECT i AS pos,
       CASE WHEN i = 7 THEN (SELECT min(idempotency_key) FROM cases)
            ELSE 'eq-' || :seed || '-' || (random() * 40)::int END AS key,
       (ARRAY['street_light', 'drain_cover', 'green_space', 'nope'])[1 + (random() * 3.3)::int] AS category,
       (ARRAY['4101010204', '4101010205', '4101010206'])[1 + (random() * 2)::int] AS area,
       CASE WHEN random() < 0.15 THEN 'grid_task' ELSE 'submitted' END AS status,
       CASE WHEN random() < 0.4 THEN 113.737 + random() * 0.001 END AS lon,
       34.733 + random() * 0.001 AS lat,
       (ARRAY['hotline', 'resident', 'department'])[1 + (random() * 2)::int] AS source
FROM generate_series(1, 80) i;
UPDATE batch SET lat = NULL WHERE lon IS NULL;
CREATE TEMP TABLE outcome (pos int, case_id bigint, known boolean, unknown boolean);
CREATE TEMP TABLE start (seq0 bigint);  -- the counter before the transaction
-- the outcome as text: per element the key that made its case, known, unknown, the key of its
-- duplicate, whether it has a deadline; then the new events in seq order
CREATE TEMP VIEW described AS
SELECT (SELECT string_agg(o.pos || ':' || coalesce(c.idempotency_key, '-') || ':' || o.known || ':'
                          || o.unknown || ':' || coalesce(d.idempotency_key, '-') || ':'
                          || (c.deadline_at IS NOT NULL), ' ' ORDER BY o.pos)
        FROM outcome o LEFT JOIN cases c ON c.id = o.case_id LEFT JOIN cases d ON d.id = c.duplicate_of)
       || ' | ' ||
       (SELECT string_agg(c.idempotency_key || ':' || e.kind || ':' || e.level || ':' || e.status || ':'
                          || e.actor || ':' || e.note || ':' || e.department, ' ' ORDER BY e.seq)
        FROM case_events e JOIN cases c ON c.id = e.case_id WHERE e.seq > (SELECT min(seq0) FROM start))
       || ' | ' || ((SELECT last_seq FROM event_streams) - (SELECT min(seq0) FROM start)) AS text;
BEGIN;
SELECT gc_lock_event_stream();
INSERT INTO start SELECT last_seq FROM event_streams;
INSERT INTO outcome SELECT ord, case_id, already_known, unknown_category FROM gc_submit_cases(
    (SELECT array_agg(key ORDER BY pos) FROM batch), (SELECT array_agg(category ORDER BY pos) FROM batch),
    (SELECT array_agg(area ORDER BY pos) FROM batch), array_fill('grid'::text, ARRAY[80]),
    (SELECT array_agg(status ORDER BY pos) FROM batch), array_fill('eq'::text, ARRAY[80]),
    (SELECT array_agg(lon ORDER BY pos) FROM batch), (SELECT array_agg(lat ORDER BY pos) FROM batch),
    array_fill(''::text, ARRAY[80]), (SELECT array_agg(source ORDER BY pos) FROM batch),
    array_fill(''::text, ARRAY[80]), array_fill(''::text, ARRAY[80]));
SELECT text AS batched FROM described \gset
ROLLBACK;
TRUNCATE outcome;
BEGIN;
SELECT gc_lock_event_stream();
INSERT INTO start SELECT last_seq FROM event_streams;
DO $$
DECLARE b record; v_id bigint; v_dup bigint;
BEGIN
    FOR b IN SELECT * FROM batch ORDER BY pos LOOP
        INSERT INTO cases AS c (idempotency_key, category, area_code, level, status, description,
            lon, lat, address, source, reporter_name, reporter_phone, created_at, updated_at,
            deadline_at, duplicate_of)
        SELECT b.key, b.category, b.area, 'grid', b.status, 'eq', b.lon, b.lat, '', b.source, '', '',
            gc_now(), gc_now(), CASE WHEN b.status = 'grid_task' THEN gc_deadline(b.category, 'grid') END,
            CASE WHEN b.lon IS NULL THEN
              (SELECT d.id FROM cases d WHERE d.category = b.category AND d.status <> 'closed'
                 AND d.created_at > gc_now() - interval '7 days' AND d.area_code = b.area
               ORDER BY d.created_at, d.id LIMIT 1)
            ELSE
              (SELECT d.id FROM cases d WHERE d.category = b.category AND d.status <> 'closed'
                 AND d.created_at > gc_now() - interval '7 days'
                 AND d.lat BETWEEN b.lat - 0.0005 AND b.lat + 0.0005
                 AND gc_distance_m(d.lon, d.lat, b.lon, b.lat) <= 50
               ORDER BY d.created_at, d.id LIMIT 1) END
        WHERE EXISTS (SELECT 1 FROM categories WHERE code = b.category)
        ON CONFLICT (idempotency_key) DO NOTHING RETURNING c.id, c.duplicate_of INTO v_id, v_dup;
        IF FOUND THEN
            PERFORM gc_append_event(v_id, 'submitted', NULL, b.source,
                                    CASE WHEN v_dup IS NOT NULL THEN 'possible duplicate' END);
            INSERT INTO outcome VALUES (b.pos, v_id, false, false);
        ELSE
            SELECT c.id INTO v_id FROM cases c WHERE c.idempotency_key = b.key;
            INSERT INTO outcome VALUES (b.pos, v_id, v_id IS NOT NULL, v_id IS NULL);
        END IF;
    END LOOP;
END $$;
SELECT text AS alone FROM described \gset
ROLLBACK;
-- "same" only for a batch that had an already known key, an unknown category and duplicates
SELECT CASE WHEN :'batched' <> :'alone' THEN 'different: ' || :'batched' || ' <> ' || :'alone'
            WHEN position(':true:false:' IN :'batched') = 0 OR position(':false:true:' IN :'batched') = 0
                 OR position('possible duplicate' IN :'batched') = 0 THEN 'not covered: ' || :'batched'
            ELSE 'same' END;
SQL
for seed in 1 2 3 4 5; do
    expect_eq "random batch $seed: the same outcome and events as one at a time" \
        "$(psql "$GC_PG_DSN" -qtAX -v seed=$seed -f "$GC_VAR/equiv.sql" 2>&1 | tail -n 1)" "same"
done
expect_eq "and nothing of them stayed" "$(sql "SELECT count(*) FROM cases WHERE idempotency_key LIKE 'eq-%'") $(gapless)" "0 t"

# ---- intake takes the event counter last --------------------------------------------------
# gc_submit_cases inserts the batch's cases first and waits for the counter only for their
# events. A writer holding the counter that then locks the case a new submission names as its
# possible duplicate (FOR NO KEY UPDATE, as every writer now locks cases) must not wait for
# intake, which holds only the foreign key's KEY SHARE lock on it: no deadlock, both go through.
first=$(gridctl submit --category illegal_construction --grid $g --desc "违建 原件")
deadlocks_before=$(deadlocks)
hold_counter_then_lock "$first" gridcase_intake
for _ in $(seq 50); do holding_counter && break; sleep 0.1; done
gridctl submit --category illegal_construction --grid $g --desc "违建 重复" > "$GC_VAR/dup.out" 2>&1 &
submitter=$!
if wait "$holder" && grep -qE '^waiter: (.*,)?cases(,|$)' "$GC_VAR/holder.out"; then
    ok "intake waits for the counter after inserting its case"
else
    not_ok "intake waits for the counter after inserting its case" "$(cat "$GC_VAR/holder.out")"
fi
if grep -qx "$first" "$GC_VAR/holder.out"; then
    ok "the session holding the counter locked the case intake's new case names"
else
    not_ok "the session holding the counter locked the case intake's new case names" "$(cat "$GC_VAR/holder.out")"
fi
wait "$submitter" || true # gridctl's status says "possible duplicate"; the reference says stored
expect_eq "the submission is acknowledged" "$(tail -n 1 "$GC_VAR/dup.out" | grep -c '^GC-')" "1"
expect_eq "as a possible duplicate of the first, with its SUBMITTED event" \
    "$(sql "SELECT d.ref, count(e.seq) FROM cases c JOIN cases d ON d.id = c.duplicate_of JOIN case_events e ON e.case_id = c.id AND e.kind = 'submitted' WHERE c.description = '违建 重复' GROUP BY d.ref")" \
    "$first|1"
expect_eq "no deadlock was detected, and the log is gapless" \
    "$(deadlocks) $(gapless)" "$deadlocks_before t"
