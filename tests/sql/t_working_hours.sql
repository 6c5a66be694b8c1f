-- gc_add_working_hours(p_start, p_hours) and gc_add_handling_hours(p_category, p_start, p_hours):
-- handling time counted in the district's working hours (working_hours, calendar_days, the time
-- zone of district_settings), or in wall-clock hours.
-- Calendar used below (Asia/Shanghai): Monday to Friday 09:00-12:00 and 13:30-17:30 (7 h a day).
-- December 2026: Mon 7, Fri 11, Mon 14, Tue 15, Fri 18, Sat 19; Thu 31; Fri 2027-01-01.
BEGIN;
SELECT plan(27);
SET LOCAL TimeZone = 'Asia/Shanghai';

UPDATE district_settings SET time_zone = 'Asia/Shanghai';
DELETE FROM calendar_days;
DELETE FROM working_hours;
INSERT INTO categories (code, name, hours_grid, hours_community, hours_street, hours_district,
                        working_hours)
VALUES ('wh_office', 'counted in working hours', 4, 8, 16, 24, true),
       ('wh_urgent', 'counted on the wall clock', 4, 8, 16, 24, false);

-- no working hours at all: wall clock
SELECT is(gc_add_working_hours('2026-12-05 22:00+08', 5), '2026-12-06 03:00+08'::timestamptz,
          'no working_hours rows: 5 h from Saturday 22:00 is Sunday 03:00 (wall clock)');
SELECT is(gc_add_handling_hours('wh_office', '2026-12-05 22:00+08', 5),
          '2026-12-06 03:00+08'::timestamptz,
          'no working_hours rows: a working-hours category counts wall-clock hours too');

INSERT INTO working_hours (weekday, starts, ends)
SELECT d, p.s, p.e FROM generate_series(1, 5) d,
       (VALUES (time '09:00', time '12:00'), (time '13:30', time '17:30')) p (s, e);

SELECT is(gc_add_working_hours('2026-12-07 10:00+08', 1), '2026-12-07 11:00+08'::timestamptz,
          'start inside the morning period: Monday 10:00 + 1 h = 11:00');
SELECT is(gc_add_working_hours('2026-12-07 10:00+08', 3), '2026-12-07 14:30+08'::timestamptz,
          'lunch break skipped: Monday 10:00 + 3 h = 2 h before noon, 1 h from 13:30 = 14:30');
SELECT is(gc_add_working_hours('2026-12-07 12:30+08', 1), '2026-12-07 14:30+08'::timestamptz,
          'start inside the lunch break: Monday 12:30 + 1 h counts from 13:30 = 14:30');
SELECT is(gc_add_working_hours('2026-12-07 07:00+08', 2), '2026-12-07 11:00+08'::timestamptz,
          'start before opening: Monday 07:00 + 2 h counts from 09:00 = 11:00');
SELECT is(gc_add_working_hours('2026-12-07 18:00+08', 2), '2026-12-08 11:00+08'::timestamptz,
          'start after closing: Monday 18:00 + 2 h = Tuesday 11:00');
SELECT is(gc_add_working_hours('2026-12-07 17:00+08', 1), '2026-12-08 09:30+08'::timestamptz,
          'half an hour before closing: Monday 17:00 + 1 h = Tuesday 09:30');
SELECT is(gc_add_working_hours('2026-12-05 10:00+08', 2), '2026-12-07 11:00+08'::timestamptz,
          'start on a weekend: Saturday 10:00 + 2 h = Monday 11:00');
SELECT is(gc_add_working_hours('2026-12-11 16:30+08', 2), '2026-12-14 10:00+08'::timestamptz,
          'across a weekend: Friday 16:30 + 2 h = 1 h on Friday, 1 h on Monday = Monday 10:00');
SELECT is(gc_add_working_hours('2026-12-07 09:00+08', 7), '2026-12-07 17:30+08'::timestamptz,
          'a whole working day ends at closing time, not at the next opening: Monday 09:00 + 7 h = 17:30');
SELECT is(gc_add_working_hours('2026-12-07 09:00+08', 8), '2026-12-08 10:00+08'::timestamptz,
          'Monday 09:00 + 8 h = Tuesday 10:00');
SELECT is(gc_add_working_hours('2026-12-07 09:00+08', 36), '2026-12-14 10:00+08'::timestamptz,
          'a whole working week and 1 h: Monday 09:00 + 36 h = next Monday 10:00');

-- public holiday and make-up working day (调休)
INSERT INTO calendar_days (day, working, hours_of, name)
VALUES ('2026-12-15', false, 1, 'a public holiday on a Tuesday'),
       ('2026-12-19', true, 1, '调休: a Saturday worked as a Monday');
SELECT is(gc_add_working_hours('2026-12-14 17:00+08', 1), '2026-12-16 09:30+08'::timestamptz,
          'public holiday skipped: Monday 17:00 + 1 h, Tuesday off = Wednesday 09:30');
SELECT is(gc_add_working_hours('2026-12-15 10:00+08', 1), '2026-12-16 10:00+08'::timestamptz,
          'start on a public holiday: Tuesday (off) 10:00 + 1 h = Wednesday 10:00');
SELECT is(gc_add_working_hours('2026-12-18 17:00+08', 2), '2026-12-19 10:30+08'::timestamptz,
          'make-up working day: Friday 17:00 + 2 h = 0.5 h on Friday, 1.5 h on the worked Saturday = Saturday 10:30');
SELECT is(gc_add_working_hours('2026-12-19 11:00+08', 3), '2026-12-19 15:30+08'::timestamptz,
          'a make-up Saturday has the periods of weekday hours_of (Monday), lunch break included: 11:00 + 3 h = 15:30');
SELECT is(gc_add_working_hours('2026-12-19 18:00+08', 1), '2026-12-21 10:00+08'::timestamptz,
          'the Sunday after a make-up Saturday is off: Saturday 18:00 + 1 h = Monday 10:00');

-- a deadline across the year end, 2027-01-01 a public holiday
SELECT is(gc_add_working_hours('2026-12-31 16:00+08', 4), '2027-01-01 11:30+08'::timestamptz,
          'year end, before New Year''s Day is a holiday: Thursday 31 December 16:00 + 4 h = Friday 1 January 11:30');
INSERT INTO calendar_days (day, working, name) VALUES ('2027-01-01', false, '元旦');
SELECT is(gc_add_working_hours('2026-12-31 16:00+08', 4), '2027-01-04 11:30+08'::timestamptz,
          'year end: Thursday 31 December 16:00 + 4 h = 1.5 h in 2026, New Year''s Day and the weekend off, Monday 4 January 11:30');

-- the district's time zone decides what 09:00 means
UPDATE district_settings SET time_zone = 'Europe/Berlin';
SELECT is(gc_add_working_hours('2026-12-07 10:00+01', 1), '2026-12-07 11:00+01'::timestamptz,
          'time zone Europe/Berlin: Monday 10:00 Berlin + 1 h = 11:00 Berlin');
SELECT is(gc_add_working_hours('2026-12-07 10:00+08', 1), '2026-12-07 10:00+01'::timestamptz,
          'time zone Europe/Berlin: 10:00 in Shanghai is 03:00 in Berlin, before opening: + 1 h = 10:00 Berlin');
UPDATE district_settings SET time_zone = 'Asia/Shanghai';

-- gc_add_handling_hours: the category decides
SELECT is(gc_add_handling_hours('wh_office', '2026-12-31 16:00+08', 4),
          '2027-01-04 11:30+08'::timestamptz,
          'a category with working_hours = true counts working hours (holiday and weekend skipped)');
SELECT is(gc_add_handling_hours('wh_urgent', '2026-12-31 16:00+08', 4),
          '2026-12-31 20:00+08'::timestamptz,
          'a category with working_hours = false ignores the calendar: Thursday 16:00 + 4 h = 20:00');
SELECT is(gc_add_handling_hours('wh_urgent', '2026-12-18 17:00+08', 24),
          '2026-12-19 17:00+08'::timestamptz,
          'a category with working_hours = false counts the night and the weekend: Friday 17:00 + 24 h = Saturday 17:00');
SELECT is(gc_add_handling_hours('wh_office', '2026-12-07 10:00+08', 3),
          gc_add_working_hours('2026-12-07 10:00+08', 3),
          'a working-hours category gives what gc_add_working_hours gives (Monday 10:00 + 3 h)');
SELECT is(gc_add_handling_hours('no_such_category', '2026-12-07 10:00+08', 3), NULL,
          'an unknown category has no handling time (NULL)');

SELECT * FROM finish();
ROLLBACK;
