# People and their rights: every row of the rules table (gridctl rules) once allowed and once
# refused, through gridctl --as against the real intake; a refusal changes nothing, is
# ERROR_CODE_NOT_PERMITTED naming the rule and is logged with the person (never a phone); the
# timeline names who acted; retired and unknown people are refused; the assessment view counts
# per person. Then the applications' scopes, over CurveZMQ: a second gc-intake with a server key
# on the same database, and three registered applications (a hotline bridge that may only
# submit, a terminal of one street, a terminal of the other street).
# Grid 4101010103 (中铁七局社区, 航海东路街道) and its neighbours' people only.
# shellcheck shell=bash
g=4101010103 com=41010101 st=410101
# a snapshot a refusal must leave alone: status, level, timeline length
state() { case_field "$1" '[.status, .level, (.timeline | length)] | @tsv'; }
# refused NAME PERSON RULE_PATTERN REF GRIDCTL_ARGS...: refused naming the rule, nothing changed
refused() {
    local name=$1 person=$2 pattern=$3 ref=$4 was
    shift 4
    was=$(state "$ref")
    expect_fail "$name" "ERROR_CODE_NOT_PERMITTED.*$pattern" gridctl "$@" --as "$person"
    expect_eq "($name: the case is as it was)" "$(state "$ref")" "$was"
}
# a case of grid $g routed to municipal works, accepted and resolved: waits for verification
resolved_case() {
    local ref
    ref=$(gridctl submit --category drain_cover --grid $g --desc "$1" 2>/dev/null)
    for _ in $(seq 100); do field_is "$ref" .status routed && break; sleep 0.1; done
    gridctl dept accept "$ref" --dept municipal > /dev/null
    gridctl dept resolve "$ref" --dept municipal --note "已修复" > /dev/null
    echo "$ref"
}
# a neighbour dispute of grid $g: no department takes it (the street's triage queue)
dispute() {
    local ref
    ref=$(gridctl submit --category neighbour_dispute --grid $g --desc "$1" 2>/dev/null)
    for _ in $(seq 100); do field_is "$ref" .status triage && break; sleep 0.1; done
    echo "$ref"
}

# ---- the reference data ---------------------------------------------------------------------
expect_eq "the demo district has its people, one retired" \
    "$(gridctl people --json | jq -r '[length >= 50, ([.[] | select(.state == "retired")] | length)] | @tsv')" \
    $'true\t1'
expect_eq "gridctl people never prints a phone" "$(gridctl people | grep -c '1370000')" "0"
expect_eq "gridctl rules prints the one table" "$(gridctl rules --json | jq length)" \
    "$(sql "SELECT count(*) FROM command_rules")"
expect_eq "a person who leaves is retired by the import, not deleted" \
    "$(sql "SELECT role || ' ' || (retired_at IS NOT NULL) FROM people WHERE code = '4101010101-W0'")" \
    "grid_worker true"

# ---- verify: grid_worker of the case's area; leader of it or above ---------------------------
ref=$(resolved_case "井盖松动一")
refused "verify: another grid's worker is refused" 4101010102-W1 'rule "verify: grid_worker of the case' \
    "$ref" verify "$ref" --ok
refused "verify: the grid's volunteer is refused (no row for volunteers)" $g-V1 "$g-V1 is volunteer" \
    "$ref" verify "$ref" --ok
expect_ok "verify: the case's grid worker closes it" gridctl verify "$ref" --ok --as $g-W1
expect_eq "the timeline records the person and no application on a plain socket" \
    "$(case_field "$ref" '[.timeline[] | select(.kind == "verified") | .person, .person_role, .application] | @tsv')" \
    $'4101010103-W1\tgrid_worker\t'
expect_ok "gridctl show prints the person's name and role" \
    grep -q "\[$(sql "SELECT name FROM people WHERE code = '$g-W1'"), grid_worker $g-W1\]" \
    <(gridctl show "$ref")
ref=$(resolved_case "井盖松动二")
refused "verify: another community's leader is refused" 41010102-L 'leader of the case' \
    "$ref" verify "$ref" --ok
expect_ok "verify: the community's leader (above the grid) closes it" gridctl verify "$ref" --ok --as $com-L

# ---- reopen: the same two rows ----------------------------------------------------------------
ref=$(resolved_case "井盖松动三")
refused "reopen: another grid's worker is refused" 4101010102-W1 'rule "reopen:' \
    "$ref" verify "$ref" --reopen --note "仍松动"
expect_ok "reopen: the case's grid worker reopens it" \
    gridctl verify "$ref" --reopen --note "仍松动" --as $g-W1
gridctl dept accept "$ref" --dept municipal > /dev/null
gridctl dept resolve "$ref" --dept municipal --note "再次加固" > /dev/null
refused "reopen: another street's leader is refused" 410102-L 'rule "reopen:' \
    "$ref" verify "$ref" --reopen --note "仍松动"
expect_ok "reopen: the grid's leader reopens it" \
    gridctl verify "$ref" --reopen --note "仍松动" --as $g-L

# ---- resolve on the spot: leader, grid_worker, community_staff of the case's level ----------
ref=$(dispute "邻里噪音一")
refused "spot: the community's leader cannot close a case at the grid" $com-L \
    'the case at the grid.*rule "resolve_on_spot:' "$ref" spot "$ref"
expect_ok "spot: the grid's leader closes it at the grid" gridctl spot "$ref" --as $g-L
ref=$(dispute "邻里噪音二")
refused "spot: another grid's worker is refused" 4101010102-W1 'rule "resolve_on_spot:' \
    "$ref" spot "$ref"
expect_ok "spot: the grid's worker closes it at the grid" gridctl spot "$ref" --as $g-W1
ref=$(dispute "邻里噪音三")
refused "spot: the community's staff cannot close it at the grid" $com-S1 \
    'rule "resolve_on_spot:' "$ref" spot "$ref"

# ---- request escalation: grid_worker, community_staff, leader on the case's path ------------
refused "escalate: another grid's worker is refused" 4101010102-W1 'rule "request_escalation:' \
    "$ref" escalate "$ref" --reason "调解不成"
expect_ok "escalate: the grid's worker asks" gridctl escalate "$ref" --reason "调解不成" --as $g-W1
wait_for "the dispute climbs to the community" 10 field_is "$ref" .level community
expect_ok "spot: the community's staff closes it at the community" \
    gridctl spot "$ref" --level community --note "社区调解成功" --as $com-S1
ref=$(dispute "邻里噪音四")
refused "escalate: another community's staff is refused" 41010102-S1 'rule "request_escalation:' \
    "$ref" escalate "$ref" --reason "调解不成"
expect_ok "escalate: the community's staff asks" gridctl escalate "$ref" --reason "调解不成" --as $com-S1
wait_for "it climbs to the community" 10 field_is "$ref" .level community
refused "escalate: another street's leader is refused" 410102-L 'rule "request_escalation:' \
    "$ref" escalate "$ref" --reason "社区调解不成"
expect_ok "escalate: the street's leader asks" gridctl escalate "$ref" --reason "社区调解不成" --as $st-L
wait_for "it climbs to the street" 10 field_is "$ref" .level street

# ---- meeting decision: the street's meeting office -------------------------------------------
refused "meeting: the street's leader is not its meeting office" $st-L 'rule "meeting_outcome:' \
    "$ref" meeting "$ref" --close --reason "联席会议调解成功"
refused "meeting: another street's office is refused" 410102-M 'rule "meeting_outcome:' \
    "$ref" meeting "$ref" --close --reason "联席会议调解成功"
expect_ok "meeting: the street's meeting office closes it" \
    gridctl meeting "$ref" --close --reason "联席会议调解成功" --as $st-M

# ---- set category: the street's meeting office or leader -------------------------------------
ref=$(dispute "疑似分类错误一")
refused "set-category: another street's office is refused" 410102-M 'rule "set_category:' \
    "$ref" set-category "$ref" --category street_vending
expect_ok "set-category: the street's meeting office corrects it" \
    gridctl set-category "$ref" --category street_vending --as $st-M
ref=$(dispute "疑似分类错误二")
refused "set-category: the community's leader is refused" $com-L 'rule "set_category:' \
    "$ref" set-category "$ref" --category street_vending
expect_ok "set-category: the street's leader corrects it" \
    gridctl set-category "$ref" --category street_vending --as $st-L

# ---- extension decision: the leader of the case's level --------------------------------------
ref=$(gridctl submit --category drain_cover --grid $g --desc "井盖需更换整套")
wait_for "routed" 10 field_is "$ref" .status routed
gridctl dept extend "$ref" --dept municipal --hours 24 --note "等待配件" > /dev/null
refused "extension: the community's leader (above the case's level) is refused" $com-L \
    'rule "decide_extension:' "$ref" extension "$ref" --grant
refused "extension: the grid's worker is refused" $g-W1 'rule "decide_extension:' \
    "$ref" extension "$ref" --grant
expect_ok "extension: the grid's leader grants it" gridctl extension "$ref" --grant --as $g-L

# ---- who may not act at all --------------------------------------------------------------------
ref=$(resolved_case "井盖松动四")
refused "a retired person is refused" 4101010101-W0 "4101010101-W0 is retired" "$ref" verify "$ref" --ok
refused "an unknown person is refused" X-NOBODY "no person has the code X-NOBODY" "$ref" verify "$ref" --ok
expect_ok "GC_PERSON names the person as --as does" env GC_PERSON=$g-W1 gridctl verify "$ref" --ok
expect_eq "(and the timeline says so)" \
    "$(case_field "$ref" '[.timeline[] | select(.kind == "verified") | .person] | join(",")')" "$g-W1"
expect_ok "a refusal is logged with the person and the case" \
    grep -q "command not permitted (application (plain socket), person 4101010101-W0, case $ref)" \
    "$GC_VAR/log/intake.log"
expect_eq "no person's phone is in any daemon log" \
    "$(sql "SELECT string_agg(phone, '|') FROM people" | xargs -I{} grep -c -E '{}' "$GC_VAR"/log/*.log | awk -F: '{s += $NF} END {print s}')" "0"

# ---- report: everyone on the case's area path (发现上报) ----------------------------------------
cases_here() { sql "SELECT count(*) FROM cases WHERE area_code = '$g'"; }
ref=$(gridctl submit --category drain_cover --grid $g --desc "巡查发现井盖破损" --source grid_worker --as $g-W1)
expect_eq "report: the grid's worker reports in the grid, and the timeline names them" \
    "$(case_field "$ref" '[.timeline[] | select(.kind == "submitted") | .person + "/" + .person_name] | join(",")')" \
    "$g-W1/$(sql "SELECT name FROM people WHERE code = '$g-W1'")"
expect_ok "report: the community's staff reports in one of its grids" \
    gridctl submit --category drain_cover --grid $g --desc "社区巡查发现" --as $com-S1
was=$(cases_here)
expect_fail "report: another grid's worker is refused" 'ERROR_CODE_NOT_PERMITTED.*rule "report:' \
    gridctl submit --category drain_cover --grid $g --desc "越界上报" --as 4101010101-W1
expect_fail "report: a retired person is refused" "ERROR_CODE_NOT_PERMITTED.*4101010101-W0 is retired" \
    gridctl submit --category drain_cover --grid 4101010101 --desc "退休人员上报" --as 4101010101-W0
expect_fail "report: an unknown person is refused" "ERROR_CODE_NOT_PERMITTED.*no person has the code X-NOBODY" \
    gridctl submit --category drain_cover --grid $g --desc "查无此人" --as X-NOBODY
expect_eq "(refused reports stored nothing)" "$(cases_here)" "$was"
expect_ok "a refused report is logged with the person" \
    grep -q "request not permitted (application (plain socket), person 4101010101-W1" "$GC_VAR/log/intake.log"

# ---- per person, for the district's assessment ------------------------------------------------
expect_eq "people_assessment counts each person's acts" \
    "$(sql "SELECT string_agg(code || ':' || closed_on_spot || verified || reopened || escalation_requested, ' ' ORDER BY code) FROM people_assessment WHERE code IN ('$g-W1', '$g-L', '$com-L', '$com-S1')")" \
    "$com-L:0100 $com-S1:1001 $g-L:1010 $g-W1:1211"
expect_eq "people_assessment counts the cases each one reported" \
    "$(sql "SELECT string_agg(code || ':' || reported, ' ' ORDER BY code) FROM people_assessment WHERE code IN ('$g-W1', '$com-S1', '4101010101-W1')")" \
    "$com-S1:1 4101010101-W1:0 $g-W1:1"
expect_eq "the dashboards' role cannot read it" \
    "$(psql "$GC_PG_DSN user=gridcase_dashboard" -tAc "SELECT count(*) FROM people_assessment" 2>&1 | grep -c 'permission denied')" "1"

# ---- applications' scopes, over CurveZMQ --------------------------------------------------------
keys=$GC_VAR/people-keys
mkdir -p "$keys"
gridctl keygen "$keys/server.key" > "$keys/server.pub"
gridctl client add people-hotline --sockets intake --may submissions --key "$keys/hotline.key" > /dev/null
gridctl client add people-st1 --sockets intake --may submissions,commands,diary --areas $st \
    --key "$keys/st1.key" > /dev/null
gridctl client add people-st2 --sockets intake --may commands --areas 410102 \
    --key "$keys/st2.key" > /dev/null
expect_eq "gridctl client list shows the scopes" \
    "$(gridctl client list --json | jq -r '.[] | select(.name | startswith("people-")) | .name + ":" + .may_send + ":" + .areas' | tr '\n' ' ')" \
    "people-hotline:submissions:all people-st1:submissions,commands,diary:$st people-st2:commands:410102 "
expect_fail "client add refuses an unknown kind" "'verify' is not one of" \
    gridctl client add x --sockets intake --may verify --key "$keys/x.key"
port=$((GC_PORT_BASE + 4000))
env GC_PG_DSN="$GC_PG_DSN user=gridcase_intake" GC_INTAKE_BIND="tcp://127.0.0.1:$port" \
    GC_EVENTS_BIND="tcp://127.0.0.1:$((port + 1))" GC_INTAKE_SECRET_KEY_FILE="$keys/server.key" \
    setsid gc-intake > "$GC_VAR/log/intake-curve.log" 2>&1 < /dev/null &
curve_intake=$!
trap 'kill "$curve_intake" 2>/dev/null; wait "$curve_intake" 2>/dev/null' EXIT
wait_for "a second intake with CURVE starts" 10 grep -q 'msg="ready: ' "$GC_VAR/log/intake-curve.log"
# as APP: gridctl through the CURVE intake with the application's key
as_app() {
    local app=$1
    shift
    GC_INTAKE_URL="tcp://127.0.0.1:$port" GC_INTAKE_SERVER_KEY=$(cat "$keys/server.pub") \
        GC_CLIENT_KEY_FILE="$keys/$app.key" gridctl "$@"
}
ref=$(resolved_case "井盖松动五")
expect_ok "the hotline bridge submits" as_app hotline submit --category drain_cover --grid $g --desc "热线转来"
was=$(state "$ref")
expect_fail "the hotline bridge cannot verify, even naming a permitted person" \
    "NOT_PERMITTED.*application people-hotline may not send people's commands" \
    as_app hotline verify "$ref" --ok --as $g-W1
expect_fail "nor write a grid's diary" "NOT_PERMITTED.*may not send diary entries" \
    as_app hotline diary add --grid $g --note "走访"
expect_fail "the other street's terminal cannot act on this street's case" \
    "NOT_PERMITTED.*application people-st2 does not speak for area $g" \
    as_app st2 verify "$ref" --ok --as $g-W1
expect_fail "nor submit here" "NOT_PERMITTED.*people-st2 may not send submissions" \
    as_app st2 submit --category drain_cover --grid $g --desc "越界上报"
expect_fail "this street's terminal must name the person" "NOT_PERMITTED.*names the person acting" \
    as_app st1 verify "$ref" --ok
expect_fail "nor can it submit in the other street" "NOT_PERMITTED.*people-st1 does not speak for area 4101020101" \
    as_app st1 submit --category drain_cover --grid 4101020101 --desc "越界上报"
expect_fail "nor report in the name of the other street's grid worker" \
    "NOT_PERMITTED.*people-st1 does not speak for 4101020101-W1's area" \
    as_app st1 submit --category drain_cover --grid $g --desc "冒名上报" --as 4101020101-W1
expect_eq "(refused commands changed nothing)" "$(state "$ref")" "$was"
expect_ok "this street's terminal verifies for the case's grid worker" as_app st1 verify "$ref" --ok --as $g-W1
reported=$(as_app st1 submit --category drain_cover --grid $g --desc "终端上报" --as $g-W1)
expect_eq "and reports for them: the timeline records the application" \
    "$(case_field "$reported" '[.timeline[] | select(.kind == "submitted") | .person + "/" + .application] | join(",")')" \
    "$g-W1/people-st1"
expect_eq "the timeline records the application" \
    "$(case_field "$ref" '[.timeline[] | select(.kind == "verified") | .person + "/" + .application] | join(",")')" \
    "$g-W1/people-st1"
expect_ok "the refusal is logged with the application and the person" \
    grep -q "command not permitted (application people-hotline, person $g-W1, case $ref)" \
    "$GC_VAR/log/intake-curve.log"
kill "$curve_intake" 2>/dev/null
wait "$curve_intake" 2>/dev/null
trap - EXIT
for c in people-hotline people-st1 people-st2; do gridctl client remove $c > /dev/null; done
