-- The database's limit for what intake does (the reference of the ratio targets,
-- docs/PERFORMANCE.md): 100 cases and their 100 SUBMITTED events stored by one statement, as
-- intake stores a batch with one set-based call (gc_submit_cases), into the real tables (every
-- index, constraint and trigger of cases and case_events), with none of gridcase's own work: no
-- duplicate look-up, no validation, no event counter (seq from a sequence, so that transactions
-- do not wait for each other). One statement per transaction; tests/bench/run.sh runs it with 1
-- and with 8 connections, -M prepared, and creates pgbench_event_seq in the scratch database.
WITH c AS (
    INSERT INTO cases (idempotency_key, category, area_code, level, status, description, lon, lat,
                       address, source, reporter_name, reporter_phone, created_at, updated_at)
    SELECT 'pgbench-' || gen_random_uuid(), 'street_light', '4101010101', 'grid', 'submitted',
           'pgbench', NULL, NULL, '', 'hotline', '', '', now(), now()
    FROM generate_series(1, 100)
    RETURNING id)
INSERT INTO case_events (seq, case_id, kind, at, level, status, actor)
SELECT nextval('pgbench_event_seq'), id, 'submitted', now(), 'grid', 'submitted', 'hotline'
FROM c;
