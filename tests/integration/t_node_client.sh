# The department protocol from Node.js: proto/examples/dept_client.js (npm zeromq 6 and
# protobufjs, installed from proto/examples/package-lock.json) over CURVE: a case's whole life
# (delivered, accepted, resolved, verified), the keepalive past routing's 10 s silence limit,
# resuming from the saved position after a restart without taking anything twice, 64-bit seqs
# past 2^53 taken exactly, and the messages for a refused key and for no answer. It works as a
# department of its own (node_works, category node_test, grid 4101020199: fixtures made here),
# so no other test's cases reach it and its cases change no other test's figures.
here=proto/examples
node_dir="$GC_VAR/node"
mkdir -p "$node_dir"
# the lock file decides: install again when node_modules is missing or older than it (the
# zeromq package carries its native addon prebuilt for linux-x64: nothing is compiled)
if [ ! -d "$here/node_modules" ] || [ "$here/package-lock.json" -nt "$here/node_modules" ]; then
    (cd "$here" && npm ci --no-audit --no-fund --loglevel=error) 2>&1 | sed 's/^/# npm: /'
    touch "$here/node_modules"
fi
client() { timeout -k 5 "$1" node "$here/dept_client.js" "${@:2}"; }

# ---- the public key beside the secret one, and the fixtures --------------------------------
key="$node_dir/node_works.key"
printed=$(gridctl dept keygen node_works --out "$key")
expect_eq "gridctl dept keygen writes the public key beside the secret one" "$(cat "$node_dir/node_works.pub")" "$printed"
expect_eq "readable by all (0644), the secret key by its owner only (0600)" \
    "$(command stat -c %a "$node_dir/node_works.pub") $(command stat -c %a "$key")" "644 600"
# the department's deliveries start past 2^53: a seq read as a JS number would come out wrong
# (2^53 + 1 is not a double), one compared as a protobufjs Long would not compare at all
sql "INSERT INTO departments (code, name) VALUES ('node_works', 'Node.js 测试部门');
     INSERT INTO department_delivery_state (department, last_seq, acked_seq)
         VALUES ('node_works', 9007199254740992, 9007199254740992);
     INSERT INTO categories (code, name, hours_grid, hours_community, hours_street, hours_district)
         VALUES ('node_test', 'Node.js 测试', 24, 48, 72, 120);
     INSERT INTO routing_rules (category, area_code, level, department, is_lead)
         VALUES ('node_test', '4101', NULL, 'node_works', true);
     INSERT INTO areas (code, parent_code, level, name) VALUES ('4101020199', '41010201', 'grid', 'Node.js 测试网格');
     NOTIFY gc_reference" > /dev/null
expect_ok "the department's key is registered" gridctl dept register node_works --key "$key"
submit() { gridctl submit --category node_test --grid 4101020199 --desc "$1" 2>/dev/null; }
wait_for "intake knows the fixture grid" 10 submit "测试网格可用"
first=$(sql "SELECT ref FROM cases WHERE category = 'node_test' ORDER BY id LIMIT 1")
wait_for "and routing routes to node_works" 10 field_is "$first" .status routed
s1=9007199254740993

# ---- 1. a case's whole life -------------------------------------------------------------------
state="$node_dir/works.seq"
out=$(client 30 "$key" --state "$state" --count 1 --handle 2>&1)
expect_eq "the Node.js client takes the delivery, accepts, resolves and acknowledges it" "$out" \
"delivery $s1 $first NEW node_test 4101020199 lead
accept $first: ok
resolve $first: ok
ack $s1"
expect_eq "the saved position is the exact seq" "$(cat "$state")" "$s1"
expect_eq "routing recorded the acknowledgement, exactly" \
    "$(sql "SELECT acked_seq FROM department_delivery_state WHERE department = 'node_works'")" "$s1"
expect_eq "the timeline shows the department's actions" \
    "$(case_field "$first" '[.timeline[] | select(.department == "node_works" and .actor == "node_works") | "\(.kind) \(.note)"] | join(", ")')" \
    "accepted accepted by the Node.js client, resolved resolved by the Node.js client"
expect_ok "the grid verifies the resolution" gridctl verify "$first" --ok
expect_eq "and the case is closed" "$(case_field "$first" .status)" "closed"

# ---- 2. keepalive: idle longer than routing's 10 s limit, then a case still arrives ----------
# a connection routing forgets comes back with the next keepalive as a new subscription (logged)
subscriptions() { grep -c 'department node_works subscribed after' "$GC_VAR/log/routing.log"; }
before=$(subscriptions)
client 40 "$key" --state "$state" --count 1 > "$node_dir/idle.out" 2>&1 &
idle=$!
sleep 12
second=$(submit "空闲之后的案件")
wait "$idle"
rc=$?
expect_eq "after 12 s idle the client still receives the next case" "$rc $(cat "$node_dir/idle.out")" \
"0 delivery $((s1 + 1)) $second NEW node_test 4101020199 lead
ack $((s1 + 1))"
expect_eq "routing never dropped it as silent: one subscription for the whole run" \
    "$(( $(subscriptions) - before ))" "1"

# ---- 3. resume from the saved position after a restart, nothing taken twice -------------------
third=$(submit "第三件")
fourth=$(submit "第四件")
wait_for "both are routed" 10 field_is "$fourth" .status routed
out=$(client 30 "$key" --state "$state" --count 1 2>&1)
expect_eq "a run takes the next delivery after its saved position" "$out" \
"delivery $((s1 + 2)) $third NEW node_test 4101020199 lead
ack $((s1 + 2))"
acked_is() { [ "$(sql "SELECT acked_seq FROM department_delivery_state WHERE department = 'node_works'")" = "$1" ]; }
wait_for "routing recorded its acknowledgement" 10 acked_is $((s1 + 2))
# as if PostgreSQL had lost the last acknowledgements (they are committed without waiting for
# the disk): routing would send from the first delivery again; the client's file decides
sql "UPDATE department_delivery_state SET acked_seq = $s1 WHERE department = 'node_works'" > /dev/null
out=$(client 30 "$key" --state "$state" --count 1 2>&1)
expect_eq "restarted, it resumes after its saved position and takes nothing twice" "$out" \
"delivery $((s1 + 3)) $fourth NEW node_test 4101020199 lead
ack $((s1 + 3))"
expect_eq "and its position moved on" "$(cat "$state")" "$((s1 + 3))"
# with no position file of its own, it starts after what the department acknowledged; a
# delivery sent again is skipped by seq, never taken twice
rm -f "$node_dir/fresh.seq"
wait_for "routing recorded that acknowledgement too" 10 acked_is $((s1 + 3))
sql "UPDATE department_delivery_state SET acked_seq = $((s1 + 2)) WHERE department = 'node_works'" > /dev/null
fifth=$(submit "第五件")
out=$(client 30 "$key" --state "$node_dir/fresh.seq" --count 2 2>&1)
expect_eq "without a position it starts after the last acknowledged delivery" "$out" \
"delivery $((s1 + 3)) $fourth NEW node_test 4101020199 lead
ack $((s1 + 3))
delivery $((s1 + 4)) $fifth NEW node_test 4101020199 lead
ack $((s1 + 4))"

# ---- 4. a refused key and no answer -------------------------------------------------------------
gridctl keygen "$node_dir/stranger.key" > /dev/null
start=$SECONDS
out=$(client 30 "$node_dir/stranger.key" --state "$node_dir/stranger.seq" --count 1 2>&1)
rc=$?
expect_eq "an unregistered key: exit 2, and the message says so" "$rc $out" \
    "2 dept_client: authentication refused by routing (ZAP status 400): the public key $(cat "$node_dir/stranger.pub") is not registered for a department (gridctl dept register DEPT --key $node_dir/stranger.key)"
expect_ok "within a few seconds" test $((SECONDS - start)) -le 5
expect_eq "and nothing was taken" "$(test -e "$node_dir/stranger.seq" && echo saved || echo none)" "none"
out=$(GC_DEPT_URL="tcp://127.0.0.1:1" GC_CONNECT_TIMEOUT_MS=1500 client 30 "$key" --state "$node_dir/none.seq" 2>&1)
rc=$?
expect_eq "nothing listening: exit 3, naming the address" "$rc $out" \
    "3 dept_client: no answer from tcp://127.0.0.1:1 within 1500 ms (is routing running? is GC_DEPT_URL right?)"
out=$(GC_DEPT_SERVER_KEY="$(cat "$node_dir/stranger.pub")" GC_CONNECT_TIMEOUT_MS=1500 client 30 "$key" --state "$node_dir/none.seq" 2>&1)
rc=$?
expect_eq "the wrong server key: exit 3, pointing at GC_DEPT_SERVER_KEY" "$rc $(grep -o 'is GC_DEPT_SERVER_KEY routing.s public key' <<<"$out")" \
    "3 is GC_DEPT_SERVER_KEY routing's public key"
