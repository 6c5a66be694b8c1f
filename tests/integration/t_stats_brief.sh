# The brief's figures on the real stack, worked out by hand (docs/STATISTICS.md): a community's
# disputes and other requests settled at every level, and what its leader reads in
# `gridctl stats`: 化解率, 结案率, 小事不出网格, 小事不出社区, 社区内办理率, 大事不出街道,
# 矛盾不上交, 当场化解, the leaders' rows, the open cases now and past their deadline.
#
# Community 41010202 (民祥社区, 祭城路街道 410102), its grid 4101020203 (民祥社区第三网格). Every
# community of the demo district is used by some other test file (t_delivery puts landscaping's
# green_space cases in this grid, t_departments and t_routing_batch use its other two grids),
# and a lane runs its files in turn on one stack, so the all-time figures may hold other files'
# cases. Hence:
#  - the clock is first set to 10:00 two local days ahead, so TODAY holds this file's cases
#    alone: today's figures are asserted exactly as worked out below;
#  - the all-time window is asserted as what it held just before (read from the stream once the
#    clock jump's escalations were counted) plus today's figures, each rate as that sum's
#    fraction; run alone (tests/integration/run.sh BIN t_stats_brief) the community is new and
#    the all-time figures are the hand-worked ones in the comments;
#  - the open cases now: this file's by hand, the other files' counted from the cases table.
c=41010202
g=4101020203
empty=4101020201 # a grid of the community that gets no case of this file
started_at=$SECONDS

status_is() { field_is "$1" .status "$2"; }
level_is() { field_is "$1" .level "$2"; }
snapshot() { gridctl stats --area "$1" --json --timeout 5; }
# fig JSON WINDOW FIELD: one figure (a count) of a window
fig() { jq -r --arg w "$2" --arg f "$3" '.windows[] | select(.window == $w) | .figures[$f]' <<<"$1"; }
# rate JSON WINDOW FIELD: "numerator/denominator = percent", or null
rate() {
    jq -r --arg w "$2" --arg f "$3" '.windows[] | select(.window == $w) | .figures[$f]
        | if . == null then "null" else "\(.numerator)/\(.denominator) = \(.percent)" end' <<<"$1"
}
# frac N D: "N/D = round(100 N / D, 2)" as jq prints the percent (100, 95.8, 88.46), or null
frac() {
    python3 - "$1" "$2" <<'PY'
import sys
from decimal import Decimal, ROUND_HALF_UP
n, d = int(sys.argv[1]), int(sys.argv[2])
if d == 0:
    print("null")
else:
    p = (Decimal(100 * n) / Decimal(d)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    s = format(p, "f").rstrip("0").rstrip(".")
    print(f"{n}/{d} = {s}")
PY
}
# one decimal, as gridctl's text prints a percent (C's %.1f of the double)
one_decimal() { awk -v p="$1" 'BEGIN { printf "%.1f", p }'; }

# ---- the case left open past its deadline ------------------------------------------------------
# A public-security report (police; deadlines 2 h at the grid, 4 h, 12 h, 24 h at the district)
# that the grid, the community and the street each pass up on request: at the district its
# 24 hours run out and the sweep flags it for supervision (督办). A flagged case stays past its
# deadline: it is the community's one open case overdue now. It is reported before the clock
# jump, so it is in the all-time window and not in today's.
late=$(gridctl submit --category public_security --grid $g --desc "小区后门夜间有人聚集滋事，无人管")
wait_for "the security report is routed to the police" 30 status_is "$late" routed
gridctl escalate "$late" --reason "网格无力处置" >/dev/null
wait_for "passed up to the community" 10 level_is "$late" community
gridctl escalate "$late" --reason "社区无力处置" >/dev/null
wait_for "to the street" 10 level_is "$late" street
gridctl escalate "$late" --reason "需要区里协调警力" >/dev/null
wait_for "to the district" 10 level_is "$late" district

# 10:00 two local days ahead: at least 34 hours later, past the district's 24 hours
target=$(sql "SELECT to_char((gc_now() AT TIME ZONE 'Asia/Shanghai')::date + 2, 'YYYY-MM-DD') || ' 10:00'")
gridctl clock set "$target" >/dev/null
wait_for "the sweep flags it at the district" 60 \
    bash -c "[ \"\$(psql '$GC_PG_DSN' -tAc \"SELECT supervised_at IS NOT NULL AND deadline_at < gc_now() FROM cases WHERE ref = '$late'\")\" = t ]"
# every open case of the earlier files missed deadlines too: wait until the sweep is done and
# stats has counted it all, then read what the community held before today
caught_up() {
    [ "$(psql "$GC_PG_DSN" -tAc "SELECT NOT gc_overdue_waiting() AND (SELECT bool_and(last_seq >= (SELECT last_seq FROM event_streams)) FROM consumer_cursors)")" = t ] || return 1
    local seq
    seq=$(psql "$GC_PG_DSN" -tAc "SELECT last_seq FROM event_streams")
    [ "$(snapshot $c | jq -r .event_seq)" -ge "$seq" ]
}
wait_for "the clock jump's escalations are counted" 150 caught_up
before=$(snapshot $c)
before_grid=$(snapshot $g)
expect_eq "today starts empty in the community" "$(fig "$before" today reported)" "0"
echo "# the community held $(fig "$before" all reported) cases before today (1 of this file's)"

# ---- today's 26 cases --------------------------------------------------------------------------
# 20 neighbour disputes (no department takes them: they wait in triage for a leader)
disputes=()
for i in $(seq 1 20); do
    # (each but the first is noted as a possible duplicate of an open dispute nearby: a note)
    disputes+=("$(gridctl submit --category neighbour_dispute --grid $g --desc "邻里纠纷 $i：楼上楼下噪音与漏水" 2>/dev/null)")
done
# 6 other requests: 3 environment (sanitation), 2 street lights (municipal), 1 drain cover
other=()
for k in dirty_surroundings dirty_surroundings dirty_surroundings street_light street_light drain_cover; do
    other+=("$(gridctl submit --category $k --grid $g --desc "民祥社区第三网格 $k" 2>/dev/null)")
done
quoted=$(printf "'%s'," "${disputes[@]}" "${other[@]}")
quoted=${quoted%,}
wait_for "the 20 disputes wait in triage, the 6 requests are routed" 60 \
    bash -c "[ \"\$(psql '$GC_PG_DSN' -tAc \"SELECT count(*) FILTER (WHERE category = 'neighbour_dispute' AND status = 'triage') || ' ' || count(*) FILTER (WHERE category <> 'neighbour_dispute' AND status = 'routed') FROM cases WHERE ref IN ($quoted)\")\" = '20 6' ]"

# D1-D12: settled on the spot by the grid's leader
for i in $(seq 0 11); do gridctl spot "${disputes[i]}" --note "网格长当场调解" >/dev/null; done
# D13-D19: the grid passes them up; D13-D16 settled on the spot by the community's leader
for i in 12 13 14 15 16 17; do gridctl escalate "${disputes[i]}" --reason "网格调解未成" >/dev/null; done
for i in 12 13 14 15 16 17; do wait_for "dispute $((i + 1)) reaches the community" 10 level_is "${disputes[i]}" community; done
for i in 12 13 14 15; do
    gridctl spot "${disputes[i]}" --level community --note "社区调委会调解，双方签订协议" >/dev/null
done
# D17, D18: on to the street; D17 settled on the spot by the street's leader, D18 by a joint
# meeting (联席会议: closed at the street, not on the spot)
for i in 16 17; do gridctl escalate "${disputes[i]}" --reason "社区调解未成" >/dev/null; done
for i in 16 17; do wait_for "dispute $((i + 1)) reaches the street" 10 level_is "${disputes[i]}" street; done
gridctl spot "${disputes[16]}" --level street --note "街道司法所调解成功" >/dev/null
gridctl meeting "${disputes[17]}" --close --reason "联席会议上双方达成调解协议" >/dev/null
# D19: up to the district, settled there on the spot
gridctl escalate "${disputes[18]}" --reason "网格调解未成" >/dev/null
wait_for "dispute 19 reaches the community" 10 level_is "${disputes[18]}" community
gridctl escalate "${disputes[18]}" --reason "社区调解未成" >/dev/null
wait_for "and the street" 10 level_is "${disputes[18]}" street
gridctl escalate "${disputes[18]}" --reason "街道调解未成" >/dev/null
wait_for "and the district" 10 level_is "${disputes[18]}" district
gridctl spot "${disputes[18]}" --level district --note "区矛盾调解中心调解成功" >/dev/null
# D20: left open at the grid
# R1, R2 (environment): resolved by sanitation, verified by the grid
for i in 0 1; do gridctl dept resolve "${other[i]}" --dept sanitation --note "已清运" >/dev/null; done
# R3 (environment): passed up to the community on request, resolved, verified: closed at the
# community
gridctl escalate "${other[2]}" --reason "垃圾点需要社区协调" >/dev/null
wait_for "request 3 reaches the community" 10 level_is "${other[2]}" community
gridctl dept resolve "${other[2]}" --dept sanitation --note "社区协调后清运" >/dev/null
# R4 (light): resolved, rejected by the grid (reopened), resolved again, verified
gridctl dept resolve "${other[3]}" --dept municipal --note "已修复" >/dev/null
# R5 (light): resolved, waiting for the grid's verification (open, its clock stopped)
gridctl dept resolve "${other[4]}" --dept municipal --note "已修复" >/dev/null
# R6 (drain cover): left open with municipal
for i in 0 1 2 3 4; do wait_for "request $((i + 1)) resolved" 20 status_is "${other[i]}" resolved; done
for i in 0 1 2; do gridctl verify "${other[i]}" --ok >/dev/null; done
gridctl verify "${other[3]}" --reopen --note "路灯仍不亮" >/dev/null
wait_for "request 4 goes back to municipal" 20 bash -c "[ \"\$(gridctl show '${other[3]}' --json | jq -r .status)\" != resolved ]"
gridctl dept resolve "${other[3]}" --dept municipal --note "更换灯头" >/dev/null
wait_for "request 4 resolved again" 20 status_is "${other[3]}" resolved
gridctl verify "${other[3]}" --ok >/dev/null

expect_eq "the cases stand as planned: 23 closed, 3 open (1 dispute in triage, 1 resolved, 1 routed)" \
    "$(sql "SELECT count(*) FILTER (WHERE status = 'closed') || ' ' || string_agg(CASE WHEN status <> 'closed' THEN category || ':' || status END, ',' ORDER BY category) FROM cases WHERE ref IN ($quoted)")" \
    "23 drain_cover:routed,neighbour_dispute:triage,street_light:resolved"
expect_eq "closed at the levels planned: 15 grid, 5 community, 2 street, 1 district" \
    "$(sql "SELECT string_agg(level || ' ' || n, ', ' ORDER BY n DESC) FROM (SELECT level, count(*) AS n FROM cases WHERE ref IN ($quoted) AND status = 'closed' GROUP BY level) x")" \
    "grid 15, community 5, street 2, district 1"

wait_for "the stream has counted every event" 60 caught_up
wait_for "the community's snapshot counts today's 26 cases, 23 closed" 20 \
    bash -c "[ \"\$(gridctl stats --area $c --json --timeout 5 | jq -r '.windows[] | select(.window == \"today\") | \"\(.figures.reported) \(.figures.closed)\"')\" = '26 23' ]"
# the open cases now: this file's by hand (D20, R5, R6 and the flagged security report, the one
# past its deadline), the other files' from the cases table
others_open=$(sql "SELECT count(*) || ' ' || count(*) FILTER (WHERE status <> 'resolved' AND deadline_at < gc_now()) FROM cases WHERE area_code LIKE '$c%' AND status <> 'closed' AND ref NOT IN ($quoted, '$late')")
want_backlog="$(( ${others_open% *} + 4 )) $(( ${others_open#* } + 1 ))"
backlog_is() { [ "$(snapshot $c | jq -r '"\(.backlog.open) \(.backlog.overdue_now)"')" = "$1" ]; }
wait_for "the backlog counts the open cases now" 10 backlog_is "$want_backlog"
now=$(snapshot $c)
grid_now=$(snapshot $g)

# ---- today, by hand ----------------------------------------------------------------------------
#   reported 26 (20 disputes + 6 requests)
#   closed 23: disputes D1-D19, requests R1-R4; open 3 (D20, R5, R6)
#   closed_at_grid 15 (D1-D12, R1, R2, R4), closed_at_community 5 (D13-D16, R3),
#   closed_at_street 2 (D17, D18), closed_at_district 1 (D19)
#   closed_in_community 15 + 5 = 20, closed_in_street 23 - 1 = 22
#   resolved_on_spot 18 (D1-D17, D19: not D18, closed by the joint meeting)
#   resolved 6 (R1, R2, R3, R4 twice, R5); reopened 1 (R4)
#   escalated_to_community 8 (D13-D19, R3), escalated_to_street 3 (D17-D19),
#   escalated_to_district 1 (D19); stayed_below_district 26 - 1 = 25
#   missed_deadline 0 (every escalation was asked for); due = closed = 23; closed_on_time 23
expect_eq "today's counts" \
    "$(jq -r '.windows[] | select(.window == "today") | .figures | [.reported, .open, .closed, .closed_at_grid, .closed_at_community, .closed_at_street, .closed_at_district, .closed_in_community, .closed_in_street, .resolved_on_spot, .resolved, .reopened, .escalated_to_community, .escalated_to_street, .escalated_to_district, .stayed_below_district, .missed_deadline, .due, .closed_on_time] | map(tostring) | join(" ")' <<<"$now")" \
    "26 3 23 15 5 2 1 20 22 18 6 1 8 3 1 25 0 23 23"
expect_eq "化解率 (closed_of_reported_rate) today: 23/26 = 88.4615... -> 88.46" \
    "$(rate "$now" today closed_of_reported_rate)" "23/26 = 88.46"
expect_eq "结案率 (closed_of_due_rate) today: 23/23 = 100" "$(rate "$now" today closed_of_due_rate)" "23/23 = 100"
expect_eq "按期结案率 (closed_on_time_of_due_rate) today: 23/23 = 100" \
    "$(rate "$now" today closed_on_time_of_due_rate)" "23/23 = 100"
expect_eq "小事不出网格 (closed_at_grid_of_closed_rate) today: 15/23 = 65.217... -> 65.22" \
    "$(rate "$now" today closed_at_grid_of_closed_rate)" "15/23 = 65.22"
expect_eq "小事不出社区 (closed_in_community_of_closed_rate) today: 20/23 = 86.956... -> 86.96" \
    "$(rate "$now" today closed_in_community_of_closed_rate)" "20/23 = 86.96"
expect_eq "社区内办理率 (closed_in_community_of_reported_rate) today: 20/26 = 76.923... -> 76.92" \
    "$(rate "$now" today closed_in_community_of_reported_rate)" "20/26 = 76.92"
expect_eq "大事不出街道 (closed_in_street_of_closed_rate) today: 22/23 = 95.652... -> 95.65" \
    "$(rate "$now" today closed_in_street_of_closed_rate)" "22/23 = 95.65"
expect_eq "矛盾不上交 (stayed_below_district_of_reported_rate) today: 25/26 = 96.153... -> 96.15" \
    "$(rate "$now" today stayed_below_district_of_reported_rate)" "25/26 = 96.15"
expect_eq "当场化解 (resolved_on_spot_of_closed_rate) today: 18/23 = 78.260... -> 78.26" \
    "$(rate "$now" today resolved_on_spot_of_closed_rate)" "18/23 = 78.26"
expect_eq "返工率 (reopened_of_closed_rate) today: 1/23 = 4.3478... -> 4.35; 延期率 0/26 = 0" \
    "$(rate "$now" today reopened_of_closed_rate); $(rate "$now" today extended_of_reported_rate)" "1/23 = 4.35; 0/26 = 0"
# the disputes: 20 reported, 19 closed (D20 open), none missed a deadline: due 19
expect_eq "the disputes today: 20 reported, 1 open, 19 closed, 19 due, none missed a deadline; 化解率 19/20 = 95, 结案率 19/19 = 100" \
    "$(jq -r '.windows[] | select(.window == "today") | .categories[] | select(.category == "neighbour_dispute")
        | "\(.reported) \(.open) \(.closed) \(.due) \(.missed_deadline); \(.closed_of_reported_rate.numerator)/\(.closed_of_reported_rate.denominator) = \(.closed_of_reported_rate.percent), \(.closed_of_due_rate.numerator)/\(.closed_of_due_rate.denominator) = \(.closed_of_due_rate.percent)"' <<<"$now")" \
    "20 1 19 19 0; 19/20 = 95, 19/19 = 100"
# the leaders, today: the grid's leader had every case (26), closed 15 there, passed 8 up; the
# community's leader had the 8, closed 5 there (D13-D16, R3), passed 3 up (D17-D19)
expect_eq "the community leader's row today: reached 8, closed here 5, passed up 3" \
    "$(jq -r '.windows[] | select(.window == "today") | .leader | "\(.reached) \(.closed_here) \(.passed_up)"' <<<"$now")" "8 5 3"
expect_eq "the grid leader's row today: reached 26, closed here 15, passed up 8" \
    "$(jq -r '.windows[] | select(.window == "today") | .leader | "\(.reached) \(.closed_here) \(.passed_up)"' <<<"$grid_now")" "26 15 8"

# ---- all time: what the community held before today, plus today ------------------------------
# Run alone, "before" is the security report alone: reported 1, escalated to the community, the
# street and the district 1 each, missed a deadline 1, supervised 1, due 1. Then all time:
#   化解率 23/27 = 85.19, 结案率 23/24 = 95.83, 按期结案率 23/24 = 95.83,
#   小事不出网格 15/23 = 65.22, 小事不出社区 20/23 = 86.96, 社区内办理率 20/27 = 74.07,
#   大事不出街道 22/23 = 95.65, 矛盾不上交 25/27 = 92.59 (27 - 2 reached the district),
#   当场化解 18/23 = 78.26; the community leader 9 reached, 5 closed here, 4 passed up; the grid
#   leader 27, 15, 9; the disputes 化解率 19/20 = 95, 结案率 19/19 = 100.
expect_eq "the figures before today include the security report: escalated to the district, missed its deadline, supervised, due, open" \
    "$(jq -r '.windows[] | select(.window == "all") | .figures | [.escalated_to_district >= 1, .missed_deadline >= 1, .supervised >= 1, .due >= 1, .open >= 1] | all' <<<"$before")" "true"
sum_of() { echo $(( $(fig "$before" all "$1") + $(fig "$now" today "$1") )); }
counts=(reported open closed closed_at_grid closed_at_community closed_at_street closed_at_district
        closed_in_community closed_in_street resolved_on_spot resolved reopened escalated_to_community
        escalated_to_street escalated_to_district stayed_below_district missed_deadline supervised
        due closed_on_time)
got="" want=""
for f in "${counts[@]}"; do got+="$f=$(fig "$now" all "$f") "; want+="$f=$(sum_of "$f") "; done
expect_eq "all time: every count is the count before today plus today's" "$got" "$want"
declare -A term=([closed_of_reported_rate]=化解率 [closed_of_due_rate]=结案率
    [closed_on_time_of_due_rate]=按期结案率 [reopened_of_closed_rate]=返工率
    [extended_of_reported_rate]=延期率 [closed_at_grid_of_closed_rate]=小事不出网格
    [closed_in_community_of_closed_rate]=小事不出社区
    [closed_in_community_of_reported_rate]=社区内办理率
    [closed_in_street_of_closed_rate]=大事不出街道
    [stayed_below_district_of_reported_rate]=矛盾不上交
    [resolved_on_spot_of_closed_rate]=当场化解)
rates=(closed_of_reported_rate closed_of_due_rate closed_on_time_of_due_rate
       closed_at_grid_of_closed_rate closed_in_community_of_closed_rate
       closed_in_community_of_reported_rate closed_in_street_of_closed_rate
       stayed_below_district_of_reported_rate resolved_on_spot_of_closed_rate
       reopened_of_closed_rate extended_of_reported_rate)
text=$(gridctl stats --area $c --timeout 5)
for r in "${rates[@]}"; do
    num=${r%%_of_*}
    den=${r#*_of_}
    den=${den%_rate}
    want=$(frac "$(sum_of "$num")" "$(sum_of "$den")")
    expect_eq "${term[$r]} ($r) all time: $want" "$(rate "$now" all "$r")" "$want"
    if [ "$want" = null ]; then line="${term[$r]} —"
    else line="${term[$r]} ${want%% =*} = $(one_decimal "${want#*= }")%"; fi
    if grep -qF -- "$line" <<<"$text"; then ok "gridctl stats text: \"$line\""
    else not_ok "gridctl stats text: \"$line\"" "not in: $text"; fi
done
expect_eq "the disputes all time: 化解率 and 结案率 of the category, before today plus today's" \
    "$(jq -r '.windows[] | select(.window == "all") | .categories[] | select(.category == "neighbour_dispute") | "\(.reported) \(.closed) \(.due)"' <<<"$now")" \
    "$(jq -r '[.windows[] | select(.window == "all") | .categories[] | select(.category == "neighbour_dispute")] | if length == 0 then "0 0 0" else .[0] | "\(.reported) \(.closed) \(.due)" end' <<<"$before" \
       | awk '{ print $1 + 20, $2 + 19, $3 + 19 }')"
cat_all=$(jq -r '.windows[] | select(.window == "all") | .categories[] | select(.category == "neighbour_dispute")' <<<"$now")
expect_eq "the disputes' 化解率 all time is its fraction" \
    "$(jq -r '"\(.closed_of_reported_rate.numerator)/\(.closed_of_reported_rate.denominator) = \(.closed_of_reported_rate.percent)"' <<<"$cat_all")" \
    "$(frac "$(jq -r .closed <<<"$cat_all")" "$(jq -r .reported <<<"$cat_all")")"
leader_sum() { # JSON_BEFORE JSON_NOW: the all-time leader row before plus today's
    echo "$(( $(jq -r '.windows[] | select(.window == "all") | .leader.reached' <<<"$1") + $(jq -r '.windows[] | select(.window == "today") | .leader.reached' <<<"$2") )) $(( $(jq -r '.windows[] | select(.window == "all") | .leader.closed_here' <<<"$1") + $(jq -r '.windows[] | select(.window == "today") | .leader.closed_here' <<<"$2") )) $(( $(jq -r '.windows[] | select(.window == "all") | .leader.passed_up' <<<"$1") + $(jq -r '.windows[] | select(.window == "today") | .leader.passed_up' <<<"$2") ))"
}
expect_eq "the community leader's row all time: before today plus today's (run alone: 9 reached, 5 closed here, 4 passed up)" \
    "$(jq -r '.windows[] | select(.window == "all") | .leader | "\(.reached) \(.closed_here) \(.passed_up)"' <<<"$now")" \
    "$(leader_sum "$before" "$now")"
expect_eq "the grid leader's row all time: before today plus today's (run alone: 27, 15, 9)" \
    "$(jq -r '.windows[] | select(.window == "all") | .leader | "\(.reached) \(.closed_here) \(.passed_up)"' <<<"$grid_now")" \
    "$(leader_sum "$before_grid" "$grid_now")"
expect_eq "the open cases now: this file's 4 (1 past its deadline) plus the other files' ($others_open)" \
    "$(jq -r '"\(.backlog.open) \(.backlog.overdue_now)"' <<<"$now")" "$want_backlog"
expect_eq "the open cases now by status: this file's D20 (triage), R5 (resolved), R6 and the security report (routed) among them" \
    "$(jq -r '[.backlog.by_status[] | select(.status == "triage" or .status == "resolved" or .status == "routed") | .open] | add >= 4' <<<"$now")" "true"
expect_eq "the text shows the open cases now" \
    "$(grep -c "now: ${want_backlog% *} open, ${want_backlog#* } past their deadline" <<<"$text")" "1"

# ---- a rate without data -----------------------------------------------------------------------
# the community's other grid got nothing today: no rate today (null in JSON, never 0)
none=$(snapshot $empty)
expect_eq "a grid with no case today: reported 0, and all 11 rates null today" \
    "$(jq -r '.windows[] | select(.window == "today") | .figures | "\(.reported) " + ([to_entries[] | select(.key | endswith("_rate")) | .value] | "\(length) \(all(. == null))")' <<<"$none")" \
    "0 11 true"
expect_eq "and no time to close today" \
    "$(jq -r '.windows[] | select(.window == "today") | .figures.close_seconds' <<<"$none")" "null"
# its text shows the all-time rates: "—" exactly where the JSON has null (run alone: every one)
none_text=$(gridctl stats --area $empty --timeout 5)
mismatch=""
for r in "${rates[@]}"; do
    v=$(rate "$none" all "$r")
    if [ "$v" = null ]; then line="${term[$r]} —"
    else line="${term[$r]} ${v%% =*} = $(one_decimal "${v#*= }")%"; fi
    grep -qF -- "$line" <<<"$none_text" || mismatch+="[$line] "
done
expect_eq "its text: '—' for every rate without data, the fraction for the others ($(jq -r '[.windows[] | select(.window == "all") | .figures | to_entries[] | select((.key | endswith("_rate")) and .value == null)] | length' <<<"$none") of 11 without data all time)" \
    "$mismatch" ""
if [ "$(fig "$none" all reported)" = 0 ]; then
    expect_eq "the grid never had a case: 11 rates shown as '—'" "$(grep -o ' —' <<<"$none_text" | wc -l)" "12"
fi
echo "# t_stats_brief: $((SECONDS - started_at)) s"
