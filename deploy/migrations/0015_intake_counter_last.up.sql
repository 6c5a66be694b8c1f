-- Intake takes the event counter last (issue 9). Every writer of the case log holds the counter
-- row from the moment it takes it until it commits; that keeps seq gapless and in commit order.
-- gc-intake took it first, before its batch call, so the counter was held for the whole call
-- (about 0.15 ms a case) and every other writer (routing, escalation) waited that long as well,
-- and intake waited for theirs. gc_submit_cases now decides, numbers and inserts the new cases
-- first and takes the counter just before their events: it is held for the events and the
-- commit. The body is 0011's with that one statement moved.
--
-- Why this cannot deadlock with the writers that take the counter first and then their cases:
-- before it takes the counter, the call holds only rows nobody else can see yet (its new cases,
-- their keys) and the foreign keys' KEY SHARE locks on what the new cases name (category, area,
-- the possible duplicate). Writers lock cases FOR NO KEY UPDATE (gc_case_lock, the escalation
-- sweep, routing since 0013), which does not conflict with KEY SHARE. (Routing's per-case
-- fallback of 0010 still locks FOR UPDATE; should it ever meet such a lock, PostgreSQL's deadlock
-- check ends one of the two transactions, and each retries: intake by storing the batch one
-- submission at a time, routing at its next turn.)
--
-- gc-intake (services/intake/intake_batch.c) no longer takes the counter before the call; it
-- takes it before anything else it stores in the same transaction (commands, diary entries, a
-- batch that failed and is stored one at a time), which lock cases the old way round.

CREATE OR REPLACE FUNCTION gc_submit_cases(p_keys text[], p_categories text[], p_areas text[],
                                p_levels text[], p_statuses text[], p_descriptions text[],
                                p_lons double precision[], p_lats double precision[],
                                p_addresses text[], p_sources text[], p_reporter_names text[],
                                p_reporter_phones text[])
RETURNS TABLE (ord integer, case_id bigint, case_ref text, case_area text, duplicate_ref text,
               already_known boolean, unknown_category boolean)
LANGUAGE plpgsql AS
$$
DECLARE
    v_now    timestamptz := gc_now();  -- once: each call of gc_now() is a query
    v_n      integer := coalesce(array_length(p_keys, 1), 0);
    v_first  bigint;     -- the event counter as found
    v_events bigint;     -- events appended
    v_case   bigint[];   -- per element: the case it names; NULL for an unknown category
    v_made   boolean[];  -- per element: its case is made by this call
    v_maker  integer[];  -- per element: the first element with its key and a known category
BEGIN
    -- (1) the case the table holds for each key, and the first element of each key that has a
    -- known category: the one that makes the case when the table holds none
    SELECT array_agg(e.stored ORDER BY e.pos), array_agg(e.maker ORDER BY e.pos)
    INTO v_case, v_maker
    FROM (SELECT i.pos, c.id AS stored,
                 min(i.pos) FILTER (WHERE cat.code IS NOT NULL) OVER (PARTITION BY i.key) AS maker
          FROM unnest(p_keys, p_categories) WITH ORDINALITY AS i (key, category, pos)
          LEFT JOIN cases c ON c.idempotency_key = i.key
          LEFT JOIN categories cat ON cat.code = i.category) e;

    -- (2) ids for the new cases, in element order; a later element with the same key names the
    -- case made for the first (already known); the rest have an unknown category
    v_made := array_fill(false, ARRAY[v_n]);
    FOR j IN 1 .. v_n LOOP
        IF v_case[j] IS NULL AND v_maker[j] = j THEN
            v_case[j] := nextval('cases_id_seq');
            v_made[j] := true;
        ELSIF v_case[j] IS NULL AND v_maker[j] < j THEN
            v_case[j] := v_case[v_maker[j]];
        END IF;
    END LOOP;

    -- (3) the new cases. The possible duplicate, as in SQL_INSERT_CASE: the oldest open case of
    -- the category reported in the last 7 days in the same area (no point given; index
    -- cases_open_by_area) or within 50 m (cases_open_by_latitude). The statement does not see
    -- its own rows, so the table's candidate (t) and the first earlier element of this call that
    -- matches (b) are found apart; the table's is the older one unless it was reported after
    -- this transaction began (b's created_at is v_now; on a tie the table's id is lower).
    WITH fresh AS (
        SELECT i.*, min(i.pos) OVER (PARTITION BY i.category, i.area) AS first_in_area
        FROM unnest(v_case, v_made, p_keys, p_categories, p_areas, p_levels, p_statuses,
                    p_descriptions, p_lons, p_lats, p_addresses, p_sources, p_reporter_names,
                    p_reporter_phones)
             WITH ORDINALITY AS i (id, made, key, category, area, level, status, description,
                                   lon, lat, address, source, reporter_name, reporter_phone, pos)
        WHERE i.made
    )
    INSERT INTO cases (id, idempotency_key, category, area_code, level, status, description, lon,
                       lat, address, source, reporter_name, reporter_phone, created_at,
                       updated_at, deadline_at, duplicate_of)
    SELECT n.id, n.key, n.category, n.area, n.level, n.status, n.description, n.lon, n.lat,
           n.address, n.source, n.reporter_name, n.reporter_phone, v_now, v_now,
           CASE WHEN n.status = 'grid_task' THEN gc_deadline(n.category, n.level) END,
           CASE WHEN t.id IS NOT NULL AND (b.id IS NULL OR t.created_at <= v_now) THEN t.id
                ELSE b.id END
    FROM fresh n
    LEFT JOIN LATERAL (
        (SELECT d.id, d.created_at FROM cases d
         WHERE n.lon IS NULL AND d.category = n.category AND d.status <> 'closed'
           AND d.created_at > v_now - interval '7 days' AND d.area_code = n.area
         ORDER BY d.created_at, d.id LIMIT 1)
        UNION ALL
        (SELECT d.id, d.created_at FROM cases d
         WHERE n.lon IS NOT NULL AND d.category = n.category AND d.status <> 'closed'
           AND d.created_at > v_now - interval '7 days'
           AND d.lat BETWEEN n.lat - 0.0005 AND n.lat + 0.0005
           AND gc_distance_m(d.lon, d.lat, n.lon, n.lat) <= 50
         ORDER BY d.created_at, d.id LIMIT 1)) t ON true
    LEFT JOIN LATERAL (
        (SELECT v_case[n.first_in_area] AS id WHERE n.lon IS NULL AND n.first_in_area < n.pos)
        UNION ALL
        (SELECT e.id FROM fresh e
         WHERE n.lon IS NOT NULL AND e.pos < n.pos AND e.category = n.category
           AND e.lat BETWEEN n.lat - 0.0005 AND n.lat + 0.0005
           AND gc_distance_m(e.lon, e.lat, n.lon, n.lat) <= 50
         ORDER BY e.pos LIMIT 1)) b ON true;

    -- (4) the event counter, only now (see the top of this file), then their events, one seq
    -- each in element order, and the counter written once
    SELECT s.last_seq INTO v_first FROM event_streams s WHERE s.stream = 'case' FOR UPDATE;
    INSERT INTO case_events (seq, case_id, kind, at, level, status, department, actor, note)
    SELECT v_first + row_number() OVER (ORDER BY e.pos), c.id, 'submitted', v_now, c.level,
           c.status, '', c.source,
           CASE WHEN c.duplicate_of IS NOT NULL THEN 'possible duplicate' ELSE '' END
    FROM unnest(v_case, v_made) WITH ORDINALITY AS e (id, made, pos) JOIN cases c ON c.id = e.id
    WHERE e.made;
    GET DIAGNOSTICS v_events = ROW_COUNT;
    IF v_events > 0 THEN
        UPDATE event_streams SET last_seq = v_first + v_events WHERE stream = 'case';
        PERFORM pg_notify('gc_case_events', '');
    END IF;

    RETURN QUERY
    SELECT e.pos::integer, e.id, c.ref, c.area_code, d.ref, e.id IS NOT NULL AND NOT e.made,
           e.id IS NULL
    FROM unnest(v_case, v_made) WITH ORDINALITY AS e (id, made, pos)
    LEFT JOIN cases c ON c.id = e.id LEFT JOIN cases d ON d.id = c.duplicate_of
    ORDER BY e.pos;
END
$$;
