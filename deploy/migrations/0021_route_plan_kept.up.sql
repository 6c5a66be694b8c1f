-- Routing's plan of a run planned once per session (issue 9). Migration 0013 planned the whole
-- of gc_route_run at every call, 0017 its first statement (the plan of the run) alone: a plan
-- kept for the session had been made in its first calls, while case_assignments was small,
-- and read the whole table for every case of every later run (0.4 s a run after 20,000 cases,
-- against 40 ms). Planned at every call, that statement cost about 0.7 ms of planning per call,
-- about 7 % of a core at 1,000 cases/s (pg_stat_statements with track_planning), in routing's
-- backend, the machine's largest consumer.
--
-- The statement is now a function of its own, gc_route_plan, planned once per session
-- (force_generic_plan) and shaped so that no plan it can be given reads a whole table, however
-- small the tables were when it was made:
--  * the run's window of the log is read by seq; the run's cases are then looked up by key one
--    at a time, in LATERAL subqueries that OFFSET 0 keeps apart (no join that could hash all of
--    cases); the locks are still taken in id order, the order of the outer rows;
--  * the look-up that locks a case asks for its key alone and checks its status after: asked
--    for both, PostgreSQL may scan a partial index of the open cases instead of the key (seen
--    in a plan made on an empty database);
--  * the check for an existing assignment is an EXISTS with OFFSET 0, which PostgreSQL runs as
--    a look-up per case rather than one hashed subplan built from the whole table;
--  * sequential scans are off while it is planned, so each look-up is by its index, even where
--    a table was empty when the plan was made (a seq scan of case_assignments per case was the
--    plan made then); routing_rules, reference data, is read through its category index;
--  * no Memoize node, whose cache is sized from the estimates, and no JIT, whose cost grows
--    with them (migration 0019; off for routing's role already, 0020).
-- The settings hold while gc_route_plan runs; gc_route_run's other statements plan as before.
-- What it returns, writes and locks is 0017's, but that a case of the run that is no longer
-- 'submitted' is locked too (until commit) before it is skipped.

-- The plan of a run (statement (1) of gc_route_run, migration 0013): each case of the run's
-- SUBMITTED events with its outcome and, for a grid case still 'submitted', one row per
-- department of the best-matching rules; and whether the run is irregular (routed by
-- gc_route_new_cases_each instead). The run's cases still 'submitted' are locked.
CREATE FUNCTION gc_route_plan(p_from_seq bigint, p_limit integer, p_now timestamptz,
                              OUT plan gc_route_step[], OUT irregular boolean)
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan SET enable_seqscan = off SET enable_memoize = off
SET jit = off AS
$$
BEGIN
    WITH win AS (
        SELECT e.seq, e.case_id, e.kind FROM case_events e
        WHERE e.seq >= p_from_seq ORDER BY e.seq LIMIT p_limit),
    run AS (
        SELECT w.seq, w.case_id FROM win w
        WHERE w.kind = 'submitted'
          AND w.seq < coalesce((SELECT min(x.seq) FROM win x
                                WHERE x.kind NOT IN ('submitted', 'routed', 'triaged')),
                               9223372036854775807)),
    -- the cases still to route, locked in id order: the run's cases by id, each looked up by
    -- its key and locked in turn, then those still 'submitted' kept (a case that no longer is
    -- stays locked until commit, which is harmless); FOR NO KEY UPDATE leaves intake free to
    -- insert a case that names one of them as its possible duplicate (a foreign key's KEY SHARE
    -- lock)
    locked AS MATERIALIZED (
        SELECT x.id, x.area_code, x.category, x.level
        FROM (SELECT r.case_id FROM run r ORDER BY r.case_id) r
        CROSS JOIN LATERAL (SELECT y.id, y.status, y.area_code, y.category, y.level FROM cases y
                            WHERE y.id = r.case_id FOR NO KEY UPDATE OF y OFFSET 0) x
        WHERE x.status = 'submitted'),
    -- every case of the run: a case no longer 'submitted' once locked (or before) is skipped
    c AS MATERIALIZED (
        SELECT r.seq, x.id, x.ref, coalesce(l.area_code, x.area_code) AS area_code,
               coalesce(l.category, x.category) AS category,
               CASE WHEN l.id IS NULL THEN 'other' ELSE 'submitted' END AS status,
               coalesce(l.level, x.level) AS level
        FROM run r
        CROSS JOIN LATERAL (SELECT y.id, y.ref, y.area_code, y.category, y.level FROM cases y
                            WHERE y.id = r.case_id OFFSET 0) x
        LEFT JOIN locked l ON l.id = r.case_id),
    -- a deadline per (category, level): the same for every case of the run, since "now" is
    -- taken once (working-hours deadlines walk the calendar: once each)
    deadlines AS MATERIALIZED (
        SELECT d.category, d.level, gc_deadline_from(d.category, d.level, p_now) AS at
        FROM (SELECT DISTINCT c.category, c.level FROM c WHERE c.status = 'submitted') d)
    -- each case with its outcome and, for a grid case still 'submitted', the departments of the
    -- best-matching rules (longest area prefix, then a level-specific rule over an any-level one)
    SELECT array_agg(ROW(c.seq, c.id, c.ref, c.area_code, c.level,
                         CASE WHEN c.status <> 'submitted' THEN 'skipped'
                              WHEN c.level <> 'grid' THEN 'triage_no_grid'
                              WHEN k.department IS NULL THEN 'triage_no_rule'
                              ELSE 'routed' END,
                         k.department, coalesce(k.is_lead, false), coalesce(k.ord, 1),
                         dl.at)::gc_route_step ORDER BY c.seq, k.ord),
           coalesce(bool_or(k.department IS NOT NULL
                            AND (k.leads > 1 OR k.times > 1
                                 OR EXISTS (SELECT 1 FROM case_assignments a
                                            WHERE a.case_id = c.id OFFSET 0))), false)
    INTO plan, irregular
    FROM c
    LEFT JOIN LATERAL (
        WITH candidates AS (
            SELECT rr.department, rr.is_lead, rr.area_code, rr.level FROM routing_rules rr
            WHERE rr.category = c.category
              AND left(c.area_code, length(rr.area_code)) = rr.area_code
              AND (rr.level IS NULL OR rr.level = c.level)),
        best AS (SELECT b.area_code, b.level FROM candidates b
                 ORDER BY length(b.area_code) DESC, (b.level IS NOT NULL) DESC LIMIT 1)
        SELECT r.department, r.is_lead,
               row_number() OVER (ORDER BY r.is_lead DESC, r.department)::integer AS ord,
               count(*) FILTER (WHERE r.is_lead) OVER () AS leads,
               count(*) OVER (PARTITION BY r.department) AS times
        FROM candidates r JOIN best b
            ON r.area_code = b.area_code AND r.level IS NOT DISTINCT FROM b.level) k
        ON c.status = 'submitted' AND c.level = 'grid'
    LEFT JOIN deadlines dl ON dl.category = c.category AND dl.level = c.level;
END
$$;

CREATE OR REPLACE FUNCTION gc_route_run(p_from_seq bigint, p_limit integer, p_counter_first boolean)
RETURNS gc_route_outcome[]
LANGUAGE plpgsql AS
$$
DECLARE
    v_now  timestamptz := gc_now(); -- once per call, as in 0010
    v_last bigint;                  -- the event counter as found
    v_added bigint;                 -- events appended
    plan   gc_route_step[];
    irregular boolean;              -- a case the set-based statements would not route as 0010
    v_wait text := current_setting('lock_timeout');
BEGIN
    IF p_counter_first THEN
        PERFORM 1 FROM event_streams s WHERE s.stream = 'case' FOR UPDATE;
    END IF;

    -- (1) the plan. The run ends before the first event that is neither SUBMITTED nor one routing
    -- never acts on (its own ROUTED and TRIAGED): the C code applies that one.
    SELECT s.plan, s.irregular INTO plan, irregular
    FROM gc_route_plan(p_from_seq, p_limit, v_now) s;
    IF plan IS NULL THEN
        RETURN '{}';
    END IF;

    IF irregular THEN -- the counter now, as gc_route_new_cases_each expects it held
        IF NOT p_counter_first THEN
            PERFORM set_config('lock_timeout', '200ms', true);
        END IF;
        PERFORM 1 FROM event_streams s WHERE s.stream = 'case' FOR UPDATE;
        PERFORM set_config('lock_timeout', v_wait, true);
        RETURN ARRAY(SELECT ROW(e.*)::gc_route_outcome
                     FROM gc_route_new_cases_each(p_from_seq, p_limit) e);
    END IF;

    -- (2) status first, so the events carry it; the deadline for the case's level starts
    UPDATE cases x SET status = CASE p.outcome WHEN 'routed' THEN 'routed' ELSE 'triage' END,
                       updated_at = v_now, deadline_at = p.deadline
    FROM unnest(plan) p WHERE p.ord = 1 AND p.outcome <> 'skipped' AND x.id = p.case_id;

    -- (3) the assignments
    INSERT INTO case_assignments (case_id, department, is_lead)
    SELECT p.case_id, p.department, p.is_lead FROM unnest(plan) p WHERE p.outcome = 'routed'
    ORDER BY p.seq, p.ord;

    -- (4) each department's next delivery seqs, in log order; a department without its state
    -- row (every imported one has it) gets no delivery, as in 0010
    WITH wanted AS (
        SELECT p.department, count(*) AS n FROM unnest(plan) p WHERE p.outcome = 'routed'
        GROUP BY p.department),
    taken AS (
        UPDATE department_delivery_state s SET last_seq = s.last_seq + w.n
        FROM wanted w WHERE s.department = w.department
        RETURNING s.department, s.last_seq - w.n AS before)
    INSERT INTO deliveries (department, seq, case_id, reason, is_lead, note, created_at)
    SELECT p.department, t.before + row_number() OVER (PARTITION BY p.department ORDER BY p.seq),
           p.case_id, 'new', p.is_lead, '', v_now
    FROM unnest(plan) p JOIN taken t ON t.department = p.department
    WHERE p.outcome = 'routed';

    -- (5) the counter, now (see above: at most 200 ms of waiting when taken last), then the
    -- events under its next seqs in plan order, and the counter written once
    IF NOT p_counter_first THEN
        PERFORM set_config('lock_timeout', '200ms', true);
    END IF;
    SELECT s.last_seq INTO v_last FROM event_streams s WHERE s.stream = 'case' FOR UPDATE;
    PERFORM set_config('lock_timeout', v_wait, true);
    INSERT INTO case_events (seq, case_id, kind, at, level, status, department, actor, note)
    SELECT v_last + row_number() OVER (ORDER BY p.seq, p.ord), p.case_id,
           CASE p.outcome WHEN 'routed' THEN 'routed' ELSE 'triaged' END, v_now, p.level,
           CASE p.outcome WHEN 'routed' THEN 'routed' ELSE 'triage' END,
           coalesce(p.department, ''), 'routing',
           CASE p.outcome WHEN 'triage_no_grid' THEN 'no grid holds the case''s location'
                          WHEN 'triage_no_rule' THEN 'no routing rule for this category and area'
                          ELSE '' END
    FROM unnest(plan) p WHERE p.outcome <> 'skipped';
    GET DIAGNOSTICS v_added = ROW_COUNT;
    IF v_added > 0 THEN
        UPDATE event_streams SET last_seq = v_last + v_added WHERE stream = 'case';
        PERFORM pg_notify('gc_case_events', ''); -- the event publisher's doorbell, on commit
    END IF;

    RETURN ARRAY(
        SELECT ROW(p.seq, p.ref, p.area_code, p.outcome,
                   (count(*) FILTER (WHERE p.outcome = 'routed'))::integer)::gc_route_outcome
        FROM unnest(plan) p GROUP BY p.seq, p.ref, p.area_code, p.outcome ORDER BY p.seq);
END
$$;

REVOKE EXECUTE ON FUNCTION gc_route_plan(bigint, integer, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION gc_route_plan(bigint, integer, timestamptz) TO gridcase_routing;
