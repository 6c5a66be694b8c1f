#!/usr/bin/env bash
# Compares every figure gc-stats publishes (every area, department, current window and backlog)
# and every figure of the SQL views with the from-scratch count of stats_recount.sql. Needs
# GC_PG_DSN, GC_STATS_URL and gridctl on PATH, and a quiet system (stats caught up).
# Usage: stats_compare.sh OUT_DIR
# Writes "KEY WINDOW FIGURE VALUE" lines (format: stats_recount.sql), sorted, to
#   OUT_DIR/published.txt  the stream (gridctl stats --json, every area; --dept, every department)
#   OUT_DIR/views.txt      the views stats_area_current, stats_area_category_current,
#                          stats_department_current, stats_area_backlog, stats_department_backlog
#   OUT_DIR/recount.txt    the recount
# each without the quantiles (S.median, S.p90: not exact by design), which go to
# published_q.txt, views_q.txt and recount_q.txt for a check within 2% (t_stats_truth.sh).
# The differences go to OUT_DIR/stream.diff and OUT_DIR/views.diff. Prints the number of exact
# figures compared per source, and exits non-zero when any differs.
set -uo pipefail
out=${1:?usage: stats_compare.sh OUT_DIR}
here=$(dirname "$0")
export LC_ALL=C
mkdir -p "$out"

# A figure as lines: a count as it is; a Rate as numerator, denominator and percent x 100; a
# Seconds as cases, mean x 100, median and p90; null as "null".
jq_defs='
def pct: . * 100 | round;
def lines($k; $w; $f; $v):
    if $v == null then "\($k) \($w) \($f) null"
    elif ($v | type) == "object" and ($v | has("percent")) then
        "\($k) \($w) \($f).numerator \($v.numerator)", "\($k) \($w) \($f).denominator \($v.denominator)",
        "\($k) \($w) \($f).percent \($v.percent | pct)"
    elif ($v | type) == "object" and ($v | has("cases")) then
        "\($k) \($w) \($f).cases \($v.cases)", "\($k) \($w) \($f).mean \($v.mean | pct)",
        "\($k) \($w) \($f).median \($v.median)", "\($k) \($w) \($f).p90 \($v.p90)"
    else "\($k) \($w) \($f) \($v)" end;'

# the stream: one round of every area's snapshot, then each department's
{
    gridctl stats --json --timeout 5 | jq -r "$jq_defs"'
        .area as $a |
        (.windows[] | .window as $w |
            (.figures | .reported as $reported | to_entries[] |
                if (.value | type) == "array" then
                    # a window without cases has no histogram rows: 9 empty buckets
                    (if (.value | length) == 0 and $reported == 0 then [range(9) | 0] else .value end) as $h |
                    range($h | length) as $i | "\($a) \($w) \(.key)_\($i) \($h[$i])"
                else lines($a; $w; .key; .value) end),
            (.categories[] | .category as $c | to_entries[] | select(.key != "category") |
                lines($a; $w; "category/\($c)/\(.key)"; .value)),
            (.leader | to_entries[] | lines($a; $w; "leader.\(.key)"; .value))),
        (.backlog | to_entries[] |
            if .key == "by_status" then (.value[] | "\($a) now backlog.by_status.\(.status) \(.open)")
            else lines($a; "now"; "backlog.\(.key)"; .value) end)'
    for d in $(gridctl departments --json | jq -r '.[].code'); do
        gridctl stats --dept "$d" --json --timeout 5 | jq -r "$jq_defs"'
            "dept/" + .department as $d |
            (.windows[] | .window as $w | .figures | to_entries[] | lines($d; $w; .key; .value)),
            (.backlog | to_entries[] | lines($d; "now"; "backlog.\(.key)"; .value))'
    done
} > "$out/published.all"

# the views, in the same lines; an area or department without a row in a window has no case
# there (all counts 0, every rate and duration absent)
psql "$GC_PG_DSN" -v ON_ERROR_STOP=1 -tA > "$out/views.all" <<'SQL'
WITH w AS (SELECT window_kind, CASE window_kind WHEN 'day' THEN 'today' ELSE window_kind END AS win
           FROM gc_stats_current_windows()),
area_rows AS (
    SELECT a.code AS k, w.win, a.leader_name, to_jsonb(v) AS j
    FROM areas a CROSS JOIN w LEFT JOIN stats_area_current v ON v.area_code = a.code AND v.window_kind = w.window_kind),
dept_rows AS (
    SELECT 'dept/' || d.code AS k, w.win, to_jsonb(v) AS j
    FROM departments d CROSS JOIN w LEFT JOIN stats_department_current v ON v.department = d.code AND v.window_kind = w.window_kind),
-- a rate: its column, its numerator's and its denominator's
rate_lines AS (
    SELECT k, win, prefix || r.name || p.part AS f, p.v
    FROM (SELECT k, win, '' AS prefix, j FROM area_rows UNION ALL SELECT k, win, '', j FROM dept_rows
          UNION ALL SELECT a.area_code, CASE a.window_kind WHEN 'day' THEN 'today' ELSE a.window_kind END,
                           'category/' || a.category || '/', to_jsonb(a) FROM stats_area_category_current a) x,
         LATERAL (SELECT key AS name, value FROM jsonb_each(coalesce(x.j, '{}')) WHERE key LIKE '%\_of\_%\_rate') r,
         LATERAL (SELECT '' AS part, 'null' AS v WHERE r.value = 'null' UNION ALL
                  SELECT '.' || q.part, q.v FROM (VALUES
                      ('numerator', x.j ->> split_part(r.name, '_of_', 1)),
                      ('denominator', x.j ->> regexp_replace(split_part(r.name, '_of_', 2), '_rate$', '')),
                      ('percent', round((r.value #>> '{}')::numeric * 100)::text)) q(part, v)
                  WHERE r.value <> 'null') p
    UNION ALL  -- the rates of a window without a row: absent
    SELECT k, win, name, 'null' FROM area_rows, unnest(ARRAY['closed_of_due_rate', 'closed_of_reported_rate',
        'closed_on_time_of_due_rate', 'reopened_of_closed_rate', 'extended_of_reported_rate',
        'closed_at_grid_of_closed_rate', 'closed_in_community_of_closed_rate',
        'closed_in_community_of_reported_rate', 'closed_in_street_of_closed_rate',
        'stayed_below_district_of_reported_rate', 'resolved_on_spot_of_closed_rate']) name WHERE j IS NULL
    UNION ALL
    SELECT k, win, name, 'null' FROM dept_rows, unnest(ARRAY['resolved_on_time_of_resolved_rate',
        'reopened_of_resolved_rate', 'misrouted_of_handled_rate']) name WHERE j IS NULL),
-- a duration S: S_cases, S_mean, S_median, S_p90
seconds_lines AS (
    SELECT k, win, s || p.part, p.v
    FROM (SELECT k, win, j, 'close_seconds' AS s FROM area_rows UNION ALL
          SELECT k, win, j, s FROM dept_rows, unnest(ARRAY['accept_seconds', 'resolve_seconds']) s) x,
         LATERAL (SELECT '' AS part, 'null' AS v WHERE x.j ->> (s || '_cases') IS NULL UNION ALL
                  SELECT '.' || q.part, q.v FROM (VALUES ('cases', x.j ->> (s || '_cases')),
                      ('mean', round((x.j ->> (s || '_mean'))::numeric * 100)::text),
                      ('median', x.j ->> (s || '_median')), ('p90', x.j ->> (s || '_p90'))) q(part, v)
                  WHERE x.j ->> (s || '_cases') IS NOT NULL) p),
lines AS (
    SELECT k, win, f, coalesce(j ->> f, '0') AS v FROM area_rows, unnest(ARRAY['reported', 'open',
        'resolved', 'closed', 'reopened', 'escalated_to_community', 'escalated_to_street',
        'escalated_to_district', 'missed_deadline', 'supervised', 'misrouted', 'extended', 'due',
        'closed_on_time', 'closed_at_grid', 'closed_at_community', 'closed_at_street',
        'closed_at_district', 'resolved_on_spot', 'closed_in_community', 'closed_in_street',
        'stayed_below_district']) f
    UNION ALL
    SELECT k, win, 'close_time_histogram_' || (i - 1),
           coalesce(j -> 'close_time_histogram' ->> (i - 1), '0')
    FROM area_rows, generate_series(1, 9) i
    UNION ALL
    SELECT k, win, 'leader.' || f, v FROM area_rows, LATERAL (VALUES
        ('name', coalesce(j ->> 'leader_name', leader_name)), ('reached', coalesce(j ->> 'leader_reached', '0')),
        ('closed_here', coalesce(j ->> 'leader_closed_here', '0')),
        ('passed_up', coalesce(j ->> 'leader_passed_up', '0'))) p(f, v)
    UNION ALL
    SELECT area_code, CASE window_kind WHEN 'day' THEN 'today' ELSE window_kind END,
           'category/' || category || '/' || f, to_jsonb(c) ->> f
    FROM stats_area_category_current c, unnest(ARRAY['reported', 'open', 'closed', 'due', 'missed_deadline']) f
    UNION ALL
    SELECT k, win, f, coalesce(j ->> f, '0') FROM dept_rows, unnest(ARRAY['handled', 'resolved',
        'resolved_on_time', 'reopened', 'misrouted', 'extended']) f
    UNION ALL SELECT * FROM rate_lines
    UNION ALL SELECT * FROM seconds_lines
    UNION ALL  -- the backlogs now
    SELECT a.code, 'now', 'backlog.' || f, coalesce(sum((to_jsonb(b) ->> f)::bigint), 0)::text
    FROM areas a LEFT JOIN stats_area_backlog b ON b.area_code = a.code,
         unnest(ARRAY['open', 'overdue_now', 'open_under_1d', 'open_1d_to_3d', 'open_3d_to_7d', 'open_over_7d']) f
    GROUP BY a.code, f
    UNION ALL
    SELECT area_code, 'now', 'backlog.by_status.' || status, open::text FROM stats_area_backlog WHERE open > 0
    UNION ALL
    SELECT 'dept/' || department, 'now', 'backlog.' || f, to_jsonb(b) ->> f
    FROM stats_department_backlog b, unnest(ARRAY['held', 'overdue_now', 'unacknowledged']) f)
SELECT k || ' ' || win || ' ' || f || ' ' || v FROM lines;
SQL

psql "$GC_PG_DSN" -v ON_ERROR_STOP=1 -tA -f "$here/stats_recount.sql" > "$out/recount.all"

# exact figures and quantiles apart
quantile=' [a-z_]+_seconds\.(median|p90) '
for f in published views recount; do
    grep -Ev "$quantile" "$out/$f.all" | sort > "$out/$f.txt"
    grep -E "$quantile" "$out/$f.all" | sort > "$out/${f}_q.txt"
done
diff "$out/recount.txt" "$out/published.txt" > "$out/stream.diff"
stream=$?
diff "$out/recount.txt" "$out/views.txt" > "$out/views.diff"
views=$?
echo "$(wc -l < "$out/recount.txt") exact figures per source (stream $(wc -l < "$out/published.txt"), views $(wc -l < "$out/views.txt")), $(wc -l < "$out/recount_q.txt") quantiles"
[ $stream -eq 0 ] && [ $views -eq 0 ]
