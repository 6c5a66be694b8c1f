-- Escalation: a case moves up the tree when a leader asks (gc_escalate_case) or when its
-- deadline passes (gc_escalate_overdue, the sweep); at the district an overdue case is flagged
-- for supervision (督办) once instead. Which cases the sweep watches is gc_awaits_deadline
-- (migrations/0001_baseline/20_cases_and_events.sql, beside the index cases_due that shares it).

-- The level above: grid -> community -> street -> district; NULL above the district.
CREATE FUNCTION gc_next_level(p_level text) RETURNS text
LANGUAGE sql IMMUTABLE AS
$$ SELECT CASE p_level WHEN 'grid' THEN 'community' WHEN 'community' THEN 'street'
                       WHEN 'street' THEN 'district' END $$;

-- A case that moves up a level: its waiting extension request lapses, and the new level's
-- leader decides afresh.
CREATE FUNCTION gc_lapse_extension_requests(p_cases bigint[]) RETURNS void
LANGUAGE plpgsql AS
$$
BEGIN
    UPDATE extension_requests SET decided_at = gc_now(), granted = false,
                                  decided_by = 'lapsed: the case moved up a level'
    WHERE case_id = ANY (p_cases) AND decided_at IS NULL;
END
$$;

-- Raises a case one level on request (the caller has locked it and checked that its clock
-- runs): the new level's deadline counts from now, an ESCALATED event says why
-- ("REASON: grid -> community"), its waiting extension request lapses. Returns the new level,
-- or NULL (and changes nothing) for a case at the district.
CREATE FUNCTION gc_escalate_case(p_case bigint, p_actor text, p_reason text) RETURNS text
LANGUAGE plpgsql AS
$$
DECLARE
    v_from text;
    v_to   text;
BEGIN
    SELECT c.level, gc_next_level(c.level) INTO v_from, v_to FROM cases c WHERE c.id = p_case;
    IF v_to IS NULL THEN
        RETURN NULL;
    END IF;
    UPDATE cases SET level = v_to, updated_at = gc_now(), deadline_at = gc_deadline(category, v_to)
    WHERE id = p_case;
    PERFORM gc_append_event(p_case, 'escalated', NULL, p_actor,
                            p_reason || ': ' || v_from || ' -> ' || v_to);
    PERFORM gc_lapse_extension_requests(ARRAY[p_case]);
    RETURN v_to;
END
$$;

-- One batch of the sweep: up to p_limit overdue cases, earliest deadline first, each raised one
-- level (its next deadline counting from the one it missed, so a sweep catching up after an
-- outage moves a case one level per deadline missed, as if it had never stopped) or, at the
-- district, flagged for supervision; their events appended in id order; the waiting extension
-- requests of those that moved lapse. Cases another transaction holds are skipped (SKIP LOCKED)
-- and found by a later batch. The caller holds the event counter (gc_lock_event_stream) before
-- it calls: the sweep locks cases, and the writers' lock order is counter first. Returns each
-- case's ref, whether it was flagged, and its level now, in id order.
-- A set-based batch, because per-case round trips made a backlog of 100,000 due cases take
-- minutes (about 600 cases/s measured).
CREATE FUNCTION gc_escalate_overdue(p_limit integer)
RETURNS TABLE (case_ref text, supervised boolean, level text)
LANGUAGE plpgsql AS
$$
DECLARE
    v_now   timestamptz := gc_now();
    v_ids    bigint[];
    v_refs   text[];
    v_flags  boolean[];
    v_levels text[];
    v_kinds  text[];
    v_notes  text[];
    v_moved  bigint[];  -- raised a level (not flagged)
BEGIN
    WITH due AS (
        SELECT c.id, c.level AS from_level FROM cases c
        WHERE gc_awaits_deadline(c.status, c.supervised_at) AND c.deadline_at <= v_now
        ORDER BY c.deadline_at LIMIT p_limit FOR NO KEY UPDATE SKIP LOCKED),
    moved AS (
        UPDATE cases c SET level = coalesce(gc_next_level(c.level), c.level), updated_at = v_now,
            deadline_at = CASE WHEN c.level = 'district' THEN c.deadline_at
                ELSE gc_deadline_from(c.category, gc_next_level(c.level), c.deadline_at) END,
            supervised_at = CASE WHEN c.level = 'district' THEN v_now END
        FROM due WHERE c.id = due.id
        RETURNING c.id, c.ref, due.from_level, c.level, c.supervised_at IS NOT NULL AS flagged)
    SELECT array_agg(m.id ORDER BY m.id), array_agg(m.ref ORDER BY m.id),
           array_agg(m.flagged ORDER BY m.id), array_agg(m.level ORDER BY m.id),
           array_agg(CASE WHEN m.flagged THEN 'supervised' ELSE 'escalated' END ORDER BY m.id),
           array_agg(CASE WHEN m.flagged THEN 'overdue at the district: flagged for supervision'
                          ELSE 'overdue: ' || m.from_level || ' -> ' || m.level END ORDER BY m.id),
           array_agg(m.id ORDER BY m.id) FILTER (WHERE NOT m.flagged)
    INTO v_ids, v_refs, v_flags, v_levels, v_kinds, v_notes, v_moved
    FROM moved m;
    IF v_ids IS NULL THEN
        RETURN;
    END IF;
    PERFORM gc_append_events(v_ids, v_kinds, NULL, array_fill('escalation'::text,
                                                               ARRAY[cardinality(v_ids)]),
                             v_notes);
    PERFORM gc_lapse_extension_requests(v_moved);
    RETURN QUERY SELECT * FROM unnest(v_refs, v_flags, v_levels);
END
$$;

-- Whether the sweep has anything to do: asked before it takes the event counter, so an idle
-- tick takes no lock (and, through cases_due, reads no row).
CREATE FUNCTION gc_overdue_waiting() RETURNS boolean
LANGUAGE plpgsql STABLE AS
$$
BEGIN
    RETURN EXISTS (SELECT 1 FROM cases c
                   WHERE gc_awaits_deadline(c.status, c.supervised_at)
                     AND c.deadline_at <= gc_now());
END
$$;
