# Departments: joint cases change lead when escalated, a case resolved on the spot is withdrawn
# from its department, a bad subscription is refused without hurting others, and department
# actions racing people's commands on the same cases never deadlock. Grid 4101020201.
g=4101020201

# illegal construction: city management leads at the grid; at the district the planning bureau
ref=$(gridctl submit --category illegal_construction --grid $g --desc "楼顶私搭乱建")
wait_for "illegal construction is routed" 10 field_is "$ref" .status routed
expect_eq "at the grid: cityman leads, planning co-handles" \
    "$(case_field "$ref" '[.departments[] | "\(.department):\(.lead)"] | join(",")')" "cityman:true,planning:false"
gridctl dept accept "$ref" --dept cityman >/dev/null
for level in community street district; do
    gridctl escalate "$ref" --reason "需要上级确认违建" >/dev/null
    wait_for "escalated to the $level" 10 field_is "$ref" .level $level
done
expect_eq "at the district: the planning bureau leads, cityman stays as co-handler" \
    "$(case_field "$ref" '[.departments[] | "\(.department):\(.lead):\(.active)"] | join(",")')" \
    "planning:true:true,cityman:false:true"
expect_fail "the district refuses a further escalation" "already at the district" \
    gridctl escalate "$ref" --reason "再上报"
expect_ok "the planning bureau resolves it" gridctl dept resolve "$ref" --dept planning --note "确认违建，已拆除"
expect_eq "the lead's resolution moves the case" "$(case_field "$ref" .status)" "resolved"

# resolved on the spot after routing: the department is told to stop
listen_out="$GC_VAR/listen-sanitation.out"
gridctl dept listen sanitation --json --timeout 20 > "$listen_out" 2>&1 &
listener=$!
spot=$(gridctl submit --category dirty_surroundings --grid $g --desc "楼道堆放杂物")
wait_for "routed to sanitation" 10 field_is "$spot" .status routed
expect_ok "the grid leader clears it himself" gridctl spot "$spot" --note "网格长协调清理"
wait_for "sanitation gets a withdrawal" 10 \
    bash -c "grep '\"case_ref\":\"$spot\"' '$listen_out' | grep -q '\"reason\":\"withdrawn\"'"
expect_fail "and may no longer act on it" "does not hold" gridctl dept accept "$spot" --dept sanitation
taken=$(gridctl submit --category dirty_surroundings --grid $g --desc "垃圾桶满溢")
wait_for "routed" 10 field_is "$taken" .status routed
gridctl dept accept "$taken" --dept sanitation >/dev/null
expect_fail "an accepted case is not resolved on the spot behind the department's back" \
    "no department has accepted" gridctl spot "$taken"
kill $listener 2>/dev/null

# a subscription past the department's last delivery is refused; others are unaffected
expect_fail "subscribing past the last delivery is refused" "past the department's last delivery" \
    gridctl dept listen police --after 999999999999 --timeout 5
police=$(gridctl submit --category public_security --grid $g --desc "电动车楼道充电")
expect_ok "police still receive their cases" \
    bash -c "gridctl dept listen police --json --timeout 10 | grep -q -m1 '$police'"

# department actions and people's commands on the same cases at once: no deadlock, all stored
cases=()
for i in 1 2 3 4; do
    r=$(gridctl submit --category street_light --grid $g --desc "路灯 $i")
    cases+=("$r")
done
for r in "${cases[@]}"; do wait_for "$r routed" 10 field_is "$r" .status routed >/dev/null; done
# many requests in flight on each side, so that intake batches hold commands on several cases
gc-load notes "$GC_INTAKE_URL" 3000 "${cases[@]}" > "$GC_VAR/race-notes.out" 2>&1 &
notes=$!
gc-load progress "$GC_DEPT_URL" municipal 3000 "${cases[@]}" > "$GC_VAR/race-dept.out" 2>&1
expect_eq "3000 department actions racing people's commands all succeed" \
    "$(tail -1 "$GC_VAR/race-dept.out")" "progress: sent 3000 replies 3000 ok 3000 failed 0"
wait $notes
expect_eq "3000 people's notes racing department actions all succeed" \
    "$(tail -1 "$GC_VAR/race-notes.out")" "notes: sent 3000 replies 3000 ok 3000 failed 0"
expect_eq "6000 timeline entries" \
    "$(sql "SELECT count(*) FROM case_events e JOIN cases c ON c.id = e.case_id WHERE c.ref = ANY('{$(IFS=,; echo "${cases[*]}")}') AND e.kind IN ('noted', 'progress')")" "6000"
if grep -q 40P01 "$GC_VAR"/log/*.log; then not_ok "no deadlock in any daemon log"; else ok "no deadlock in any daemon log"; fi

# CURVE: who a client is comes from its key, never from what it says
gridctl dept keygen intruder --out "$GC_VAR/intruder.key" >/dev/null
expect_fail "an unknown key gets nothing (refused at the handshake)" "authentication refused by routing" \
    gridctl dept listen municipal --key "$GC_VAR/intruder.key" --after 0 --count 1 --timeout 3
gridctl dept listen sanitation --key "$GC_DEPT_KEYS_DIR/police.key" --after 0 --json --timeout 3 \
    > "$GC_VAR/police-as-sanitation.out" 2> "$GC_VAR/police-as-sanitation.err"
expect_ok "gridctl warns that the key is police's" grep -q "is police's, not sanitation's" "$GC_VAR/police-as-sanitation.err"
got=$(jq -r .case_ref "$GC_VAR/police-as-sanitation.out" | sort -u)
police_refs=$(sql "SELECT DISTINCT c.ref FROM deliveries d JOIN cases c ON c.id = d.case_id WHERE d.department = 'police' ORDER BY 1")
expect_eq "police's key claiming to be sanitation receives exactly police's cases" "$got" "$police_refs"
ill=$(gridctl submit --category illegal_construction --grid $g --desc "违建")
wait_for "routed to cityman" 10 field_is "$ill" .status routed
expect_fail "police's key cannot act as cityman" "does not hold" \
    gridctl dept accept "$ill" --dept cityman --key "$GC_DEPT_KEYS_DIR/police.key"
expect_ok "cityman's own key can" gridctl dept accept "$ill" --dept cityman

# "not ours": the lead returns the case; the street corrects the category; it is re-routed
g2=4101020202
misrouted=$(gridctl submit --category outdoor_ads --grid $g2 --desc "绿化带里的广告牌倒伏，压坏了树")
wait_for "the sign case goes to city management" 10 field_is "$misrouted" .status routed
expect_fail "a return needs a reason" "reason" gridctl dept return "$misrouted" --dept cityman
expect_ok "city management returns it as not ours" gridctl dept return "$misrouted" --dept cityman --note "树木受损，属园林"
expect_eq "it waits in the triage queue, cityman released" \
    "$(case_field "$misrouted" '[.status, (.departments[] | "\(.department):\(.active)")] | join(",")')" "triage,cityman:false"
expect_fail "only a triaged case changes category" "(the case is accepted, at the grid)" \
    gridctl set-category "$ill" --category green_space
expect_fail "an unknown category is refused" "UNKNOWN_CATEGORY" gridctl set-category "$misrouted" --category ufo
expect_ok "the street corrects the category" gridctl set-category "$misrouted" --category green_space
wait_for "it is re-routed to landscaping" 10 field_is "$misrouted" '[.departments[] | select(.active) | .department] | join(",")' landscaping
expect_eq "routed again, and the misroute is on the timeline" \
    "$(case_field "$misrouted" '[.status, ([.timeline[].kind] | join(","))] | @tsv')" \
    $'routed\tsubmitted,routed,returned,recategorized,routed'
expect_eq "the timeline says what changed" "$(case_field "$misrouted" '.timeline[] | select(.kind == "recategorized") | .note')" "outdoor_ads -> green_space"
wait_for "the misroute is counted" 10 stat_is $g2 misrouted 1

# the most specific rule wins: dirty surroundings in 映月路 community go to sanitation alone;
# elsewhere sanitation leads with city management as co-handler
specific=$(gridctl submit --category dirty_surroundings --grid 4101010203 --desc "映月路垃圾暴露")
general=$(gridctl submit --category dirty_surroundings --grid $g2 --desc "民祥垃圾暴露")
wait_for "both are routed" 10 field_is "$general" .status routed
wait_for "the specific one too" 10 field_is "$specific" .status routed
expect_eq "映月路's own rule: sanitation alone" \
    "$(case_field "$specific" '[.departments[] | "\(.department):\(.lead)"] | join(",")')" "sanitation:true"
expect_eq "the district-wide rule elsewhere: sanitation leads, cityman co-handles" \
    "$(case_field "$general" '[.departments[] | "\(.department):\(.lead)"] | join(",")')" "sanitation:true,cityman:false"
