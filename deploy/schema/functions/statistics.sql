-- The statistics fold's writers and its windows.

-- The four windows of a local date.
CREATE FUNCTION gc_stats_windows(p_day date) RETURNS TABLE (window_kind text, window_start date)
LANGUAGE sql IMMUTABLE AS
$$ VALUES ('day', p_day), ('month', date_trunc('month', p_day)::date),
          ('year', date_trunc('year', p_day)::date), ('all', date '1970-01-01') $$;

-- The windows containing "now" in the district's time zone: what dashboards call today, this
-- month, this year and all time.
CREATE FUNCTION gc_stats_current_windows() RETURNS TABLE (window_kind text, window_start date)
LANGUAGE sql STABLE AS
$$ SELECT w.* FROM district_settings s,
          gc_stats_windows((gc_now() AT TIME ZONE s.time_zone)::date) w $$;

-- The fold's writers take every entry of a batch at once, as parallel arrays (element i of each
-- is entry i), expand each entry to its target rows and sum the deltas per target row before
-- the upsert: each row is written once per batch (and must be: ON CONFLICT DO UPDATE cannot
-- touch a row twice in one statement). Writing one entry at a time wrote the district's rows
-- (and each street's and community's) again once per entry below them: many statements, and
-- many versions of the same row in one transaction, each update walking the versions before it
-- (about 0.13 ms of PostgreSQL CPU per event, a quarter of the database's time under load).
-- Every figure is a sum, so the result is the same in any order; entries may repeat a key.
--
-- d is a two-dimensional bigint array, one row of deltas per entry (in the column order of the
-- table), subscripts from 1. Arrays that do not line up are refused with an error rather than
-- read with NULLs: gc_stats_check_batch.
--
-- JIT is off for both: the planner guesses the rows of set-returning functions (unnest of a
-- parameter, generate_series), and a draft estimated past jit_above_cost spent 60-130 ms
-- compiling, at each of a session's first calls, a statement that runs in about 15 ms.
CREATE FUNCTION gc_stats_check_batch(p_function text, p_codes_are text, p_count integer,
                                     p_categories text[], p_days date[], d bigint[],
                                     p_width integer)
RETURNS void LANGUAGE plpgsql IMMUTABLE AS
$$
BEGIN
    IF coalesce(cardinality(p_categories), 0) <> p_count
       OR coalesce(cardinality(p_days), 0) <> p_count
       OR array_ndims(d) IS DISTINCT FROM 2 OR array_length(d, 1) <> p_count
       OR array_length(d, 2) <> p_width OR array_lower(d, 1) <> 1 OR array_lower(d, 2) <> 1 THEN
        RAISE EXCEPTION '%: % %, % categories, % days, deltas %', p_function, p_count,
            p_codes_are, cardinality(p_categories), cardinality(p_days), array_dims(d)
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = format('one category, one day and one row of %s deltas per entry',
                                p_width);
    END IF;
END
$$;

-- Area figures: entry i adds d[i][1..28] for p_categories[i] on p_days[i] to p_areas[i] and
-- every area above it (the codes in areas that are prefixes of its code), in the four windows
-- of the day.
CREATE FUNCTION gc_stats_add_batch(p_areas text[], p_categories text[], p_days date[],
                                   d bigint[])
RETURNS void LANGUAGE plpgsql SET jit = off AS
$$
DECLARE
    v_count integer := coalesce(cardinality(p_areas), 0);
BEGIN
    IF v_count = 0 THEN
        RETURN;
    END IF;
    PERFORM gc_stats_check_batch('gc_stats_add_batch', 'areas', v_count, p_categories, p_days,
                                 d, 28);
INSERT INTO stats_area_windows AS f
SELECT a.code, e.category, w.window_kind, w.window_start,
       sum(d[e.i][1]), sum(d[e.i][2]), sum(d[e.i][3]), sum(d[e.i][4]), sum(d[e.i][5]),
       sum(d[e.i][6]), sum(d[e.i][7]), sum(d[e.i][8]), sum(d[e.i][9]), sum(d[e.i][10]),
       sum(d[e.i][11]), sum(d[e.i][12]), sum(d[e.i][13]), sum(d[e.i][14]), sum(d[e.i][15]),
       sum(d[e.i][16]), sum(d[e.i][17]), sum(d[e.i][18]), sum(d[e.i][19]), sum(d[e.i][20]),
       sum(d[e.i][21]), sum(d[e.i][22]), sum(d[e.i][23]), sum(d[e.i][24]), sum(d[e.i][25]),
       sum(d[e.i][26]), sum(d[e.i][27]), sum(d[e.i][28])
FROM unnest(p_areas, p_categories, p_days) WITH ORDINALITY AS e (area, category, day, i)
     -- the area and the areas above it, by the same test as gc_stats_add
     JOIN areas a
       ON a.code = ANY (ARRAY(SELECT left(e.area, n) FROM generate_series(1, length(e.area)) n))
     CROSS JOIN LATERAL gc_stats_windows(e.day) w
GROUP BY a.code, e.category, w.window_kind, w.window_start
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

-- Department figures: entry i adds d[i][1..6] for p_categories[i] on p_days[i] to department
-- p_departments[i] in the four windows of the day. An entry for a code that is not a
-- department is ignored.
CREATE FUNCTION gc_stats_add_department_batch(p_departments text[], p_categories text[],
                                              p_days date[], d bigint[])
RETURNS void LANGUAGE plpgsql SET jit = off AS
$$
DECLARE
    v_count integer := coalesce(cardinality(p_departments), 0);
BEGIN
    IF v_count = 0 THEN
        RETURN;
    END IF;
    PERFORM gc_stats_check_batch('gc_stats_add_department_batch', 'codes', v_count, p_categories,
                                 p_days, d, 6);
INSERT INTO stats_department_windows AS f
SELECT e.department, e.category, w.window_kind, w.window_start,
       sum(d[e.i][1]), sum(d[e.i][2]), sum(d[e.i][3]), sum(d[e.i][4]), sum(d[e.i][5]),
       sum(d[e.i][6])
FROM unnest(p_departments, p_categories, p_days) WITH ORDINALITY AS e (department, category, day, i)
     CROSS JOIN LATERAL gc_stats_windows(e.day) w
WHERE EXISTS (SELECT 1 FROM departments x WHERE x.code = e.department)
GROUP BY e.department, e.category, w.window_kind, w.window_start
ON CONFLICT (department, category, window_kind, window_start) DO UPDATE SET
    handled = f.handled + EXCLUDED.handled, resolved = f.resolved + EXCLUDED.resolved,
    resolved_on_time = f.resolved_on_time + EXCLUDED.resolved_on_time,
    reopened = f.reopened + EXCLUDED.reopened, misrouted = f.misrouted + EXCLUDED.misrouted,
    extended = f.extended + EXCLUDED.extended;
END
$$;

-- Only the fold writes figures. The functions run with the caller's privileges: stats' role may
-- read areas and departments and write both figure tables (60_access.sql).
REVOKE EXECUTE ON FUNCTION gc_stats_add_batch(text[], text[], date[], bigint[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION gc_stats_add_batch(text[], text[], date[], bigint[]) TO gridcase_stats;
REVOKE EXECUTE ON FUNCTION gc_stats_add_department_batch(text[], text[], date[], bigint[])
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION gc_stats_add_department_batch(text[], text[], date[], bigint[])
    TO gridcase_stats;
