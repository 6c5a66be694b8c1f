-- Plans kept for the session where making them again each call bought nothing (issue 9).
-- With pg_stat_statements' track_planning on, at 1,000 cases/s the backends spent about 6 s of
-- every 20 s planning statements whose plan never changes with the values given:
--
--  * The event log read (intake's event publisher and the three consumers, a batch at a time):
--    1.3 s. PostgreSQL kept no generic plan of "seq > $1 ORDER BY seq LIMIT $2" joined to cases,
--    because it looked dearer than the plans made for the values; and where one was forced, it
--    read all of cases into a hash (about 2 s a call at 820,000 cases). gc_event_rows reads the
--    batch of events by seq and then each event's case by its key, in a LATERAL subquery that
--    OFFSET 0 keeps apart: whatever PostgreSQL estimates, the only plan is a loop over the batch
--    with one index lookup per event. That plan is made once per session (force_generic_plan).
--    Made without the LIMIT's value, it is estimated at a tenth of the log: with about a million
--    events that passes jit_above_cost, and PostgreSQL compiled it at every call (5-20 ms,
--    against 0.2 ms for ten events), and a Memoize node sized its cache for that many cases at
--    every call (1.9 ms of a call of 200 events). Both are off for this function.
--
--  * gc_submit_cases: 2.6 s. Its first statement (the stored case of each key) and its answer
--    (each element's case) were planned at every call: a plan for an array given as a value
--    expects the array's own length, so it always looked cheaper than the generic plan, which
--    expects ten elements. Both are lookups by key whatever the length, as is every other
--    statement of the function (the insert of the cases already ran a generic plan).
--
--  * gc_now, gc_deadline, gc_deadline_from, gc_add_handling_hours: 0.5 s. A LANGUAGE sql
--    function that is not inlined (each reads a table) is planned at every call of the
--    statement that calls it. PL/pgSQL keeps its statements' plans for the session. The
--    results are the same, NULL included (no clock row, an unknown category). gc_deadline_from
--    keeps generic plans even when called where custom ones are forced: routing's plan
--    statement (migration 0017) computes its deadlines under force_custom_plan, and that
--    setting reached the statements of every function it called.

CREATE FUNCTION gc_event_rows(p_after bigint, p_limit integer)
RETURNS TABLE (seq bigint, case_id bigint, case_ref text, kind text, at_ms bigint,
               area_code text, category text, level text, status text, department text,
               actor text, note text, source text, leader_area text, created_ms bigint,
               reported_on text)
LANGUAGE plpgsql STABLE
SET plan_cache_mode = force_generic_plan SET jit = off SET enable_memoize = off AS
$$
BEGIN
    RETURN QUERY
    SELECT e.seq, e.case_id, c.ref, e.kind, (extract(epoch FROM e.at) * 1000)::bigint,
           c.area_code, c.category, e.level, e.status, e.department, e.actor, e.note, c.source,
           -- the leader who must act: only for the events a leader acts on
           CASE WHEN e.kind IN ('escalated', 'supervised', 'extension_requested')
                THEN gc_leader_area(c.area_code, e.level) END,
           (extract(epoch FROM c.created_at) * 1000)::bigint,
           to_char(c.created_at AT TIME ZONE (SELECT s.time_zone FROM district_settings s),
                   'YYYY-MM-DD')
    FROM (SELECT x.seq, x.case_id, x.kind, x.at, x.level, x.status, x.department, x.actor,
                 x.note
          FROM case_events x WHERE x.seq > p_after ORDER BY x.seq LIMIT p_limit) e
    CROSS JOIN LATERAL (SELECT y.ref, y.area_code, y.category, y.source, y.created_at
                        FROM cases y WHERE y.id = e.case_id OFFSET 0) c
    ORDER BY e.seq;
END
$$;

ALTER FUNCTION gc_submit_cases(text[], text[], text[], text[], text[], text[],
                               double precision[], double precision[], text[], text[], text[],
                               text[])
    SET plan_cache_mode = force_generic_plan;

CREATE OR REPLACE FUNCTION gc_now() RETURNS timestamptz
LANGUAGE plpgsql STABLE AS
$$
BEGIN
    RETURN (SELECT now() + make_interval(secs => k.offset_seconds) FROM clock k);
END
$$;

CREATE OR REPLACE FUNCTION gc_add_handling_hours(p_category text, p_start timestamptz,
                                                 p_hours integer)
RETURNS timestamptz LANGUAGE plpgsql STABLE AS
$$
BEGIN
    RETURN (SELECT CASE WHEN c.working_hours THEN gc_add_working_hours(p_start, p_hours)
                        ELSE p_start + make_interval(hours => p_hours) END
            FROM categories c WHERE c.code = p_category);
END
$$;

CREATE OR REPLACE FUNCTION gc_deadline_from(p_category text, p_level text, p_start timestamptz)
RETURNS timestamptz LANGUAGE plpgsql STABLE
SET plan_cache_mode = force_generic_plan AS
$$
BEGIN
    RETURN (SELECT gc_add_handling_hours(c.code, p_start, CASE p_level
                       WHEN 'grid' THEN c.hours_grid WHEN 'community' THEN c.hours_community
                       WHEN 'street' THEN c.hours_street ELSE c.hours_district END)
            FROM categories c WHERE c.code = p_category);
END
$$;

CREATE OR REPLACE FUNCTION gc_deadline(p_category text, p_level text)
RETURNS timestamptz LANGUAGE plpgsql STABLE AS
$$
BEGIN
    RETURN gc_deadline_from(p_category, p_level, gc_now());
END
$$;
