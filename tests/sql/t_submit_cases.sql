-- gc_submit_cases(p_keys, p_categories, p_areas, p_levels, p_statuses, p_descriptions, p_lons,
-- p_lats, p_addresses, p_sources, p_reporter_names, p_reporter_phones): a batch of submissions
-- stored as one at a time in element order would store them. New cases get ids, refs and event
-- seqs in element order; a stored key, or one used earlier in the call, names its case
-- (already_known); an unknown category makes nothing; a possible duplicate (open, same category,
-- last 7 days; same area without a point, within 50 m with one) is linked, also to a case made
-- earlier in the same call; a grid task gets its grid deadline; each new case has a SUBMITTED
-- event (actor = source, note 'possible duplicate' when linked). With p_digests (each request's
-- digest, hex): a key already used for a request with another digest is a key_conflict.
BEGIN;
SELECT plan(30);

DELETE FROM working_hours;
INSERT INTO areas (code, parent_code, level, name) VALUES
    ('4101', NULL, 'district', 'district'), ('410101', '4101', 'street', 'street'),
    ('41010101', '410101', 'community', 'community'),
    ('4101010101', '41010101', 'grid', 'grid A'), ('4101010102', '41010101', 'grid', 'grid B');
INSERT INTO categories (code, name, hours_grid, hours_community, hours_street, hours_district)
VALUES ('sc_road', 'road', 24, 48, 72, 120), ('sc_noise', 'noise', 6, 12, 24, 48);
UPDATE clock SET offset_seconds = ceil(extract(epoch FROM timestamptz '2026-12-07 10:00+08')
                                       - extract(epoch FROM now()));

-- The submissions of each call, one row per element; pg_temp.submit(n) passes call n's rows to
-- gc_submit_cases as its thirteen arrays, in pos order.
CREATE TEMP TABLE subm (
    call integer, pos integer, k text, cat text, area text, lvl text DEFAULT 'grid',
    st text DEFAULT 'submitted', descr text DEFAULT 'a report', lon float8, lat float8,
    addr text DEFAULT '', src text DEFAULT 'resident', rname text DEFAULT '', rphone text DEFAULT '',
    digest text);
CREATE FUNCTION pg_temp.submit(p_call integer)
RETURNS TABLE (ord integer, case_id bigint, case_ref text, case_area text, duplicate_ref text,
               already_known boolean, unknown_category boolean, key_conflict boolean)
LANGUAGE sql AS
$$ SELECT g.* FROM (SELECT array_agg(k ORDER BY pos) k, array_agg(cat ORDER BY pos) cat,
                           array_agg(area ORDER BY pos) area, array_agg(lvl ORDER BY pos) lvl,
                           array_agg(st ORDER BY pos) st, array_agg(descr ORDER BY pos) descr,
                           array_agg(lon ORDER BY pos) lon, array_agg(lat ORDER BY pos) lat,
                           array_agg(addr ORDER BY pos) addr, array_agg(src ORDER BY pos) src,
                           array_agg(rname ORDER BY pos) rname, array_agg(rphone ORDER BY pos) rphone,
                           array_agg(digest ORDER BY pos) digest
                    FROM subm WHERE call = p_call) a,
        gc_submit_cases(a.k, a.cat, a.area, a.lvl, a.st, a.descr, a.lon, a.lat, a.addr, a.src,
                        a.rname, a.rphone, a.digest) g $$;

SELECT last_seq AS seq0 FROM event_streams WHERE stream = 'case' \gset

-- call 1. Points: grid A's noise at (120, 30); 0.0004 degrees of longitude east is 38.6 m away,
-- 0.0006 west 57.8 m.
INSERT INTO subm (call, pos, k, cat, area, st, descr, lon, lat, addr, src, rname, rphone) VALUES
    (1, 1, 'k1', 'sc_road', '4101010101', 'submitted', 'a pothole', NULL, NULL, 'Road 1',
        'resident', 'Li Lei', '13800000001'),
    (1, 2, 'k2', 'sc_noise', '4101010101', 'submitted', 'loud music', 120.0, 30.0, '',
        'hotline', '', ''),
    (1, 3, 'k3', 'no_such', '4101010101', 'submitted', 'unknown category', NULL, NULL, '',
        'resident', '', ''),
    (1, 4, 'k1', 'sc_road', '4101010101', 'submitted', 'the same request again', NULL, NULL, '',
        'resident', '', ''),
    (1, 5, 'k4', 'sc_road', '4101010101', 'submitted', 'another pothole', NULL, NULL, '',
        'volunteer', '', ''),
    (1, 6, 'k5', 'sc_noise', '4101010101', 'submitted', 'loud, 38.6 m away', 120.0004, 30.0, '',
        'resident', '', ''),
    (1, 7, 'k6', 'sc_noise', '4101010101', 'submitted', 'loud, 57.8 m away', 119.9994, 30.0, '',
        'resident', '', ''),
    (1, 8, 'k7', 'sc_road', '4101010102', 'grid_task', 'found on inspection', NULL, NULL, '',
        'department', '', ''),
    (1, 9, 'k9', 'no_such', '4101010102', 'submitted', 'unknown category first', NULL, NULL, '',
        'resident', '', ''),
    (1, 10, 'k9', 'sc_noise', '4101010102', 'submitted', 'same key, known category', NULL, NULL,
        '', 'resident', '', '');
CREATE TEMP TABLE r1 AS SELECT * FROM pg_temp.submit(1);
SELECT case_id AS id1 FROM r1 WHERE ord = 1 \gset

SELECT results_eq(
    format($$SELECT r.ord, r.case_id - %s, r.case_area, d.id - %s, r.already_known,
                    r.unknown_category
             FROM r1 r LEFT JOIN cases d ON d.ref = r.duplicate_ref ORDER BY r.ord$$, :id1, :id1),
    $$VALUES (1, 0::bigint, '4101010101', NULL::bigint, false, false),
             (2, 1, '4101010101', NULL, false, false),
             (3, NULL, NULL, NULL, false, true),
             (4, 0, '4101010101', NULL, true, false),
             (5, 2, '4101010101', 0, false, false),
             (6, 3, '4101010101', 1, false, false),
             (7, 4, '4101010101', NULL, false, false),
             (8, 5, '4101010102', NULL, false, false),
             (9, NULL, NULL, NULL, false, true),
             (10, 6, '4101010102', NULL, false, false)$$,
    'call 1: one row per element in order; new cases numbered in element order; repeated key, unknown categories and duplicates as stored one at a time');
SELECT ok((SELECT bool_and(case_ref = 'GC-' || lpad(case_id::text, 8, '0')) FROM r1
           WHERE case_id IS NOT NULL),
          'each case_ref is the case''s ref (GC- and the id in 8 digits)');
SELECT is((SELECT count(*) FROM cases WHERE id >= :id1), 7::bigint,
          'call 1 stored 7 cases: no case for an unknown category or a repeated key');
SELECT is((SELECT count(*) FROM cases WHERE idempotency_key IN ('k3')), 0::bigint,
          'unknown category: no case stored');
SELECT is(r.case_id, (SELECT c.id FROM cases c WHERE c.idempotency_key = 'k1'),
          'the same key twice in one call: the second names the case the first made')
FROM r1 r WHERE r.ord = 4;
SELECT is(r.case_id, (SELECT c.id FROM cases c WHERE c.idempotency_key = 'k9'),
          'a key first with an unknown category, then with a known one: the second makes the case')
FROM r1 r WHERE r.ord = 10;
SELECT results_eq(
    format($$SELECT idempotency_key, category, area_code, level, status, description, lon, lat,
                    address, source, reporter_name, reporter_phone, created_at = gc_now(),
                    updated_at = gc_now(), deadline_at, duplicate_of, closed_at
             FROM cases WHERE id = %s$$, :id1),
    $$VALUES ('k1', 'sc_road', '4101010101', 'grid', 'submitted', 'a pothole', NULL::float8,
              NULL::float8, 'Road 1', 'resident', 'Li Lei', '13800000001', true, true,
              NULL::timestamptz, NULL::bigint, NULL::timestamptz)$$,
    'the first case''s row: every field as submitted, created and updated at gc_now(), no deadline, no duplicate');
SELECT results_eq(format('SELECT lon, lat, source FROM cases WHERE id = %s', :id1::bigint + 1),
                  $$VALUES (120.0::float8, 30.0::float8, 'hotline')$$,
              'a case with a point keeps it');
SELECT is((SELECT deadline_at FROM cases WHERE id = :id1::bigint + 5), gc_now() + interval '24 hours',
          'a grid task (status grid_task) gets its grid deadline: gc_deadline(category, ''grid'')');
SELECT is((SELECT status FROM cases WHERE id = :id1::bigint + 5), 'grid_task', 'a grid task keeps its status');
SELECT is((SELECT duplicate_of FROM cases WHERE id = :id1::bigint + 4), NULL,
          'a point 57.8 m from an open case of the category is not a duplicate (beyond 50 m)');

SELECT results_eq(
    format($$SELECT seq - %s, case_id - %s, kind, level, status, department, actor, note,
                    at = gc_now()
             FROM case_events WHERE seq > %s ORDER BY seq$$, :seq0, :id1, :seq0),
    $$VALUES (1::bigint, 0::bigint, 'submitted', 'grid', 'submitted', '', 'resident', '', true),
             (2, 1, 'submitted', 'grid', 'submitted', '', 'hotline', '', true),
             (3, 2, 'submitted', 'grid', 'submitted', '', 'volunteer', 'possible duplicate', true),
             (4, 3, 'submitted', 'grid', 'submitted', '', 'resident', 'possible duplicate', true),
             (5, 4, 'submitted', 'grid', 'submitted', '', 'resident', '', true),
             (6, 5, 'submitted', 'grid', 'grid_task', '', 'department', '', true),
             (7, 6, 'submitted', 'grid', 'submitted', '', 'resident', '', true)$$,
    'call 1: one SUBMITTED event per new case, seqs consecutive in element order, actor = source, note on a possible duplicate, at = gc_now()');
SELECT is((SELECT last_seq FROM event_streams WHERE stream = 'case'), :seq0::bigint + 7,
          'call 1: the event counter advanced by the 7 events');

-- call 2, in the same transaction (so at the same gc_now()): matches in the table
UPDATE cases SET status = 'closed', closed_at = gc_now() WHERE id = :id1::bigint + 4;
UPDATE cases SET created_at = gc_now() - interval '8 days' WHERE id = :id1::bigint + 5;
INSERT INTO subm (call, pos, k, cat, area, lon, lat, src) VALUES
    (2, 1, 'k1', 'sc_road', '4101010101', NULL, NULL, 'resident'),
    (2, 2, 'k10', 'sc_road', '4101010101', NULL, NULL, 'hotline'),
    (2, 3, 'k11', 'sc_noise', '4101010101', 120.0, 30.0003, 'resident'),
    (2, 4, 'k12', 'sc_noise', '4101010101', 121.0, 31.0, 'resident'),
    (2, 5, 'k13', 'sc_noise', '4101010101', 119.9994, 30.0, 'resident'),
    (2, 6, 'k14', 'sc_road', '4101010102', NULL, NULL, 'resident');
CREATE TEMP TABLE r2 AS SELECT * FROM pg_temp.submit(2);
SELECT results_eq(
    format($$SELECT r.ord, r.case_id - %s, d.id - %s, r.already_known, r.unknown_category
             FROM r2 r LEFT JOIN cases d ON d.ref = r.duplicate_ref ORDER BY r.ord$$, :id1, :id1),
    $$VALUES (1, 0::bigint, NULL::bigint, true, false), (2, 7, 0, false, false),
             (3, 8, 1, false, false), (4, 9, NULL, false, false), (5, 10, NULL, false, false),
             (6, 11, NULL, false, false)$$,
    'call 2: a stored key is already known; new ids continue in element order');
SELECT is((SELECT duplicate_of FROM cases WHERE idempotency_key = 'k10'), :id1::bigint,
          'same area, no point: the oldest open case of the category in the area is the possible duplicate');
SELECT is((SELECT duplicate_of FROM cases WHERE idempotency_key = 'k11'), :id1::bigint + 1,
          'with a point: an open case of the category 33 m away is the possible duplicate');
SELECT is((SELECT duplicate_of FROM cases WHERE idempotency_key = 'k12'), NULL,
          'with a point: nothing within 50 m, no duplicate');
SELECT is((SELECT duplicate_of FROM cases WHERE idempotency_key = 'k13'), NULL,
          'a closed case at the same point is not a possible duplicate');
SELECT is((SELECT duplicate_of FROM cases WHERE idempotency_key = 'k14'), NULL,
          'a case reported 8 days ago is not a possible duplicate (7 days)');
SELECT is((SELECT count(*) FROM cases WHERE idempotency_key = 'k1'), 1::bigint,
          'an already known key stores nothing new');
SELECT results_eq(
    format($$SELECT seq - %s, case_id - %s, actor, note FROM case_events WHERE seq > %s
             ORDER BY seq$$, :seq0, :id1, :seq0::bigint + 7),
    $$VALUES (8::bigint, 7::bigint, 'hotline', 'possible duplicate'),
             (9, 8, 'resident', 'possible duplicate'), (10, 9, 'resident', ''),
             (11, 10, 'resident', ''), (12, 11, 'resident', '')$$,
    'call 2: events only for the 5 new cases, continuing the log');

-- call 3: nothing new
INSERT INTO subm (call, pos, k, cat, area, lon, lat) VALUES
    (3, 1, 'k10', 'sc_road', '4101010101', NULL, NULL), (3, 2, 'k3', 'no_such', '4101010101', NULL, NULL);
SELECT results_eq(format('SELECT ord, case_id - %s, already_known, unknown_category FROM pg_temp.submit(3)', :id1),
                  $$VALUES (1, 7::bigint, true, false), (2, NULL, false, true)$$,
                  'call 3: a known key and an unknown category');
SELECT is((SELECT last_seq FROM event_streams WHERE stream = 'case'), :seq0::bigint + 12,
          'a call that makes no case appends no event');
SELECT is_empty($$SELECT * FROM gc_submit_cases('{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}',
                                                 '{}', '{}', '{}', '{}')$$,
                'empty arrays: no rows');
SELECT is((SELECT last_seq FROM event_streams WHERE stream = 'case'), :seq0::bigint + 12,
          'empty arrays: no event');
SELECT is((SELECT max(seq) FROM case_events), :seq0::bigint + 12,
          'the counter equals the last event''s seq');

-- call 4: request digests. d1 makes k20; d1 again is the same request; d2 reuses the key for
-- another request, in the same call and in a later one; k1 was stored without a digest, so any
-- request with it is the same one; no digest given is never a conflict.
INSERT INTO subm (call, pos, k, cat, area, digest) VALUES
    (4, 1, 'k20', 'sc_road', '4101010101', 'd1d1'), (4, 2, 'k20', 'sc_road', '4101010101', 'd1d1'),
    (4, 3, 'k20', 'sc_road', '4101010101', 'd2d2'), (4, 4, 'k1', 'sc_road', '4101010101', 'd2d2'),
    (4, 5, 'k21', 'no_such', '4101010101', 'd3d3'), (4, 6, 'k21', 'sc_road', '4101010101', 'd4d4'),
    (5, 1, 'k20', 'sc_road', '4101010101', 'd2d2'), (5, 2, 'k20', 'sc_road', '4101010101', 'd1d1'),
    (5, 3, 'k20', 'sc_road', '4101010101', NULL);
SELECT results_eq(format('SELECT ord, case_id - %s, already_known, unknown_category, key_conflict FROM pg_temp.submit(4)', :id1),
                  $$VALUES (1, 12::bigint, false, false, false), (2, 12, true, false, false),
                           (3, 12, true, false, true), (4, 0, true, false, false),
                           (5, NULL, false, true, false), (6, 13, false, false, false)$$,
                  'call 4: the same key with another digest in one call is a key_conflict; a case stored without a digest matches any; an unknown category is no request made');
SELECT is((SELECT encode(request_digest, 'hex') FROM cases WHERE idempotency_key = 'k20'), 'd1d1',
          'the case keeps the digest of the request that made it');
SELECT results_eq('SELECT ord, already_known, key_conflict FROM pg_temp.submit(5)',
                  $$VALUES (1, true, true), (2, true, false), (3, true, false)$$,
                  'call 5: a stored key with another digest is a key_conflict; with its own, or none, it is known');
SELECT is((SELECT count(*) FROM cases WHERE idempotency_key IN ('k20', 'k21')), 2::bigint,
          'a key_conflict stores nothing');

SELECT * FROM finish();
ROLLBACK;
