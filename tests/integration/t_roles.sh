# One database role per daemon, each refused what it does not need
# (deploy/schema/migrations/0001_baseline/60_access.sql). The daemons of this stack run as these
# roles (deploy/stack.sh), so every other test shows what they may do; here each role tries a
# write it must not make, and stats and the dashboards try to read the reporters' personal data.
as_role() { psql "$GC_PG_DSN user=$1" -tAc "$2" 2>&1; }
refused() { # NAME ROLE SQL
    local out
    out=$(as_role "$2" "$3")
    if grep -q "permission denied" <<<"$out"; then ok "$1"; else not_ok "$1" "$2 ran: $3 -> $out"; fi
}
refused "intake may not queue deliveries" gridcase_intake \
    "INSERT INTO deliveries (department, seq, case_id, reason, is_lead, created_at) VALUES ('municipal', 999999, 1, 'new', true, now())"
refused "intake may not move a consumer's cursor" gridcase_intake "UPDATE consumer_cursors SET last_seq = 0"
refused "intake may not change the reference data" gridcase_intake "UPDATE categories SET hours_grid = 1"
refused "routing may not touch the statistics" gridcase_routing "DELETE FROM stats_area_windows"
refused "routing may not change areas" gridcase_routing "UPDATE areas SET leader_phone = ''"
refused "escalation may not create cases" gridcase_escalation \
    "INSERT INTO cases (idempotency_key, category, area_code, description, source, created_at, updated_at) VALUES ('x', 'drain_cover', '4101010101', 'x', 'resident', now(), now())"
refused "escalation may not deliver to departments" gridcase_escalation "UPDATE department_delivery_state SET acked_seq = 0"
refused "stats may not change a case" gridcase_stats "UPDATE cases SET status = 'closed'"
refused "stats may not append events" gridcase_stats "SELECT gc_append_event(1, 'noted', NULL, 'stats', 'x')"
refused "stats may not read the reporters' phones" gridcase_stats "SELECT reporter_phone FROM cases LIMIT 1"
refused "no daemon may change a role" gridcase_routing "SELECT gc_set_login('gridcase_stats', 'x')"
expect_eq "stats reads what it needs of a case" \
    "$(as_role gridcase_stats "SELECT count(ref) + count(area_code) + count(created_at) >= 0 FROM cases")" "t"
refused "the event log stays append-only, even for its writers" gridcase_intake "DELETE FROM case_events"
