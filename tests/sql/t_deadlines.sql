-- Handling deadlines: gc_deadline_from(category, level, start) with each level's hours
-- (hours_grid, hours_community, hours_street, hours_district), gc_deadline(category, level)
-- counted from gc_now() (the clock row's offset moves it), the deadline after a missed deadline
-- (the next level's counts from the deadline missed, not from now: escalation catching up after
-- an outage moves a case one level per deadline missed) and gc_next_level(level).
-- Calendar (Asia/Shanghai): Monday to Friday 09:00-12:00 and 13:30-17:30. Mon 2026-12-07.
BEGIN;
SELECT plan(26);
SET LOCAL TimeZone = 'Asia/Shanghai';

UPDATE district_settings SET time_zone = 'Asia/Shanghai';
DELETE FROM calendar_days;
DELETE FROM working_hours;
INSERT INTO working_hours (weekday, starts, ends)
SELECT d, p.s, p.e FROM generate_series(1, 5) d,
       (VALUES (time '09:00', time '12:00'), (time '13:30', time '17:30')) p (s, e);
INSERT INTO categories (code, name, hours_grid, hours_community, hours_street, hours_district,
                        working_hours)
VALUES ('dl_wall', 'wall-clock hours', 24, 48, 72, 120, false),
       ('dl_work', 'working hours', 4, 8, 16, 24, true);

-- Sets the clock so that gc_now() is p_at, up to a second later (offset_seconds is whole
-- seconds; now() is not).
CREATE PROCEDURE pg_temp.set_clock(p_at timestamptz) LANGUAGE sql AS
$$ UPDATE clock SET offset_seconds = ceil(extract(epoch FROM p_at) - extract(epoch FROM now())) $$;

-- each level's own hours, from a given start
SELECT is(gc_deadline_from('dl_wall', 'grid', '2026-12-07 10:00+08'),
          '2026-12-08 10:00+08'::timestamptz, 'grid level: start + hours_grid (24 h)');
SELECT is(gc_deadline_from('dl_wall', 'community', '2026-12-07 10:00+08'),
          '2026-12-09 10:00+08'::timestamptz, 'community level: start + hours_community (48 h)');
SELECT is(gc_deadline_from('dl_wall', 'street', '2026-12-07 10:00+08'),
          '2026-12-10 10:00+08'::timestamptz, 'street level: start + hours_street (72 h)');
SELECT is(gc_deadline_from('dl_wall', 'district', '2026-12-07 10:00+08'),
          '2026-12-12 10:00+08'::timestamptz, 'district level: start + hours_district (120 h)');
SELECT is(gc_deadline_from('dl_work', 'grid', '2026-12-07 10:00+08'),
          '2026-12-07 15:30+08'::timestamptz,
          'working hours, grid (4 h): Monday 10:00 = 2 h before lunch, 2 h from 13:30 = 15:30');
SELECT is(gc_deadline_from('dl_work', 'community', '2026-12-07 10:00+08'),
          '2026-12-08 11:00+08'::timestamptz,
          'working hours, community (8 h): Monday 10:00 = 6 h on Monday, Tuesday 11:00');
SELECT is(gc_deadline_from('dl_work', 'street', '2026-12-07 10:00+08'),
          '2026-12-09 12:00+08'::timestamptz,
          'working hours, street (16 h): Monday 10:00 = 6 + 7 h, Wednesday 12:00');
SELECT is(gc_deadline_from('dl_work', 'district', '2026-12-07 10:00+08'),
          '2026-12-10 14:30+08'::timestamptz,
          'working hours, district (24 h): Monday 10:00 = 6 + 7 + 7 h, 3 + 1 h on Thursday = 14:30');
SELECT is(gc_deadline_from('no_such_category', 'grid', '2026-12-07 10:00+08'), NULL,
          'an unknown category has no deadline (NULL)');

-- gc_deadline: from gc_now(), which the clock row moves
CALL pg_temp.set_clock('2026-12-11 16:00+08');
SELECT is(date_trunc('second', gc_now()), '2026-12-11 16:00+08'::timestamptz,
          'clock.offset_seconds moves gc_now() (to Friday 2026-12-11 16:00)');
SELECT is(date_trunc('second', gc_deadline('dl_wall', 'grid')), '2026-12-12 16:00+08'::timestamptz,
          'gc_deadline counts from gc_now(): Friday 16:00 + 24 h = Saturday 16:00');
SELECT is(date_trunc('second', gc_deadline('dl_work', 'grid')), '2026-12-14 11:30+08'::timestamptz,
          'gc_deadline in working hours from gc_now(): Friday 16:00 + 4 h = Monday 11:30');
SELECT is(gc_deadline('dl_work', 'community'), gc_deadline_from('dl_work', 'community', gc_now()),
          'gc_deadline(c, l) is gc_deadline_from(c, l, gc_now())');
UPDATE clock SET offset_seconds = offset_seconds + 86400;
SELECT is(date_trunc('second', gc_deadline('dl_wall', 'street')), '2026-12-15 16:00+08'::timestamptz,
          'the clock a day later: Saturday 16:00 + 72 h = Tuesday 16:00');

-- a deadline after a missed deadline: a case reported Monday 10:00 missed its grid deadline
-- (Monday 15:30); it is Wednesday now. Its community deadline counts from the deadline it missed.
CALL pg_temp.set_clock('2026-12-09 10:00+08');
SELECT is(gc_deadline_from('dl_work', 'community', gc_deadline_from('dl_work', 'grid', '2026-12-07 10:00+08')),
          '2026-12-08 16:30+08'::timestamptz,
          'missed deadline: community deadline = grid deadline (Monday 15:30) + 8 working hours = Tuesday 16:30');
SELECT isnt(gc_deadline_from('dl_work', 'community', '2026-12-07 15:30+08'),
            gc_deadline('dl_work', 'community'),
            'missed deadline: the next level''s deadline is not counted from now');
SELECT ok(gc_deadline_from('dl_work', 'community', '2026-12-07 15:30+08') < gc_now(),
          'missed deadline: catching up, the community deadline has passed too (it escalates again)');
SELECT is(gc_deadline_from('dl_wall', 'district',
              gc_deadline_from('dl_wall', 'street',
                  gc_deadline_from('dl_wall', 'community',
                      gc_deadline_from('dl_wall', 'grid', '2026-12-07 10:00+08')))),
          '2026-12-18 10:00+08'::timestamptz,
          'every deadline missed, wall clock: 24 + 48 + 72 + 120 h from Monday 7th 10:00 = Friday 18th 10:00');
SELECT is(gc_deadline_from('dl_work', 'district',
              gc_deadline_from('dl_work', 'street',
                  gc_deadline_from('dl_work', 'community',
                      gc_deadline_from('dl_work', 'grid', '2026-12-07 10:00+08')))),
          '2026-12-16 14:30+08'::timestamptz,
          'every deadline missed, working hours: 4 + 8 + 16 + 24 h from Monday 7th 10:00 = Wednesday 16th 14:30');

-- gc_next_level(level): the level a case escalates to (being added; its tests skip until it exists)
SELECT has_function('public', 'gc_next_level', ARRAY['text'], 'gc_next_level(text) exists');
SELECT to_regprocedure('public.gc_next_level(text)') IS NOT NULL AS have_next_level \gset
\if :have_next_level
SELECT function_returns('public', 'gc_next_level', ARRAY['text'], 'text',
                        'gc_next_level(text) returns text');
SELECT is(gc_next_level('grid'), 'community', 'gc_next_level: grid -> community');
SELECT is(gc_next_level('community'), 'street', 'gc_next_level: community -> street');
SELECT is(gc_next_level('street'), 'district', 'gc_next_level: street -> district');
SELECT is(gc_next_level('district'), NULL, 'gc_next_level: district -> NULL (it never escalates further)');
SELECT results_eq(
    $$WITH RECURSIVE chain (level, deadline) AS (
          SELECT 'grid'::text, gc_deadline_from('dl_work', 'grid', '2026-12-07 10:00+08')
          UNION ALL
          SELECT gc_next_level(c.level), gc_deadline_from('dl_work', gc_next_level(c.level), c.deadline)
          FROM chain c WHERE gc_next_level(c.level) IS NOT NULL)
      SELECT level, deadline FROM chain$$,
    $$VALUES ('grid', '2026-12-07 15:30+08'::timestamptz), ('community', '2026-12-08 16:30+08'),
             ('street', '2026-12-11 10:00+08'), ('district', '2026-12-16 14:30+08')$$,
    'escalation chain by gc_next_level, each deadline from the one missed: grid, community, street, district');
\else
SELECT skip('gc_next_level(text) does not exist yet', 6);
\endif

SELECT * FROM finish();
ROLLBACK;
