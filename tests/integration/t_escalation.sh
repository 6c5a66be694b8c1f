# A case that passes its deadline climbs grid -> community -> street, each step on its
# timeline and on the event stream; a person's escalation request climbs one level. Grid
# 4101020101 (public_security: 2 h at the grid, 4 h at the community).
events_out="$GC_VAR/events-escalation.out"
gridctl events --area 4101020101 --timeout 30 > "$events_out" 2>&1 &
follower=$!
sleep 0.3
ref=$(gridctl submit --category public_security --grid 4101020101 --desc "小区后门无人值守，治安隐患")
wait_for "the case is routed to the police" 10 field_is "$ref" .status routed
expect_eq "not escalated before its deadline" "$(case_field "$ref" .level)" "grid"
# each level's deadline: its handling time counted from the deadline the level below missed
grid_deadline=$(sql "SELECT deadline_at FROM cases WHERE ref = '$ref'")
since_grid_deadline() { sql "SELECT deadline_at - '$grid_deadline'::timestamptz FROM cases WHERE ref = '$ref'"; }
expect_eq "the grid has 2 h from routing" \
    "$(sql "SELECT c.deadline_at - e.at FROM cases c JOIN case_events e ON e.case_id = c.id AND e.kind = 'routed' WHERE c.ref = '$ref'")" "02:00:00"

gridctl clock advance $((2 * 3600 + 60)) >/dev/null
wait_for "past the 2 h grid deadline it is escalated to the community" 10 field_is "$ref" .level community
expect_eq "the community has 4 h" "$(since_grid_deadline)" "04:00:00"
gridctl clock advance $((4 * 3600 + 60)) >/dev/null
wait_for "past the 4 h community deadline it is escalated to the street" 10 field_is "$ref" .level street
expect_eq "the street has 12 h more" "$(since_grid_deadline)" "16:00:00"
expect_eq "the timeline shows both steps" \
    "$(case_field "$ref" '[.timeline[] | select(.kind == "escalated") | .level] | join(",")')" "community,street"
wait_for "both steps are on the event stream" 10 \
    bash -c "[ \$(grep '\"case_ref\":\"$ref\"' '$events_out' | grep -c '\"kind\":\"escalated\"') -eq 2 ]"
expect_eq "the stream carries the new levels" \
    "$(grep "\"case_ref\":\"$ref\"" "$events_out" | jq -r 'select(.kind == "escalated") | .level' | paste -sd,)" "community,street"
expect_eq "stream seq numbers increase" \
    "$(jq -s '[.[].seq] | (. == sort)' "$events_out")" "true"
# routing follows the log on its own: the deliveries come a moment after the steps
wait_for "the police were told of each escalation" 10 bash -c \
    "[ \"\$(psql '$GC_PG_DSN' -tAc \"SELECT count(*) FROM deliveries d JOIN cases c ON c.id = d.case_id WHERE c.ref = '$ref' AND d.reason = 'escalated'\")\" = 2 ]"

ref2=$(gridctl submit --category street_vending --grid 4101020101 --desc "早市占道经营，社区解决不了")
wait_for "the vending case is routed" 10 field_is "$ref2" .status routed
expect_fail "an escalation request needs a reason" "reason" gridctl escalate "$ref2"
expect_ok "the grid asks to escalate" gridctl escalate "$ref2" --reason "网格协调无果"
wait_for "a requested escalation raises the case one level" 10 field_is "$ref2" .level community
expect_eq "the request and the step are on the timeline" \
    "$(case_field "$ref2" '[.timeline[] | select(.kind | startswith("escalat")) | .kind] | join(",")')" \
    "escalation_requested,escalated"
kill $follower 2>/dev/null

# the rest of the way: street -> district, then flagged for supervision (督办), never further
gridctl clock advance $((12 * 3600 + 60)) >/dev/null
wait_for "past the 12 h street deadline it reaches the district" 10 field_is "$ref" .level district
expect_eq "the district has 24 h more" "$(since_grid_deadline)" "1 day 16:00:00"
expect_eq "the step says why and from where" \
    "$(case_field "$ref" '[.timeline[] | select(.kind == "escalated") | .note] | join(",")')" \
    "overdue: grid -> community,overdue: community -> street,overdue: street -> district"
gridctl clock advance $((24 * 3600 + 60)) >/dev/null
wait_for "past the 24 h district deadline it is flagged for supervision" 10 \
    bash -c "gridctl show $ref --json | jq -e '.timeline[-1].kind == \"supervised\"'"
wait_for "and the statistics count it" 10 stat_is 4101020101 supervised 1
gridctl clock advance $((48 * 3600)) >/dev/null
sleep 0.5
expect_eq "it is flagged once, stays at the district and stays open" \
    "$(case_field "$ref" '[([.timeline[] | select(.kind == "supervised")] | length), .level, .status] | @tsv')" $'1\tdistrict\trouted'

# escalation down while 1000 cases miss their deadline, killed mid-batch: each escalated once
# (the grid is t_gridctl's too, whose drain cover stays open in it: only these cases count)
g=4101020104
mine="area_code = '$g' AND category = 'public_security'"
gc-load submit "$GC_INTAKE_URL" 1000 $g public_security > /dev/null 2>&1
wait_for "1000 cases routed" 30 bash -c "[ \$(psql '$GC_PG_DSN' -tAc \"SELECT count(*) FROM cases WHERE $mine AND status = 'routed'\") -eq 1000 ]"
kill -KILL "$(cat "$GC_VAR/run/escalation.pid")"
gridctl clock advance $((2 * 3600 + 60)) >/dev/null     # the grid deadline passes while it is down
# 10 per transaction, so that the kill below lands between two of the sweep's 100 transactions
GC_ESCALATION_BATCH=10 deploy/stack.sh up "$bin" >/dev/null
community() { sql "SELECT count(*) FROM cases WHERE $mine AND level = 'community'"; }
for _ in $(seq 250); do [ "$(community)" -gt 0 ] && break; sleep 0.02; done
kill -KILL "$(cat "$GC_VAR/run/escalation.pid")"          # and again, in the middle of catching up
partial=$(community)
expect_eq "killed in the middle of the sweep ($partial of 1000 escalated)" "$([ "$partial" -lt 1000 ] && echo yes)" "yes"
deploy/stack.sh up "$bin" >/dev/null
wait_for "after two kills all 1000 are at the community ($partial were when it was killed)" 30 \
    bash -c "[ \$(psql '$GC_PG_DSN' -tAc \"SELECT count(*) FROM cases WHERE $mine AND level = 'community'\") -eq 1000 ]"
expect_eq "each escalated exactly once" \
    "$(sql "SELECT count(*) FROM case_events e JOIN cases c ON c.id = e.case_id WHERE c.$mine AND e.kind = 'escalated' GROUP BY c.id HAVING count(*) <> 1" | wc -l)" "0"
expect_eq "1000 escalation events" \
    "$(sql "SELECT count(*) FROM case_events e JOIN cases c ON c.id = e.case_id WHERE c.$mine AND e.kind = 'escalated'")" "1000"
# an outage longer than several deadlines: one level per deadline missed
gridctl clock advance $(( (4 + 12) * 3600 + 120)) >/dev/null
wait_for "16 h later every case has missed its community and street deadlines: all at the district" 20 \
    bash -c "[ \$(psql '$GC_PG_DSN' -tAc \"SELECT count(*) FROM cases WHERE $mine AND level = 'district'\") -eq 1000 ]"
expect_eq "one step per deadline missed: three escalations each" \
    "$(sql "SELECT count(*) FROM case_events e JOIN cases c ON c.id = e.case_id WHERE c.$mine AND e.kind = 'escalated'")" "3000"
