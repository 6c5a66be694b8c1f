# Any level's leader settles on the spot a case open at that level (小事不出社区, 大事不出街道):
# a dispute escalated to the community is closed by the community's leader, while the grid's
# leader (below) and the street's (above) are refused and change nothing; a case escalated to
# the street, delivered to a department more on the way up, is closed by the street's leader and
# every department on it is told to stop. Grid 4101010102 (中铁七局社区, 航海东路街道), as
# t_lifecycle: neither counts that grid's figures against another file's.
g=4101010102
# a snapshot of a case that a refusal must leave alone: status, level, timeline length
state() { case_field "$1" '[.status, .level, (.timeline | length)] | @tsv'; }
# all_time AREA FIELD: one figure of the area's all-time window on the stats stream
all_time() { gridctl stats --area "$1" --json --timeout 5 | jq -r ".windows[] | select(.window == \"all\") | .figures.$2"; }
all_time_is() { [ "$(all_time "$1" "$2")" == "$3" ]; }
before_community=$(all_time $g closed_at_community)
before_street=$(all_time $g closed_at_street)

# ---- a neighbour dispute the grid cannot settle, settled by its community ------------------
dispute=$(gridctl submit --category neighbour_dispute --grid $g --desc "楼上漏水，两家多次争吵，网格调解未成")
wait_for "the dispute goes to the street's triage queue (no department takes disputes)" 10 \
    field_is "$dispute" .status triage
expect_ok "the grid asks the community to take it" gridctl escalate "$dispute" --reason "网格调解两次未成"
wait_for "the dispute climbs to the community" 10 field_is "$dispute" .level community
wait_for "and stays in triage: no department at the community either" 10 field_is "$dispute" .status triage

was=$(state "$dispute")
expect_fail "the grid's leader can no longer close it on the spot" \
    "INVALID_STATE.*the case is at the community: a grid's leader cannot close it on the spot; its community's leader can" \
    gridctl spot "$dispute" --note "网格长再次调解"
expect_fail "nor the street's leader, before it reaches the street" \
    "INVALID_STATE.*the case is still at the community: a street's leader cannot close it on the spot; escalate it to the street first" \
    gridctl spot "$dispute" --level street --note "街道调解"
expect_fail "the community's leader must say how it was settled" \
    "INVALID_ARGUMENT.*settling a case on the spot above the grid needs a note saying how" \
    gridctl spot "$dispute" --level community
expect_fail "an unknown level is refused by gridctl" "one of grid, community, street, district" \
    gridctl spot "$dispute" --level province --note x
expect_fail "a level goes with spot only" "unknown option --level" \
    gridctl note "$dispute" --level community --note x
# CaseCommand{case_ref, kind, note "x", level} inside IntakeRequest{request_id "x", command}:
# what gridctl will not send
hex_str() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }
field() { printf '%02x%02x%s' "$1" $(( ${#2} / 2 )) "$2"; }
command() { # KIND LEVEL (one-byte varints)
    local body
    body=$(field 0x0a "$(hex_str "$dispute")")10$1$(field 0x1a 78)50$2
    gc-rawsend "$GC_INTAKE_URL" "$(field 0x0a 78)$(field 0x1a "$body")"
}
expect_eq "a level no release defines is refused" "$(command 02 09)" \
    "error ERROR_CODE_INVALID_ARGUMENT unknown level"
expect_eq "so is a level with another command" "$(command 01 02)" \
    "error ERROR_CODE_INVALID_ARGUMENT level is only for resolve on the spot"
expect_eq "the refusals changed nothing" "$(state "$dispute")" "$was"

expect_ok "the community's leader settles it on the spot" \
    gridctl spot "$dispute" --level community --actor "community-leader:41010101" --note "社区调委会上门调解，双方签订协议"
expect_eq "closed on the spot, at the community, by its leader" \
    "$(case_field "$dispute" '[.status, .level, .timeline[-1].kind, .timeline[-1].level, .timeline[-1].actor] | @tsv')" \
    $'closed\tcommunity\tresolved_on_spot\tcommunity\tcommunity-leader:41010101'
expect_fail "and it stays closed" "INVALID_STATE" gridctl spot "$dispute" --level community --note "再次"
wait_for "the statistics count it closed at the community" 10 \
    all_time_is $g closed_at_community $((before_community + 1))

# ---- a case at the street with more departments on it, closed by the street's leader -------
# the test's own rule: at the street, city management leads overhead cables in this grid
# (municipal works, the grid's department, stays on as co-handler)
sql "INSERT INTO routing_rules (category, area_code, level, department, is_lead) VALUES
     ('overhead_cables', '$g', 'street', 'cityman', true), ('overhead_cables', '$g', 'street', 'municipal', false)" >/dev/null
cables=$(gridctl submit --category overhead_cables --grid $g --desc "中铁七局家属院空中线缆杂乱，多家运营商互相推诿")
wait_for "the cables case is routed to municipal works" 10 field_is "$cables" .status routed
gridctl escalate "$cables" --reason "网格协调不了运营商" >/dev/null
wait_for "it climbs to the community" 10 field_is "$cables" .level community
expect_fail "the community's leader needs a note too" "INVALID_ARGUMENT" gridctl spot "$cables" --level community
gridctl escalate "$cables" --reason "社区协调不了运营商" >/dev/null
wait_for "and to the street" 10 field_is "$cables" .level street
on_case() { sql "SELECT string_agg(a.department || CASE WHEN a.is_lead THEN ' (lead)' ELSE '' END, ',' ORDER BY a.department) FROM case_assignments a JOIN cases c ON c.id = a.case_id WHERE c.ref = '$cables' AND a.active"; }
on_case_is() { [ "$(on_case)" == "$1" ]; }
wait_for "where city management is added as lead" 10 on_case_is "cityman (lead),municipal"
was=$(state "$cables")
expect_fail "the community's leader cannot close it at the street" \
    "its street's leader can" gridctl spot "$cables" --level community --note "社区协调"
expect_fail "nor the grid's" "its street's leader can" gridctl spot "$cables"
expect_fail "nor the district's, before it reaches the district" \
    "escalate it to the district first" gridctl spot "$cables" --level district --note "区里协调"
expect_eq "the refusals changed nothing" "$(state "$cables")" "$was"
expect_ok "the street's leader settles it on the spot (大事不出街道)" \
    gridctl spot "$cables" --level street --note "街道召集三家运营商现场整治"
expect_eq "closed on the spot at the street" \
    "$(case_field "$cables" '[.status, .timeline[-1].kind, .timeline[-1].level] | @tsv')" $'closed\tresolved_on_spot\tstreet'
withdrawn_is() {
    [ "$(sql "SELECT string_agg(d.department, ',' ORDER BY d.department) FROM deliveries d JOIN cases c ON c.id = d.case_id
              WHERE c.ref = '$cables' AND d.reason = 'withdrawn' AND d.note = 'resolved on the spot by the street'")" == "$1" ]
}
wait_for "both departments are told to stop, and by whom" 10 withdrawn_is cityman,municipal
expect_eq "and released" "$(on_case)" ""
expect_fail "city management may no longer act on it" "does not hold" gridctl dept accept "$cables" --dept cityman
wait_for "the statistics count it closed at the street" 10 \
    all_time_is $g closed_at_street $((before_street + 1))
sql "DELETE FROM routing_rules WHERE category = 'overhead_cables' AND area_code = '$g'" >/dev/null

# ---- the grid as before: no level and no note needed ---------------------------------------
light=$(gridctl submit --category neighbour_dispute --grid $g --desc "晾衣杆占用公共过道")
wait_for "a dispute at the grid goes to triage" 10 field_is "$light" .status triage
expect_fail "the community cannot close a case still at the grid" "escalate it to the community first" \
    gridctl spot "$light" --level community --note "社区调解"
expect_ok "the grid's leader closes it on the spot without a note" gridctl spot "$light"
expect_eq "closed on the spot at the grid" \
    "$(case_field "$light" '[.status, .timeline[-1].kind, .timeline[-1].level] | @tsv')" $'closed\tresolved_on_spot\tgrid'
