-- The figures as read by everyone: gc-stats' stream and /metrics (services/stats), and
-- Grafana's PostgreSQL data source or any read-only consumer (the role gridcase_dashboard).
-- Definitions: docs/STATISTICS.md. A column here has the name of the field it fills in
-- proto/stats.proto (the publisher matches them by name), so each figure has one name
-- everywhere. A rate "<numerator>_of_<denominator>_rate" is a percent rounded to 0.01, NULL
-- when the denominator is 0; both its numerator and its denominator are columns of the same
-- view.
--
-- The views read the tables with their owner's rights, so a reader needs only SELECT on the
-- views: the dashboards' role sees no case, no reporter and no phone.

-- Per area and window: the area's figures and every area's below it, over all categories.
CREATE VIEW stats_area_figures AS
SELECT s.area_code, a.name AS area_name, a.level, a.parent_code, a.leader_name,
       s.window_kind, s.window_start,
       s.reported, s.reported - s.closed AS open, s.resolved, s.closed, s.reopened,
       s.escalated_to_community, s.escalated_to_street, s.escalated_to_district,
       s.missed_deadline, s.supervised, s.misrouted, s.extended, s.due, s.closed_on_time,
       s.closed_at_grid, s.closed_at_community, s.closed_at_street, s.closed_at_district,
       s.resolved_on_spot,
       s.closed_at_grid + s.closed_at_community AS closed_in_community,
       s.closed - s.closed_at_district AS closed_in_street,
       s.reported - s.escalated_to_district AS stayed_below_district,
       round(100.0 * s.closed / nullif(s.due, 0), 2) AS closed_of_due_rate,
       round(100.0 * s.closed / nullif(s.reported, 0), 2) AS closed_of_reported_rate,
       round(100.0 * s.closed_on_time / nullif(s.due, 0), 2) AS closed_on_time_of_due_rate,
       round(100.0 * s.reopened / nullif(s.closed, 0), 2) AS reopened_of_closed_rate,
       round(100.0 * s.extended / nullif(s.reported, 0), 2) AS extended_of_reported_rate,
       round(100.0 * s.closed_at_grid / nullif(s.closed, 0), 2) AS closed_at_grid_of_closed_rate,
       round(100.0 * (s.closed_at_grid + s.closed_at_community) / nullif(s.closed, 0), 2)
           AS closed_in_community_of_closed_rate,
       round(100.0 * (s.closed_at_grid + s.closed_at_community) / nullif(s.reported, 0), 2)
           AS closed_in_community_of_reported_rate,
       round(100.0 * (s.closed - s.closed_at_district) / nullif(s.closed, 0), 2)
           AS closed_in_street_of_closed_rate,
       round(100.0 * (s.reported - s.escalated_to_district) / nullif(s.reported, 0), 2)
           AS stayed_below_district_of_reported_rate,
       round(100.0 * s.resolved_on_spot / nullif(s.closed, 0), 2)
           AS resolved_on_spot_of_closed_rate,
       s.close_time_histogram,
       t.cases AS close_seconds_cases,
       round(t.seconds::numeric / t.cases, 2) AS close_seconds_mean,
       t.median_seconds AS close_seconds_median, t.p90_seconds AS close_seconds_p90,
       -- the leader's assessment row: the cases that were at the area's level there
       CASE a.level WHEN 'grid' THEN s.reported WHEN 'community' THEN s.escalated_to_community
                    WHEN 'street' THEN s.escalated_to_street ELSE s.escalated_to_district
       END AS leader_reached,
       CASE a.level WHEN 'grid' THEN s.closed_at_grid WHEN 'community' THEN s.closed_at_community
                    WHEN 'street' THEN s.closed_at_street ELSE s.closed_at_district
       END AS leader_closed_here,
       CASE a.level WHEN 'grid' THEN s.escalated_to_community
                    WHEN 'community' THEN s.escalated_to_street
                    WHEN 'street' THEN s.escalated_to_district ELSE 0
       END AS leader_passed_up
FROM (SELECT f.area_code, f.window_kind, f.window_start,
             sum(f.reported) AS reported, sum(f.closed) AS closed, sum(f.resolved) AS resolved,
             sum(f.reopened) AS reopened,
             sum(f.escalated_to_community) AS escalated_to_community,
             sum(f.escalated_to_street) AS escalated_to_street,
             sum(f.escalated_to_district) AS escalated_to_district,
             sum(f.missed_deadline) AS missed_deadline, sum(f.supervised) AS supervised,
             sum(f.misrouted) AS misrouted, sum(f.extended) AS extended, sum(f.due) AS due,
             sum(f.closed_on_time) AS closed_on_time, sum(f.closed_at_grid) AS closed_at_grid,
             sum(f.closed_at_community) AS closed_at_community,
             sum(f.closed_at_street) AS closed_at_street,
             sum(f.closed_at_district) AS closed_at_district,
             sum(f.resolved_on_spot) AS resolved_on_spot,
             ARRAY[sum(f.ttc_le_900), sum(f.ttc_le_3600), sum(f.ttc_le_14400),
                   sum(f.ttc_le_28800), sum(f.ttc_le_86400), sum(f.ttc_le_259200),
                   sum(f.ttc_le_604800), sum(f.ttc_le_2592000), sum(f.ttc_le_inf)]
                 AS close_time_histogram
      FROM stats_area_windows f
      GROUP BY f.area_code, f.window_kind, f.window_start) s
     JOIN areas a ON a.code = s.area_code
     LEFT JOIN stats_time_summaries t
       ON t.subject = s.area_code AND t.measure = 'close' AND t.window_kind = s.window_kind
      AND t.window_start = s.window_start;

-- Per area, category and window, for the categories with cases in it (a category's 化解率 is
-- its closed_of_reported_rate).
CREATE VIEW stats_area_category_figures AS
SELECT f.area_code, a.name AS area_name, a.level, f.category, c.name AS category_name,
       f.window_kind, f.window_start, f.reported, f.reported - f.closed AS open, f.resolved,
       f.closed, f.reopened, f.escalated_to_community, f.escalated_to_street,
       f.escalated_to_district, f.missed_deadline, f.supervised, f.misrouted, f.extended, f.due,
       f.closed_on_time, f.closed_at_grid, f.closed_at_community, f.closed_at_street,
       f.closed_at_district, f.resolved_on_spot,
       round(100.0 * f.closed / nullif(f.due, 0), 2) AS closed_of_due_rate,
       round(100.0 * f.closed / nullif(f.reported, 0), 2) AS closed_of_reported_rate
FROM stats_area_windows f JOIN areas a ON a.code = f.area_code
     JOIN categories c ON c.code = f.category
-- a category with no case in the window: its row is left when a corrected case's figures
-- moved to another category (all zero then)
WHERE f.reported > 0;

-- Per department and window, over all categories.
CREATE VIEW stats_department_figures AS
SELECT s.department, d.name AS department_name, s.window_kind, s.window_start,
       s.handled, s.resolved, s.resolved_on_time, s.reopened, s.misrouted, s.extended,
       round(100.0 * s.resolved_on_time / nullif(s.resolved, 0), 2)
           AS resolved_on_time_of_resolved_rate,
       round(100.0 * s.reopened / nullif(s.resolved, 0), 2) AS reopened_of_resolved_rate,
       round(100.0 * s.misrouted / nullif(s.handled, 0), 2) AS misrouted_of_handled_rate,
       ta.cases AS accept_seconds_cases, round(ta.seconds::numeric / ta.cases, 2)
           AS accept_seconds_mean,
       ta.median_seconds AS accept_seconds_median, ta.p90_seconds AS accept_seconds_p90,
       tr.cases AS resolve_seconds_cases, round(tr.seconds::numeric / tr.cases, 2)
           AS resolve_seconds_mean,
       tr.median_seconds AS resolve_seconds_median, tr.p90_seconds AS resolve_seconds_p90
FROM (SELECT f.department, f.window_kind, f.window_start, sum(f.handled) AS handled,
             sum(f.resolved) AS resolved, sum(f.resolved_on_time) AS resolved_on_time,
             sum(f.reopened) AS reopened, sum(f.misrouted) AS misrouted,
             sum(f.extended) AS extended
      FROM stats_department_windows f
      GROUP BY f.department, f.window_kind, f.window_start) s
     JOIN departments d ON d.code = s.department
     LEFT JOIN stats_time_summaries ta
       ON ta.subject = s.department AND ta.measure = 'accept'
      AND ta.window_kind = s.window_kind AND ta.window_start = s.window_start
     LEFT JOIN stats_time_summaries tr
       ON tr.subject = s.department AND tr.measure = 'resolve'
      AND tr.window_kind = s.window_kind AND tr.window_start = s.window_start;

-- The current windows only (today, this month, this year, all time).
CREATE VIEW stats_area_current AS
SELECT f.* FROM stats_area_figures f JOIN gc_stats_current_windows() w
    ON w.window_kind = f.window_kind AND w.window_start = f.window_start;
CREATE VIEW stats_area_category_current AS
SELECT f.* FROM stats_area_category_figures f JOIN gc_stats_current_windows() w
    ON w.window_kind = f.window_kind AND w.window_start = f.window_start;
CREATE VIEW stats_department_current AS
SELECT f.* FROM stats_department_figures f JOIN gc_stats_current_windows() w
    ON w.window_kind = f.window_kind AND w.window_start = f.window_start;

-- The open cases now, per area (its own and every area's below it) and status, whenever they
-- were reported: by age since reported, and past the current level's deadline now (a resolved
-- case waits for the grid's verification with its clock stopped: never overdue). Not a window
-- figure: it moves with the clock. Cost: one read of the open cases (index cases_open_by_area)
-- per query, 14 ms for 4,000 open cases among 200,000; gc-stats reads both backlogs at most
-- once per GC_STATS_INTERVAL_MS, not at every round.
CREATE VIEW stats_area_backlog AS
SELECT a.code AS area_code, a.name AS area_name, a.level, p.status,
       sum(p.open) AS open, sum(p.overdue_now) AS overdue_now,
       sum(p.open_under_1d) AS open_under_1d, sum(p.open_1d_to_3d) AS open_1d_to_3d,
       sum(p.open_3d_to_7d) AS open_3d_to_7d, sum(p.open_over_7d) AS open_over_7d
FROM (SELECT c.area_code, c.status, count(*) AS open,
             count(*) FILTER (WHERE c.status <> 'resolved' AND c.deadline_at < n.now)
                 AS overdue_now,
             count(*) FILTER (WHERE c.created_at > n.now - interval '24 hours')
                 AS open_under_1d,
             count(*) FILTER (WHERE c.created_at <= n.now - interval '24 hours'
                                AND c.created_at > n.now - interval '72 hours') AS open_1d_to_3d,
             count(*) FILTER (WHERE c.created_at <= n.now - interval '72 hours'
                                AND c.created_at > n.now - interval '168 hours') AS open_3d_to_7d,
             count(*) FILTER (WHERE c.created_at <= n.now - interval '168 hours')
                 AS open_over_7d
      -- OFFSET 0 keeps "now" a one-row subquery read once: pulled up into the counts,
      -- gc_now() ran five times per open case (2.2 s instead of 40 ms for 60,000 of them)
      FROM cases c, (SELECT gc_now() AS now OFFSET 0) n
      WHERE c.status <> 'closed'
      GROUP BY c.area_code, c.status) p
     JOIN areas a ON a.code = ANY (gc_area_prefixes(p.area_code))
GROUP BY a.code, a.name, a.level, p.status;

-- Each department's open work now: the open cases it holds (an active assignment, lead or
-- co-handler), those past their deadline now, and the deliveries its client has not
-- acknowledged. Cost: one read of the open cases and their assignments per query.
CREATE VIEW stats_department_backlog AS
SELECT d.code AS department, d.name AS department_name,
       coalesce(h.held, 0) AS held, coalesce(h.overdue_now, 0) AS overdue_now,
       coalesce(s.last_seq - s.acked_seq, 0) AS unacknowledged
FROM departments d
     LEFT JOIN (SELECT ca.department, count(*) AS held,
                       count(*) FILTER (WHERE c.status <> 'resolved' AND c.deadline_at < n.now)
                           AS overdue_now
                -- each open case's assignments by its key: a join let the planner hash every
                -- assignment ever made (a scan growing with history: 60 ms at 200,000 cases,
                -- against 15 ms for 4,000 open cases this way)
                FROM cases c
                     CROSS JOIN LATERAL (SELECT x.department FROM case_assignments x
                                         WHERE x.case_id = c.id AND x.active OFFSET 0) ca,
                     (SELECT gc_now() AS now OFFSET 0) n  -- once, as in stats_area_backlog
                WHERE c.status <> 'closed'
                GROUP BY ca.department) h ON h.department = d.code
     LEFT JOIN department_delivery_state s ON s.department = d.code;

GRANT SELECT ON stats_area_figures, stats_area_category_figures, stats_department_figures,
    stats_area_current, stats_area_category_current, stats_department_current,
    stats_area_backlog, stats_department_backlog TO gridcase_dashboard, gridcase_stats;
