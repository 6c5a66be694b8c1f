-- Views for Grafana's PostgreSQL data source and other read-only consumers. Rates are percents,
-- NULL when the divisor is 0; definitions in docs/STATISTICS.md.
CREATE VIEW stats_area_figures AS
SELECT f.area_code, a.name AS area_name, a.level, a.leader_name, f.window_kind, f.window_start,
       sum(f.reported) AS reported, sum(f.reported) - sum(f.closed) AS open,
       sum(f.resolved) AS resolved, sum(f.closed) AS closed, sum(f.reopened) AS reopened,
       sum(f.escalated_to_community) AS escalated_to_community,
       sum(f.escalated_to_street) AS escalated_to_street,
       sum(f.escalated_to_district) AS escalated_to_district,
       sum(f.overdue) AS overdue, sum(f.supervised) AS supervised, sum(f.misrouted) AS misrouted,
       sum(f.extended) AS extended, sum(f.due) AS due, sum(f.closed_on_time) AS closed_on_time,
       sum(f.closed_at_grid) AS closed_at_grid, sum(f.closed_at_community) AS closed_at_community,
       sum(f.closed_at_street) AS closed_at_street,
       sum(f.closed_at_district) AS closed_at_district,
       sum(f.resolved_on_spot) AS resolved_on_spot,
       round(100.0 * sum(f.resolved_on_spot) / nullif(sum(f.closed), 0), 2) AS grid_resolution_rate,
       round(100.0 * (sum(f.closed_at_grid) + sum(f.closed_at_community))
             / nullif(sum(f.closed), 0), 2) AS community_handling_rate,
       round(100.0 * sum(f.closed) / nullif(sum(f.due), 0), 2) AS closure_rate,
       round(100.0 * sum(f.closed_on_time) / nullif(sum(f.due), 0), 2) AS on_time_rate,
       round(100.0 * sum(f.reopened) / nullif(sum(f.closed), 0), 2) AS rework_rate,
       round(100.0 * sum(f.extended) / nullif(sum(f.reported), 0), 2) AS extension_rate,
       round(100.0 * (sum(f.closed) - sum(f.closed_at_district)) / nullif(sum(f.closed), 0), 2)
           AS within_street_rate,
       round(100.0 * sum(f.escalated_to_district) / nullif(sum(f.reported), 0), 2)
           AS reached_district_rate,
       round(sum(f.close_seconds)::numeric / nullif(sum(f.closed), 0), 0) AS mean_close_seconds
FROM stats_area_windows f JOIN areas a ON a.code = f.area_code
GROUP BY f.area_code, a.name, a.level, a.leader_name, f.window_kind, f.window_start;

CREATE VIEW stats_area_category_figures AS
SELECT area_code, category, window_kind, window_start, reported, reported - closed AS open,
       closed, resolved, reopened, overdue, escalated_to_district, due, closed_on_time
FROM stats_area_windows;

CREATE VIEW stats_department_figures AS
SELECT f.department, d.name AS department_name, f.window_kind, f.window_start,
       sum(f.handled) AS handled, sum(f.resolved) AS resolved,
       sum(f.resolved_on_time) AS resolved_on_time, sum(f.reopened) AS reopened,
       sum(f.misrouted) AS misrouted, sum(f.extended) AS extended,
       round(100.0 * sum(f.resolved_on_time) / nullif(sum(f.resolved), 0), 2) AS on_time_rate,
       round(100.0 * sum(f.reopened) / nullif(sum(f.resolved), 0), 2) AS rework_rate
FROM stats_department_windows f JOIN departments d ON d.code = f.department
GROUP BY f.department, d.name, f.window_kind, f.window_start;

-- The current windows only (today, this month, this year, all time).
CREATE VIEW stats_area_current AS
SELECT f.* FROM stats_area_figures f JOIN gc_stats_current_windows() w
    ON w.window_kind = f.window_kind AND w.window_start = f.window_start;
CREATE VIEW stats_department_current AS
SELECT f.* FROM stats_department_figures f JOIN gc_stats_current_windows() w
    ON w.window_kind = f.window_kind AND w.window_start = f.window_start;

GRANT SELECT ON stats_area_figures, stats_area_category_figures, stats_department_figures,
    stats_area_current, stats_department_current TO gridcase_dashboard;
