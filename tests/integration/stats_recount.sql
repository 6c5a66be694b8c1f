-- The statistics recomputed from scratch from cases and case_events, written independently of
-- the fold (services/stats/stats_fold.c) from the definitions in docs/STATISTICS.md.
-- t_stats_truth.sh compares every line with what gc-stats published.
--
-- One line per (area, window, figure): "AREA WINDOW FIGURE VALUE", for every area, the four
-- current windows (today, month, year, all), and the figures of proto/stats.proto's Figures
-- (counters, the histogram as close_time_histogram_N, and the rates and mean x 10000, rounded).
-- Then one line per (department, window, figure).
WITH tz AS (SELECT time_zone FROM district_settings),
windows AS (  -- the current windows: the cases reported in each
    SELECT 'today' AS win, d AS first, d + 1 AS last FROM tz, (SELECT (gc_now() AT TIME ZONE (SELECT time_zone FROM tz))::date AS d) t
    UNION ALL SELECT 'month', date_trunc('month', d)::date, (date_trunc('month', d) + interval '1 month')::date
      FROM (SELECT (gc_now() AT TIME ZONE (SELECT time_zone FROM tz))::date AS d) t
    UNION ALL SELECT 'year', date_trunc('year', d)::date, (date_trunc('year', d) + interval '1 year')::date
      FROM (SELECT (gc_now() AT TIME ZONE (SELECT time_zone FROM tz))::date AS d) t
    UNION ALL SELECT 'all', date '1970-01-01', date '9999-01-01'),
overdue_events AS (
    SELECT case_id, min(seq) AS first_seq FROM case_events
    WHERE actor = 'escalation' AND kind IN ('escalated', 'supervised') GROUP BY case_id),
closures AS (
    SELECT case_id, seq, level, at FROM case_events
    WHERE kind IN ('verified', 'resolved_on_spot') OR (kind = 'meeting_decided' AND status = 'closed')),
per_case AS (
    SELECT c.id, c.area_code, (c.created_at AT TIME ZONE (SELECT time_zone FROM tz))::date AS day,
        cl.level AS closed_level,
        cl.case_id IS NOT NULL AS closed,
        o.case_id IS NOT NULL AS overdue,
        ((extract(epoch FROM cl.at) * 1000)::bigint - (extract(epoch FROM c.created_at) * 1000)::bigint) / 1000 AS close_seconds,
        (SELECT count(*) FROM case_events e WHERE e.case_id = c.id AND e.kind = 'resolved_on_spot') AS on_spot,
        (SELECT count(*) FROM case_events e WHERE e.case_id = c.id AND e.kind = 'resolved' AND e.status = 'resolved') AS resolved,
        (SELECT count(*) FROM case_events e WHERE e.case_id = c.id AND e.kind = 'reopened') AS reopened,
        (SELECT count(*) FROM case_events e WHERE e.case_id = c.id AND e.kind = 'escalated' AND e.level = 'community') AS to_community,
        (SELECT count(*) FROM case_events e WHERE e.case_id = c.id AND e.kind = 'escalated' AND e.level = 'street') AS to_street,
        (SELECT count(*) FROM case_events e WHERE e.case_id = c.id AND e.kind = 'escalated' AND e.level = 'district') AS to_district,
        (SELECT count(*) FROM case_events e WHERE e.case_id = c.id AND e.kind = 'supervised') AS supervised,
        (SELECT count(*) FROM case_events e WHERE e.case_id = c.id AND e.kind = 'returned') AS misrouted,
        (SELECT count(*) FROM case_events e WHERE e.case_id = c.id AND e.kind = 'extension_granted') AS extended
    FROM cases c LEFT JOIN closures cl ON cl.case_id = c.id LEFT JOIN overdue_events o ON o.case_id = c.id),
per_case_bucket AS (
    SELECT p.*, CASE WHEN NOT p.closed THEN NULL
        WHEN p.close_seconds <= 900 THEN 0 WHEN p.close_seconds <= 3600 THEN 1
        WHEN p.close_seconds <= 14400 THEN 2 WHEN p.close_seconds <= 28800 THEN 3
        WHEN p.close_seconds <= 86400 THEN 4 WHEN p.close_seconds <= 259200 THEN 5
        WHEN p.close_seconds <= 604800 THEN 6 WHEN p.close_seconds <= 2592000 THEN 7 ELSE 8 END AS bucket
    FROM per_case p),
area_figures AS (
    SELECT a.code AS area, w.win,
        count(p.id) AS reported,
        count(p.id) FILTER (WHERE p.closed) AS closed,
        coalesce(sum(p.resolved), 0) AS resolved,
        coalesce(sum(p.reopened), 0) AS reopened,
        coalesce(sum(p.to_community), 0) AS to_community,
        coalesce(sum(p.to_street), 0) AS to_street,
        coalesce(sum(p.to_district), 0) AS to_district,
        count(p.id) FILTER (WHERE p.overdue) AS overdue,
        coalesce(sum(p.supervised), 0) AS supervised,
        coalesce(sum(p.misrouted), 0) AS misrouted,
        coalesce(sum(p.extended), 0) AS extended,
        count(p.id) FILTER (WHERE p.closed OR p.overdue) AS due,
        count(p.id) FILTER (WHERE p.closed AND NOT p.overdue) AS closed_on_time,
        count(p.id) FILTER (WHERE p.closed_level = 'grid') AS closed_at_grid,
        count(p.id) FILTER (WHERE p.closed_level = 'community') AS closed_at_community,
        count(p.id) FILTER (WHERE p.closed_level = 'street') AS closed_at_street,
        count(p.id) FILTER (WHERE p.closed_level = 'district') AS closed_at_district,
        coalesce(sum(p.on_spot), 0) AS on_spot,
        coalesce(sum(p.close_seconds) FILTER (WHERE p.closed), 0) AS close_seconds,
        array(SELECT count(q.id) FILTER (WHERE q.bucket = b) FROM generate_series(0, 8) b
              LEFT JOIN per_case_bucket q ON q.area_code LIKE a.code || '%' AND q.day >= w.first AND q.day < w.last
              GROUP BY b ORDER BY b) AS histogram
    FROM areas a CROSS JOIN windows w
    LEFT JOIN per_case_bucket p ON left(p.area_code, length(a.code)) = a.code AND p.day >= w.first AND p.day < w.last
    GROUP BY a.code, w.win, w.first, w.last),
area_lines AS (
    SELECT area, win, f, v FROM area_figures, LATERAL (VALUES
        ('reported', reported), ('open', reported - closed), ('resolved', resolved), ('closed', closed),
        ('reopened', reopened), ('escalated_to_community', to_community),
        ('escalated_to_street', to_street), ('escalated_to_district', to_district),
        ('overdue', overdue), ('supervised', supervised), ('misrouted', misrouted),
        ('extended', extended), ('due', due), ('closed_on_time', closed_on_time),
        ('closed_at_grid', closed_at_grid), ('closed_at_community', closed_at_community),
        ('closed_at_street', closed_at_street), ('closed_at_district', closed_at_district),
        ('resolved_on_spot', on_spot),
        ('grid_resolution_rate', round(10000 * 100.0 * on_spot / nullif(closed, 0))),
        ('community_handling_rate', round(10000 * 100.0 * (closed_at_grid + closed_at_community) / nullif(closed, 0))),
        ('closure_rate', round(10000 * 100.0 * closed / nullif(due, 0))),
        ('on_time_rate', round(10000 * 100.0 * closed_on_time / nullif(due, 0))),
        ('rework_rate', round(10000 * 100.0 * reopened / nullif(closed, 0))),
        ('extension_rate', round(10000 * 100.0 * extended / nullif(reported, 0))),
        ('within_street_rate', round(10000 * 100.0 * (closed - closed_at_district) / nullif(closed, 0))),
        ('reached_district_rate', round(10000 * 100.0 * to_district / nullif(reported, 0))),
        ('closed_in_grid_rate', round(10000 * 100.0 * closed_at_grid / nullif(closed, 0))),
        ('mean_close_seconds', round(10000 * close_seconds::numeric / nullif(closed, 0))))
        AS x(f, v)
    UNION ALL
    SELECT area, win, 'close_time_histogram_' || (i - 1), histogram[i]
    FROM area_figures, generate_subscripts(histogram, 1) i),
-- departments
resolutions AS (
    SELECT e.case_id, e.seq, e.department, e.created_day, e.on_time FROM (
        SELECT e.case_id, e.seq, e.department,
               (c.created_at AT TIME ZONE (SELECT time_zone FROM tz))::date AS created_day,
               NOT EXISTS (SELECT 1 FROM overdue_events o WHERE o.case_id = e.case_id AND o.first_seq < e.seq) AS on_time
        FROM case_events e JOIN cases c ON c.id = e.case_id
        WHERE e.kind = 'resolved' AND e.status = 'resolved') e),
dept_events AS (
    SELECT e.department AS dept, (c.created_at AT TIME ZONE (SELECT time_zone FROM tz))::date AS day, e.kind, false AS on_time
    FROM case_events e JOIN cases c ON c.id = e.case_id
    WHERE e.kind IN ('routed', 'returned', 'extension_granted') AND e.department <> ''
    UNION ALL SELECT department, created_day, 'resolved', on_time FROM resolutions
    UNION ALL  -- a reopen counts against the department whose resolution it rejected
    SELECT (SELECT r.department FROM resolutions r WHERE r.case_id = e.case_id AND r.seq < e.seq ORDER BY r.seq DESC LIMIT 1),
           (c.created_at AT TIME ZONE (SELECT time_zone FROM tz))::date, 'reopened', false
    FROM case_events e JOIN cases c ON c.id = e.case_id WHERE e.kind = 'reopened'),
dept_figures AS (
    SELECT d.code AS dept, w.win,
        count(*) FILTER (WHERE x.kind = 'routed') AS handled,
        count(*) FILTER (WHERE x.kind = 'resolved') AS resolved,
        count(*) FILTER (WHERE x.kind = 'resolved' AND x.on_time) AS resolved_on_time,
        count(*) FILTER (WHERE x.kind = 'reopened') AS reopened,
        count(*) FILTER (WHERE x.kind = 'returned') AS misrouted,
        count(*) FILTER (WHERE x.kind = 'extension_granted') AS extended
    FROM departments d CROSS JOIN windows w
    LEFT JOIN dept_events x ON x.dept = d.code AND x.day >= w.first AND x.day < w.last
    GROUP BY d.code, w.win),
dept_lines AS (
    SELECT 'dept/' || dept AS area, win, f, v FROM dept_figures, LATERAL (VALUES
        ('handled', handled), ('resolved', resolved), ('resolved_on_time', resolved_on_time),
        ('reopened', reopened), ('misrouted', misrouted), ('extended', extended),
        ('on_time_rate', round(10000 * 100.0 * resolved_on_time / nullif(resolved, 0))),
        ('rework_rate', round(10000 * 100.0 * reopened / nullif(resolved, 0)))) AS x(f, v))
SELECT line FROM (
    SELECT area || ' ' || win || ' ' || f || ' ' || coalesce(v, 0) AS line FROM area_lines
    UNION ALL
    SELECT area || ' ' || win || ' ' || f || ' ' || coalesce(v, 0) FROM dept_lines) l
ORDER BY 1;
