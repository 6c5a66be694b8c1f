# Working-hours deadlines, leaders told by area, street joint meetings (联席会议) and deadline
# extensions (延期). Grids 4101010104 (calendar), 4101010201 (meetings), 4101020103 (extensions).
local_time() { sql "SELECT to_char($1 AT TIME ZONE 'Asia/Shanghai', 'Dy YYYY-MM-DD HH24:MI') FROM cases WHERE ref = '$2'"; }

# ---- a working-hours calendar: a Friday-afternoon case waits for Monday -------------------------
# The test's own calendar and a 2-working-hour category (no routing rule: the street triages it).
jq '{district: .district, time_zone: "Asia/Shanghai",
     categories: [{code: "office_hours_test", name: "测试：按工作时间计时", urgency: "normal",
                   working_hours: true,
                   handling_hours: {grid: 2, community: 4, street: 8, district: 16}}],
     calendar: {working_hours: [{days: [1, 2, 3, 4, 5], periods: [["09:00", "12:00"], ["13:30", "17:30"]]}],
                holidays: [], working_days: []}}' deploy/demo-district.json > "$GC_VAR/calendar.json"
expect_ok "a calendar and a working-hours category import" gridctl import "$GC_VAR/calendar.json"
friday=$(sql "SELECT d + (5 - extract(isodow FROM d)::int + 7) % 7 + 7
              FROM (SELECT (gc_now() AT TIME ZONE 'Asia/Shanghai')::date AS d) t")
expect_ok "the clock moves forward to a Friday afternoon" gridctl clock set "$friday 16:00"
expect_eq "it is Friday 16:00 in the district" \
    "$(sql "SELECT to_char(gc_now() AT TIME ZONE 'Asia/Shanghai', 'Dy HH24:MI')")" "Fri 16:00"
g=4101010104
leader_out="$GC_VAR/events-leader-41010101.out"
street_out="$GC_VAR/events-leader-410101.out"
gridctl events --leader 41010101 --timeout 300 > "$leader_out" 2>&1 &
leader_follower=$!
gridctl events --leader 410101 --timeout 300 > "$street_out" 2>&1 &
street_follower=$!
sleep 0.3
ref=$(gridctl submit --category office_hours_test --grid $g --desc "周五下午报的井盖松动")
# moving the clock days ahead made every open case of the earlier tests miss deadlines: routing
# may have thousands of escalations to deliver before it reaches this case (longer under ASan)
wait_for "the case waits in triage with its clock running" 90 field_is "$ref" .status triage
expect_eq "2 working hours from Friday 16:00 end Monday 09:30 (1.5 h Friday, 0.5 h Monday)" \
    "$(local_time deadline_at "$ref")" "Mon $(sql "SELECT '$friday'::date + 3") 09:30"
gridctl clock advance $((2 * 86400 + 17 * 3600 + 29 * 60)) >/dev/null   # Monday 09:29
sleep 0.5
expect_eq "not escalated over the weekend" "$(case_field "$ref" .level)" "grid"
gridctl clock advance 120 >/dev/null                                     # Monday 09:31
wait_for "past Monday 09:30 it is escalated to the community" 60 field_is "$ref" .level community
expect_eq "4 working hours from Monday 09:30 end 15:00 (2.5 h, lunch, 1.5 h)" \
    "$(local_time deadline_at "$ref")" "Mon $(sql "SELECT '$friday'::date + 3") 15:00"
wait_for "the community's leader is told, under its own topic" 30 \
    bash -c "grep -q '\"case_ref\":\"$ref\".*\"kind\":\"escalated\"' '$leader_out'"
expect_eq "the notification names the community as the area to act" \
    "$(grep "\"case_ref\":\"$ref\"" "$leader_out" | jq -r .leader_area | head -1)" "41010101"
expect_eq "the street's leader is not told of a community's case" \
    "$(grep -c "\"case_ref\":\"$ref\"" "$street_out")" "0"
# Friday 17:00 + 2 h with Saturday a make-up day: 0.5 h Friday, 1.5 h Saturday. Saturday 17:00
# + 2 h with Monday a holiday: 0.5 h Saturday, Sunday and Monday off, 1.5 h Tuesday.
expect_eq "holidays and make-up days: Saturday worked, Monday off" \
    "$(psql "$GC_PG_DSN" -qtA <<SQL
BEGIN;
SET LOCAL TimeZone = 'Asia/Shanghai';
INSERT INTO calendar_days VALUES ('$friday'::date + 1, true, 1, 'make-up'),
                                 ('$friday'::date + 3, false, 1, 'holiday');
SELECT to_char(gc_add_working_hours('$friday 17:00', 2), 'Dy HH24:MI') || ' '
       || to_char(gc_add_working_hours('$friday'::date + 1 + time '17:00', 2), 'Dy HH24:MI');
ROLLBACK;
SQL
)" "Sat 10:30 Tue 10:30"
kill $leader_follower $street_follower 2>/dev/null
expect_ok "the demo calendar is restored" gridctl import deploy/demo-district.json

# ---- joint meetings: the street's agenda and its decisions --------------------------------------
g=4101010201
to_street() {
    for level in community street; do
        gridctl escalate "$1" --reason "社区协调不了" >/dev/null
        wait_for "$1 escalated to the $level" 60 field_is "$1" .level $level
    done
}
on_agenda() { gridctl agenda 410101 --json | jq -r '.[].ref' | grep -c -x "$1"; }
joint=$(gridctl submit --category illegal_construction --grid $g --desc "沿街商铺违规搭建彩钢棚")
closing=$(gridctl submit --category green_space --grid $g --desc "小区绿地被占用种菜，多次协调无果")
later=$(gridctl submit --category street_vending --grid $g --desc "夜市摊点占用消防通道")
for r in $joint $closing $later; do wait_for "$r is routed" 90 field_is "$r" .status routed; done
expect_eq "a case still at the grid is not on the agenda" "$(on_agenda "$joint")" "0"
expect_fail "a meeting decides only on cases at the street" "at the street" \
    gridctl meeting "$joint" --deadline "2099-01-01 12:00"
for r in $joint $closing $later; do to_street "$r"; done
expect_eq "cases that reached the street are on its agenda" \
    "$(on_agenda "$joint")$(on_agenda "$closing")$(on_agenda "$later")" "111"
expect_eq "not on another street's agenda" \
    "$(gridctl agenda 410102 --json | jq -r '.[].ref' | grep -c -x "$joint")" "0"
expect_fail "a street code is required" "usage" gridctl agenda

expect_fail "joint enforcement names real departments" "does not exist" \
    gridctl meeting "$joint" --assign cityman,nosuchdept
expect_eq "and a refused decision changes nothing" \
    "$(sql "SELECT count(*) FROM case_events e JOIN cases c ON c.id = e.case_id WHERE c.ref = '$joint' AND e.kind IN ('meeting_decided', 'joint_assigned')")" "0"
expect_ok "the meeting assigns joint enforcement: planning leads, sanitation joins" \
    gridctl meeting "$joint" --assign planning,sanitation --actor "joint-meeting:410101"
wait_for "both departments get the case as a joint-meeting delivery" 60 \
    bash -c "[ \$(psql '$GC_PG_DSN' -tAc \"SELECT count(*) FROM deliveries d JOIN cases c ON c.id = d.case_id WHERE c.ref = '$joint' AND d.reason = 'joint_meeting'\") -eq 2 ]"
expect_eq "planning leads, cityman stays on as co-handler" \
    "$(case_field "$joint" '[.departments[] | "\(.department):\(.lead)"] | sort | join(",")')" \
    "cityman:false,planning:true,sanitation:false"
expect_eq "the decision is on the timeline" \
    "$(case_field "$joint" '[.timeline[] | select(.kind == "meeting_decided") | .note] | .[0]')" \
    "joint enforcement: planning (lead), sanitation; new deadline $(local_time deadline_at "$joint" | cut -d' ' -f2-)"
expect_eq "the street's 240 working hours run again from the decision" \
    "$(sql "SELECT c.deadline_at = gc_deadline_from(c.category, 'street', e.at) FROM cases c
            JOIN case_events e ON e.case_id = c.id AND e.kind = 'meeting_decided' WHERE c.ref = '$joint'")" "t"
expect_eq "a decided case leaves the agenda" "$(on_agenda "$joint")" "0"

expect_fail "closing needs a reason" "reason" gridctl meeting "$closing" --close
expect_ok "the meeting closes the dispute with a reason" \
    gridctl meeting "$closing" --close --reason "双方在联席会议上达成调解协议"
expect_eq "the case is closed" "$(case_field "$closing" .status)" "closed"
wait_for "its department is told to stop" 60 \
    bash -c "[ \$(psql '$GC_PG_DSN' -tAc \"SELECT count(*) FROM deliveries d JOIN cases c ON c.id = d.case_id WHERE c.ref = '$closing' AND d.reason = 'withdrawn'\") -ge 1 ]"
wait_for "the statistics count it closed at the street" 60 stat_is $g closed_at_street 1

expect_fail "a new deadline must lie ahead" "not in the future" \
    gridctl meeting "$later" --deadline "2001-01-01 09:00"
expect_ok "the meeting gives the street until a set time" \
    gridctl meeting "$later" --deadline "$(sql "SELECT to_char(gc_now() AT TIME ZONE 'Asia/Shanghai' + interval '3 days', 'YYYY-MM-DD') || ' 18:00'")"
expect_eq "the deadline is the one decided" "$(local_time deadline_at "$later" | cut -d' ' -f3)" "18:00"
expect_eq "only undecided cases remain on the agenda" \
    "$(on_agenda "$joint")$(on_agenda "$closing")$(on_agenda "$later")" "000"

# ---- extensions ---------------------------------------------------------------------------------
g=4101020103
grid_leader_out="$GC_VAR/events-leader-$g.out"
gridctl events --leader $g --timeout 30 > "$grid_leader_out" 2>&1 &
grid_follower=$!
sleep 0.3
ref=$(gridctl submit --category dirty_surroundings --grid $g --desc "小区垃圾站长期未清运")
wait_for "routed to sanitation (lead) and cityman" 60 field_is "$ref" .status routed
before=$(sql "SELECT deadline_at FROM cases WHERE ref = '$ref'")
expect_fail "an extension needs a reason" "reason" gridctl dept extend "$ref" --dept sanitation --hours 24
expect_fail "hours are bounded" "1 to 720" gridctl dept extend "$ref" --dept sanitation --hours 0 --note "x"
expect_fail "only the lead may ask" "only the lead" \
    gridctl dept extend "$ref" --dept cityman --hours 24 --note "人手不够"
expect_fail "a department that does not hold the case may not ask" "does not hold" \
    gridctl dept extend "$ref" --dept police --hours 24 --note "?"
expect_fail "nothing to decide yet" "no extension request" gridctl extension "$ref" --grant
expect_ok "sanitation asks for 24 more hours" \
    gridctl dept extend "$ref" --dept sanitation --hours 24 --note "清运车辆维修"
expect_fail "one request at a time" "already waiting" \
    gridctl dept extend "$ref" --dept sanitation --hours 48 --note "再延"
expect_ok "the grid's leader grants it" gridctl extension "$ref" --grant --actor "grid-leader:$g"
expect_eq "the deadline moved by exactly 24 h" \
    "$(sql "SELECT deadline_at - '$before'::timestamptz FROM cases WHERE ref = '$ref'")" "1 day"
expect_eq "request and grant are on the timeline" \
    "$(case_field "$ref" '[.timeline[] | select(.kind | startswith("extension")) | .kind] | join(",")')" \
    "extension_requested,extension_granted"
wait_for "the statistics count the extension" 60 stat_is $g extended 1
expect_ok "a second request" gridctl dept extend "$ref" --dept sanitation --hours 48 --note "再延两天"
expect_ok "is refused" gridctl extension "$ref" --refuse --note "不予延期，按期办结"
expect_eq "a refusal leaves the deadline alone" \
    "$(sql "SELECT deadline_at - '$before'::timestamptz FROM cases WHERE ref = '$ref'")" "1 day"
expect_eq "and is not counted as an extension" "$(stat $g extended)" "1"
expect_ok "a third request" gridctl dept extend "$ref" --dept sanitation --hours 8 --note "最后一次"
gridctl escalate "$ref" --reason "网格无法协调" >/dev/null
wait_for "the case escalates with the request undecided" 60 field_is "$ref" .level community
expect_fail "an escalation lapses it: the community's leader starts afresh" "no extension request" \
    gridctl extension "$ref" --grant
wait_for "each request reached the grid's leader" 60 \
    bash -c "[ \$(grep '\"case_ref\":\"$ref\"' '$grid_leader_out' | grep -c '\"kind\":\"extension_requested\"') -eq 3 ]"
kill $grid_follower 2>/dev/null
