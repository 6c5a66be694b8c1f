-- Statistics by cohort and window: the figures a district is assessed on (docs/STATISTICS.md).
--
-- A case belongs to the windows of the local date (district time zone) it was reported on: its
-- day, month, year, and 'all' (window_start 1970-01-01). Every figure of a window describes the
-- cases reported in it, as they stand now. gc-stats folds each event into the rows of the case's
-- area and every area above it, for the four windows of the case's report date, in the same
-- transaction as its cursor. Work per event is proportional to the depth of the area tree.

CREATE TABLE stats_area_windows (
    area_code      text NOT NULL REFERENCES areas (code),
    category       text NOT NULL REFERENCES categories (code),
    window_kind    text NOT NULL CHECK (window_kind IN ('day', 'month', 'year', 'all')),
    window_start   date NOT NULL,
    -- the order of these columns is the order of the deltas passed to gc_stats_add()
    reported               bigint NOT NULL DEFAULT 0,
    closed                 bigint NOT NULL DEFAULT 0,
    closed_at_grid         bigint NOT NULL DEFAULT 0,
    closed_at_community    bigint NOT NULL DEFAULT 0,
    closed_at_street       bigint NOT NULL DEFAULT 0,
    closed_at_district     bigint NOT NULL DEFAULT 0,
    resolved_on_spot       bigint NOT NULL DEFAULT 0,
    resolved               bigint NOT NULL DEFAULT 0,
    reopened               bigint NOT NULL DEFAULT 0,
    escalated_to_community bigint NOT NULL DEFAULT 0,
    escalated_to_street    bigint NOT NULL DEFAULT 0,
    escalated_to_district  bigint NOT NULL DEFAULT 0,
    overdue                bigint NOT NULL DEFAULT 0,
    supervised             bigint NOT NULL DEFAULT 0,
    misrouted              bigint NOT NULL DEFAULT 0,
    extended               bigint NOT NULL DEFAULT 0,
    due                    bigint NOT NULL DEFAULT 0,
    closed_on_time         bigint NOT NULL DEFAULT 0,
    close_seconds          bigint NOT NULL DEFAULT 0,  -- sum of report-to-close times
    -- time to close, one column per histogram bucket (upper bound in seconds; not cumulative)
    ttc_le_900     bigint NOT NULL DEFAULT 0,
    ttc_le_3600    bigint NOT NULL DEFAULT 0,
    ttc_le_14400   bigint NOT NULL DEFAULT 0,
    ttc_le_28800   bigint NOT NULL DEFAULT 0,
    ttc_le_86400   bigint NOT NULL DEFAULT 0,
    ttc_le_259200  bigint NOT NULL DEFAULT 0,
    ttc_le_604800  bigint NOT NULL DEFAULT 0,
    ttc_le_2592000 bigint NOT NULL DEFAULT 0,
    ttc_le_inf     bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (area_code, category, window_kind, window_start)
);
CREATE INDEX stats_area_windows_current ON stats_area_windows (window_kind, window_start);

CREATE TABLE stats_department_windows (
    department       text NOT NULL REFERENCES departments (code),
    category         text NOT NULL REFERENCES categories (code),
    window_kind      text NOT NULL CHECK (window_kind IN ('day', 'month', 'year', 'all')),
    window_start     date NOT NULL,
    handled          bigint NOT NULL DEFAULT 0,
    resolved         bigint NOT NULL DEFAULT 0,
    resolved_on_time bigint NOT NULL DEFAULT 0,
    reopened         bigint NOT NULL DEFAULT 0,
    misrouted        bigint NOT NULL DEFAULT 0,
    extended         bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (department, category, window_kind, window_start)
);

-- The four windows of a local date.
CREATE FUNCTION gc_stats_windows(p_day date) RETURNS TABLE (window_kind text, window_start date)
LANGUAGE sql IMMUTABLE AS
$$ VALUES ('day', p_day), ('month', date_trunc('month', p_day)::date),
          ('year', date_trunc('year', p_day)::date), ('all', date '1970-01-01') $$;

-- Adds deltas (in column order) for a case of p_category reported on p_day in p_area: to the
-- area and every area above it (the codes that are prefixes of its code), in all four windows.
CREATE FUNCTION gc_stats_add(p_area text, p_category text, p_day date, d bigint[])
RETURNS void LANGUAGE sql AS
$$
INSERT INTO stats_area_windows AS f
SELECT a.code, p_category, w.window_kind, w.window_start,
       d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9], d[10], d[11], d[12], d[13], d[14],
       d[15], d[16], d[17], d[18], d[19], d[20], d[21], d[22], d[23], d[24], d[25], d[26], d[27],
       d[28]
FROM areas a CROSS JOIN gc_stats_windows(p_day) w
WHERE a.code = ANY (ARRAY(SELECT left(p_area, n) FROM generate_series(1, length(p_area)) n))
ON CONFLICT (area_code, category, window_kind, window_start) DO UPDATE SET
    reported = f.reported + EXCLUDED.reported, closed = f.closed + EXCLUDED.closed,
    closed_at_grid = f.closed_at_grid + EXCLUDED.closed_at_grid,
    closed_at_community = f.closed_at_community + EXCLUDED.closed_at_community,
    closed_at_street = f.closed_at_street + EXCLUDED.closed_at_street,
    closed_at_district = f.closed_at_district + EXCLUDED.closed_at_district,
    resolved_on_spot = f.resolved_on_spot + EXCLUDED.resolved_on_spot,
    resolved = f.resolved + EXCLUDED.resolved, reopened = f.reopened + EXCLUDED.reopened,
    escalated_to_community = f.escalated_to_community + EXCLUDED.escalated_to_community,
    escalated_to_street = f.escalated_to_street + EXCLUDED.escalated_to_street,
    escalated_to_district = f.escalated_to_district + EXCLUDED.escalated_to_district,
    overdue = f.overdue + EXCLUDED.overdue, supervised = f.supervised + EXCLUDED.supervised,
    misrouted = f.misrouted + EXCLUDED.misrouted, extended = f.extended + EXCLUDED.extended,
    due = f.due + EXCLUDED.due, closed_on_time = f.closed_on_time + EXCLUDED.closed_on_time,
    close_seconds = f.close_seconds + EXCLUDED.close_seconds,
    ttc_le_900 = f.ttc_le_900 + EXCLUDED.ttc_le_900,
    ttc_le_3600 = f.ttc_le_3600 + EXCLUDED.ttc_le_3600,
    ttc_le_14400 = f.ttc_le_14400 + EXCLUDED.ttc_le_14400,
    ttc_le_28800 = f.ttc_le_28800 + EXCLUDED.ttc_le_28800,
    ttc_le_86400 = f.ttc_le_86400 + EXCLUDED.ttc_le_86400,
    ttc_le_259200 = f.ttc_le_259200 + EXCLUDED.ttc_le_259200,
    ttc_le_604800 = f.ttc_le_604800 + EXCLUDED.ttc_le_604800,
    ttc_le_2592000 = f.ttc_le_2592000 + EXCLUDED.ttc_le_2592000,
    ttc_le_inf = f.ttc_le_inf + EXCLUDED.ttc_le_inf
$$;

CREATE FUNCTION gc_stats_add_department(p_department text, p_category text, p_day date,
                                        d bigint[])
RETURNS void LANGUAGE sql AS
$$
INSERT INTO stats_department_windows AS f
SELECT p_department, p_category, w.window_kind, w.window_start, d[1], d[2], d[3], d[4], d[5], d[6]
FROM gc_stats_windows(p_day) w
WHERE EXISTS (SELECT 1 FROM departments WHERE code = p_department)
ON CONFLICT (department, category, window_kind, window_start) DO UPDATE SET
    handled = f.handled + EXCLUDED.handled, resolved = f.resolved + EXCLUDED.resolved,
    resolved_on_time = f.resolved_on_time + EXCLUDED.resolved_on_time,
    reopened = f.reopened + EXCLUDED.reopened, misrouted = f.misrouted + EXCLUDED.misrouted,
    extended = f.extended + EXCLUDED.extended
$$;

-- The windows containing "now" in the district's time zone: what dashboards call today, this
-- month, this year and all time.
CREATE FUNCTION gc_stats_current_windows() RETURNS TABLE (window_kind text, window_start date)
LANGUAGE sql STABLE AS
$$ SELECT w.* FROM district_settings s,
          gc_stats_windows((gc_now() AT TIME ZONE s.time_zone)::date) w $$;

-- The old all-time table is replaced; stats refolds the whole log into the new tables.
DROP TABLE stats_figures;
UPDATE consumer_cursors SET last_seq = 0 WHERE consumer = 'stats';

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

-- A read-only role for dashboards: the views and nothing else (no personal data). It cannot log
-- in until the operator gives it a password: ALTER ROLE gridcase_dashboard LOGIN PASSWORD '...'.
DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'gridcase_dashboard') THEN
        CREATE ROLE gridcase_dashboard NOLOGIN;
    END IF;
END $$;
GRANT SELECT ON stats_area_figures, stats_area_category_figures, stats_department_figures,
    stats_area_current, stats_department_current TO gridcase_dashboard;
-- the current-window views call gc_now(), which reads these two settings rows
GRANT SELECT ON clock, district_settings TO gridcase_dashboard;
