-- One submission as gc-intake stores it (common/gc_case.c): the same INSERT into cases, with its
-- look-up of a possible duplicate, then the SUBMITTED event through gc_append_event, whose
-- counter row (event_streams) serialises writers until commit. tests/bench/run.sh puts this
-- once (one case per transaction) or 100 times (100 cases per transaction) between BEGIN, the
-- counter lock taken first as intake takes it (gc_lock_event_stream), and END. Run with
-- -M prepared, as intake prepares its statements.
INSERT INTO cases AS c (idempotency_key, category, area_code, level, status, description, lon,
                        lat, address, source, reporter_name, reporter_phone, created_at,
                        updated_at, deadline_at, duplicate_of)
SELECT 'pgbench-' || gen_random_uuid(), 'street_light', '4101010101', 'grid', 'submitted',
       'pgbench', NULL::float8, NULL::float8, '', 'hotline', '', '', gc_now(), gc_now(), NULL,
       (SELECT d.id FROM cases d WHERE d.category = 'street_light' AND d.status <> 'closed'
          AND d.created_at > gc_now() - interval '7 days' AND d.area_code = '4101010101'
        ORDER BY d.created_at LIMIT 1)
RETURNING c.id AS case_id \gset
SELECT gc_append_event(:case_id, 'submitted', NULL, 'hotline', NULL);
