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

gridctl clock advance $((2 * 3600 + 60)) >/dev/null
wait_for "past the 2 h grid deadline it is escalated to the community" 10 field_is "$ref" .level community
gridctl clock advance $((4 * 3600 + 60)) >/dev/null
wait_for "past the 4 h community deadline it is escalated to the street" 10 field_is "$ref" .level street
expect_eq "the timeline shows both steps" \
    "$(case_field "$ref" '[.timeline[] | select(.kind == "escalated") | .level] | join(",")')" "community,street"
expect_eq "the street level has a fresh deadline" "$(case_field "$ref" '.deadline_at != null')" "true"
wait_for "both steps are on the event stream" 10 \
    bash -c "[ \$(grep '\"case_ref\":\"$ref\"' '$events_out' | grep -c '\"kind\":\"escalated\"') -eq 2 ]"
expect_eq "the stream carries the new levels" \
    "$(grep "\"case_ref\":\"$ref\"" "$events_out" | jq -r 'select(.kind == "escalated") | .level' | paste -sd,)" "community,street"
expect_eq "stream seq numbers increase" \
    "$(jq -s '[.[].seq] | (. == sort)' "$events_out")" "true"
expect_eq "the police were told of each escalation" \
    "$(sql "SELECT count(*) FROM deliveries d JOIN cases c ON c.id = d.case_id WHERE c.ref = '$ref' AND d.reason = 'escalated'")" "2"

ref2=$(gridctl submit --category street_vending --grid 4101020101 --desc "早市占道经营，社区解决不了")
wait_for "the vending case is routed" 10 field_is "$ref2" .status routed
expect_fail "an escalation request needs a reason" "reason" gridctl escalate "$ref2"
expect_ok "the grid asks to escalate" gridctl escalate "$ref2" --reason "网格协调无果"
wait_for "a requested escalation raises the case one level" 10 field_is "$ref2" .level community
expect_eq "the request and the step are on the timeline" \
    "$(case_field "$ref2" '[.timeline[] | select(.kind | startswith("escalat")) | .kind] | join(",")')" \
    "escalation_requested,escalated"
kill $follower 2>/dev/null
