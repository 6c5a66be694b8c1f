-- Routing: which departments own a case (the rule choice), and routing new cases in runs.
-- gc-routing (services/routing/case_router.c) routes every SUBMITTED event through
-- gc_route_new_cases; the C code applies the events that come after (reopens, escalations,
-- withdrawals...), choosing departments with gc_best_rules too.

-- THE RULE THAT PICKS THE DEPARTMENTS FOR A CASE. Among the routing_rules of the category whose
-- area is the case's area or above it (its code a prefix of the case's) and whose level is the
-- case's level or any level (NULL), the best are those of the longest area code, and of those a
-- level-specific rule over an any-level one. Their departments are returned, numbered by ord:
-- the lead first, then the co-handlers by code. No row: no rule, and the case goes to its
-- street's triage queue. (routing_rules' unique indexes keep one lead and each department once
-- per category, area and level; 30_routing_and_delivery.sql.)
-- A LANGUAGE sql function without SET clauses, so PostgreSQL inlines it into the statement that
-- calls it (gc_route_plan's LATERAL join): one plan for a whole run.
CREATE FUNCTION gc_best_rules(p_category text, p_area text, p_level text)
RETURNS TABLE (department text, is_lead boolean, ord integer)
LANGUAGE sql STABLE AS
$$
    WITH candidates AS (
        SELECT rr.department, rr.is_lead, rr.area_code, rr.level FROM routing_rules rr
        WHERE rr.category = p_category
          AND left(p_area, length(rr.area_code)) = rr.area_code
          AND (rr.level IS NULL OR rr.level = p_level)),
    best AS (SELECT b.area_code, b.level FROM candidates b
             ORDER BY length(b.area_code) DESC, (b.level IS NOT NULL) DESC LIMIT 1)
    SELECT r.department, r.is_lead,
           row_number() OVER (ORDER BY r.is_lead DESC, r.department)::integer
    FROM candidates r JOIN best b
        ON r.area_code = b.area_code AND r.level IS NOT DISTINCT FROM b.level
$$;

-- What gc_route_new_cases returns for each SUBMITTED event of the run.
CREATE TYPE gc_route_outcome AS (
    event_seq         bigint,
    case_ref          text,
    case_area         text,
    outcome           text,    -- routed, triage_no_grid, triage_no_rule, skipped
    departments_added integer
);

-- One row of a run's plan: a case of the run and what happens to it; a routed case has one row
-- per department, numbered by `ord` as gc_best_rules numbers them (lead first, then by code).
CREATE TYPE gc_route_step AS (
    seq        bigint,      -- the case's SUBMITTED event
    case_id    bigint,
    ref        text,
    area_code  text,
    level      text,
    outcome    text,        -- routed, triage_no_grid, triage_no_rule, skipped
    department text,        -- routed: the department, else NULL
    is_lead    boolean,
    ord        integer,     -- routed: 1.. within the case, else 1
    deadline   timestamptz  -- the new deadline (NULL when skipped)
);

-- The plan of a run: each case of the run's SUBMITTED events with its outcome and, for a grid
-- case still 'submitted', one row per department of its best rules. The run's cases still
-- 'submitted' are locked (in id order). The run ends before the first event that is neither
-- SUBMITTED nor one routing never acts on (its own ROUTED and TRIAGED): the C code applies that
-- one, so every case still sees its events in log order.
--
-- Planned once per session (force_generic_plan) and shaped so that no plan it can be given
-- reads a whole table, however small the tables were when it was made (a plan made in a
-- session's first calls, while case_assignments was small, once read the whole table for every
-- case of every later run: 0.4 s a run after 20,000 cases, against 40 ms; planned at every call
-- instead, it cost 0.7 ms of planning a run, 7 % of a core at 1,000 cases/s):
--  * the run's window of the log is read by seq; its cases are then looked up by key one at a
--    time, in LATERAL subqueries that OFFSET 0 keeps apart (no join that could hash all of
--    cases); the locks are taken in id order, the order of the outer rows;
--  * the look-up that locks a case asks for its key alone and checks its status after: asked
--    for both, PostgreSQL may scan a partial index of the open cases instead of the key;
--  * sequential scans are off while it is planned, so each look-up is by its index, even where
--    a table was empty when the plan was made; routing_rules is read through its index;
--  * no Memoize node, whose cache is sized from the estimates, and no JIT, whose cost grows
--    with them.
-- A case of the run that is no longer 'submitted' is locked too (until commit) before it is
-- skipped, which is harmless. FOR NO KEY UPDATE leaves intake free to insert a case that names
-- one of them as its possible duplicate (a foreign key's KEY SHARE lock).
CREATE FUNCTION gc_route_plan(p_from_seq bigint, p_limit integer, p_now timestamptz)
RETURNS gc_route_step[]
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan SET enable_seqscan = off SET enable_memoize = off
SET jit = off AS
$$
DECLARE
    plan gc_route_step[];
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
    -- the cases still to route, locked in id order
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
    SELECT array_agg(ROW(c.seq, c.id, c.ref, c.area_code, c.level,
                         CASE WHEN c.status <> 'submitted' THEN 'skipped'
                              WHEN c.level <> 'grid' THEN 'triage_no_grid'
                              WHEN k.department IS NULL THEN 'triage_no_rule'
                              ELSE 'routed' END,
                         k.department, coalesce(k.is_lead, false), coalesce(k.ord, 1),
                         dl.at)::gc_route_step ORDER BY c.seq, k.ord)
    INTO plan
    FROM c
    LEFT JOIN LATERAL gc_best_rules(c.category, c.area_code, c.level) k
        ON c.status = 'submitted' AND c.level = 'grid'
    LEFT JOIN deadlines dl ON dl.category = c.category AND dl.level = c.level;
    RETURN plan;
END
$$;

-- Routes a run of new cases with a fixed number of statements, whatever its length (one
-- statement per case costs more to start than most of them cost to run): (1) the plan
-- (gc_route_plan), (2) the cases' status and deadline, (3) the assignments, (4) the delivery
-- counters and the deliveries, (5) the events. Returns one outcome per SUBMITTED event:
--   * a case no longer 'submitted' (resolved on the spot meanwhile, a grid task) is skipped;
--   * a case no grid holds (level above grid) goes to its street's triage queue (TRIAGED);
--   * otherwise the departments of its best rules (gc_best_rules) are assigned, each gets a
--     delivery under its department's next delivery seq and a ROUTED event; no rule: the
--     street's triage queue;
--   * the deadline for the case's level starts; the status changes before the events are
--     appended, so they carry it.
-- A new case has no assignment yet (only routing assigns a case still 'submitted'), and its
-- best rules name each department once with one lead, so every row is written once.
--
-- The event counter is taken last. Every writer of the log holds the counter row from the
-- moment it takes it until it commits, so when routing took it first, intake's submissions
-- waited for the whole of routing's work, not only for its events. Here the cases are locked
-- and written, the assignments and deliveries too, and only then is the counter taken: it is
-- held for the events and the commit. The other writers take the counter first and then their
-- cases, so one of them holding the counter could wait for a case this run has locked while the
-- run waits for the counter. The run therefore waits at most 200 ms for the counter
-- (lock_timeout): when the wait times out, or PostgreSQL finds a deadlock first, the caller
-- (gc_route_new_cases) rolls back its subtransaction, which releases the run's case locks, and
-- routes the run again counter first (p_counter_first). The caller of gc_route_new_cases need
-- not hold the counter; when it does, nothing waits.
CREATE FUNCTION gc_route_run(p_from_seq bigint, p_limit integer, p_counter_first boolean)
RETURNS gc_route_outcome[]
LANGUAGE plpgsql AS
$$
DECLARE
    v_now  timestamptz := gc_now(); -- once per call: every case of the run gets the same
    plan   gc_route_step[];
    v_wait text := current_setting('lock_timeout');
BEGIN
    IF p_counter_first THEN
        PERFORM gc_lock_event_stream();
    END IF;

    -- (1) the plan
    plan := gc_route_plan(p_from_seq, p_limit, v_now);
    IF plan IS NULL THEN
        RETURN '{}'::gc_route_outcome[];
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
    -- row (every imported one has it) gets no delivery
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

    -- (5) the counter, now (at most 200 ms of waiting when taken last), then the events in plan
    -- order
    IF NOT p_counter_first THEN
        PERFORM set_config('lock_timeout', '200ms', true);
    END IF;
    PERFORM gc_lock_event_stream();
    PERFORM set_config('lock_timeout', v_wait, true);
    PERFORM gc_append_events(
        array_agg(p.case_id ORDER BY p.seq, p.ord),
        array_agg(CASE p.outcome WHEN 'routed' THEN 'routed' ELSE 'triaged' END
                  ORDER BY p.seq, p.ord),
        array_agg(p.department ORDER BY p.seq, p.ord),
        array_agg('routing'::text ORDER BY p.seq, p.ord),
        array_agg(CASE p.outcome
                      WHEN 'triage_no_grid' THEN 'no grid holds the case''s location'
                      WHEN 'triage_no_rule' THEN 'no routing rule for this category and area'
                      ELSE '' END ORDER BY p.seq, p.ord))
    FROM unnest(plan) p WHERE p.outcome <> 'skipped';

    RETURN ARRAY(
        SELECT ROW(p.seq, p.ref, p.area_code, p.outcome,
                   (count(*) FILTER (WHERE p.outcome = 'routed'))::integer)::gc_route_outcome
        FROM unnest(plan) p GROUP BY p.seq, p.ref, p.area_code, p.outcome ORDER BY p.seq);
END
$$;

-- Routes a run of new cases from p_from_seq (at most p_limit events), counter last; counter
-- first when that would wait (see gc_route_run).
CREATE FUNCTION gc_route_new_cases(p_from_seq bigint, p_limit integer)
RETURNS SETOF gc_route_outcome
LANGUAGE plpgsql AS
$$
DECLARE
    outcomes gc_route_outcome[];
BEGIN
    BEGIN
        outcomes := gc_route_run(p_from_seq, p_limit, false);
    EXCEPTION WHEN lock_not_available OR deadlock_detected THEN
        -- the run's writes and case locks are undone: do it again, counter first
        outcomes := gc_route_run(p_from_seq, p_limit, true);
    END;
    RETURN QUERY SELECT * FROM unnest(outcomes);
END
$$;

-- Only routing routes. The functions run with the caller's privileges: routing's role is
-- granted every table they touch (60_access.sql).
REVOKE EXECUTE ON FUNCTION gc_route_new_cases(bigint, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION gc_route_new_cases(bigint, integer) TO gridcase_routing;
REVOKE EXECUTE ON FUNCTION gc_route_run(bigint, integer, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION gc_route_run(bigint, integer, boolean) TO gridcase_routing;
REVOKE EXECUTE ON FUNCTION gc_route_plan(bigint, integer, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION gc_route_plan(bigint, integer, timestamptz) TO gridcase_routing;
