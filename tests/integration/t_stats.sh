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
expect_eq "the community above counts its grids' cases" "$(stat 41010203 cases_total)" \
    "$(sql "SELECT count(*) FROM cases WHERE area_code LIKE '41010203%'")"
wait_for "the district total grew by 3" 10 stat_is 4101 cases_total $((before_district + 3))
expect_eq "the figures equal a recount from the cases table" \
    "$(sql "SELECT count(*) || ' ' || count(*) FILTER (WHERE status = 'closed') FROM cases WHERE area_code = '$g'")" \
    "$(jq -r '"\(.cases_total) \(.cases_closed)"' <<<"$snap")"

# windows: today's, this month's, this year's and all-time figures of the cases reported in them
win() { gridctl stats --area "$1" --json --timeout 5 | jq -r --arg w "$2" ".windows[] | select(.window == \$w) | .figures.$3"; }
expect_eq "the three cases were reported today: the today window holds them" "$(win $g today reported)" "3"
expect_eq "windows start on local dates" \
    "$(gridctl stats --area $g --json --timeout 5 | jq -r '[.windows[].start] | join(",")')" \
    "$(sql "SELECT string_agg(to_char(window_start, 'YYYY-MM-DD'), ',' ORDER BY CASE window_kind WHEN 'day' THEN 1 WHEN 'month' THEN 2 WHEN 'year' THEN 3 ELSE 4 END) FROM gc_stats_current_windows()")"
expect_eq "the grid leader's row: 3 cases reached the grid, 2 closed there, 1 passed up" \
    "$(gridctl stats --area $g --json --timeout 5 | jq -r '.windows[] | select(.window == "all") | .leader | "\(.reached) \(.closed_here) \(.passed_up)"')" "3 2 1"
gridctl clock advance $((2 * 86400)) >/dev/null
wait_for "two days later the cases are no longer today's" 10 bash -c "[ \"\$(gridctl stats --area $g --json --timeout 5 | jq -r '.windows[] | select(.window == \"today\") | .figures.reported')\" = 0 ]"
expect_eq "but still this year's and all time's" "$(win $g year reported) $(win $g all reported)" "3 3"

# departments: sanitation resolved one case on time
expect_eq "sanitation's snapshot counts its resolution" \
    "$(gridctl stats --dept sanitation --json --timeout 5 | jq -r '.windows[] | select(.window == "all") | .figures | (.resolved > 0 and .resolved_on_time > 0)')" "true"

# the heartbeat: every round, with the stream's position and how far into the event log
hb1=$(gridctl stats --heartbeat --json --timeout 5)
hb2=$(gridctl stats --heartbeat --json --timeout 5)
expect_eq "heartbeats keep the epoch and move stream_seq forward" \
    "$(jq -r .epoch <<<"$hb1") $(jq -r '.stream_seq' <<<"$hb1" | awk -v b="$(jq -r .stream_seq <<<"$hb2")" '{print (b > $1) ? "forward" : "stuck"}')" \
    "$(jq -r .epoch <<<"$hb2") forward"
expect_eq "a heartbeat says how many areas the round published" "$(jq -r .areas <<<"$hb2")" "$(sql "SELECT count(*) FROM areas")"

# Prometheus and health
metrics_url="http://$GC_METRICS_BIND"
metrics=$(http_get "$metrics_url/metrics")
expect_eq "GET /metrics answers 200" "$(head -1 <<<"$metrics")" "200"
expect_eq "cases reported in the district, summed over categories, as in the stream" \
    "$(grep '^gridcase_cases_reported_total{area="4101",' <<<"$metrics" | awk '{s += $2} END {print s}')" \
    "$(stat 4101 cases_total)"
expect_eq "metric families have HELP and TYPE lines" \
    "$(grep -c '^# TYPE gridcase_cases_reported_total counter' <<<"$metrics")$(grep -c '^# HELP gridcase_time_to_close_seconds ' <<<"$metrics")" "11"
expect_eq "area labels stop at the community (GC_METRICS_AREA_LEVEL)" \
    "$(grep -c "area=\"$g\"" <<<"$metrics")" "0"
expect_eq "build info and process figures" \
    "$(grep -cE '^(gridcase_build_info\{|process_resident_memory_bytes |process_open_fds |process_cpu_seconds_total )' <<<"$metrics")" "4"
expect_eq "the histogram's +Inf bucket equals its count" \
    "$(grep 'gridcase_time_to_close_seconds_bucket{area="4101",level="district",category="dirty_surroundings",le="+Inf"}' <<<"$metrics" | awk '{print $2}')" \
    "$(grep 'gridcase_time_to_close_seconds_count{area="4101",level="district",category="dirty_surroundings"}' <<<"$metrics" | awk '{print $2}')"
expect_eq "GET /healthz: 200 when connected and caught up" "$(http_get "$metrics_url/healthz" | head -1)" "200"
expect_eq "anything else: 404" "$(http_get "$metrics_url/cases" | head -1)" "404"

# no personal data in any figure or label: the reporter of a case appears nowhere
gridctl submit --category street_light --grid $g --desc "路灯" --reporter "张秘密" --phone "13900001111" >/dev/null
wait_for "the stream has counted it" 10 stat_is $g cases_total 4
stream_dump=$(gridctl stats --json --timeout 5; gridctl stats --dept municipal --json --timeout 5; http_get "$metrics_url/metrics")
expect_eq "the reporter's name and phone are on no published byte" \
    "$(grep -c -e "张秘密" -e "13900001111" <<<"$stream_dump")" "0"

# Grafana: a read-only role that sees the views, not the cases
sql "ALTER ROLE gridcase_dashboard LOGIN" >/dev/null
dash() { psql "$GC_PG_DSN user=gridcase_dashboard" -tAc "$1" 2>&1; }
expect_eq "the dashboard role reads the figures" \
    "$(dash "SELECT reported FROM stats_area_current WHERE area_code = '$g' AND window_kind = 'all'")" "4"
expect_fail "but not the cases (personal data)" "permission denied" psql "$GC_PG_DSN user=gridcase_dashboard" -tAc "SELECT reporter_phone FROM cases LIMIT 1"
expect_fail "and writes nothing" "permission denied" psql "$GC_PG_DSN user=gridcase_dashboard" -tAc "DELETE FROM stats_area_windows"
