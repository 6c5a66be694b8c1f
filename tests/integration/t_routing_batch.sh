# Routing in batches: routing routes a run of new cases in one statement (gc_route_new_cases,
# set-based in gc_route_run; deploy/schema/functions/routing.sql) and must do for each case
# exactly what routing it alone would do.
# While routing is stopped, cases pile up in the log: joint cases (floating_population: police
# leads, civil_affairs co-handles), cases no rule covers (neighbour_dispute: the street's triage
# queue), a case no grid holds, and one case resolved on the spot by the grid before routing
# catches up (its SUBMITTED and RESOLVED_ON_SPOT events in one batch). Then routing starts and
# takes them all at once. Grid 4101020202 (祭城路街道, 八里庙社区) and street 410102.
#
# Then the department socket under a client that does not read: civil_affairs subscribes with
# credit 1000 to 1500 large deliveries, with the smallest receive buffers, and reads nothing for
# 3 s, so routing's send queue to it fills (EAGAIN at the high-water mark); then it reads. Every
# delivery must arrive in sequence, and routing must not drop the connection (which would refuse
# the client's acknowledgements and make it subscribe again).
g=4101020202
mkdir -p "$GC_VAR/py"
protoc -Iproto --python_out="$GC_VAR/py" proto/*.proto
cat > "$GC_VAR/py/submit_many.py" <<'PY'
# submit_many.py URL KEYPREFIX < lines "category grid|-street description": submits them in order
# (200 in flight, in order of sending), prints "N REF" per accepted case in input order.
import sys, zmq
import intake_pb2
url, prefix = sys.argv[1], sys.argv[2]
lines = [l.rstrip("\n").split(" ", 2) for l in sys.stdin if l.strip()]
s = zmq.Context().socket(zmq.DEALER)
s.setsockopt(zmq.LINGER, 0)
s.connect(url)
refs, sent = {}, 0
while len(refs) < len(lines):
    while sent < len(lines) and sent - len(refs) < 200:
        cat, where, desc = lines[sent]
        c = intake_pb2.SubmitCase(idempotency_key="%s-%d" % (prefix, sent), category=cat,
                                  description=desc, source=1)  # SOURCE_RESIDENT
        if where.startswith("-"):
            c.street, c.address = where[1:], "无门牌 %d 号" % sent
        else:
            c.grid = where
            if len(desc) > 1000:  # a large case: the largest address too (500 bytes)
                c.address = "地" * 166
        s.send_multipart([b"", intake_pb2.IntakeRequest(request_id=str(sent), submit=c).SerializeToString()])
        sent += 1
    if not s.poll(30000):
        sys.exit("intake did not answer")
    rep = intake_pb2.IntakeReply()
    rep.ParseFromString(s.recv_multipart()[-1])
    if rep.WhichOneof("result") == "error":
        sys.exit("refused: " + rep.error.message)
    refs[int(rep.request_id)] = rep.accepted.case_ref
for i in range(len(lines)):
    print(i, refs[i])
PY
routing_stopped() { ! kill -0 "$(cat "$GC_VAR/run/routing.pid")" 2> /dev/null; }

# ---- a backlog routed at once -------------------------------------------------------------
police0=$(sql "SELECT last_seq FROM department_delivery_state WHERE department = 'police'")
civil0=$(sql "SELECT last_seq FROM department_delivery_state WHERE department = 'civil_affairs'")
kill -TERM "$(cat "$GC_VAR/run/routing.pid")"
wait_for "routing stopped" 10 routing_stopped
{
    for i in $(seq 1 150); do echo "floating_population $g 流动人口登记 batch-a $i"; done
    for i in $(seq 1 10); do echo "neighbour_dispute $g 邻里纠纷 batch-a $i"; done
    echo "floating_population -410102 无网格 batch-a"
    echo "floating_population $g 当场解决 batch-a"
    for i in $(seq 151 300); do echo "floating_population $g 流动人口登记 batch-a $i"; done
} > "$GC_VAR/batch-a.in"
PYTHONPATH="$GC_VAR/py" timeout -k 5 60 /usr/bin/python3 "$GC_VAR/py/submit_many.py" "$GC_INTAKE_URL" \
    "batch-a-$$" < "$GC_VAR/batch-a.in" > "$GC_VAR/batch-a.refs"
expect_eq "312 cases submitted while routing is stopped" "$(wc -l < "$GC_VAR/batch-a.refs")" "312"
spot=$(awk '$1 == 161 { print $2 }' "$GC_VAR/batch-a.refs")
nogrid=$(awk '$1 == 160 { print $2 }' "$GC_VAR/batch-a.refs")
expect_ok "the grid resolves one on the spot before routing saw it" gridctl spot "$spot" --note "当场登记"
expect_eq "nothing was routed meanwhile" \
    "$(sql "SELECT count(*) FROM cases WHERE description LIKE '%batch-a%' AND status <> 'submitted'")" "1"
end=$(sql "SELECT last_seq FROM event_streams")
deploy/stack.sh up "$bin" > /dev/null
wait_for "routing takes the backlog" 60 \
    bash -c "[ \$(psql '$GC_PG_DSN' -tAc \"SELECT last_seq FROM consumer_cursors WHERE consumer = 'routing'\") -ge $end ]"

ours="c.description LIKE '%batch-a%'"
expect_eq "each of the 300 joint cases is delivered exactly once to police, as lead, and to civil_affairs, as co-handler" \
    "$(sql "SELECT count(*) FILTER (WHERE d.department = 'police' AND d.is_lead), count(*) FILTER (WHERE d.department = 'civil_affairs' AND NOT d.is_lead), count(*), count(DISTINCT (d.case_id, d.department)) FROM deliveries d JOIN cases c ON c.id = d.case_id WHERE $ours AND c.category = 'floating_population' AND c.area_code = '$g'")" \
    "300|300|600|600"
expect_eq "police's deliveries follow the log's order (case by case, as submitted)" \
    "$(sql "SELECT bool_and(case_id > prev) FROM (SELECT case_id, lag(case_id) OVER (ORDER BY seq) AS prev FROM deliveries WHERE department = 'police' AND seq > $police0) x WHERE prev IS NOT NULL")" "t"
expect_eq "police's sequence is gapless, nothing else in between: 300 new, from $((police0 + 1))" \
    "$(sql "SELECT count(*), min(seq), max(seq) FROM deliveries WHERE department = 'police' AND seq > $police0")" \
    "300|$((police0 + 1))|$((police0 + 300))"
expect_eq "civil_affairs' too" \
    "$(sql "SELECT count(*), min(seq), max(seq) FROM deliveries WHERE department = 'civil_affairs' AND seq > $civil0")" \
    "300|$((civil0 + 1))|$((civil0 + 300))"
expect_eq "the joint cases are routed with a deadline, lead police" \
    "$(sql "SELECT count(*) FILTER (WHERE c.status = 'routed' AND c.deadline_at IS NOT NULL AND a.department = 'police' AND a.is_lead AND a.active) FROM cases c JOIN case_assignments a ON a.case_id = c.id WHERE $ours AND c.category = 'floating_population' AND c.area_code = '$g'")" "300"
expect_eq "each has one ROUTED event per department, after its SUBMITTED event" \
    "$(sql "SELECT count(*) FILTER (WHERE e.kind = 'routed' AND e.seq > s.seq AND e.status = 'routed') FROM cases c JOIN case_events s ON s.case_id = c.id AND s.kind = 'submitted' JOIN case_events e ON e.case_id = c.id WHERE $ours AND c.category = 'floating_population' AND c.area_code = '$g'")" "600"
expect_eq "no rule for neighbour disputes: the 10 wait in the street's triage queue, with a deadline" \
    "$(sql "SELECT count(*) FILTER (WHERE c.status = 'triage' AND c.deadline_at IS NOT NULL AND e.note = 'no routing rule for this category and area' AND NOT EXISTS (SELECT 1 FROM case_assignments a WHERE a.case_id = c.id)) FROM cases c JOIN case_events e ON e.case_id = c.id AND e.kind = 'triaged' WHERE $ours AND c.category = 'neighbour_dispute'")" "10"
expect_eq "the case no grid holds waits in its street's triage queue" \
    "$(case_field "$nogrid" '[.status, .timeline[-1].kind, .timeline[-1].note] | join("|")')" \
    "triage|triaged|no grid holds the case's location"
expect_eq "the case resolved on the spot was never routed nor delivered" \
    "$(sql "SELECT c.status, (SELECT count(*) FROM deliveries d WHERE d.case_id = c.id), (SELECT count(*) FROM case_events e WHERE e.case_id = c.id AND e.kind IN ('routed', 'triaged')) FROM cases c WHERE c.ref = '$spot'")" \
    "closed|0|0"
gridctl dept listen police --after "$police0" --count 300 --timeout 60 --json > "$GC_VAR/batch-a.police" 2>&1
expect_eq "police's client receives the 300 in order, each once, as lead" \
    "$(jq -s --argjson s "$police0" '([.[].seq] == [range($s + 1; $s + 301)]) and ([.[].case_ref] | unique | length) == 300 and all(.[]; .lead and .reason == "new")' "$GC_VAR/batch-a.police")" "true"

# ---- a client that does not read: routing's send queue fills ------------------------------
civil1=$(sql "SELECT last_seq FROM department_delivery_state WHERE department = 'civil_affairs'")
pad=$(printf '%.0s登记流动人口信息' $(seq 165)) # 3,960 bytes of UTF-8: large deliveries
for i in $(seq 1 1500); do echo "floating_population $g batch-b $i $pad"; done > "$GC_VAR/batch-b.in"
PYTHONPATH="$GC_VAR/py" timeout -k 5 120 /usr/bin/python3 "$GC_VAR/py/submit_many.py" "$GC_INTAKE_URL" \
    "batch-b-$$" < "$GC_VAR/batch-b.in" > "$GC_VAR/batch-b.refs"
expect_eq "1500 large cases submitted" "$(wc -l < "$GC_VAR/batch-b.refs")" "1500"
wait_for "and routed to civil_affairs" 60 \
    bash -c "[ \$(psql '$GC_PG_DSN' -tAc \"SELECT last_seq FROM department_delivery_state WHERE department = 'civil_affairs'\") -ge $((civil1 + 1500)) ]"
cat > "$GC_VAR/py/slow_reader.py" <<'PY'
# slow_reader.py KEYFILE AFTER COUNT: subscribes after AFTER with credit 1000 and the smallest
# receive queue and buffer, reads nothing for 3 s, acknowledges the first 100, then takes COUNT
# deliveries, acknowledging every 10th. Prints "seqs OK|BAD errors N" (errors: any error message from routing).
import os, sys, time, zmq
import dept_pb2
secret = open(sys.argv[1]).read().strip().encode()
after, count = int(sys.argv[2]), int(sys.argv[3])
s = zmq.Context.instance().socket(zmq.DEALER)
s.setsockopt(zmq.RCVHWM, 1)
s.setsockopt(zmq.RCVBUF, 4096)
s.curve_serverkey = os.environ["GC_DEPT_SERVER_KEY"].encode()
s.curve_secretkey = secret
s.curve_publickey = zmq.curve_public(secret)
s.connect(os.environ["GC_DEPT_URL"])
def send(**body):
    s.send(dept_pb2.DeptClientMsg(**body).SerializeToString())
send(subscribe=dept_pb2.DeptSubscribe(after_seq=after, credit=1000))
time.sleep(3)
# It holds the first 100 (in its kernel buffers, as far as routing can tell): acknowledging them
# frees credit while routing's queue to it is full, so routing's next send meets EAGAIN.
send(ack=dept_pb2.DeptAck(up_to_seq=after + 100))
time.sleep(0.5)
have, errors, seqs, deadline = after, 0, [], time.time() + 60
while have < after + count and time.time() < deadline:
    if not s.poll(2000):
        send(subscribe=dept_pb2.DeptSubscribe(after_seq=have, credit=1000))  # keepalive
        continue
    m = dept_pb2.DeptServerMsg.FromString(s.recv())
    if m.HasField("error"):
        errors += 1
        print("error:", m.error.message, file=sys.stderr)
        send(subscribe=dept_pb2.DeptSubscribe(after_seq=have, credit=1000))
    elif m.HasField("delivery") and m.delivery.seq > have:
        seqs.append(m.delivery.seq)
        have = m.delivery.seq
        if have % 10 == 0 or have == after + count:
            send(ack=dept_pb2.DeptAck(up_to_seq=have))
print("seqs", "OK" if seqs == list(range(after + 1, after + count + 1)) else "BAD", "errors", errors)
PY
drops_before=$(grep -c "department civil_affairs dropped" "$GC_VAR/log/routing.log")
full_before=$(grep -c "civil_affairs: send queue full" "$GC_VAR/log/routing.log")
out=$(PYTHONPATH="$GC_VAR/py" timeout -k 5 90 /usr/bin/python3 "$GC_VAR/py/slow_reader.py" \
      "$GC_DEPT_KEYS_DIR/civil_affairs.key" "$civil1" 1500 2> "$GC_VAR/slow_reader.err")
expect_eq "the slow client gets all 1500 in sequence, and no error (no resubscribe needed)" "$out" "seqs OK errors 0"
expect_eq "routing kept its connection (no drop in routing's log)" \
    "$(grep -c "department civil_affairs dropped" "$GC_VAR/log/routing.log")" "$drops_before"
# (the send queue fills because the kernel holds fewer than ~500 of these deliveries, half the
# default high-water mark's 1000: with a send buffer much larger than Linux's default 4 MB
# tcp_wmem maximum, this check says the test no longer reaches EAGAIN)
expect_ok "routing did meet a full send queue (EAGAIN), and kept going" \
    test "$(grep -c "civil_affairs: send queue full" "$GC_VAR/log/routing.log")" -gt "$full_before"
wait_for "its acknowledgements are recorded" 10 \
    bash -c "[ \$(psql '$GC_PG_DSN' -tAc \"SELECT acked_seq FROM department_delivery_state WHERE department = 'civil_affairs'\") -ge $((civil1 + 1500)) ]"

# ---- best rules name one lead, and each department once --------------------------------------
# gc_route_new_cases routes a run with a fixed number of statements, which hold only while each
# case's best rules name one lead and each department once; routing_rules' unique indexes keep
# it so: a second lead, or a department twice, for the same category, area and level is refused
# (an import that would write one fails whole, leaving the rules as they were).
expect_fail "a second lead rule for the same category, area and level is refused" \
    "routing_rules_one_lead" \
    psql "$GC_PG_DSN" -v ON_ERROR_STOP=1 -qc "INSERT INTO routing_rules (category, area_code, level, department, is_lead) VALUES ('floating_population', '4101', NULL, 'sanitation', true)"
expect_fail "and so is a department named twice" "routing_rules_department_once" \
    psql "$GC_PG_DSN" -v ON_ERROR_STOP=1 -qc "INSERT INTO routing_rules (category, area_code, level, department, is_lead) SELECT category, area_code, level, department, false FROM routing_rules WHERE category = 'floating_population' AND is_lead LIMIT 1"

# ---- routing takes the event counter last, and gives way ----------------------------------
# gc_route_new_cases locks its cases and only then waits for the event counter (gc_route_run).
# A writer holding the counter that then wants one of those cases (the other writers' order:
# counter, then cases) would deadlock with it; routing waits at most 200 ms for the counter,
# then undoes its run (releasing the cases) and does it again counter first. Here a session
# holds the counter while routing starts with a new case to route, and asks for that case once
# routing waits: it must get it, no deadlock may be detected, and the case is routed once.
kill -TERM "$(cat "$GC_VAR/run/routing.pid")"
wait_for "routing stopped again" 10 routing_stopped
echo "street_light $g batch-d 路灯不亮" > "$GC_VAR/batch-d.in"
PYTHONPATH="$GC_VAR/py" timeout -k 5 60 /usr/bin/python3 "$GC_VAR/py/submit_many.py" "$GC_INTAKE_URL" \
    "batch-d-$$" < "$GC_VAR/batch-d.in" > "$GC_VAR/batch-d.refs"
light=$(awk '{ print $2 }' "$GC_VAR/batch-d.refs")
deadlocks_before=$(deadlocks)
hold_counter_then_lock "$light" gridcase_routing
for _ in $(seq 50); do holding_counter && break; sleep 0.1; done
deploy/stack.sh up "$bin" > /dev/null
if wait "$holder" && grep -q '^waiter: ' "$GC_VAR/holder.out"; then
    ok "routing waits for the counter the session holds"
else
    not_ok "routing waits for the counter the session holds" "$(cat "$GC_VAR/holder.out")"
fi
if grep -qx "$light" "$GC_VAR/holder.out"; then
    ok "the session holding the counter got the case routing had locked"
else
    not_ok "the session holding the counter got the case routing had locked" "$(cat "$GC_VAR/holder.out")"
fi
expect_eq "no deadlock was detected" \
    "$(deadlocks)" "$deadlocks_before"
wait_for "the case is routed once the session commits" 20 \
    bash -c "[ \"\$(psql '$GC_PG_DSN' -tAc \"SELECT status FROM cases WHERE ref = '$light'\")\" = routed ]"
expect_eq "and delivered once" \
    "$(sql "SELECT count(*) FROM deliveries d JOIN cases c ON c.id = d.case_id WHERE c.ref = '$light'")" "1"
