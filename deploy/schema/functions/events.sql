-- The case event log's writers and readers. seq is gapless and in commit order: it comes from
-- the counter row event_streams('case'), whose row lock a writer holds until it commits.

CREATE FUNCTION gc_forbid_change() RETURNS trigger LANGUAGE plpgsql AS
$$ BEGIN RAISE EXCEPTION 'case_events is append-only'; END $$;
CREATE TRIGGER case_events_append_only BEFORE UPDATE OR DELETE ON case_events
    FOR EACH ROW EXECUTE FUNCTION gc_forbid_change();

-- Appends events, one per element of the arrays (element i of each belongs to event i), in
-- array order under the next seqs of the counter, and returns the seq of the last one (the
-- counter as it stands when the arrays are empty). Every writer of the log comes here: intake's
-- submissions (gc_submit_cases), routing (gc_route_run), escalation (gc_escalate_case,
-- gc_escalate_overdue) and the C code's one-event changes (gc_append_event). An event carries
-- the case's level and status as they are when it is appended: change the case first. A NULL
-- department, actor or note is ''. A case that does not exist is an error, so seq never skips.
--
-- The counter row is locked here until commit; that keeps seq gapless and in commit order.
-- Lock order, to keep writers free of deadlocks: a writer takes the counter before any case row
-- (gc_lock_event_stream), or, when it locks its cases first to hold the counter for less time
-- (intake's batch, routing), it copes with the other order itself. The counter is advanced once
-- per call, by one statement that also locks it, with one doorbell for intake's event publisher (NOTIFY, delivered on
-- commit, duplicates folded): updating the row once per event added a row version per event,
-- which every later update in the transaction walked.
CREATE FUNCTION gc_append_events(p_cases bigint[], p_kinds text[], p_departments text[],
                                 p_actors text[], p_notes text[])
RETURNS bigint LANGUAGE plpgsql AS
$$
DECLARE
    v_now   timestamptz := gc_now();
    v_last  bigint;  -- the counter as found
    v_added bigint;
    v_want  integer := coalesce(cardinality(p_cases), 0);
    -- who acted: the person and application gc_command_permitted marked (functions/rights.sql)
    v_person text := nullif(current_setting('gridcase.person', true), '');
    v_app    text := nullif(current_setting('gridcase.application', true), '');
BEGIN
    IF v_want = 0 THEN
        SELECT s.last_seq INTO v_last FROM event_streams s WHERE s.stream = 'case' FOR UPDATE;
        RETURN v_last;
    END IF;
    -- the events' seqs taken at once; an error below undoes this with the rest
    UPDATE event_streams s SET last_seq = s.last_seq + v_want WHERE s.stream = 'case'
        RETURNING s.last_seq - v_want INTO v_last;
    INSERT INTO case_events (seq, case_id, kind, at, level, status, department, actor, note,
                             person_code, application)
    SELECT v_last + e.n, c.id, e.kind, v_now, c.level, c.status, coalesce(e.department, ''),
           coalesce(e.actor, ''), coalesce(e.note, ''), v_person, v_app
    FROM unnest(p_cases, p_kinds, p_departments, p_actors, p_notes)
         WITH ORDINALITY AS e (case_id, kind, department, actor, note, n)
    JOIN cases c ON c.id = e.case_id;
    GET DIAGNOSTICS v_added = ROW_COUNT;
    IF v_added <> v_want THEN
        RAISE EXCEPTION 'gc_append_events: % events asked for, % of them for cases that exist',
            v_want, v_added
            USING ERRCODE = 'foreign_key_violation',
                  HINT = 'every element of p_cases must be the id of a case';
    END IF;
    PERFORM pg_notify('gc_case_events', '');
    RETURN v_last + v_added;
END
$$;

-- Appends one event for a case (gc_append_events with one element). Returns its seq.
CREATE FUNCTION gc_append_event(p_case bigint, p_kind text, p_department text, p_actor text,
                                p_note text) RETURNS bigint LANGUAGE plpgsql AS
$$
BEGIN
    RETURN gc_append_events(ARRAY[p_case], ARRAY[p_kind], ARRAY[p_department], ARRAY[p_actor],
                            ARRAY[p_note]);
END
$$;

-- Takes the counter row first, for a writer that will then lock case rows (the lock order
-- above); held until commit.
CREATE FUNCTION gc_lock_event_stream() RETURNS void LANGUAGE plpgsql AS
$$ BEGIN PERFORM 1 FROM event_streams WHERE stream = 'case' FOR UPDATE; END $$;

-- The leader who must act on an event: the area at the event's level among the prefixes of the
-- case's area code. A function, planned once per session: as a subquery of the log read it
-- more than doubled that statement's planning (0.42-0.59 ms against 0.24 ms).
CREATE FUNCTION gc_leader_area(p_area text, p_level text) RETURNS text
LANGUAGE plpgsql STABLE AS
$$
BEGIN
    RETURN (SELECT a.code FROM areas a
            WHERE a.level = p_level
              AND a.code = ANY (gc_area_prefixes(p_area)));
END
$$;

-- The category an event of a case happened under, when a correction of the case's category
-- came after it: the old category of the first such correction (a 'recategorized' event, note
-- "old -> new"); no row when none did (the event happened under the case's own category). Read
-- from the log alone, so every reader sees an event under the same category whenever it reads
-- it: gc-stats' fold from scratch gives the figures per category of its live fold. A set-
-- returning SQL function, so that PostgreSQL inlines it into the query calling it (LEFT JOIN
-- LATERAL): one probe of the tiny index case_events_recategorized per event. As a scalar
-- function (a subquery inside: never inlined) it cost the event log read 40% of its speed.
CREATE FUNCTION gc_event_category_before(p_case_id bigint, p_seq bigint)
RETURNS TABLE (category text) LANGUAGE sql STABLE AS
$$ SELECT split_part(r.note, ' -> ', 1) FROM case_events r
   WHERE r.case_id = p_case_id AND r.kind = 'recategorized' AND r.seq > p_seq
   ORDER BY r.seq LIMIT 1 $$;

-- The event log read, a batch at a time (intake's event publisher and the three consumers,
-- common/gc_event.c): the batch of events by seq, then each event's case by its key, in a
-- LATERAL subquery that OFFSET 0 keeps apart, so that whatever PostgreSQL estimates the only
-- plan is a loop over the batch with one index look-up per event. Planned once per session
-- (force_generic_plan); made without the LIMIT's value, the plan is estimated at a tenth of the
-- log, so JIT (5-20 ms a call) and Memoize (a cache sized for that many cases) are off.
-- A reader that applies only some kinds (escalation: the escalation requests) names them in
-- p_kinds and bounds the window with p_upto, the log's end read before (gc_event_last_seq, common/gc_event.c): the
-- events of other kinds are passed over in the index range without their case's look-up, and
-- the reader moves its cursor to p_upto when fewer than p_limit rows came back. Reading all of
-- the log in full cost escalation a twelfth of a core at 5,000 cases/s for events it skips.
CREATE FUNCTION gc_event_rows(p_after bigint, p_limit integer, p_upto bigint DEFAULT NULL,
                              p_kinds text[] DEFAULT NULL)
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
           c.area_code, coalesce(rc.category, c.category), e.level, e.status, e.department, e.actor, e.note, c.source,
           -- the leader who must act: only for the events a leader acts on
           CASE WHEN e.kind IN ('escalated', 'supervised', 'extension_requested')
                THEN gc_leader_area(c.area_code, e.level) END,
           (extract(epoch FROM c.created_at) * 1000)::bigint,
           to_char(c.created_at AT TIME ZONE (SELECT s.time_zone FROM district_settings s),
                   'YYYY-MM-DD')
    FROM (SELECT x.seq, x.case_id, x.kind, x.at, x.level, x.status, x.department, x.actor,
                 x.note
          FROM case_events x
          WHERE x.seq > p_after AND (p_upto IS NULL OR x.seq <= p_upto)
            AND (p_kinds IS NULL OR x.kind = ANY (p_kinds))
          ORDER BY x.seq LIMIT p_limit) e
    CROSS JOIN LATERAL (SELECT y.ref, y.area_code, y.category, y.source, y.created_at
                        FROM cases y WHERE y.id = e.case_id OFFSET 0) c
    LEFT JOIN LATERAL gc_event_category_before(e.case_id, e.seq) rc ON true
    ORDER BY e.seq;
END
$$;

