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

-- The windows of a local date that the fold still writes: the four, less the day once day
-- windows that old were removed (gc_stats_prune_days). A removed day is never brought back
-- with only the events that came after its removal.
CREATE FUNCTION gc_stats_kept_windows(p_day date) RETURNS TABLE (window_kind text, window_start date)
LANGUAGE sql STABLE AS
$$ SELECT w.* FROM gc_stats_windows(p_day) w, stats_retention r
   WHERE w.window_kind <> 'day' OR w.window_start >= r.day_windows_from $$;


-- Durations in log-spaced buckets. Bucket 0 holds 0 s; bucket b >= 1 holds the durations in
-- (g^(b-2), g^(b-1)] with g = 1.02, and reads back as 2 g^(b-1) / (g + 1): within
-- (g - 1) / (g + 1) < 1% of every duration in it, and of a quantile read at the same rank as
-- SQL's percentile_disc. A duration on a boundary, put in the bucket above by rounding, is
-- still within that bound. A year is bucket 874; a case takes one bucket row per area above it
-- and window, and a window holds as many rows as distinct buckets were hit (a few hundred at
-- most).
CREATE FUNCTION gc_stats_time_bucket(p_seconds bigint) RETURNS integer
LANGUAGE sql IMMUTABLE AS
$$ SELECT CASE WHEN p_seconds <= 0 THEN 0
               ELSE 1 + ceil(ln(p_seconds::double precision) / ln(1.02::double precision))::integer
          END $$;

CREATE FUNCTION gc_stats_bucket_seconds(p_bucket integer) RETURNS double precision
LANGUAGE sql IMMUTABLE AS
$$ SELECT CASE WHEN p_bucket <= 0 THEN 0
               ELSE 2 * power(1.02::double precision, p_bucket - 1) / 2.02 END $$;

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
-- every area above it, in the kept windows of the day.
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
     JOIN areas a ON a.code = ANY (gc_area_prefixes(e.area))
     CROSS JOIN LATERAL gc_stats_kept_windows(e.day) w
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
    missed_deadline = f.missed_deadline + EXCLUDED.missed_deadline, supervised = f.supervised + EXCLUDED.supervised,
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
-- p_departments[i] in the kept windows of the day. An entry for a code that is not a
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
     CROSS JOIN LATERAL gc_stats_kept_windows(e.day) w
WHERE EXISTS (SELECT 1 FROM departments x WHERE x.code = e.department)
GROUP BY e.department, e.category, w.window_kind, w.window_start
ON CONFLICT (department, category, window_kind, window_start) DO UPDATE SET
    handled = f.handled + EXCLUDED.handled, resolved = f.resolved + EXCLUDED.resolved,
    resolved_on_time = f.resolved_on_time + EXCLUDED.resolved_on_time,
    reopened = f.reopened + EXCLUDED.reopened, misrouted = f.misrouted + EXCLUDED.misrouted,
    extended = f.extended + EXCLUDED.extended;
END
$$;

-- Durations: entry i is one duration of p_seconds[i] seconds, measured p_measures[i] ('close':
-- p_subjects[i] is the case's area, added to it and every area above it; 'accept', 'resolve':
-- a department) for a case reported on p_days[i]. Adds each to its bucket and its bucket's group
-- (20_time_buckets.sql) in the kept windows of the day, then recomputes the summary (cases,
-- seconds, median, p90) of every (subject, measure, window) it touched. Codes that name no area
-- or department are left out. Cost: per row touched, its groups (under 30 for a year of
-- durations) and, per quantile, the buckets of one group (at most 32).
CREATE FUNCTION gc_stats_add_times(p_subjects text[], p_measures text[], p_days date[],
                                   p_seconds bigint[])
RETURNS void LANGUAGE plpgsql SET jit = off AS
$$
DECLARE
    v_count integer := coalesce(cardinality(p_subjects), 0);
    v_subjects text[];
    v_measures text[];
    v_kinds text[];
    v_starts date[];
BEGIN
    IF v_count = 0 THEN
        RETURN;
    END IF;
    IF coalesce(cardinality(p_measures), 0) <> v_count OR coalesce(cardinality(p_days), 0) <> v_count
       OR coalesce(cardinality(p_seconds), 0) <> v_count THEN
        RAISE EXCEPTION 'gc_stats_add_times: % subjects, % measures, % days, % durations', v_count,
            cardinality(p_measures), cardinality(p_days), cardinality(p_seconds)
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'one measure, one day and one duration per subject';
    END IF;
    WITH e AS (
        SELECT * FROM unnest(p_subjects, p_measures, p_days, p_seconds)
               AS e (subject, measure, day, seconds)),
    target AS (
        SELECT a.code AS subject, e.measure, e.day, e.seconds
        FROM e JOIN areas a ON a.code = ANY (gc_area_prefixes(e.subject))
        WHERE e.measure = 'close'
        UNION ALL
        SELECT e.subject, e.measure, e.day, e.seconds FROM e
        WHERE e.measure IN ('accept', 'resolve')
          AND EXISTS (SELECT 1 FROM departments d WHERE d.code = e.subject)),
    counted AS (
        SELECT t.subject, t.measure, w.window_kind, w.window_start,
               gc_stats_time_bucket(t.seconds) AS bucket, count(*) AS cases,
               sum(t.seconds) AS seconds
        FROM target t CROSS JOIN LATERAL gc_stats_kept_windows(t.day) w
        GROUP BY 1, 2, 3, 4, 5),
    buckets AS (
        INSERT INTO stats_time_buckets AS b
        SELECT subject, measure, window_kind, window_start, bucket, cases FROM counted
        ON CONFLICT (subject, measure, window_kind, window_start, bucket) DO UPDATE SET
            cases = b.cases + EXCLUDED.cases),
    groups AS (
        INSERT INTO stats_time_groups AS g
        SELECT subject, measure, window_kind, window_start, bucket / 32, sum(cases), sum(seconds)
        FROM counted GROUP BY 1, 2, 3, 4, 5
        ON CONFLICT (subject, measure, window_kind, window_start, grp) DO UPDATE SET
            cases = g.cases + EXCLUDED.cases, seconds = g.seconds + EXCLUDED.seconds
        RETURNING g.subject, g.measure, g.window_kind, g.window_start)
    SELECT array_agg(t.subject), array_agg(t.measure), array_agg(t.window_kind),
           array_agg(t.window_start)
    INTO v_subjects, v_measures, v_kinds, v_starts
    FROM (SELECT DISTINCT * FROM groups) t;
    -- A second statement: what the first one wrote is visible only now. For each row touched
    -- and each quantile q, the rank is ceil(q x cases) (in double precision, as
    -- percentile_disc computes it): the first group whose running count reaches it, then the
    -- first bucket of that group whose running count, from the cases below the group, does.
    INSERT INTO stats_time_summaries AS s
    SELECT hb.subject, hb.measure, hb.window_kind, hb.window_start, max(hb.total),
           max(hb.total_seconds), gc_stats_bucket_seconds(max(hb.bucket) FILTER (WHERE hb.q = 0.5)),
           gc_stats_bucket_seconds(max(hb.bucket) FILTER (WHERE hb.q = 0.9))
    FROM (SELECT h.*,
                 (SELECT b.bucket
                  FROM (SELECT x.bucket, h.below + sum(x.cases) OVER (ORDER BY x.bucket) AS upto
                        FROM stats_time_buckets x
                        WHERE x.subject = h.subject AND x.measure = h.measure
                          AND x.window_kind = h.window_kind AND x.window_start = h.window_start
                          AND x.bucket BETWEEN h.grp * 32 AND h.grp * 32 + 31) b
                  WHERE b.upto::float8 >= h.rank
                  ORDER BY b.bucket LIMIT 1) AS bucket
          FROM (SELECT DISTINCT ON (g.subject, g.measure, g.window_kind, g.window_start, q.q)
                       g.subject, g.measure, g.window_kind, g.window_start, q.q, g.total,
                       g.total_seconds, g.grp, g.upto - g.cases AS below,
                       ceil(q.q * g.total::float8) AS rank
                FROM (SELECT x.*,
                             sum(x.cases) OVER (PARTITION BY x.subject, x.measure, x.window_kind,
                                                x.window_start ORDER BY x.grp) AS upto,
                             sum(x.cases) OVER (PARTITION BY x.subject, x.measure, x.window_kind,
                                                x.window_start) AS total,
                             sum(x.seconds) OVER (PARTITION BY x.subject, x.measure,
                                                  x.window_kind, x.window_start) AS total_seconds
                      FROM unnest(v_subjects, v_measures, v_kinds, v_starts)
                               AS t (subject, measure, window_kind, window_start)
                           JOIN stats_time_groups x
                             USING (subject, measure, window_kind, window_start)) g
                     CROSS JOIN (VALUES (0.5::float8), (0.9::float8)) AS q (q)
                WHERE g.upto::float8 >= ceil(q.q * g.total::float8)
                ORDER BY g.subject, g.measure, g.window_kind, g.window_start, q.q, g.grp) h
         ) hb
    GROUP BY hb.subject, hb.measure, hb.window_kind, hb.window_start
    ON CONFLICT (subject, measure, window_kind, window_start) DO UPDATE SET
        cases = EXCLUDED.cases, seconds = EXCLUDED.seconds,
        median_seconds = EXCLUDED.median_seconds, p90_seconds = EXCLUDED.p90_seconds;
END
$$;

-- Removes the day windows that started more than p_keep_days days before today (local date)
-- from every figure table, and records the first day kept (stats_retention) so the fold does
-- not write removed days again. Month, year and all-time windows are kept. Returns the rows
-- removed. Called by gc-stats (GC_STATS_DAY_RETENTION_DAYS) when it starts and every hour: on
-- stats_area_windows an index scan (stats_area_windows_current), on the others a scan of the
-- table, whose keys lead with the department or subject.
CREATE FUNCTION gc_stats_prune_days(p_keep_days integer) RETURNS bigint
LANGUAGE plpgsql AS
$$
DECLARE
    v_from date;
    v_removed bigint;
BEGIN
    IF p_keep_days IS NULL OR p_keep_days < 1 THEN
        RAISE EXCEPTION 'gc_stats_prune_days: keep % days', p_keep_days
            USING ERRCODE = 'invalid_parameter_value', HINT = 'keep at least one day';
    END IF;
    SELECT w.window_start - p_keep_days INTO v_from
    FROM gc_stats_current_windows() w WHERE w.window_kind = 'day';
    UPDATE stats_retention SET day_windows_from = greatest(day_windows_from, v_from);
    WITH a AS (DELETE FROM stats_area_windows
               WHERE window_kind = 'day' AND window_start < v_from RETURNING 1),
         d AS (DELETE FROM stats_department_windows
               WHERE window_kind = 'day' AND window_start < v_from RETURNING 1),
         b AS (DELETE FROM stats_time_buckets
               WHERE window_kind = 'day' AND window_start < v_from RETURNING 1),
         g AS (DELETE FROM stats_time_groups
               WHERE window_kind = 'day' AND window_start < v_from RETURNING 1),
         s AS (DELETE FROM stats_time_summaries
               WHERE window_kind = 'day' AND window_start < v_from RETURNING 1)
    SELECT (SELECT count(*) FROM a) + (SELECT count(*) FROM d) + (SELECT count(*) FROM b)
           + (SELECT count(*) FROM g) + (SELECT count(*) FROM s)
    INTO v_removed;
    RETURN v_removed;
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
REVOKE EXECUTE ON FUNCTION gc_stats_add_times(text[], text[], date[], bigint[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION gc_stats_add_times(text[], text[], date[], bigint[]) TO gridcase_stats;
REVOKE EXECUTE ON FUNCTION gc_stats_prune_days(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION gc_stats_prune_days(integer) TO gridcase_stats;

-- What the fold needs from a case's earlier events, for a whole batch of events in one
-- statement (gc-stats, services/stats/stats_fold.c, before it applies the batch): element i
-- asks about the events of case p_cases[i] before seq p_seqs[i]. Each answer is an index range
-- of that case's own events (case_events_case):
--   overdue_before  it had missed a deadline (escalated or supervised by escalation) before;
--   last_resolver   the department of its last lead resolution before, or '';
--   delivered_ms    its last delivery (routed) to p_departments[i] before, Unix ms, or NULL.
-- p_full[i] false asks for delivered_ms only (deliveries and acceptances, most of the events);
-- the other two are then false and ''. One round trip per event cost the fold more than these
-- look-ups themselves: at 5,000 cases/s, 4,000 round trips a second.
CREATE FUNCTION gc_stats_event_history(p_cases bigint[], p_seqs bigint[], p_departments text[],
                                       p_full boolean[])
RETURNS TABLE (ord integer, overdue_before boolean, last_resolver text, delivered_ms bigint)
LANGUAGE sql STABLE AS
$$
    SELECT h.ord::integer,
           CASE WHEN h.want_all THEN EXISTS (
               SELECT 1 FROM case_events e
               WHERE e.case_id = h.case_id AND e.seq < h.seq AND e.actor = 'escalation'
                 AND e.kind IN ('escalated', 'supervised')) ELSE false END,
           CASE WHEN h.want_all THEN coalesce((
               SELECT e.department FROM case_events e
               WHERE e.case_id = h.case_id AND e.seq < h.seq AND e.kind = 'resolved'
                 AND e.status = 'resolved'
               ORDER BY e.seq DESC LIMIT 1), '') ELSE '' END,
           (SELECT (extract(epoch FROM e.at) * 1000)::bigint FROM case_events e
            WHERE e.case_id = h.case_id AND e.seq < h.seq AND e.kind = 'routed'
              AND e.department = h.department
            ORDER BY e.seq DESC LIMIT 1)
    FROM unnest(p_cases, p_seqs, p_departments, p_full)
         WITH ORDINALITY AS h (case_id, seq, department, want_all, ord)
    ORDER BY h.ord
$$;
