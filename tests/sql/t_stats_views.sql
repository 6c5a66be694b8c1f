-- The figures as the views give them (docs/STATISTICS.md): the quantiles of the durations
-- (gc_stats_add_times: log-spaced buckets, median and p90 against percentile_disc over the same
-- values, mergeable up the area tree and across calls), the buckets themselves, every rate of
-- the views against its numerator and denominator (NULL without data), the leaders' rows, and
-- the removal of old day windows (gc_stats_prune_days) and what the fold writes afterwards.
-- The deltas each event makes are computed and unit-tested in C (services/stats/stats_fold.c);
-- where gc_stats_add_batch adds them is t_stats_deltas.sql's subject. Here the writers are fed
-- by hand and the views read back.
BEGIN;
SELECT plan(41);

-- "Now" is 2027-03-15 01:00 in Shanghai, still 2027-03-14 in UTC: today (the local date) is
-- 2027-03-15, so the retention below counts from the local date, not from UTC's.
UPDATE district_settings SET time_zone = 'Asia/Shanghai';
UPDATE clock SET offset_seconds =
    round(extract(epoch FROM timestamptz '2027-03-15 01:00:00+08' - now()))::bigint;

-- Three trees of our own: 4201 and 4202 (durations: one call, and the same values in two
-- calls), 4301 (the brief's rates worked by hand), 4401 (many rows of varied figures).
INSERT INTO areas (code, parent_code, level, name, leader_name) VALUES
    ('4201', NULL, 'district', 'D1', 'd1 leader'), ('420101', '4201', 'street', 'S1', ''),
    ('42010101', '420101', 'community', 'C1', ''), ('4201010101', '42010101', 'grid', 'G1', ''),
    ('4201010102', '42010101', 'grid', 'G2', ''),
    ('4202', NULL, 'district', 'D2', ''), ('420201', '4202', 'street', 'S2', ''),
    ('42020101', '420201', 'community', 'C2', ''), ('4202010101', '42020101', 'grid', 'G3', ''),
    ('4301', NULL, 'district', '示范区', '区长'), ('430101', '4301', 'street', '街道', '街道书记'),
    ('43010101', '430101', 'community', '社区', '社区书记'),
    ('4301010101', '43010101', 'grid', '第一网格', '网格长一'),
    ('43010102', '430101', 'community', '社区二', '社区书记二'),
    ('4301010201', '43010102', 'grid', '二之一', '网格长二'),
    ('4301010202', '43010102', 'grid', '二之二', '网格长三'),
    ('430102', '4301', 'street', '街道二', ''),
    ('4401', NULL, 'district', 'D4', ''), ('440101', '4401', 'street', 'S4', ''),
    ('44010101', '440101', 'community', 'C4', ''), ('4401010101', '44010101', 'grid', 'G41', ''),
    ('4401010102', '44010101', 'grid', 'G42', ''), ('4401010103', '44010101', 'grid', 'G43', '');
INSERT INTO categories (code, name, hours_grid, hours_community, hours_street, hours_district)
VALUES ('sv_dispute', 'dispute', 24, 48, 72, 120), ('sv_road', 'road', 24, 48, 72, 120);
INSERT INTO departments (code, name) VALUES ('sv_one', 'one call'), ('sv_two', 'two calls');

-- ==== quantiles =================================================================================
-- The durations: 646 values from 0 s to 90 days, with duplicates (0 s twelve times, 1 s five
-- times, one hour 26 times), values exactly on bucket boundaries (1.02^k rounded, k = 0, 3, ...,
-- 798), hours, days, weeks and scattered values. The zeros and ones are all on 2027-03-13, so
-- that day's median is 0 (rank 9 of 17) and its p90 1 s (rank 16); the rest spread over five
-- other days in three months of two years.
CREATE TEMP TABLE vals AS
WITH v (seconds) AS (
    SELECT 0::bigint FROM generate_series(1, 12)
    UNION ALL SELECT 1 FROM generate_series(1, 5)
    UNION ALL SELECT s FROM generate_series(2, 9) s
    UNION ALL SELECT 60 * s FROM generate_series(1, 59, 2) s
    UNION ALL SELECT 3600 FROM generate_series(1, 25)
    UNION ALL SELECT 3600 * s FROM generate_series(1, 47) s
    UNION ALL SELECT 86400 * s FROM generate_series(1, 90) s
    UNION ALL SELECT 604800 * s FROM generate_series(1, 12) s
    UNION ALL SELECT round(power(1.02::numeric, k))::bigint FROM generate_series(0, 800, 3) k
    UNION ALL SELECT (k * 7919) % 250000 FROM generate_series(1, 150) k)
SELECT row_number() OVER () AS n, seconds FROM v;
CREATE TEMP TABLE durs AS
SELECT s.subject, s.measure,
       CASE WHEN v.seconds <= 1 THEN date '2027-03-13'
            ELSE (ARRAY[date '2026-12-31', '2027-02-20', '2027-03-10', '2027-03-11',
                        '2027-03-14'])[1 + v.n % 5] END AS day,
       v.seconds, v.n
FROM vals v,
     (VALUES ('4201010101', 'close'), ('4202010101', 'close'), ('sv_one', 'resolve'),
             ('sv_two', 'resolve')) s (subject, measure)
UNION ALL -- acceptances: the ones under a week, on other days
SELECT s.subject, 'accept', (ARRAY[date '2027-03-11', '2027-03-14'])[1 + v.n % 2], v.seconds, v.n
FROM vals v, (VALUES ('sv_one'), ('sv_two')) s (subject)
WHERE v.seconds < 7 * 86400;

-- 4201010101 and sv_one: in one call; 4202010101 and sv_two: in two calls, each half in
-- reverse order
SELECT gc_stats_add_times(array_agg(subject ORDER BY n), array_agg(measure ORDER BY n),
                          array_agg(day ORDER BY n), array_agg(seconds ORDER BY n))
FROM durs WHERE subject IN ('4201010101', 'sv_one');
SELECT gc_stats_add_times(array_agg(subject ORDER BY n DESC), array_agg(measure ORDER BY n DESC),
                          array_agg(day ORDER BY n DESC), array_agg(seconds ORDER BY n DESC))
FROM durs WHERE subject IN ('4202010101', 'sv_two') AND n % 2 = 0;
SELECT gc_stats_add_times(array_agg(subject ORDER BY n DESC), array_agg(measure ORDER BY n DESC),
                          array_agg(day ORDER BY n DESC), array_agg(seconds ORDER BY n DESC))
FROM durs WHERE subject IN ('4202010101', 'sv_two') AND n % 2 = 1;

-- What each summary must be: over the values of the (subject, measure) in the window, an
-- area's durations counting in it and every area above it.
CREATE TEMP VIEW expected AS
SELECT t.subject, d.measure, w.window_kind, w.window_start, count(*) AS cases,
       sum(d.seconds) AS seconds,
       percentile_disc(0.5) WITHIN GROUP (ORDER BY d.seconds) AS median,
       percentile_disc(0.9) WITHIN GROUP (ORDER BY d.seconds) AS p90
FROM durs d
     CROSS JOIN LATERAL (SELECT a.code FROM areas a
                         WHERE d.measure = 'close' AND a.code = ANY (gc_area_prefixes(d.subject))
                         UNION ALL SELECT d.subject WHERE d.measure <> 'close') t (subject)
     CROSS JOIN LATERAL gc_stats_windows(d.day) w
GROUP BY 1, 2, 3, 4;
CREATE TEMP VIEW compared AS
SELECT e.*, s.cases AS got_cases, s.seconds AS got_seconds, s.median_seconds, s.p90_seconds
FROM expected e JOIN stats_time_summaries s USING (subject, measure, window_kind, window_start);

SELECT is((SELECT count(*)::integer FROM vals), 646, 'the input: 646 durations from 0 s to 90 days');
SELECT set_eq($$SELECT subject, measure, window_kind, window_start FROM stats_time_summaries$$,
              $$SELECT subject, measure, window_kind, window_start FROM expected$$,
              'one summary per (subject, measure, window) that got a duration: the grid and each area above it, the departments, every window');
SELECT is((SELECT count(*)::integer FROM expected), 130,
          'that is 130 summaries: 2 trees x 4 areas x 12 windows (6 days, 3 months, 2 years, all), 2 departments x (12 resolve + 5 accept)');
SELECT is_empty($$SELECT * FROM compared WHERE got_cases <> cases OR got_seconds <> seconds$$,
                'cases and seconds (their sum) are exact in every summary');
SELECT is_empty($$SELECT * FROM compared
                  WHERE abs(median_seconds - median) > 0.02 * median
                     OR abs(p90_seconds - p90) > 0.02 * p90$$,
                'median and p90 within 2% of percentile_disc(0.5) and (0.9) over the same values, in every summary (0 exactly when the exact value is 0)');
SELECT is_empty($$SELECT * FROM compared
                  WHERE abs(median_seconds - median) >= 0.01 * median AND median > 0
                     OR abs(p90_seconds - p90) >= 0.01 * p90 AND p90 > 0$$,
                'and within 1%, as docs/STATISTICS.md says');
SELECT results_eq(
    $$SELECT subject, median_seconds, round(p90_seconds::numeric, 6) FROM stats_time_summaries
      WHERE window_kind = 'day' AND window_start = '2027-03-13' AND measure = 'close'
      ORDER BY subject$$,
    $$VALUES ('4201'::text, 0::float8, 0.990099), ('420101', 0, 0.990099),
             ('42010101', 0, 0.990099), ('4201010101', 0, 0.990099), ('4202', 0, 0.990099),
             ('420201', 0, 0.990099), ('42020101', 0, 0.990099), ('4202010101', 0, 0.990099)$$,
    '12 zeros and 5 ones on 2027-03-13: median (rank 9) exactly 0, p90 (rank 16) 1 s read back as 2/2.02');
SELECT ok((SELECT max(p90) > 40 * 86400 AND max(median) > 20 * 3600 AND min(median) = 0 FROM compared),
          'the summaries checked range from 0 to months: medians up to over 20 hours, p90s over 40 days');
SELECT is_empty(
    $$SELECT s.subject, s.measure, s.window_kind, s.window_start FROM stats_time_summaries s
      JOIN stats_time_summaries g ON g.subject = '4201010101' AND g.measure = s.measure
       AND g.window_kind = s.window_kind AND g.window_start = s.window_start
      WHERE s.subject IN ('4201', '420101', '42010101')
        AND (s.cases, s.seconds, s.median_seconds, s.p90_seconds)
            IS DISTINCT FROM (g.cases, g.seconds, g.median_seconds, g.p90_seconds)$$,
    'the grid''s parents (community, street, district) have the grid''s summaries, window by window');
SELECT is((SELECT count(*)::integer FROM stats_time_summaries WHERE subject IN ('4201', '420101', '42010101')),
          36, 'each parent has the grid''s 12 windows');
SELECT is_empty(
    $$SELECT subject FROM stats_time_summaries
      WHERE subject NOT IN
            ('4201', '420101', '42010101', '4201010101', '4202', '420201', '42020101', '4202010101',
             'sv_one', 'sv_two')$$,
    'no summary for the sibling grid, nor for anything else');
SELECT is_empty(
    $$(SELECT measure, window_kind, window_start, cases, seconds, median_seconds, p90_seconds
       FROM stats_time_summaries WHERE subject IN ('4201010101', 'sv_one')
       EXCEPT ALL
       SELECT measure, window_kind, window_start, cases, seconds, median_seconds, p90_seconds
       FROM stats_time_summaries WHERE subject IN ('4202010101', 'sv_two'))
      UNION ALL
      (SELECT measure, window_kind, window_start, cases, seconds, median_seconds, p90_seconds
       FROM stats_time_summaries WHERE subject IN ('4202010101', 'sv_two')
       EXCEPT ALL
       SELECT measure, window_kind, window_start, cases, seconds, median_seconds, p90_seconds
       FROM stats_time_summaries WHERE subject IN ('4201010101', 'sv_one'))$$,
    'the same values added in two calls (the buckets merged) give the summaries of one call, for an area and a department');
SELECT is_empty(
    $$(SELECT measure, window_kind, window_start, grp, cases, seconds FROM stats_time_groups
       WHERE subject = '4201010101'
       EXCEPT SELECT measure, window_kind, window_start, grp, cases, seconds
       FROM stats_time_groups WHERE subject = '4202010101')
      UNION ALL
      (SELECT measure, window_kind, window_start, grp, cases, seconds FROM stats_time_groups
       WHERE subject = '4202010101'
       EXCEPT SELECT measure, window_kind, window_start, grp, cases, seconds
       FROM stats_time_groups WHERE subject = '4201010101')$$,
    'and the same groups of buckets (stats_time_groups)');
SELECT is_empty(
    $$(SELECT measure, window_kind, window_start, bucket, cases FROM stats_time_buckets
       WHERE subject = '4201010101'
       EXCEPT SELECT measure, window_kind, window_start, bucket, cases
       FROM stats_time_buckets WHERE subject = '4202010101')
      UNION ALL
      (SELECT measure, window_kind, window_start, bucket, cases FROM stats_time_buckets
       WHERE subject = '4202010101'
       EXCEPT SELECT measure, window_kind, window_start, bucket, cases
       FROM stats_time_buckets WHERE subject = '4201010101')$$,
    'and the same buckets (stats_time_buckets)');
-- the closures' counts (the view's rows are those of stats_area_windows; the fold writes both)
SELECT gc_stats_add_batch(ARRAY['4201010101'], ARRAY['sv_road'], ARRAY[date '2027-03-14'],
                          ARRAY[ARRAY[646, 646] || array_fill(0::bigint, ARRAY[26])]);
SELECT results_eq(
    $$SELECT close_seconds_cases, close_seconds_mean, close_seconds_median, close_seconds_p90
      FROM stats_area_figures WHERE area_code = '42010101' AND window_kind = 'all'$$,
    $$SELECT cases, round(seconds::numeric / cases, 2), median_seconds, p90_seconds
      FROM stats_time_summaries WHERE subject = '42010101' AND measure = 'close' AND window_kind = 'all'$$,
    'stats_area_figures shows the community''s all-time summary as close_seconds_cases, _mean (exact: seconds / cases), _median, _p90');

-- ==== buckets ===================================================================================
SELECT is_empty(
    $$SELECT s, gc_stats_time_bucket(s), gc_stats_bucket_seconds(gc_stats_time_bucket(s))
      FROM generate_series(1, 100000) s
      WHERE abs(gc_stats_bucket_seconds(gc_stats_time_bucket(s)) - s) > 0.01 * s
      LIMIT 10$$,
    'every duration from 1 s to 100000 s reads back within 1% from its bucket');
SELECT is(ARRAY[gc_stats_time_bucket(0)::float8, gc_stats_bucket_seconds(0)], ARRAY[0, 0]::float8[],
          'bucket(0) = 0, read back as 0');
SELECT is_empty(
    $$SELECT s FROM generate_series(2, 100000) s
      WHERE gc_stats_time_bucket(s) < gc_stats_time_bucket(s - 1)$$,
    'the buckets grow with the duration');

-- ==== rates =====================================================================================
-- The brief's community (43010101, its one grid 4301010101): 65 disputes reported, all closed:
-- 40 on the spot at the grid, 23 resolved by a department and verified at the grid, 1 escalated
-- to the community and closed there (a department's resolution, verified), 1 escalated to the
-- community and then the street and closed there (a joint meeting); the two escalated missed a
-- deadline each. Deltas in column order (t_stats_deltas.sql):
--   reported 65, closed 65, closed_at_grid 63, closed_at_community 1, closed_at_street 1,
--   closed_at_district 0, resolved_on_spot 40, resolved 24, reopened 0,
--   escalated_to_community 2, escalated_to_street 1, escalated_to_district 0,
--   missed_deadline 2, supervised 0, misrouted 0, extended 0, due 65 (all closed),
--   closed_on_time 63 (closed, never missed a deadline: 65 - 2), close_seconds 234000,
--   histogram 40 + 23 + 2 = 65.
-- By hand:
--   closed_of_due_rate                  65 / 65 = 100.00
--   closed_at_grid_of_closed_rate       63 / 65 = 0.969230... -> 96.92
--   closed_in_community_of_closed_rate  (63 + 1) / 65 = 0.984615... -> 98.46
--   closed_in_street_of_closed_rate     (65 - 0) / 65 = 100.00
--   closed_on_time_of_due_rate          63 / 65 -> 96.92
--   resolved_on_spot_of_closed_rate     40 / 65 = 0.615384... -> 61.54
--   closed_of_reported_rate 65/65 = 100.00, closed_in_community_of_reported_rate 64/65 = 98.46,
--   stayed_below_district_of_reported_rate 65/65 = 100.00, reopened_of_closed_rate 0/65 = 0.00,
--   extended_of_reported_rate 0/65 = 0.00.
-- Community 43010102: grid 4301010201 has 5 disputes reported, none closed, one escalated to the
-- community by the sweep (missed a deadline, so due), one extension; grid 4301010202 has 3
-- reported, one of them raised to the district (missed a deadline, supervised) and closed there
-- (a joint enforcement, verified).
SELECT gc_stats_add_batch(
    ARRAY['4301010101', '4301010201', '4301010202'], ARRAY['sv_dispute', 'sv_dispute', 'sv_road'],
    ARRAY[date '2027-03-14', '2027-03-14', '2027-03-14'],
    ARRAY[ARRAY[65, 65, 63, 1, 1, 0, 40, 24, 0, 2, 1, 0, 2, 0, 0, 0, 65, 63, 234000,
                40, 23, 0, 0, 0, 2, 0, 0, 0],
          ARRAY[5, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
          ARRAY[3, 1, 0, 0, 0, 1, 0, 1, 0, 1, 1, 1, 1, 1, 0, 0, 1, 0, 400000,
                0, 0, 0, 0, 0, 0, 1, 0, 0]]::bigint[]);
SELECT results_eq(
    $$SELECT closed_of_due_rate, closed_at_grid_of_closed_rate, closed_in_community_of_closed_rate,
             closed_in_street_of_closed_rate, closed_on_time_of_due_rate,
             resolved_on_spot_of_closed_rate
      FROM stats_area_figures WHERE area_code = '43010101' AND window_kind = 'all'$$,
    $$VALUES (100.00, 96.92, 98.46, 100.00, 96.92, 61.54)$$,
    'the brief''s community: 结案率 100.00, 小事不出网格 96.92, 小事不出社区 98.46, 大事不出街道 100.00, 按期结案率 96.92, 当场化解 61.54');
SELECT results_eq(
    $$SELECT closed_of_reported_rate, closed_in_community_of_reported_rate,
             stayed_below_district_of_reported_rate, reopened_of_closed_rate,
             extended_of_reported_rate, closed_in_community, closed_in_street, stayed_below_district, open
      FROM stats_area_figures WHERE area_code = '43010101' AND window_kind = 'day'
        AND window_start = '2027-03-14'$$,
    $$VALUES (100.00, 98.46, 100.00, 0.00, 0.00, 64::numeric, 65::numeric, 65::numeric, 0::numeric)$$,
    'and its other rates, in its day window: 化解率 100.00, 社区内办理率 98.46, 矛盾不上交 100.00, 返工率 0.00, 延期率 0.00');
SELECT results_eq(
    $$SELECT reported, closed, closed_of_due_rate, closed_of_reported_rate,
             closed_on_time_of_due_rate, closed_in_community_of_reported_rate,
             extended_of_reported_rate, reopened_of_closed_rate, closed_at_grid_of_closed_rate,
             closed_in_community_of_closed_rate, closed_in_street_of_closed_rate,
             resolved_on_spot_of_closed_rate, close_seconds_cases, close_seconds_median
      FROM stats_area_figures WHERE area_code = '4301010201' AND window_kind = 'all'$$,
    $$VALUES (5::numeric, 0::numeric, 0.00, 0.00, 0.00, 0.00, 20.00, NULL::numeric,
              NULL::numeric, NULL::numeric, NULL::numeric, NULL::numeric, NULL::bigint, NULL::float8)$$,
    'a grid with 5 reported and none closed: 0/1 due and 0/5 reported are 0.00, 1/5 extended 20.00; every *_of_closed rate and the time to close are NULL, not 0');
SELECT results_eq(
    $$SELECT closed_of_due_rate, closed_at_grid_of_closed_rate, closed_in_street_of_closed_rate,
             stayed_below_district_of_reported_rate, closed_in_community_of_reported_rate
      FROM stats_area_figures WHERE area_code IN ('4301010202', '43010102') AND window_kind = 'all'
      ORDER BY area_code DESC$$,
    $$VALUES (100.00, 0.00, 0.00, 66.67, 0.00), (50.00, 0.00, 0.00, 87.50, 0.00)$$,
    'a case closed at the district: its grid 1/1 结案率, 0/1 大事不出街道, 2/3 = 66.67 矛盾不上交; its community 1/2 结案率 = 50.00, 7/8 矛盾不上交 = 87.50');
-- the leaders' assessment rows (docs/STATISTICS.md), all time:
--   grid 4301010101: reached = reported 65, closed here = closed_at_grid 63, passed up =
--     escalated_to_community 2
--   community 43010101: escalated_to_community 2, closed_at_community 1, escalated_to_street 1
--   grid 4301010201: 5 reported, 0, 1; grid 4301010202: 3, 0, 1
--   community 43010102: escalated_to_community 1 + 1, closed_at_community 0,
--     escalated_to_street 0 + 1
--   street 430101: escalated_to_street 1 + 1, closed_at_street 1, escalated_to_district 1
--   district 4301: escalated_to_district 1, closed_at_district 1, passed up: none (0)
SELECT results_eq(
    $$SELECT area_code, level, leader_name, leader_reached, leader_closed_here, leader_passed_up
      FROM stats_area_figures WHERE area_code LIKE '4301%' AND window_kind = 'all'
      ORDER BY area_code$$,
    $$VALUES ('4301'::text, 'district'::text, '区长'::text, 1::numeric, 1::numeric, 0::numeric),
             ('430101', 'street', '街道书记', 2, 1, 1),
             ('43010101', 'community', '社区书记', 2, 1, 1),
             ('4301010101', 'grid', '网格长一', 65, 63, 2),
             ('43010102', 'community', '社区书记二', 2, 0, 1),
             ('4301010201', 'grid', '网格长二', 5, 0, 1),
             ('4301010202', 'grid', '网格长三', 3, 0, 1)$$,
    'the leader columns per level: a grid''s reported/closed_at_grid/escalated_to_community, a community''s escalated_to_community/closed_at_community/escalated_to_street, a street''s and the district''s');
SELECT is_empty($$SELECT 1 FROM stats_area_figures WHERE area_code = '430102'$$,
                'an area without figures has no row');

-- Many rows of varied figures (tree 4401): 90 entries in three grids, two categories and
-- several days; each figure cycles with its own period, so zeros of every denominator meet
-- non-zero numerators. Grid 4401010103 gets only reported cases: its due and closed are 0.
SELECT gc_stats_add_batch(
    array_agg((ARRAY['4401010101', '4401010102'])[1 + i % 2] ORDER BY i),
    array_agg((ARRAY['sv_dispute', 'sv_road'])[1 + i % 3 / 2] ORDER BY i),
    array_agg(date '2027-01-01' + (i % 9) * 17 ORDER BY i),
    array_agg(ARRAY(SELECT (i * (k + 3)) % (k % 5 + 2) FROM generate_series(1, 28) k) ORDER BY i))
FROM generate_series(1, 90) i;
SELECT gc_stats_add_batch(ARRAY['4401010103'], ARRAY['sv_road'], ARRAY[date '2027-03-14'],
                          ARRAY[ARRAY[4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                      0, 0, 0, 0, 0, 0, 0, 0, 0, 0]]::bigint[]);
SELECT gc_stats_add_department_batch(
    array_agg((ARRAY['sv_one', 'sv_two'])[1 + i % 2] ORDER BY i), array_agg('sv_road'::text ORDER BY i),
    array_agg(date '2027-02-01' + i ORDER BY i),
    array_agg(ARRAY(SELECT (i * (k + 2)) % (k + 1) FROM generate_series(1, 6) k) ORDER BY i))
FROM generate_series(1, 20) i;
SELECT gc_stats_add_department_batch(ARRAY['sv_one'], ARRAY['sv_dispute'], ARRAY[date '2027-03-14'],
                                     ARRAY[ARRAY[3, 0, 0, 0, 0, 0]]::bigint[]);
SELECT results_eq(
    $$SELECT closed_of_due_rate, closed_on_time_of_due_rate, reopened_of_closed_rate,
             closed_of_reported_rate
      FROM stats_area_figures WHERE area_code = '4401010103' AND window_kind = 'all'$$,
    $$VALUES (NULL::numeric, NULL::numeric, NULL::numeric, 0.00)$$,
    'reported but not due: the *_of_due rates are NULL, 化解率 0/4 is 0.00');

-- every rate of a view, "<numerator>_of_<denominator>_rate", against its two columns in the
-- same row: round(100 * numerator / denominator, 2), NULL when the denominator is 0
CREATE FUNCTION pg_temp.rates(p_view text) RETURNS TABLE (
    rate text, numerator numeric, denominator numeric, got numeric, want numeric, has_columns boolean)
LANGUAGE plpgsql AS
$$
BEGIN
    RETURN QUERY EXECUTE format(
        $q$SELECT r.key, (j ->> m[1])::numeric, (j ->> m[2])::numeric, (r.value #>> '{}')::numeric,
                  round(100.0 * (j ->> m[1])::numeric / nullif((j ->> m[2])::numeric, 0), 2),
                  j ? m[1] AND j ? m[2]
           FROM %I f CROSS JOIN LATERAL to_jsonb(f) j CROSS JOIN LATERAL jsonb_each(j) r
                CROSS JOIN LATERAL regexp_match(r.key, '^(.*)_of_(.*)_rate$') m
           WHERE m IS NOT NULL$q$, p_view);
END
$$;
SELECT is_empty($$SELECT * FROM pg_temp.rates('stats_area_figures')
                  WHERE NOT has_columns OR got IS DISTINCT FROM want$$,
                'stats_area_figures: every *_rate = round(100 * num / den, 2) with its numerator and denominator columns, NULL when den = 0');
SELECT is_empty($$SELECT * FROM pg_temp.rates('stats_area_category_figures')
                  WHERE NOT has_columns OR got IS DISTINCT FROM want$$,
                'stats_area_category_figures: likewise');
SELECT is_empty($$SELECT * FROM pg_temp.rates('stats_department_figures')
                  WHERE NOT has_columns OR got IS DISTINCT FROM want$$,
                'stats_department_figures: likewise');
SELECT results_eq(
    $$SELECT v, count(DISTINCT rate)::integer, count(DISTINCT rate) FILTER (WHERE got IS NULL)::integer,
             count(DISTINCT rate) FILTER (WHERE got IS NOT NULL)::integer FROM (
          SELECT 'area' AS v, * FROM pg_temp.rates('stats_area_figures')
          UNION ALL SELECT 'category', * FROM pg_temp.rates('stats_area_category_figures')
          UNION ALL SELECT 'department', * FROM pg_temp.rates('stats_department_figures')) x
      GROUP BY v ORDER BY v$$,
    $$VALUES ('area', 11, 11, 11), ('category', 2, 1, 2), ('department', 3, 3, 3)$$,
    'the rates checked: the 11 of docs/STATISTICS.md per area, 2 per category, 3 per department, each met with data and with a zero denominator (NULL), but a category''s 化解率: the view lists a category only with cases reported');

-- ==== retention =================================================================================
-- Today (local) is 2027-03-15; keeping 3 days keeps the day windows from 2027-03-12 on. The
-- durations have day windows 2026-12-31, 2027-02-20, 03-10, 03-11 (all removed: 03-11 is the
-- first day a UTC "today", 03-14, would have kept), 03-13 and 03-14 (kept); the figures 03-14
-- and tree 4401's days.
-- The rows per window of every table of figures: each base table of schema public with a
-- window_kind and a window_start (stats_area_windows, stats_department_windows,
-- stats_time_buckets, stats_time_groups, stats_time_summaries), so a table of windows added
-- later is held to the same rule.
CREATE FUNCTION pg_temp.window_rows() RETURNS TABLE (t text, window_kind text, window_start date, n bigint)
LANGUAGE plpgsql AS
$$
DECLARE
    v_table text;
BEGIN
    FOR v_table IN
        SELECT c.table_name FROM information_schema.columns c
             JOIN information_schema.tables x USING (table_schema, table_name)
        WHERE c.table_schema = 'public' AND x.table_type = 'BASE TABLE'
          AND c.column_name IN ('window_kind', 'window_start')
        GROUP BY c.table_name HAVING count(*) = 2 ORDER BY 1
    LOOP
        RETURN QUERY EXECUTE format(
            'SELECT %L::text, w.window_kind, w.window_start, count(*) FROM %I w GROUP BY 2, 3',
            v_table, v_table);
    END LOOP;
END
$$;
CREATE TEMP TABLE before_prune AS SELECT * FROM pg_temp.window_rows();
CREATE TEMP TABLE pruned AS SELECT gc_stats_prune_days(3) AS removed;
SELECT is((SELECT day_windows_from FROM stats_retention), date '2027-03-12',
          'gc_stats_prune_days(3) records the first day kept: 3 days before today''s local date 2027-03-15');
SELECT set_eq($$SELECT * FROM pg_temp.window_rows()$$,
              $$SELECT * FROM before_prune WHERE window_kind <> 'day' OR window_start >= '2027-03-12'$$,
              'it removed the older day rows from every table of figures (stats_area_windows, stats_department_windows, stats_time_buckets, stats_time_groups, stats_time_summaries), and nothing else');
SELECT is((SELECT removed FROM pruned),
          (SELECT sum(n) FROM before_prune WHERE window_kind = 'day' AND window_start < '2027-03-12')::bigint,
          'it returns the number of rows removed');
SELECT results_eq(
    $$SELECT t, bool_or(window_start < '2027-03-12'), bool_or(window_start = '2027-03-11'),
             bool_or(window_start >= '2027-03-12')
      FROM before_prune WHERE window_kind = 'day' GROUP BY t ORDER BY t$$,
    $$VALUES ('stats_area_windows'::text, true, false, true),
             ('stats_department_windows', true, false, true), ('stats_time_buckets', true, true, true),
             ('stats_time_groups', true, true, true), ('stats_time_summaries', true, true, true)$$,
    'the five tables of figures had day rows on both sides of the limit (the durations on 2027-03-11, the day a UTC "today" would have kept)');

-- a late event of a removed day: its month, year and all time, not its day
SELECT gc_stats_add_batch(ARRAY['4301010101'], ARRAY['sv_dispute'], ARRAY[date '2027-03-10'],
                          ARRAY[ARRAY[1, 1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1,
                                      60, 1, 0, 0, 0, 0, 0, 0, 0, 0]]::bigint[]);
SELECT results_eq(
    $$SELECT window_kind, window_start, reported, closed FROM stats_area_figures
      WHERE area_code = '43010101' ORDER BY window_kind, window_start$$,
    $$VALUES ('all'::text, date '1970-01-01', 66::numeric, 66::numeric),
             ('day', '2027-03-14', 65, 65),
             ('month', '2027-03-01', 66, 66), ('year', '2027-01-01', 66, 66)$$,
    'gc_stats_add_batch for a removed day (2027-03-10) adds to its month, year and all time, and writes no day row');
SELECT gc_stats_add_department_batch(ARRAY['sv_one'], ARRAY['sv_road'], ARRAY[date '2027-03-10'],
                                     ARRAY[ARRAY[1, 1, 1, 0, 0, 0]]::bigint[]);
SELECT is_empty($$SELECT 1 FROM stats_department_windows WHERE window_kind = 'day' AND window_start < '2027-03-12'$$,
                'gc_stats_add_department_batch writes no removed day either');
CREATE TEMP TABLE month_before AS
SELECT cases, seconds FROM stats_time_summaries
WHERE subject = '4201' AND measure = 'close' AND window_kind = 'month' AND window_start = '2027-03-01';
SELECT gc_stats_add_times(ARRAY['4201010101', '4201010101', 'sv_one'],
                          ARRAY['close', 'close', 'accept'],
                          ARRAY[date '2027-03-10', '2027-03-13', '2027-03-11'],
                          ARRAY[7777, 8888, 99]::bigint[]);
SELECT results_eq(
    $$SELECT window_kind, window_start FROM stats_time_summaries
      WHERE subject = '4201' AND measure = 'close' AND window_kind = 'day' ORDER BY window_start$$,
    $$VALUES ('day'::text, date '2027-03-13'), ('day', '2027-03-14')$$,
    'gc_stats_add_times for a removed day writes no day summary (a kept day''s is still written)');
SELECT results_eq(
    $$SELECT s.cases - b.cases, s.seconds - b.seconds FROM stats_time_summaries s, month_before b
      WHERE s.subject = '4201' AND s.measure = 'close' AND s.window_kind = 'month'
        AND s.window_start = '2027-03-01'$$,
    $$VALUES (2::bigint, 16665::bigint)$$,
    'but both durations reach the district''s month (7777 + 8888 s)');
SELECT is_empty($$SELECT * FROM pg_temp.window_rows() WHERE window_kind = 'day' AND window_start < '2027-03-12'$$,
                'and no day row before 2027-03-12 came back in any table (buckets, groups, the department''s accept)');
SELECT is((SELECT gc_stats_prune_days(10) = 0 AND day_windows_from = '2027-03-12' FROM stats_retention),
          true, 'keeping more days afterwards brings nothing back: the first day kept stays 2027-03-12');

SELECT throws_ok($$SELECT gc_stats_prune_days(0)$$, '22023', NULL, 'keeping 0 days is refused (22023)');
SELECT throws_ok($$SELECT gc_stats_prune_days(-5)$$, '22023', NULL, 'a negative count is refused (22023)');

SELECT * FROM finish();
ROLLBACK;
