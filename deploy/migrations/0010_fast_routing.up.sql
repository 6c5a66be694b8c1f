-- Routing new cases in batches (issue 9). Routing a new case from C took about six statements
-- (lock, clock, rules, assignment, delivery, event), each a ~0.2 ms round trip, so one
-- connection could not route more than ~800 cases/s however idle PostgreSQL was. This function
-- does the same work for a whole run of new cases in one statement.
--
-- gc_route_new_cases(p_from_seq, p_limit): p_from_seq is a SUBMITTED event that routing's
-- consumer has reached. Starting there, it reads the log in seq order (at most p_limit events)
-- and routes the case of every SUBMITTED event, in log order, exactly as route_new in
-- services/routing/case_router.c did one at a time:
--   * a case no longer 'submitted' (resolved on the spot meanwhile, a grid task) is left alone;
--   * a case no grid holds (level above grid) goes to its street's triage queue (TRIAGED);
--   * otherwise the best-matching rule's departments (longest area prefix, then a level-specific
--     rule over an any-level one) are assigned, each new one gets a delivery under its
--     department's next delivery seq and a ROUTED event; no rule: the street's triage queue;
--   * the deadline for the case's level starts (gc_deadline), the status changes before the
--     events are appended so they carry it.
-- gc_now() is read once per call (the C code's statements each read it: within one transaction
-- they differ only if the test clock moves meanwhile).
-- The events are written as gc_append_event writes them, but with the event counter read once
-- and written once per call (and one doorbell): gc_append_event updates the counter row, reads
-- the case and gc_now() for every event, which was a third of this function's time.
-- The run stops at the first event that is neither SUBMITTED nor one routing never acts on
-- (its own ROUTED and TRIAGED): that event (a reopen, an escalation, a withdrawal...) is applied
-- by the C code when the consumer reaches it, so every case still sees its events in log order
-- (a case submitted and resolved on the spot before routing caught up is not routed).
--
-- The caller holds the event stream lock (gc_lock_event_stream), so the log cannot grow or
-- change order under the function. The run may go past the end of the consumer's batch: those
-- cases are routed in this transaction and their SUBMITTED events, when the consumer reaches
-- them, find them no longer 'submitted' and do nothing (route_new was always idempotent in that
-- way), so a kill at any moment still neither loses nor repeats a routing.
--
-- Returns one row per SUBMITTED event of the run: its seq, the case's reference and area, what
-- happened (routed, triage_no_grid, triage_no_rule, skipped) and how many departments were
-- added; routing logs them and remembers the last seq.
CREATE FUNCTION gc_route_new_cases(p_from_seq bigint, p_limit integer)
RETURNS TABLE (event_seq bigint, case_ref text, case_area text, outcome text,
               departments_added integer)
LANGUAGE plpgsql AS
$$
DECLARE
    ev       record;
    c        record;
    r        record;
    fresh    boolean;
    dseq     bigint;
    -- gc_deadline(category, level) is gc_deadline_from(category, level, gc_now()): with "now"
    -- taken once per statement, the deadline of a (category, level) is the same for every case
    -- of the run, and working-hours deadlines walk the calendar; compute each one once
    v_now     timestamptz := gc_now();
    deadlines jsonb := '{}';
    deadline  timestamptz;
    v_seq     bigint;  -- the event counter: read here, written back at the end
    v_first   bigint;
    -- each department's delivery counter, the same way: read (locked) at its first delivery of
    -- the call, written back once at the end. (Updating one row again and again in a transaction
    -- makes every update walk the row's versions made before it.)
    dseqs     jsonb := '{}';
BEGIN
    -- the caller holds this lock already (gc_lock_event_stream); no other event is appended in
    -- this transaction while the function runs
    SELECT s.last_seq INTO v_seq FROM event_streams s WHERE s.stream = 'case' FOR UPDATE;
    v_first := v_seq;
    FOR ev IN SELECT e.seq, e.case_id, e.kind FROM case_events e
              WHERE e.seq >= p_from_seq ORDER BY e.seq LIMIT p_limit LOOP
        EXIT WHEN ev.kind NOT IN ('submitted', 'routed', 'triaged');
        CONTINUE WHEN ev.kind <> 'submitted';

        SELECT x.id, x.ref, x.area_code, x.category, x.status, x.level INTO c
            FROM cases x WHERE x.id = ev.case_id FOR UPDATE;
        event_seq := ev.seq;
        case_ref := c.ref;
        case_area := c.area_code;
        departments_added := 0;
        deadline := deadlines ->> (c.category || '/' || c.level);
        IF deadline IS NULL THEN
            deadline := gc_deadline_from(c.category, c.level, v_now);
            deadlines := deadlines || jsonb_build_object(c.category || '/' || c.level, deadline);
        END IF;

        IF c.status <> 'submitted' THEN
            outcome := 'skipped'; -- handled meanwhile (resolved on the spot), or a grid task
        ELSIF c.level <> 'grid' THEN -- no grid holds it: the street triages it
            UPDATE cases SET status = 'triage', updated_at = v_now, deadline_at = deadline
                WHERE id = c.id;
            v_seq := v_seq + 1;
            INSERT INTO case_events (seq, case_id, kind, at, level, status, department, actor, note)
                VALUES (v_seq, c.id, 'triaged', v_now, c.level, 'triage', '', 'routing',
                        'no grid holds the case''s location');
            outcome := 'triage_no_grid';
        ELSE
            -- the status first, so the ROUTED events carry it
            UPDATE cases SET status = 'routed', updated_at = v_now, deadline_at = deadline
                WHERE id = c.id;
            FOR r IN
                WITH candidates AS (
                    SELECT rr.department, rr.is_lead, rr.area_code, rr.level FROM routing_rules rr
                    WHERE rr.category = c.category
                      AND left(c.area_code, length(rr.area_code)) = rr.area_code
                      AND (rr.level IS NULL OR rr.level = c.level)),
                best AS (SELECT b.area_code, b.level FROM candidates b
                         ORDER BY length(b.area_code) DESC, (b.level IS NOT NULL) DESC LIMIT 1)
                SELECT k.department, k.is_lead FROM candidates k JOIN best b
                    ON k.area_code = b.area_code AND k.level IS NOT DISTINCT FROM b.level
                ORDER BY k.is_lead DESC, k.department
            LOOP
                -- the rule's lead becomes the only lead (as assign_by_rules in C)
                IF r.is_lead THEN
                    UPDATE case_assignments SET is_lead = false
                    WHERE case_id = c.id AND department <> r.department AND is_lead;
                END IF;
                INSERT INTO case_assignments AS a (case_id, department, is_lead)
                    VALUES (c.id, r.department, r.is_lead)
                    ON CONFLICT (case_id, department) DO UPDATE
                    SET is_lead = EXCLUDED.is_lead, active = true
                    RETURNING (a.xmax = 0) INTO fresh;
                IF fresh THEN
                    dseq := dseqs ->> r.department;
                    IF dseq IS NULL THEN
                        SELECT s.last_seq INTO dseq FROM department_delivery_state s
                            WHERE s.department = r.department FOR UPDATE;
                    END IF;
                    IF dseq IS NOT NULL THEN -- (every imported department has its state row)
                        dseq := dseq + 1;
                        dseqs := dseqs || jsonb_build_object(r.department, dseq);
                        INSERT INTO deliveries (department, seq, case_id, reason, is_lead, note,
                                                created_at)
                            VALUES (r.department, dseq, c.id, 'new', r.is_lead, '', v_now);
                    END IF;
                    v_seq := v_seq + 1;
                    INSERT INTO case_events (seq, case_id, kind, at, level, status, department,
                                             actor, note)
                        VALUES (v_seq, c.id, 'routed', v_now, c.level, 'routed', r.department,
                                'routing', '');
                    departments_added := departments_added + 1;
                END IF;
            END LOOP;
            IF departments_added > 0 THEN
                outcome := 'routed';
            ELSE -- no rule for this category and area: the street's triage queue
                UPDATE cases SET status = 'triage', updated_at = v_now, deadline_at = deadline
                    WHERE id = c.id;
                v_seq := v_seq + 1;
                INSERT INTO case_events (seq, case_id, kind, at, level, status, department,
                                         actor, note)
                    VALUES (v_seq, c.id, 'triaged', v_now, c.level, 'triage', '', 'routing',
                            'no routing rule for this category and area');
                outcome := 'triage_no_rule';
            END IF;
        END IF;
        RETURN NEXT;
    END LOOP;
    UPDATE department_delivery_state s SET last_seq = (dseqs ->> s.department)::bigint
        WHERE dseqs ? s.department;
    IF v_seq > v_first THEN
        UPDATE event_streams SET last_seq = v_seq WHERE stream = 'case';
        PERFORM pg_notify('gc_case_events', ''); -- the event publisher's doorbell, on commit
    END IF;
END
$$;

-- Only routing routes (it runs as gridcase_routing since 0006; the function runs with the
-- caller's privileges, which 0006 already grants routing for every table it touches).
REVOKE EXECUTE ON FUNCTION gc_route_new_cases(bigint, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION gc_route_new_cases(bigint, integer) TO gridcase_routing;
