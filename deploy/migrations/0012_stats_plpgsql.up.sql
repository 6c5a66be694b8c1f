-- The statistics fold's writers in PL/pgSQL (issue 9). As SQL functions they could not be
-- inlined (an INSERT), and PostgreSQL parses and plans a SQL function's body again at every call
-- from a new statement: gc-stats calls them once per (area, category, day) per batch, and the
-- parsing showed in a profile of its backend. PL/pgSQL keeps the plan for the session. The
-- statements are unchanged.

CREATE OR REPLACE FUNCTION gc_stats_add(p_area text, p_category text, p_day date, d bigint[])
RETURNS void LANGUAGE plpgsql AS
$$
BEGIN
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
    ttc_le_inf = f.ttc_le_inf + EXCLUDED.ttc_le_inf;
END
$$;

CREATE OR REPLACE FUNCTION gc_stats_add_department(p_department text, p_category text, p_day date,
                                        d bigint[])
RETURNS void LANGUAGE plpgsql AS
$$
BEGIN
INSERT INTO stats_department_windows AS f
SELECT p_department, p_category, w.window_kind, w.window_start, d[1], d[2], d[3], d[4], d[5], d[6]
FROM gc_stats_windows(p_day) w
WHERE EXISTS (SELECT 1 FROM departments WHERE code = p_department)
ON CONFLICT (department, category, window_kind, window_start) DO UPDATE SET
    handled = f.handled + EXCLUDED.handled, resolved = f.resolved + EXCLUDED.resolved,
    resolved_on_time = f.resolved_on_time + EXCLUDED.resolved_on_time,
    reopened = f.reopened + EXCLUDED.reopened, misrouted = f.misrouted + EXCLUDED.misrouted,
    extended = f.extended + EXCLUDED.extended;
END
$$;
