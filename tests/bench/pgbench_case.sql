-- One submission as gc-intake stores it one request at a time (common/gc_case.c: the INSERT of
-- SQL_INSERT_CASE, with its look-up of a possible duplicate, gc_possible_duplicate, here for a
-- report without a point; then the SUBMITTED event through gc_append_event, whose counter row
-- (event_streams) serialises writers until commit). gc-intake now stores a batch's plain submissions with one call of
-- gc_submit_cases (deploy/schema/functions/intake.sql) and this path serves submissions made from
-- a diary entry and the fallback when a batch call fails; this stays the database's per-statement
-- reference. tests/bench/run.sh puts it once (one case per transaction) or 100 times (100 cases
-- per transaction) between BEGIN, the counter lock taken first as intake's one-at-a-time path
-- takes it (gc_lock_event_stream), and END. Run with -M prepared, as intake prepares its
-- statements.
INSERT INTO cases AS c (idempotency_key, category, area_code, level, status, description, lon,
                        lat, address, source, reporter_name, reporter_phone, created_at,
                        updated_at, deadline_at, duplicate_of)
SELECT 'pgbench-' || gen_random_uuid(), 'street_light', '4101010101', 'grid', 'submitted',
       'pgbench', NULL::float8, NULL::float8, '', 'hotline', '', '', gc_now(), gc_now(), NULL,
       (SELECT t.id
        FROM gc_possible_duplicate('street_light', '4101010101', NULL, NULL, gc_now()) t)
RETURNING c.id AS case_id \gset
SELECT gc_append_event(:case_id, 'submitted', NULL, 'hotline', NULL);
