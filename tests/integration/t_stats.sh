# The stats stream's figures follow what happens, /metrics shows them under the same names, and
# the dashboards' role reads the views and nothing else (docs/STATISTICS.md). Grid 4101020303
# (八里庙社区第三网格) is used by no other test; its community 41010203 has other files' cases
# (t_backup, t_config, t_stats_batch), so the community's figures are compared with recounts.
g=4101020303
wait_for "the stats stream publishes the grid's snapshot" 10 stat_is $g reported 0
before_district=$(stat 4101 reported)

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

wait_for "the grid's snapshot counts 3 cases" 10 stat_is $g reported 3
snap=$(gridctl stats --area $g --json --timeout 5)
all=$(jq '.windows[] | select(.window == "all") | .figures' <<<"$snap")
expect_eq "closed 2, open 1" "$(jq -r '[.closed, .open] | @tsv' <<<"$all")" $'2\t1'
expect_eq "both closed inside the grid, one on the spot: 小事不出网格 2/2 = 100%" \
    "$(jq -r '[.closed_at_grid, .resolved_on_spot, .closed_at_grid_of_closed_rate.numerator, .closed_at_grid_of_closed_rate.denominator, .closed_at_grid_of_closed_rate.percent] | @tsv' <<<"$all")" $'2\t1\t2\t2\t100'
expect_eq "one escalation, to the community" \
    "$(jq -r '[.escalated_to_community, .escalated_to_street, .escalated_to_district] | @tsv' <<<"$all")" $'1\t0\t0'
expect_eq "化解率 (closed_of_reported_rate) 2 of 3: 66.67%" \
    "$(jq -r '.closed_of_reported_rate | "\(.numerator)/\(.denominator) = \(.percent)"' <<<"$all")" "2/3 = 66.67"
expect_eq "per-category figures (all time)" \
    "$(jq -r '[.windows[] | select(.window == "all") | .categories[] | "\(.category)=\(.reported)/\(.closed)"] | sort | join(",")' <<<"$snap")" \
    "dirty_surroundings=1/1,neighbour_dispute=1/1,street_light=1/0"
expect_eq "the community above counts its grids' cases" "$(stat 41010203 reported)" \
    "$(sql "SELECT count(*) FROM cases WHERE area_code LIKE '41010203%'")"
wait_for "the district total grew by 3" 10 stat_is 4101 reported $((before_district + 3))
expect_eq "the figures equal a recount from the cases table" \
    "$(sql "SELECT count(*) || ' ' || count(*) FILTER (WHERE status = 'closed') FROM cases WHERE area_code = '$g'")" \
    "$(jq -r '"\(.reported) \(.closed)"' <<<"$all")"

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
body=$(tail -n +2 <<<"$metrics")
expect_eq "cases reported in the district, summed over categories, as in the stream" \
    "$(grep '^gridcase_reported_total{area="4101",' <<<"$body" | awk '{s += $2} END {print s}')" \
    "$(stat 4101 reported)"
expect_eq "metric families have HELP and TYPE lines: counters, rates, times, backlog" \
    "$(grep -c -e '^# TYPE gridcase_reported_total counter$' -e '^# HELP gridcase_reported_total ' \
        -e '^# TYPE gridcase_closed_of_reported_rate gauge$' -e '^# HELP gridcase_closed_of_reported_rate ' \
        -e '^# TYPE gridcase_close_seconds_median gauge$' -e '^# HELP gridcase_close_seconds_median ' \
        -e '^# TYPE gridcase_backlog_overdue_now gauge$' -e '^# HELP gridcase_backlog_overdue_now ' <<<"$body")" "8"
expect_eq "the old names are gone (cases_reported, the time-to-close histogram)" \
    "$(grep -c -e '^gridcase_cases_' -e 'gridcase_time_to_close_seconds' <<<"$body")" "0"
expect_eq "area labels stop at the community (GC_METRICS_AREA_LEVEL)" \
    "$(grep -c "area=\"$g\"" <<<"$body")" "0"
expect_eq "build info and process figures" \
    "$(grep -cE '^(gridcase_build_info\{|process_resident_memory_bytes |process_open_fds |process_cpu_seconds_total )' <<<"$body")" "4"
expect_eq "the community's 化解率 on /metrics is the stream's" \
    "$(grep '^gridcase_closed_of_reported_rate{area="41010203",level="community"} ' <<<"$body" | awk '{print $2 + 0}')" \
    "$(stat 41010203 closed_of_reported_rate.percent)"
# the time to close is measured on the closed cases: as many as gridcase_closed_total counts
expect_eq "gridcase_close_seconds_cases equals the closed cases (summed over categories), for the district" \
    "$(grep '^gridcase_close_seconds_cases{area="4101",level="district"} ' <<<"$body" | awk '{print $2}')" \
    "$(grep '^gridcase_closed_total{area="4101",' <<<"$body" | awk '{s += $2} END {print s}')"
expect_eq "names for dashboards: gridcase_area_info of the community, with its Chinese name and parent" \
    "$(grep -c '^gridcase_area_info{area="41010203",name="八里庙社区",level="community",parent="410102"} 1$' <<<"$body")" "1"
expect_eq "gridcase_department_info names the departments" \
    "$(grep -c '^gridcase_department_info{department="sanitation",name="环卫"} 1$' <<<"$body")" "1"
expect_eq "gridcase_backlog_overdue_now: the community's open cases past their deadline now, as on the stream" \
    "$(grep '^gridcase_backlog_overdue_now{area="41010203",level="community"} ' <<<"$body" | awk '{print $2}')" \
    "$(gridctl stats --area 41010203 --json --timeout 5 | jq -r .backlog.overdue_now)"
# No rate without data: for every area on /metrics and each of the 11 rates, a sample exactly
# when its denominator (from the counters) is not 0, and then round(100 num / den, 2). Numerators
# and denominators: docs/STATISTICS.md.
rate_check=$(python3 - <<'PY' 3<<<"$body"
import re, sys
from decimal import Decimal, ROUND_HALF_UP
body = open(3).read()
sample = re.compile(r'^(gridcase_[a-z_]+)\{([^}]*)\} (\S+)$')
counts, rates, areas = {}, {}, set()
for line in body.splitlines():
    m = sample.match(line)
    if not m:
        continue
    name, labels, value = m.groups()
    lab = dict(re.findall(r'(\w+)="([^"]*)"', labels))
    if name == 'gridcase_area_info':
        areas.add(lab['area'])
    elif name.endswith('_total') and 'category' in lab and 'area' in lab:
        key = (lab['area'], name[len('gridcase_'):-len('_total')])
        counts[key] = counts.get(key, 0) + int(value)
    elif name.endswith('_rate') and 'area' in lab:
        rates[(lab['area'], name[len('gridcase_'):])] = Decimal(value)
def c(a, f):
    g = lambda x: counts.get((a, x), 0)
    derived = {'closed_in_community': g('closed_at_grid') + g('closed_at_community'),
               'closed_in_street': g('closed') - g('closed_at_district'),
               'stayed_below_district': g('reported') - g('escalated_to_district')}
    return derived[f] if f in derived else g(f)
names = ['closed_of_due', 'closed_of_reported', 'closed_on_time_of_due', 'reopened_of_closed',
         'extended_of_reported', 'closed_at_grid_of_closed', 'closed_in_community_of_closed',
         'closed_in_community_of_reported', 'closed_in_street_of_closed',
         'stayed_below_district_of_reported', 'resolved_on_spot_of_closed']
bad, absent, present = [], 0, 0
for a in sorted(areas):
    for n in names:
        num, den = n.split('_of_')
        got = rates.get((a, n + '_rate'))
        if c(a, den) == 0:
            absent += 1
            if got is not None:
                bad.append(f'{a} {n}_rate={got} without data')
        else:
            present += 1
            want = (Decimal(100 * c(a, num)) / c(a, den)).quantize(Decimal('0.01'), ROUND_HALF_UP)
            if got != want:
                bad.append(f'{a} {n}_rate={got}, want {want} = {c(a, num)}/{c(a, den)}')
print(f'{len(areas)} areas, {present} rates with data, {absent} without' if not bad else '; '.join(bad))
PY
)
if [[ $rate_check == *" areas, "*" rates with data, "* ]]; then
    ok "every rate on /metrics: a sample exactly when its denominator is not 0, equal to the fraction ($rate_check)"
else
    not_ok "every rate on /metrics: a sample exactly when its denominator is not 0, equal to the fraction" "$rate_check"
fi
if command -v promtool >/dev/null; then
    lint=$(promtool check metrics <<<"$body" 2>&1)
    rc=$?
    expect_eq "promtool check metrics finds no problem in /metrics" "$rc:$lint" "0:"
else
    not_ok "promtool check metrics finds no problem in /metrics" "promtool is missing: deploy/deps.sh installs it (Debian package prometheus)"
fi
expect_eq "GET /healthz: 200 when connected and caught up" "$(http_get "$metrics_url/healthz" | head -1)" "200"
expect_eq "anything else: 404" "$(http_get "$metrics_url/cases" | head -1)" "404"

# no personal data in any figure or label: the reporter of a case appears nowhere
gridctl submit --category street_light --grid $g --desc "路灯" --reporter "张秘密" --phone "13900001111" >/dev/null
wait_for "the stream has counted it" 10 stat_is $g reported 4
# a rate without data: today the grid has this case and none closed (the others were reported
# two days ago): no 返工率 or 当场化解 today, null rather than 0; 化解率 0/1 = 0 has data
expect_eq "a window with cases and none closed: the *_of_closed rates are null, 化解率 0/1 = 0" \
    "$(gridctl stats --area $g --json --timeout 5 | jq -r '.windows[] | select(.window == "today") | .figures
        | "\(.reported) \(.closed) \(.reopened_of_closed_rate) \(.resolved_on_spot_of_closed_rate) \(.closed_at_grid_of_closed_rate) \(.close_seconds) \(.closed_of_reported_rate.numerator)/\(.closed_of_reported_rate.denominator) = \(.closed_of_reported_rate.percent)"')" \
    "1 0 null null null null 0/1 = 0"
expect_eq "the views: NULL, never 0, wherever a rate's denominator is 0 (and that happens: the grid's day today)" \
    "$(sql "SELECT count(*) FILTER (WHERE (closed = 0 AND (reopened_of_closed_rate IS NOT NULL OR resolved_on_spot_of_closed_rate IS NOT NULL)) OR (due = 0 AND closed_of_due_rate IS NOT NULL) OR (reported = 0 AND closed_of_reported_rate IS NOT NULL)) || ' ' || bool_or(area_code = '$g' AND closed = 0 AND reopened_of_closed_rate IS NULL) FROM stats_area_figures")" \
    "0 true"
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
