-- The database's own limit (the reference of the ratio targets, docs/PERFORMANCE.md): one case
-- and its SUBMITTED event, inserted as plainly as PostgreSQL allows, into the real tables (every
-- index, constraint and trigger of cases and case_events), with none of gridcase's own work: no
-- duplicate look-up, no gc_now(), and the event's seq taken from a sequence instead of the event
-- counter, so that transactions do not wait for each other. tests/bench/run.sh puts it once or
-- 100 times between BEGIN and END and creates the sequence (pgbench_event_seq) in the scratch
-- database. Run with -M prepared. tests/bench/pgbench_case.sql is the other reference: intake's
-- one-at-a-time path, counter and all.
INSERT INTO cases (idempotency_key, category, area_code, level, status, description, lon, lat,
                   address, source, reporter_name, reporter_phone, created_at, updated_at)
VALUES ('pgbench-' || gen_random_uuid(), 'street_light', '4101010101', 'grid', 'submitted',
        'pgbench', NULL, NULL, '', 'hotline', '', '', now(), now())
RETURNING id AS case_id \gset
INSERT INTO case_events (seq, case_id, kind, at, level, status, actor)
VALUES (nextval('pgbench_event_seq'), :case_id, 'submitted', now(), 'grid', 'submitted',
        'hotline');
