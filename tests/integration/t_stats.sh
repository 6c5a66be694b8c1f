# The stats stream's figures follow what happens. Grid 4101020303 (八里庙社区第三网格) and its
# community 41010203 are used by no other test.
g=4101020303
wait_for "the stats stream publishes the grid's snapshot" 10 stat_is $g cases_total 0
before_district=$(stat 4101 cases_total)

spot=$(gridctl submit --category neighbour_dispute --grid $g --desc "邻里噪音纠纷")
wait_for "triaged" 10 field_is "$spot" .status triage
gridctl spot "$spot" --note "调解成功" >/dev/null
fixed=$(gridctl submit --category dirty_surroundings --grid $g --desc "垃圾暴露")
wait_for "routed" 10 field_is "$fixed" .status routed
gridctl dept resolve "$fixed" --dept sanitation >/dev/null
gridctl verify "$fixed" --ok >/dev/null
open=$(gridctl submit --category street_light --grid $g --desc "路灯不亮")
wait_for "routed" 10 field_is "$open" .status routed
gridctl escalate "$open" --reason "需要街道协调" >/dev/null
wait_for "escalated" 10 field_is "$open" .level community

wait_for "the grid's snapshot counts 3 cases" 10 stat_is $g cases_total 3
snap=$(gridctl stats --area $g --json --timeout 5)
expect_eq "closed 2, open 1" "$(jq -r '[.cases_closed, .cases_open] | @tsv' <<<"$snap")" $'2\t1'
expect_eq "both closed inside the grid, one on the spot" \
    "$(jq -r '[.closed_at_grid, .resolved_on_spot, .closed_in_grid_rate] | @tsv' <<<"$snap")" $'2\t1\t100'
expect_eq "one escalation" "$(jq -r .escalations <<<"$snap")" "1"
expect_eq "closure rate 2 of 3" "$(jq -r '.closure_rate * 100 | floor' <<<"$snap")" "6666"
expect_eq "per-category figures" \
    "$(jq -r '[.categories[] | "\(.category)=\(.total)/\(.closed)"] | join(",")' <<<"$snap")" \
    "dirty_surroundings=1/1,neighbour_dispute=1/1,street_light=1/0"
expect_eq "the community above counts the same cases" "$(stat 41010203 cases_total)" "3"
wait_for "the district total grew by 3" 10 stat_is 4101 cases_total $((before_district + 3))
expect_eq "the figures equal a recount from the cases table" \
    "$(sql "SELECT count(*) || ' ' || count(*) FILTER (WHERE status = 'closed') FROM cases WHERE area_code = '$g'")" \
    "$(jq -r '"\(.cases_total) \(.cases_closed)"' <<<"$snap")"
