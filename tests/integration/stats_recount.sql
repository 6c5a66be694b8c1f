-- The statistics recomputed from scratch from cases and case_events, written independently of
-- the fold (services/stats/stats_fold.c) and of the views (statistics_views.sql) from the
-- definitions in docs/STATISTICS.md. It reads no stats table, view or function: only cases,
-- case_events, case_assignments, department_delivery_state, areas, departments, categories,
-- district_settings and gc_now(). t_stats_truth.sh compares every line with what gc-stats
-- published and with the views (stats_compare.sh prints those in the same format).
--
-- One line per figure: "KEY WINDOW FIGURE VALUE", KEY an area code or dept/CODE, WINDOW today,
-- month, year, all (the current windows) or now (the backlogs):
--   * counts as they are; the histogram as close_time_histogram_0 .. _8;
--   * a rate X_of_Y_rate as X_of_Y_rate.numerator, .denominator and .percent (x 100, rounded:
--     66.67 -> 6667), or one line "X_of_Y_rate null" when Y is 0;
--   * a duration S (close_seconds, accept_seconds, resolve_seconds) as S.cases, S.mean (x 100)
--     and S.median, S.p90 (percentile_disc, in seconds: compared within 2%, not exactly), or one
--     line "S null" when nothing was measured;
--   * per category: category/CODE/FIGURE (only the categories with cases in the window);
--   * the leader row: leader.name, leader.reached, leader.closed_here, leader.passed_up;
--   * the backlog (window "now"): backlog.open, ... and backlog.by_status.STATUS (statuses with
--     open cases only); a department's backlog.held, .overdue_now, .unacknowledged.
WITH tz AS (SELECT time_zone FROM district_settings),
today AS (SELECT (gc_now() AT TIME ZONE (SELECT time_zone FROM tz))::date AS d),
windows AS (  -- the current windows, as [first, last) local dates of the report
    SELECT 'today' AS win, d AS first, d + 1 AS last FROM today
    UNION ALL SELECT 'month', date_trunc('month', d)::date, (date_trunc('month', d) + interval '1 month')::date FROM today
    UNION ALL SELECT 'year', date_trunc('year', d)::date, (date_trunc('year', d) + interval '1 year')::date FROM today
    UNION ALL SELECT 'all', date '1970-01-01', date '9999-01-01'),
-- whole seconds between two instants, from their epoch milliseconds; a clock stepped back is 0
ev AS (
    SELECT e.*, (extract(epoch FROM e.at) * 1000)::bigint AS at_ms FROM case_events e),
-- a missed deadline: escalated or supervised by the deadline sweep (actor escalation)
missed AS (
    SELECT case_id, min(seq) AS first_seq FROM ev
    WHERE actor = 'escalation' AND kind IN ('escalated', 'supervised') GROUP BY case_id),
closure AS (  -- a case closes once: its closing event
    SELECT DISTINCT ON (case_id) case_id, seq, kind, level, at_ms FROM ev
    WHERE kind IN ('verified', 'resolved_on_spot') OR (kind = 'meeting_decided' AND status = 'closed')
    ORDER BY case_id, seq),
per_case AS (
    SELECT c.id, c.area_code, c.category,
        (c.created_at AT TIME ZONE (SELECT time_zone FROM tz))::date AS day,
        cl.case_id IS NOT NULL AS closed, cl.level AS closed_level,
        cl.kind = 'resolved_on_spot' AS on_spot,
        m.case_id IS NOT NULL AS missed,
        greatest(0, (cl.at_ms - (extract(epoch FROM c.created_at) * 1000)::bigint) / 1000) AS close_seconds,
        (SELECT count(*) FROM ev e WHERE e.case_id = c.id AND e.kind = 'resolved' AND e.status = 'resolved') AS resolved,
        (SELECT count(*) FROM ev e WHERE e.case_id = c.id AND e.kind = 'reopened') AS reopened,
        EXISTS (SELECT 1 FROM ev e WHERE e.case_id = c.id AND e.kind = 'escalated' AND e.level = 'community') AS to_community,
        EXISTS (SELECT 1 FROM ev e WHERE e.case_id = c.id AND e.kind = 'escalated' AND e.level = 'street') AS to_street,
        EXISTS (SELECT 1 FROM ev e WHERE e.case_id = c.id AND e.kind = 'escalated' AND e.level = 'district') AS to_district,
        EXISTS (SELECT 1 FROM ev e WHERE e.case_id = c.id AND e.kind = 'supervised') AS supervised,
        (SELECT count(*) FROM ev e WHERE e.case_id = c.id AND e.kind = 'returned') AS misrouted,
        (SELECT count(*) FROM ev e WHERE e.case_id = c.id AND e.kind = 'extension_granted') AS extended
    FROM cases c LEFT JOIN closure cl ON cl.case_id = c.id LEFT JOIN missed m ON m.case_id = c.id),
per_case_bucket AS (  -- time-to-close buckets, upper bounds inclusive
    SELECT p.*, CASE WHEN NOT p.closed THEN NULL
        WHEN p.close_seconds <= 900 THEN 0 WHEN p.close_seconds <= 3600 THEN 1
        WHEN p.close_seconds <= 14400 THEN 2 WHEN p.close_seconds <= 28800 THEN 3
        WHEN p.close_seconds <= 86400 THEN 4 WHEN p.close_seconds <= 259200 THEN 5
        WHEN p.close_seconds <= 604800 THEN 6 WHEN p.close_seconds <= 2592000 THEN 7 ELSE 8 END AS bucket
    FROM per_case p),
-- the cases of an area (its own and every area's below it) in a window
area_cases AS (
    SELECT a.code AS area, a.level AS area_level, a.leader_name, w.win, p.*
    FROM areas a CROSS JOIN windows w
    LEFT JOIN per_case_bucket p ON left(p.area_code, length(a.code)) = a.code AND p.day >= w.first AND p.day < w.last),
area_counts AS (
    SELECT area, area_level, leader_name, win,
        count(id) AS reported,
        count(id) FILTER (WHERE closed) AS closed,
        coalesce(sum(resolved), 0) AS resolved,
        coalesce(sum(reopened), 0) AS reopened,
        count(id) FILTER (WHERE to_community) AS to_community,
        count(id) FILTER (WHERE to_street) AS to_street,
        count(id) FILTER (WHERE to_district) AS to_district,
        count(id) FILTER (WHERE missed) AS missed,
        count(id) FILTER (WHERE supervised) AS supervised,
        coalesce(sum(misrouted), 0) AS misrouted,
        coalesce(sum(extended), 0) AS extended,
        count(id) FILTER (WHERE closed OR missed) AS due,
        count(id) FILTER (WHERE closed AND NOT missed) AS closed_on_time,
        count(id) FILTER (WHERE closed_level = 'grid') AS at_grid,
        count(id) FILTER (WHERE closed_level = 'community') AS at_community,
        count(id) FILTER (WHERE closed_level = 'street') AS at_street,
        count(id) FILTER (WHERE closed_level = 'district') AS at_district,
        count(id) FILTER (WHERE on_spot) AS on_spot,
        sum(close_seconds) FILTER (WHERE closed) AS close_sum,
        percentile_disc(0.5) WITHIN GROUP (ORDER BY close_seconds) FILTER (WHERE closed) AS close_median,
        percentile_disc(0.9) WITHIN GROUP (ORDER BY close_seconds) FILTER (WHERE closed) AS close_p90,
        ARRAY[count(id) FILTER (WHERE bucket = 0), count(id) FILTER (WHERE bucket = 1),
              count(id) FILTER (WHERE bucket = 2), count(id) FILTER (WHERE bucket = 3),
              count(id) FILTER (WHERE bucket = 4), count(id) FILTER (WHERE bucket = 5),
              count(id) FILTER (WHERE bucket = 6), count(id) FILTER (WHERE bucket = 7),
              count(id) FILTER (WHERE bucket = 8)] AS histogram
    FROM area_cases GROUP BY area, area_level, leader_name, win),
area_named AS (  -- the counts under their names (docs/STATISTICS.md, "Area counts")
    SELECT area, win, area_level, leader_name, reported, closed, histogram,
        close_sum, close_median, close_p90, f.*
    FROM area_counts, LATERAL (SELECT
        reported - closed AS open, to_district AS escalated_to_district,
        at_grid + at_community AS closed_in_community, closed - at_district AS closed_in_street,
        reported - to_district AS stayed_below_district) f0,
    LATERAL (VALUES (jsonb_build_object(
        'reported', reported, 'open', f0.open, 'resolved', resolved, 'closed', closed,
        'reopened', reopened, 'escalated_to_community', to_community,
        'escalated_to_street', to_street, 'escalated_to_district', to_district,
        'missed_deadline', missed, 'supervised', supervised, 'misrouted', misrouted,
        'extended', extended, 'due', due, 'closed_on_time', closed_on_time,
        'closed_at_grid', at_grid, 'closed_at_community', at_community,
        'closed_at_street', at_street, 'closed_at_district', at_district,
        'resolved_on_spot', on_spot, 'closed_in_community', f0.closed_in_community,
        'closed_in_street', f0.closed_in_street,
        'stayed_below_district', f0.stayed_below_district))) f(counts)),
-- the rates: numerator_of_denominator_rate over the counts above
area_rates AS (
    SELECT area, win, r.name, (counts ->> r.x)::bigint AS x, (counts ->> r.y)::bigint AS y
    FROM area_named, (VALUES
        ('closed_of_due_rate', 'closed', 'due'), ('closed_of_reported_rate', 'closed', 'reported'),
        ('closed_on_time_of_due_rate', 'closed_on_time', 'due'),
        ('reopened_of_closed_rate', 'reopened', 'closed'),
        ('extended_of_reported_rate', 'extended', 'reported'),
        ('closed_at_grid_of_closed_rate', 'closed_at_grid', 'closed'),
        ('closed_in_community_of_closed_rate', 'closed_in_community', 'closed'),
        ('closed_in_community_of_reported_rate', 'closed_in_community', 'reported'),
        ('closed_in_street_of_closed_rate', 'closed_in_street', 'closed'),
        ('stayed_below_district_of_reported_rate', 'stayed_below_district', 'reported'),
        ('resolved_on_spot_of_closed_rate', 'resolved_on_spot', 'closed')) r(name, x, y)),
-- per category: the categories with cases in the window
cat_counts AS (
    SELECT area, win, category, count(id) AS reported, count(id) FILTER (WHERE closed) AS closed,
        count(id) FILTER (WHERE closed OR missed) AS due, count(id) FILTER (WHERE missed) AS missed
    FROM area_cases WHERE id IS NOT NULL GROUP BY area, win, category),
-- departments: deliveries, acceptances, lead resolutions and the events against them
dept_events AS (
    SELECT e.seq, e.case_id, e.kind, e.department, e.at_ms,
        (c.created_at AT TIME ZONE (SELECT time_zone FROM tz))::date AS day,
        -- the department's last delivery of the case before this event
        (SELECT r.at_ms FROM ev r WHERE r.case_id = e.case_id AND r.seq < e.seq AND r.kind = 'routed'
            AND r.department = e.department ORDER BY r.seq DESC LIMIT 1) AS delivered_ms,
        NOT EXISTS (SELECT 1 FROM missed m WHERE m.case_id = e.case_id AND m.first_seq < e.seq) AS on_time,
        -- a reopen counts against the department of the last lead resolution before it
        CASE WHEN e.kind = 'reopened' THEN
            (SELECT r.department FROM ev r WHERE r.case_id = e.case_id AND r.seq < e.seq
                AND r.kind = 'resolved' AND r.status = 'resolved' ORDER BY r.seq DESC LIMIT 1) END AS rejected
    FROM ev e JOIN cases c ON c.id = e.case_id
    WHERE e.kind IN ('routed', 'accepted', 'returned', 'extension_granted', 'reopened')
       OR (e.kind = 'resolved' AND e.status = 'resolved')),
dept_counts AS (
    SELECT d.code AS dept, w.win,
        count(DISTINCT x.case_id) FILTER (WHERE x.kind = 'routed' AND x.department = d.code) AS handled,
        count(*) FILTER (WHERE x.kind = 'resolved' AND x.department = d.code) AS resolved,
        count(*) FILTER (WHERE x.kind = 'resolved' AND x.department = d.code AND x.on_time) AS resolved_on_time,
        count(*) FILTER (WHERE x.kind = 'reopened' AND x.rejected = d.code) AS reopened,
        count(*) FILTER (WHERE x.kind = 'returned' AND x.department = d.code) AS misrouted,
        count(*) FILTER (WHERE x.kind = 'extension_granted' AND x.department = d.code) AS extended
    FROM departments d CROSS JOIN windows w
    LEFT JOIN dept_events x ON (x.department = d.code OR x.rejected = d.code) AND x.day >= w.first AND x.day < w.last
    GROUP BY d.code, w.win),
dept_times AS (  -- delivery to acceptance, delivery to lead resolution; whole seconds
    SELECT d.code AS dept, w.win, m.measure, count(x.seq) AS cases, sum(m.secs) AS total,
        percentile_disc(0.5) WITHIN GROUP (ORDER BY m.secs) AS median,
        percentile_disc(0.9) WITHIN GROUP (ORDER BY m.secs) AS p90
    FROM departments d CROSS JOIN windows w CROSS JOIN (VALUES ('accept_seconds', 'accepted'), ('resolve_seconds', 'resolved')) k(measure, kind)
    LEFT JOIN dept_events x ON x.department = d.code AND x.kind = k.kind AND x.delivered_ms IS NOT NULL
         AND x.day >= w.first AND x.day < w.last
    LEFT JOIN LATERAL (SELECT k.measure, greatest(0, (x.at_ms - x.delivered_ms) / 1000) AS secs) m ON true
    GROUP BY d.code, w.win, m.measure),
-- the open cases now
open_now AS (
    SELECT c.id, c.area_code, c.status, c.created_at,
        c.status <> 'resolved' AND c.deadline_at < gc_now() AS overdue,
        gc_now() - c.created_at AS age
    FROM cases c WHERE c.status <> 'closed'),
lines AS (
    -- area counts and the histogram
    SELECT area AS k, win, key AS f, value::text AS v FROM area_named, jsonb_each(counts)
    UNION ALL SELECT area, win, 'close_time_histogram_' || (i - 1), histogram[i]::text
    FROM area_named, generate_subscripts(histogram, 1) i
    -- rates
    UNION ALL SELECT area, win, name, 'null' FROM area_rates WHERE y = 0
    UNION ALL SELECT area, win, name || '.' || part, v::text FROM area_rates,
        LATERAL (VALUES ('numerator', x), ('denominator', y), ('percent', round(10000.0 * x / y))) p(part, v) WHERE y > 0
    -- time to close
    UNION ALL SELECT area, win, 'close_seconds', 'null' FROM area_named WHERE closed = 0
    UNION ALL SELECT area, win, 'close_seconds.' || part, v FROM area_named,
        LATERAL (VALUES ('cases', closed::text), ('mean', round(100.0 * close_sum / closed)::text),
                        ('median', close_median::text), ('p90', close_p90::text)) p(part, v) WHERE closed > 0
    -- per category
    UNION ALL SELECT area, win, 'category/' || category || '/' || f, v FROM cat_counts,
        LATERAL (VALUES ('reported', reported::text), ('open', (reported - closed)::text), ('closed', closed::text),
                        ('due', due::text), ('missed_deadline', missed::text)) p(f, v)
    UNION ALL SELECT area, win, 'category/' || category || '/' || r.name || r.part, r.v FROM cat_counts,
        LATERAL (SELECT 'closed_of_due_rate' AS name, closed AS x, due AS y UNION ALL
                 SELECT 'closed_of_reported_rate', closed, reported) q,
        LATERAL (SELECT q.name, '' AS part, 'null' AS v WHERE q.y = 0 UNION ALL
                 SELECT q.name, '.' || part, v::text FROM (VALUES ('numerator', q.x), ('denominator', q.y),
                     ('percent', round(10000.0 * q.x / nullif(q.y, 0)))) p(part, v) WHERE q.y > 0) r
    -- the leader's row (docs/STATISTICS.md, "Leaders")
    UNION ALL SELECT area, win, 'leader.' || f, v FROM area_named,
        LATERAL (VALUES ('name', leader_name),
            ('reached', (CASE area_level WHEN 'grid' THEN reported WHEN 'community' THEN (counts ->> 'escalated_to_community')::bigint
                         WHEN 'street' THEN (counts ->> 'escalated_to_street')::bigint ELSE (counts ->> 'escalated_to_district')::bigint END)::text),
            ('closed_here', counts ->> ('closed_at_' || area_level)),
            ('passed_up', (CASE area_level WHEN 'grid' THEN (counts ->> 'escalated_to_community')::bigint
                           WHEN 'community' THEN (counts ->> 'escalated_to_street')::bigint
                           WHEN 'street' THEN (counts ->> 'escalated_to_district')::bigint ELSE 0 END)::text)) p(f, v)
    -- the backlog now, per area
    UNION ALL SELECT a.code, 'now', 'backlog.' || f, v::text FROM areas a,
        LATERAL (SELECT count(o.id) AS open, count(o.id) FILTER (WHERE o.overdue) AS overdue_now,
                        count(o.id) FILTER (WHERE o.age < interval '24 hours') AS u1,
                        count(o.id) FILTER (WHERE o.age >= interval '24 hours' AND o.age < interval '72 hours') AS u3,
                        count(o.id) FILTER (WHERE o.age >= interval '72 hours' AND o.age < interval '168 hours') AS u7,
                        count(o.id) FILTER (WHERE o.age >= interval '168 hours') AS o7
                 FROM open_now o WHERE left(o.area_code, length(a.code)) = a.code) b,
        LATERAL (VALUES ('open', b.open), ('overdue_now', b.overdue_now), ('open_under_1d', b.u1),
                        ('open_1d_to_3d', b.u3), ('open_3d_to_7d', b.u7), ('open_over_7d', b.o7)) p(f, v)
    UNION ALL SELECT a.code, 'now', 'backlog.by_status.' || o.status, count(*)::text
    FROM areas a JOIN open_now o ON left(o.area_code, length(a.code)) = a.code GROUP BY a.code, o.status
    -- departments
    UNION ALL SELECT 'dept/' || dept, win, f, v::text FROM dept_counts,
        LATERAL (VALUES ('handled', handled), ('resolved', resolved), ('resolved_on_time', resolved_on_time),
                        ('reopened', reopened), ('misrouted', misrouted), ('extended', extended)) p(f, v)
    UNION ALL SELECT 'dept/' || dept, win, r.name || r.part, r.v FROM dept_counts,
        LATERAL (VALUES ('resolved_on_time_of_resolved_rate', resolved_on_time, resolved),
                        ('reopened_of_resolved_rate', reopened, resolved),
                        ('misrouted_of_handled_rate', misrouted, handled)) q(name, x, y),
        LATERAL (SELECT q.name, '' AS part, 'null' AS v WHERE q.y = 0 UNION ALL
                 SELECT q.name, '.' || part, v::text FROM (VALUES ('numerator', q.x), ('denominator', q.y),
                     ('percent', round(10000.0 * q.x / nullif(q.y, 0)))) p(part, v) WHERE q.y > 0) r
    UNION ALL SELECT 'dept/' || dept, win, measure, 'null' FROM dept_times WHERE cases = 0
    UNION ALL SELECT 'dept/' || dept, win, measure || '.' || part, v FROM dept_times,
        LATERAL (VALUES ('cases', cases::text), ('mean', round(100.0 * total / cases)::text),
                        ('median', median::text), ('p90', p90::text)) p(part, v) WHERE cases > 0
    UNION ALL SELECT 'dept/' || d.code, 'now', 'backlog.' || f, v::text FROM departments d,
        LATERAL (SELECT count(DISTINCT o.id) AS held, count(DISTINCT o.id) FILTER (WHERE o.overdue) AS overdue_now
                 FROM case_assignments ca JOIN open_now o ON o.id = ca.case_id
                 WHERE ca.department = d.code AND ca.active) h,
        LATERAL (SELECT coalesce((SELECT s.last_seq - s.acked_seq FROM department_delivery_state s
                                  WHERE s.department = d.code), 0) AS unacknowledged) u,
        LATERAL (VALUES ('held', h.held), ('overdue_now', h.overdue_now), ('unacknowledged', u.unacknowledged)) p(f, v))
SELECT k || ' ' || win || ' ' || f || ' ' || v FROM lines;
