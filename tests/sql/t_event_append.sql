-- The case event log: gc_append_event(p_case, p_kind, p_department, p_actor, p_note) and
-- gc_append_events(p_cases, p_kinds, p_departments, p_actors, p_notes) (being added: its tests
-- skip until it exists). Each event takes the next seq from event_streams.last_seq, its level and
-- status from the case row, at = gc_now(), '' for a NULL text; gc_append_events appends one
-- event per element with consecutive seqs and returns the last (the current last_seq when the
-- arrays are empty). The log stays gapless under concurrent writers.
--
-- The concurrency tests come first. The writers are four other sessions (dblink) on the same
-- database, appending in autocommit, so they must see their cases: those are committed through a
-- dblink setup connection, not in this file's transaction (which is rolled back), and removed
-- again the same way. This file's own transaction must not touch the counter row before then:
-- the writers would wait for it until the rollback.
BEGIN;
SELECT plan(24);

SELECT format('host=%s port=%s dbname=%s user=%s', coalesce(host(inet_server_addr()), '127.0.0.1'),
              current_setting('port'), current_database(), current_user) AS connstr \gset
SELECT dblink_connect('ea_setup', :'connstr') \g /dev/null
-- (a run that died half-way may have left its data: removed first, the counter back to the log)
SELECT dblink_exec('ea_setup', $$
    DO $d$ BEGIN
        IF EXISTS (SELECT 1 FROM categories WHERE code = 'ea_cat') THEN
            SET LOCAL session_replication_role = replica;
            DELETE FROM case_events WHERE case_id IN (SELECT id FROM cases WHERE category = 'ea_cat');
            DELETE FROM cases WHERE category = 'ea_cat';
            DELETE FROM categories WHERE code = 'ea_cat';
            DELETE FROM areas WHERE code = 'EA9';
            UPDATE event_streams SET last_seq = (SELECT coalesce(max(seq), 0) FROM case_events)
            WHERE stream = 'case';
        END IF;
    END $d$;
    INSERT INTO areas (code, parent_code, level, name) VALUES ('EA9', NULL, 'district', 'event test');
    INSERT INTO categories (code, name, hours_grid, hours_community, hours_street, hours_district)
    VALUES ('ea_cat', 'event test', 1, 1, 1, 1);
    INSERT INTO cases (idempotency_key, category, area_code, level, status, description, source,
                       created_at, updated_at)
    SELECT 'ea-' || i, 'ea_cat', 'EA9', 'district', 'in_progress', 'concurrent writers', 'resident',
           now(), now()
    FROM generate_series(1, 4) i$$) \g /dev/null
SELECT last_seq AS seq0 FROM event_streams WHERE stream = 'case' \gset
SELECT min(id) AS ea_case1 FROM cases WHERE category = 'ea_cat' \gset

-- Starts n writers ea_w1..ea_wn, each running body (a DO block's statements; %1$s is the
-- writer's number, %2$s its case) in its own session, all at once.
CREATE FUNCTION pg_temp.start_writers(n integer, body text) RETURNS void LANGUAGE plpgsql AS
$fn$
BEGIN
    FOR w IN 1 .. n LOOP
        PERFORM dblink_connect('ea_w' || w, current_setting('ea.connstr'));
    END LOOP;
    FOR w IN 1 .. n LOOP
        PERFORM dblink_send_query('ea_w' || w, format(
            $q$DO $d$ BEGIN PERFORM set_config('lock_timeout', '60s', false); %s END $d$$q$,
            format(body, w, (SELECT min(id) FROM cases WHERE category = 'ea_cat') + w - 1)));
    END LOOP;
END
$fn$;
-- Waits for the n writers; returns each one's result (DO, or its error) and disconnects.
CREATE FUNCTION pg_temp.wait_writers(n integer) RETURNS SETOF text LANGUAGE plpgsql AS
$$
DECLARE
    r text;
BEGIN
    FOR w IN 1 .. n LOOP
        BEGIN
            SELECT s INTO r FROM dblink_get_result('ea_w' || w) AS t (s text);
            PERFORM * FROM dblink_get_result('ea_w' || w, false) AS t (s text);
        EXCEPTION WHEN OTHERS THEN
            r := SQLERRM;
        END;
        PERFORM dblink_disconnect('ea_w' || w);
        RETURN NEXT r;
    END LOOP;
END
$$;
SELECT set_config('ea.connstr', :'connstr', true) \g /dev/null

-- 4 writers x 200 gc_append_event calls, each call its own transaction
SELECT pg_temp.start_writers(4, $$
    FOR i IN 1 .. 200 LOOP
        PERFORM gc_append_event(%2$s, 'noted', '', 'ea_w%1$s', i::text);
        COMMIT;
    END LOOP;$$) \g /dev/null
SELECT results_eq($$SELECT * FROM pg_temp.wait_writers(4)$$, $$VALUES ('DO'), ('DO'), ('DO'), ('DO')$$,
                  'concurrent gc_append_event: the 4 writers each made 200 appends in autocommit');
SELECT results_eq(format('SELECT seq FROM case_events WHERE seq > %s ORDER BY seq', :seq0),
                  format('SELECT generate_series(%s, %s)::bigint', :seq0::bigint + 1, :seq0::bigint + 800),
                  'concurrent gc_append_event: the new seqs are exactly last+1 .. last+800, no gap, no duplicate');
SELECT is((SELECT last_seq FROM event_streams WHERE stream = 'case'), (SELECT max(seq) FROM case_events),
          'concurrent gc_append_event: event_streams.last_seq = max(seq)');
SELECT results_eq(
    format($$SELECT actor, count(*), array_agg(note::integer ORDER BY seq) = ARRAY(SELECT generate_series(1, 200))
             FROM case_events WHERE seq > %s GROUP BY actor ORDER BY actor$$, :seq0),
    $$VALUES ('ea_w1', 200::bigint, true), ('ea_w2', 200, true), ('ea_w3', 200, true), ('ea_w4', 200, true)$$,
    'concurrent gc_append_event: 200 events per writer, each writer''s in the order it committed them');
SELECT cmp_ok((SELECT count(*) FROM (SELECT actor IS DISTINCT FROM lag(actor) OVER (ORDER BY seq) AS change
                                     FROM case_events WHERE seq > :seq0) x WHERE change)::integer, '>', 4,
              'concurrent gc_append_event: the writers'' events interleave (they really ran at the same time)');
SELECT results_eq(format($$SELECT DISTINCT case_id - %s, level, status FROM case_events
                           WHERE seq > %s ORDER BY 1$$, :ea_case1, :seq0),
                  $$VALUES (0::bigint, 'district', 'in_progress'), (1, 'district', 'in_progress'),
                           (2, 'district', 'in_progress'), (3, 'district', 'in_progress')$$,
                  'concurrent gc_append_event: each writer''s events are on its case, with its level and status');

-- 4 writers x 50 gc_append_events calls of 4 events each
SELECT last_seq AS seq1 FROM event_streams WHERE stream = 'case' \gset
SELECT has_function('public', 'gc_append_events', ARRAY['bigint[]', 'text[]', 'text[]', 'text[]', 'text[]'],
                    'gc_append_events(bigint[], text[], text[], text[], text[]) exists');
SELECT to_regprocedure('public.gc_append_events(bigint[], text[], text[], text[], text[])') IS NOT NULL
       AS have_append_events \gset
\if :have_append_events
SELECT pg_temp.start_writers(4, $$
    FOR i IN 1 .. 50 LOOP
        PERFORM gc_append_events(array_fill(%2$s::bigint, ARRAY[4]), array_fill('noted'::text, ARRAY[4]),
                                 array_fill(''::text, ARRAY[4]), array_fill('ea_w%1$s'::text, ARRAY[4]),
                                 array_fill(i::text, ARRAY[4]));
        COMMIT;
    END LOOP;$$) \g /dev/null
SELECT results_eq($$SELECT * FROM pg_temp.wait_writers(4)$$, $$VALUES ('DO'), ('DO'), ('DO'), ('DO')$$,
                  'concurrent gc_append_events: the 4 writers each made 50 calls of 4 events in autocommit');
SELECT results_eq(format('SELECT seq FROM case_events WHERE seq > %s ORDER BY seq', :seq1),
                  format('SELECT generate_series(%s, %s)::bigint', :seq1::bigint + 1, :seq1::bigint + 800),
                  'concurrent gc_append_events: the new seqs are exactly last+1 .. last+800, no gap, no duplicate');
SELECT is((SELECT count(*) FROM (SELECT actor, note FROM case_events WHERE seq > :seq1 GROUP BY actor, note
                                 HAVING count(*) = 4 AND max(seq) - min(seq) = 3) x)::integer, 200,
          'concurrent gc_append_events: each call''s 4 events have consecutive seqs');
\else
SELECT skip('gc_append_events does not exist yet', 3);
\endif
SELECT is((SELECT last_seq FROM event_streams WHERE stream = 'case'), (SELECT max(seq) FROM case_events),
          'after the concurrent writers: event_streams.last_seq = max(seq)');

-- remove the committed data again (triggers off: case_events is append-only) and put the
-- counter back
SELECT dblink_exec('ea_setup', format($$
    SET session_replication_role = replica;
    DELETE FROM case_events WHERE case_id IN (SELECT id FROM cases WHERE category = 'ea_cat');
    DELETE FROM cases WHERE category = 'ea_cat';
    DELETE FROM categories WHERE code = 'ea_cat';
    DELETE FROM areas WHERE code = 'EA9';
    UPDATE event_streams SET last_seq = %s WHERE stream = 'case';
    RESET session_replication_role$$, :seq0)) \g /dev/null
SELECT dblink_disconnect('ea_setup') \g /dev/null
SELECT ok(NOT EXISTS (SELECT 1 FROM cases WHERE category = 'ea_cat')
          AND (SELECT last_seq FROM event_streams WHERE stream = 'case') = :seq0
          AND NOT EXISTS (SELECT 1 FROM case_events WHERE seq > :seq0),
          'the concurrency tests'' committed data is removed and the counter put back');

-- one event at a time, in this transaction
INSERT INTO areas (code, parent_code, level, name) VALUES ('4101', NULL, 'district', 'district'),
    ('410101', '4101', 'street', 'street');
INSERT INTO categories (code, name, hours_grid, hours_community, hours_street, hours_district)
VALUES ('ev_road', 'road', 24, 48, 72, 120);
INSERT INTO cases (idempotency_key, category, area_code, level, status, description, source,
                   created_at, updated_at)
VALUES ('ev-1', 'ev_road', '410101', 'street', 'triage', 'one', 'resident', now(), now()),
       ('ev-2', 'ev_road', '4101', 'district', 'routed', 'two', 'hotline', now(), now());
SELECT id AS c1 FROM cases WHERE idempotency_key = 'ev-1' \gset
SELECT id AS c2 FROM cases WHERE idempotency_key = 'ev-2' \gset
UPDATE clock SET offset_seconds = ceil(extract(epoch FROM timestamptz '2026-12-07 10:00+08')
                                       - extract(epoch FROM now()));
SELECT last_seq AS seq2 FROM event_streams WHERE stream = 'case' \gset

SELECT is(gc_append_event(:c1, 'noted', 'water', 'leader', 'a note'), :seq2::bigint + 1,
          'gc_append_event returns the next seq');
SELECT is((SELECT last_seq FROM event_streams WHERE stream = 'case'), :seq2::bigint + 1,
          'gc_append_event advances the counter by one');
SELECT results_eq(
    format($$SELECT case_id, kind, level, status, department, actor, note, at = gc_now(),
                    date_trunc('second', at) = '2026-12-07 10:00+08'
             FROM case_events WHERE seq = %s$$, :seq2::bigint + 1),
    format($$VALUES (%s::bigint, 'noted', 'street', 'triage', 'water', 'leader', 'a note', true, true)$$, :c1),
    'gc_append_event: the row has the case''s level and status, the given fields, at = gc_now() (the moved clock)');
UPDATE cases SET level = 'district', status = 'in_progress' WHERE id = :c1;
SELECT is(gc_append_event(:c1, 'escalated', NULL, NULL, NULL), :seq2::bigint + 2,
          'a second gc_append_event takes the seq after');
SELECT results_eq(
    format('SELECT kind, level, status, department, actor, note FROM case_events WHERE seq = %s',
           :seq2::bigint + 2),
    $$VALUES ('escalated', 'district', 'in_progress', '', '', '')$$,
    'gc_append_event: level and status as the case row has them now; NULL department, actor and note are ''''');

-- gc_append_events
\if :have_append_events
SELECT is(gc_append_events(ARRAY[:c2, :c1, :c2]::bigint[], ARRAY['noted', 'extended', 'noted'],
                           ARRAY['water', NULL, 'env'], ARRAY['a1', 'a2', NULL], ARRAY[NULL, 'n2', 'n3']),
          :seq2::bigint + 5, 'gc_append_events returns the last seq it appended');
SELECT results_eq(
    format($$SELECT seq - %s, case_id, kind, level, status, department, actor, note, at = gc_now()
             FROM case_events WHERE seq > %s ORDER BY seq$$, :seq2, :seq2::bigint + 2),
    format($$VALUES (3::bigint, %1$s::bigint, 'noted', 'district', 'routed', 'water', 'a1', '', true),
                    (4, %2$s, 'extended', 'district', 'in_progress', '', 'a2', 'n2', true),
                    (5, %1$s, 'noted', 'district', 'routed', 'env', '', 'n3', true)$$, :c2, :c1),
    'gc_append_events: one event per element, consecutive seqs in element order, each case''s level and status, NULL text as ''''');
SELECT is((SELECT last_seq FROM event_streams WHERE stream = 'case'), :seq2::bigint + 5,
          'gc_append_events advances the counter by the number of elements');
SELECT is(gc_append_events('{}', '{}', '{}', '{}', '{}'), :seq2::bigint + 5,
          'gc_append_events with empty arrays returns the current last_seq');
SELECT is((SELECT max(seq) FROM case_events), :seq2::bigint + 5,
          'gc_append_events with empty arrays appends nothing');
-- a case that does not exist is an error, so that seq never skips (a counter advanced for an
-- event that is not inserted would leave a gap)
SELECT throws_ok(format($$SELECT gc_append_events(ARRAY[%s, -1]::bigint[], ARRAY['noted', 'noted'],
                                                  ARRAY['', ''], ARRAY['', ''], ARRAY['', ''])$$, :c1),
                 NULL, NULL, 'gc_append_events with a case that does not exist raises an error');
SELECT throws_ok($$SELECT gc_append_event(-1, 'noted', '', '', '')$$, NULL, NULL,
                 'gc_append_event on a case that does not exist raises an error (no gap in seq)');
\else
SELECT skip('gc_append_events does not exist yet', 7);
\endif

SELECT * FROM finish();
ROLLBACK;
