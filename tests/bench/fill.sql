-- A large city's few years of history, written straight into a migrated database with the
-- district imported, before any daemon starts (tests/bench/run.sh with GC_BENCH_FILL_CASES):
--   psql -v cases=10000000 -f tests/bench/fill.sql
-- Every case is a grid case of a category with a routing rule, reported over the three years
-- before now, routed to its rule's lead department (an assignment and a delivery, acknowledged),
-- with six events: submitted, routed, accepted, progress, resolved and verified (closed); the
-- last 1 % are still in progress, their deadlines ahead (events: submitted, routed, accepted
-- and three progress reports). The consumers' cursors, the event counter, the departments'
-- delivery counters and the case id sequence end where the history ends, as after years of
-- running: the daemons start with nothing to catch up.
-- Not filled: the statistics tables (the figures of the history; gc-stats' restart then reads
-- a snapshot over the live days only) and the diary.
-- The rows are right by construction, so foreign keys are not checked while they are written
-- (session_replication_role = replica: the schema's owner is a superuser here), and a chunk's
-- commit does not wait for the disk (synchronous_commit off; the last one does). Ten million
-- cases and the vacuum after them took 401 s here.
\set ON_ERROR_STOP on
SET session_replication_role = replica;
SET synchronous_commit = off;

CREATE PROCEDURE pg_temp.gc_bench_fill(p_cases bigint, p_chunk bigint)
LANGUAGE plpgsql AS
$$
DECLARE
    v_now    timestamptz := gc_now();
    v_span   double precision := 3 * 365 * 86400;  -- seconds of history
    v_open   bigint := p_cases - p_cases / 100;    -- cases after this one are still open
    v_base   bigint;  -- the case ids and seqs start after what is there
    v_seq0   bigint;
    v_grids  text[];
    v_cats   text[];
    v_depts  text[];
    v_from   bigint;
    v_to     bigint;
BEGIN
    SELECT coalesce(max(id), 0) INTO v_base FROM cases;
    SELECT last_seq INTO v_seq0 FROM event_streams WHERE stream = 'case';
    SELECT array_agg(code ORDER BY code) INTO v_grids FROM areas WHERE level = 'grid';
    -- each category with a district-wide lead rule, and that lead
    SELECT array_agg(r.category ORDER BY r.category), array_agg(r.department ORDER BY r.category)
    INTO v_cats, v_depts
    FROM routing_rules r
    WHERE r.is_lead AND r.level IS NULL AND r.area_code = (SELECT code FROM areas WHERE level = 'district');
    IF v_grids IS NULL OR v_cats IS NULL THEN
        RAISE EXCEPTION 'gc_bench_fill: no grids or no district-wide routing rules'
            USING HINT = 'import the district first (gridctl import deploy/demo-district.json)';
    END IF;

    v_from := 1;
    WHILE v_from <= p_cases LOOP
        v_to := least(v_from + p_chunk - 1, p_cases);
        CREATE TEMP TABLE fill ON COMMIT DROP AS
        SELECT v_base + i AS id, i,
               v_grids[1 + (i % cardinality(v_grids))::int] AS grid,
               1 + ((i / cardinality(v_grids)) % cardinality(v_cats))::int AS c,
               v_now - make_interval(secs => v_span * (p_cases - i + 1) / p_cases)
                   - interval '6 hours' AS at,
               i > v_open AS open
        FROM generate_series(v_from, v_to) i;

        INSERT INTO cases (id, idempotency_key, category, area_code, level, status, description,
                           source, created_at, updated_at, deadline_at, closed_at)
        SELECT f.id, 'fill-' || f.i, v_cats[f.c], f.grid, 'grid',
               CASE WHEN f.open THEN 'in_progress' ELSE 'closed' END,
               '路灯不亮（历史数据）', 'hotline', f.at, f.at + interval '5 hours',
               CASE WHEN f.open THEN v_now + interval '30 days' END,
               CASE WHEN f.open THEN NULL ELSE f.at + interval '5 hours' END
        FROM fill f;

        -- six events per case, in case order (seq = the counter + 6 (i - 1) + k)
        INSERT INTO case_events (seq, case_id, kind, at, level, status, department, actor, note)
        SELECT v_seq0 + 6 * (f.i - 1) + k.k, f.id,
               CASE WHEN f.open AND k.k > 3 THEN 'progress' ELSE k.kind END,
               f.at + make_interval(hours => k.k - 1), 'grid',
               CASE WHEN f.open AND k.k > 3 THEN 'in_progress' ELSE k.status END,
               CASE WHEN k.k IN (2, 3, 4, 5) THEN v_depts[f.c] ELSE '' END,
               CASE WHEN k.k = 1 THEN 'hotline' WHEN k.k = 2 THEN 'routing'
                    WHEN k.k = 6 AND NOT f.open THEN 'grid' ELSE v_depts[f.c] END,
               ''
        FROM fill f
        CROSS JOIN (VALUES (1, 'submitted', 'submitted'), (2, 'routed', 'routed'),
                           (3, 'accepted', 'accepted'), (4, 'progress', 'in_progress'),
                           (5, 'resolved', 'resolved'), (6, 'verified', 'closed'))
                   AS k (k, kind, status)
        ORDER BY 1;

        INSERT INTO case_assignments (case_id, department, is_lead)
        SELECT f.id, v_depts[f.c], true FROM fill f;

        -- each department's deliveries continue its own gapless seq
        INSERT INTO deliveries (department, seq, case_id, reason, is_lead, created_at)
        SELECT v_depts[f.c],
               s.last_seq + row_number() OVER (PARTITION BY v_depts[f.c] ORDER BY f.id),
               f.id, 'new', true, f.at + interval '1 hour'
        FROM fill f JOIN department_delivery_state s ON s.department = v_depts[f.c];
        UPDATE department_delivery_state s SET last_seq = s.last_seq + n.n, acked_seq = s.last_seq + n.n
        FROM (SELECT v_depts[f.c] AS department, count(*) AS n FROM fill f GROUP BY 1) n
        WHERE s.department = n.department;

        COMMIT;
        RAISE NOTICE 'filled % of % cases', v_to, p_cases;
        v_from := v_to + 1;
    END LOOP;

    PERFORM setval('cases_id_seq', v_base + p_cases);
    UPDATE event_streams SET last_seq = v_seq0 + 6 * p_cases WHERE stream = 'case';
    UPDATE consumer_cursors SET last_seq = v_seq0 + 6 * p_cases;
    PERFORM set_config('synchronous_commit', 'on', true);
    COMMIT;
END
$$;

CALL pg_temp.gc_bench_fill(:cases, 250000);
