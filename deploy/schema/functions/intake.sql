-- Intake: storing submissions as cases, with their SUBMITTED events.

-- Great-circle distance in metres (haversine, mean Earth radius).
CREATE FUNCTION gc_distance_m(lon1 double precision, lat1 double precision,
                              lon2 double precision, lat2 double precision)
RETURNS double precision LANGUAGE sql IMMUTABLE STRICT AS
$$ SELECT 2 * 6371008.8 * asin(sqrt(
       power(sin(radians(lat2 - lat1) / 2), 2)
       + cos(radians(lat1)) * cos(radians(lat2)) * power(sin(radians(lon2 - lon1) / 2), 2))) $$;

-- THE POSSIBLE-DUPLICATE RULE: the oldest open case of the category reported in the 7 days
-- before p_now in the same area (a report without a point: p_lon NULL) or within 50 m of the
-- point (a report with one). The case is stored all the same, linked to it (duplicate_of).
-- Both intake paths use it: gc_submit_cases (a batch) and common/gc_case.c's one-at-a-time
-- insert. Two look-ups, each shaped for its index (cases_open_by_area: an ordered range scan
-- that stops at the first row; cases_open_by_latitude: the open cases of the category in a band
-- of +-0.0005 degrees of latitude), and the one that does not apply is skipped by its
-- p_lon test before it reads anything. A LANGUAGE sql function without SET clauses, so
-- PostgreSQL inlines it into the statement that calls it, also into a generic plan.
CREATE FUNCTION gc_possible_duplicate(p_category text, p_area text, p_lon double precision,
                                      p_lat double precision, p_now timestamptz)
RETURNS TABLE (id bigint, created_at timestamptz)
LANGUAGE sql STABLE AS
$$
    (SELECT d.id, d.created_at FROM cases d
     WHERE p_lon IS NULL AND d.category = p_category AND d.status <> 'closed'
       AND d.created_at > p_now - interval '7 days' AND d.area_code = p_area
     ORDER BY d.created_at, d.id LIMIT 1)
    UNION ALL
    (SELECT d.id, d.created_at FROM cases d
     WHERE p_lon IS NOT NULL AND d.category = p_category AND d.status <> 'closed'
       AND d.created_at > p_now - interval '7 days'
       AND d.lat BETWEEN p_lat - 0.0005 AND p_lat + 0.0005
       AND gc_distance_m(d.lon, d.lat, p_lon, p_lat) <= 50
     ORDER BY d.created_at, d.id LIMIT 1)
$$;

-- A batch of submissions in one round trip: gc-intake (services/intake/intake_batch.c) hands
-- over every submission of its batch that is not made from a diary entry, one array element
-- each, in request order, already checked and placed (area and level) by intake. The outcome for
-- each is what storing them one at a time in that order gives (common/gc_case.c: its INSERT
-- with ON CONFLICT (idempotency_key) DO NOTHING, then gc_append_event):
--   * a key the table holds, or that an earlier element of this call used to make a case: no
--     new case, the one it made (already_known); but when both that case and the element have a
--     request digest (p_digests: hex SHA-256 of the request without its key, NULL when not
--     given) and they differ, the element reuses the key for another request (key_conflict);
--   * otherwise an unknown category: nothing (unknown_category);
--   * otherwise a new case: a department's grid task gets its grid deadline; its possible
--     duplicate is the oldest matching open case, which may be one made earlier in this call;
--     its SUBMITTED event has actor = the source and note 'possible duplicate' when it has one.
-- It works on the whole set at once rather than element by element: one INSERT statement per
-- case costs ~0.3 ms inside PL/pgSQL (mostly starting the statement and its foreign key checks),
-- one INSERT of 256 rows ~0.09 ms a row. So: (1) decide which elements make a case; (2) give
-- those ids from cases_id_seq in element order, so that ids, refs and the events follow the
-- requests; (3) insert them with their duplicates in one statement; (4) append their events.
--
-- The event counter is taken last, by gc_append_events in (4): it is held for the events and
-- the commit only, not for the whole call, so the other writers (routing, escalation) wait that
-- much less. This cannot deadlock with the writers that take the counter first and then their
-- cases: before (4) the call holds only rows nobody else can see yet (its new cases, their keys)
-- and the foreign keys' KEY SHARE locks on what the new cases name (category, area, the possible
-- duplicate), and writers lock cases FOR NO KEY UPDATE, which does not conflict with KEY SHARE.
--
-- Returns one row per element, in order: ord (its 1-based position), the case (NULL for an
-- unknown category), its ref and area, its possible duplicate's ref (or NULL), already_known,
-- unknown_category and key_conflict (already_known, but the key's case was made by another
-- request: the caller refuses the element). Any error aborts the whole call (also a key that a
-- concurrent transaction stored meanwhile: a unique violation, where one at a time would have
-- found it); gc-intake then rolls back to its savepoint and stores the same submissions one at
-- a time, so one bad request cannot sink the others.
--
-- Plans kept for the session (force_generic_plan): a plan for an array given as a value expects
-- the array's own length, so it always looked cheaper than the generic plan (which expects ten
-- elements) and every call planned its statements again (2.6 s of every 20 s at 1,000 cases/s);
-- each statement is a look-up by key whatever the length.
CREATE FUNCTION gc_submit_cases(p_keys text[], p_categories text[], p_areas text[],
                                p_levels text[], p_statuses text[], p_descriptions text[],
                                p_lons double precision[], p_lats double precision[],
                                p_addresses text[], p_sources text[], p_reporter_names text[],
                                p_reporter_phones text[], p_digests text[] DEFAULT NULL)
RETURNS TABLE (ord integer, case_id bigint, case_ref text, case_area text, duplicate_ref text,
               already_known boolean, unknown_category boolean, key_conflict boolean)
LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS
$$
DECLARE
    v_now    timestamptz := gc_now();  -- once: each call of gc_now() is a query
    v_n      integer := coalesce(array_length(p_keys, 1), 0);
    v_case   bigint[];   -- per element: the case it names; NULL for an unknown category
    v_made   boolean[];  -- per element: its case is made by this call
    v_maker  bigint[];   -- per element: the first element with its key and a known category
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

    -- (3) the new cases, each with its possible duplicate (gc_possible_duplicate). The
    -- statement does not see its own rows, so the table's candidate (t) and the first earlier
    -- element of this call that matches by the same rule (b: the same area without a point,
    -- within 50 m with one) are found apart; the table's is the older
    -- one unless it was reported after this transaction began (b's created_at is v_now; on a
    -- tie the table's id is lower).
    WITH fresh AS (
        SELECT i.*, min(i.pos) OVER (PARTITION BY i.category, i.area) AS first_in_area
        FROM unnest(v_case, v_made, p_keys, p_categories, p_areas, p_levels, p_statuses,
                    p_descriptions, p_lons, p_lats, p_addresses, p_sources, p_reporter_names,
                    p_reporter_phones, p_digests)
             WITH ORDINALITY AS i (id, made, key, category, area, level, status, description,
                                   lon, lat, address, source, reporter_name, reporter_phone,
                                   digest, pos)
        WHERE i.made
    )
    INSERT INTO cases (id, idempotency_key, category, area_code, level, status, description, lon,
                       lat, address, source, reporter_name, reporter_phone, created_at,
                       updated_at, deadline_at, duplicate_of, request_digest)
    SELECT n.id, n.key, n.category, n.area, n.level, n.status, n.description, n.lon, n.lat,
           n.address, n.source, n.reporter_name, n.reporter_phone, v_now, v_now,
           CASE WHEN n.status = 'grid_task' THEN gc_deadline(n.category, n.level) END,
           CASE WHEN t.id IS NOT NULL AND (b.id IS NULL OR t.created_at <= v_now) THEN t.id
                ELSE b.id END,
           decode(n.digest, 'hex')
    FROM fresh n
    LEFT JOIN LATERAL gc_possible_duplicate(n.category, n.area, n.lon, n.lat, v_now) t ON true
    LEFT JOIN LATERAL (
        (SELECT v_case[n.first_in_area] AS id WHERE n.lon IS NULL AND n.first_in_area < n.pos)
        UNION ALL
        (SELECT e.id FROM fresh e
         WHERE n.lon IS NOT NULL AND e.pos < n.pos AND e.category = n.category
           AND e.lat BETWEEN n.lat - 0.0005 AND n.lat + 0.0005
           AND gc_distance_m(e.lon, e.lat, n.lon, n.lat) <= 50
         ORDER BY e.pos LIMIT 1)) b ON true;

    -- (4) their events, one each in element order (the event counter is taken only now)
    PERFORM gc_append_events(array_agg(c.id ORDER BY e.pos),
                             array_agg('submitted'::text ORDER BY e.pos), NULL,
                             array_agg(c.source ORDER BY e.pos),
                             array_agg(CASE WHEN c.duplicate_of IS NOT NULL
                                            THEN 'possible duplicate' ELSE '' END ORDER BY e.pos))
    FROM unnest(v_case, v_made) WITH ORDINALITY AS e (id, made, pos) JOIN cases c ON c.id = e.id
    WHERE e.made;

    -- key_conflict: the case the key names (stored before, or made by an earlier element of this
    -- call) was made by a request with another digest
    RETURN QUERY
    SELECT e.pos::integer, e.id, c.ref, c.area_code, d.ref, e.id IS NOT NULL AND NOT e.made,
           e.id IS NULL,
           e.id IS NOT NULL AND NOT e.made
               AND coalesce(c.request_digest <> decode(p_digests[e.pos], 'hex'), false)
    FROM unnest(v_case, v_made) WITH ORDINALITY AS e (id, made, pos)
    LEFT JOIN cases c ON c.id = e.id LEFT JOIN cases d ON d.id = c.duplicate_of
    ORDER BY e.pos;
END
$$;
