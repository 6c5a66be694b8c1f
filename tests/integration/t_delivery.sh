# Delivery to departments: nothing missed. Landscaping (green_space cases, grid 4101020203) is
# offline while 500 cases are routed to it; on reconnect it gets all 500, in order, each once
# after client-side dedup. Then 2,000 more while routing is killed with SIGKILL mid-delivery.
g=4101020203
last() { sql "SELECT last_seq FROM department_delivery_state WHERE department = 'landscaping'"; }
start=$(last)
gc-load submit "$GC_INTAKE_URL" 500 $g green_space > /dev/null 2>&1
wait_for "500 cases routed to landscaping while it is offline" 30 \
    bash -c "[ \$(psql '$GC_PG_DSN' -tAc \"SELECT last_seq FROM department_delivery_state WHERE department = 'landscaping'\") -ge $((start + 500)) ]"
gridctl dept listen landscaping --after "$start" --count 500 --timeout 60 --json > "$GC_VAR/offline.out" 2>&1
expect_eq "on reconnect it receives all 500" "$(wc -l < "$GC_VAR/offline.out")" "500"
expect_eq "in delivery order with no gap and no duplicate" \
    "$(jq -s --argjson s "$start" '[.[].seq] == [range($s + 1; $s + 501)]' "$GC_VAR/offline.out")" "true"
expect_eq "500 distinct cases" "$(jq -r .case_ref "$GC_VAR/offline.out" | sort -u | wc -l)" "500"

# routing killed (SIGKILL) while it streams 2,000 deliveries (enough windows of the listener's
# credit of 100 that the kill lands mid-stream: with 500, routing had sometimes sent them all,
# and the last acknowledgement died with it); restarted; the client gets all
start=$(last)
gc-load submit "$GC_INTAKE_URL" 2000 $g green_space > /dev/null 2>&1
wait_for "2000 more routed" 60 \
    bash -c "[ \$(psql '$GC_PG_DSN' -tAc \"SELECT last_seq FROM department_delivery_state WHERE department = 'landscaping'\") -ge $((start + 2000)) ]"
gridctl dept listen landscaping --after "$start" --count 2000 --timeout 90 --json > "$GC_VAR/killed.out" 2>&1 &
listener=$!
for _ in $(seq 100); do [ -s "$GC_VAR/killed.out" ] && break; sleep 0.02; done
kill -KILL "$(cat "$GC_VAR/run/routing.pid")"
got_before=$(wc -l < "$GC_VAR/killed.out")
expect_ok "routing was killed mid-stream (after $got_before of 2000)" test "$got_before" -lt 2000
sleep 1
deploy/stack.sh up "$bin" >/dev/null
wait $listener
expect_eq "after routing was killed at delivery $got_before and restarted, the client has all 2000" \
    "$(wc -l < "$GC_VAR/killed.out")" "2000"
expect_eq "in order, no gap, no duplicate" \
    "$(jq -s --argjson s "$start" '[.[].seq] == [range($s + 1; $s + 2001)]' "$GC_VAR/killed.out")" "true"
# the last acknowledgement travels after the client has printed the last delivery
wait_for "its acknowledgements were kept in PostgreSQL" 10 \
    bash -c "[ \"\$(psql '$GC_PG_DSN' -tAc \"SELECT acked_seq = last_seq FROM department_delivery_state WHERE department = 'landscaping'\")\" = t ]"
# acknowledgements are recorded without waiting for the disk (gc_record_acks in
# deploy/schema/functions/delivery.sql): the setting must stay inside their own transaction, never
# reach the next one (a case's commit always waits)
expect_eq "gc_record_acks commits its own transaction asynchronously, and only it" \
    "$(psql "$GC_PG_DSN" -qtAX -c "BEGIN" -c "SELECT gc_record_acks('{landscaping}', '{1}')" \
        -c "SHOW synchronous_commit" -c "COMMIT" -c "SHOW synchronous_commit" | grep . | paste -sd ' ')" \
    "off on"
