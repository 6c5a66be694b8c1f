-- The statistics fold's writers: gc_stats_add_batch(p_areas, p_categories, p_days, d) adds, for
-- entry i, the 28 deltas d[i][1..28] (the columns of stats_area_windows from reported to
-- ttc_le_inf, in table order) to the area and every area above it, in the four windows of the
-- day (day, month, year, and all with window_start 1970-01-01); gc_stats_add_department_batch
-- adds 6 deltas (handled .. extended) to a department's rows. Repeated entries are summed,
-- arrays that do not line up are refused, an unknown department is ignored.
-- Which deltas each kind of event makes is computed in C (services/stats/stats_fold.c) and
-- unit-tested there (tests/unit/test_stats_fold.c); this file tests only where they are added.
BEGIN;
SELECT plan(22);

INSERT INTO areas (code, parent_code, level, name) VALUES
    ('4101', NULL, 'district', 'district'), ('410101', '4101', 'street', 'street 1'),
    ('41010101', '410101', 'community', 'community 1'),
    ('4101010101', '41010101', 'grid', 'G1'), ('4101010102', '41010101', 'grid', 'G2'),
    ('410102', '4101', 'street', 'street 2');
INSERT INTO categories (code, name, hours_grid, hours_community, hours_street, hours_district)
VALUES ('st_road', 'road', 24, 48, 72, 120), ('st_noise', 'noise', 6, 12, 24, 48);
INSERT INTO departments (code, name) VALUES ('st_water', 'water'), ('st_env', 'environment');

-- the 28 figures of a row, in column order, as an array
CREATE FUNCTION pg_temp.figures(f stats_area_windows) RETURNS bigint[] LANGUAGE sql AS
$$ SELECT ARRAY[f.reported, f.closed, f.closed_at_grid, f.closed_at_community, f.closed_at_street,
                f.closed_at_district, f.resolved_on_spot, f.resolved, f.reopened,
                f.escalated_to_community, f.escalated_to_street, f.escalated_to_district,
                f.missed_deadline, f.supervised, f.misrouted, f.extended, f.due, f.closed_on_time,
                f.close_seconds, f.ttc_le_900, f.ttc_le_3600, f.ttc_le_14400, f.ttc_le_28800,
                f.ttc_le_86400, f.ttc_le_259200, f.ttc_le_604800, f.ttc_le_2592000, f.ttc_le_inf] $$;
-- k * (1, 2, ..., n): a distinct delta per column
CREATE FUNCTION pg_temp.deltas(n integer, k bigint) RETURNS bigint[] LANGUAGE sql AS
$$ SELECT array_agg(i * k ORDER BY i) FROM generate_series(1, n) i $$;

SELECT is((SELECT count(*) FROM information_schema.columns
           WHERE table_name = 'stats_area_windows' AND ordinal_position > 4)::integer, 28,
          'stats_area_windows has 28 figures after its key (this file names them all)');

-- one entry: a grid case of 2026-12-07, column k gets k
SELECT gc_stats_add_batch(ARRAY['4101010101'], ARRAY['st_road'], ARRAY[date '2026-12-07'],
                          ARRAY[pg_temp.deltas(28, 1)]);
SELECT results_eq(
    $$SELECT area_code, window_kind, window_start FROM stats_area_windows
      WHERE category = 'st_road' ORDER BY length(area_code), window_kind$$,
    $$SELECT a, k, s FROM (VALUES ('4101'), ('410101'), ('41010101'), ('4101010101')) x (a),
             (VALUES ('all', date '1970-01-01'), ('day', date '2026-12-07'),
                     ('month', date '2026-12-01'), ('year', date '2026-01-01')) w (k, s)
      ORDER BY length(a), k$$,
    'one entry: rows for the grid and each area above it (community, street, district), in the four windows');
SELECT is((SELECT count(*) FROM stats_area_windows
           WHERE category = 'st_road' AND pg_temp.figures(stats_area_windows) = pg_temp.deltas(28, 1))::integer,
          16, 'each of the 16 rows has column k = k: every one of the 28 columns got its own delta');
SELECT is((SELECT pg_temp.figures(f) FROM stats_area_windows f
           WHERE area_code = '4101' AND category = 'st_road' AND window_kind = 'all'),
          pg_temp.deltas(28, 1),
          'the district''s all-time row: reported = 1, closed = 2, ... ttc_le_inf = 28');
SELECT is_empty($$SELECT 1 FROM stats_area_windows WHERE area_code IN ('4101010102', '410102')$$,
                'no row for a sibling grid or another street');

-- repeated entries, two grids, two days, two categories
SELECT gc_stats_add_batch(
    ARRAY['4101010101', '4101010101', '4101010102', '4101010101', '4101010101'],
    ARRAY['st_road', 'st_road', 'st_road', 'st_road', 'st_noise'],
    ARRAY[date '2026-12-07', '2026-12-07', '2026-12-07', '2026-12-08', '2026-12-07'],
    ARRAY[pg_temp.deltas(28, 10), pg_temp.deltas(28, 100), pg_temp.deltas(28, 1000),
          pg_temp.deltas(28, 10000), pg_temp.deltas(28, 100000)]);
SELECT is((SELECT pg_temp.figures(f) FROM stats_area_windows f
           WHERE area_code = '4101010101' AND category = 'st_road' AND window_kind = 'day'
             AND window_start = '2026-12-07'),
          pg_temp.deltas(28, 111),
          'a repeated entry is summed, and added to the row already there: G1''s day = 1 + 10 + 100 per unit');
SELECT is((SELECT pg_temp.figures(f) FROM stats_area_windows f
           WHERE area_code = '4101010102' AND category = 'st_road' AND window_kind = 'day'),
          pg_temp.deltas(28, 1000), 'another grid: its own row');
SELECT is((SELECT pg_temp.figures(f) FROM stats_area_windows f
           WHERE area_code = '41010101' AND category = 'st_road' AND window_kind = 'day'
             AND window_start = '2026-12-07'),
          pg_temp.deltas(28, 1111), 'the community above both grids gets both: 1 + 10 + 100 + 1000');
SELECT is((SELECT pg_temp.figures(f) FROM stats_area_windows f
           WHERE area_code = '4101010101' AND category = 'st_road' AND window_kind = 'day'
             AND window_start = '2026-12-08'),
          pg_temp.deltas(28, 10000), 'another day: its own day row');
SELECT is((SELECT pg_temp.figures(f) FROM stats_area_windows f
           WHERE area_code = '4101' AND category = 'st_road' AND window_kind = 'month'
             AND window_start = '2026-12-01'),
          pg_temp.deltas(28, 11111), 'both days in the district''s month: 1 + 10 + 100 + 1000 + 10000');
SELECT is((SELECT pg_temp.figures(f) FROM stats_area_windows f
           WHERE area_code = '410101' AND category = 'st_noise' AND window_kind = 'year'),
          pg_temp.deltas(28, 100000), 'another category: its own rows');
SELECT is((SELECT count(*) FROM stats_area_windows WHERE area_code = '4101' AND category = 'st_road')::integer,
          5, 'the district has 5 road rows: 2 days, 1 month, 1 year, all');

-- refused shapes, and nothing to do
SELECT throws_ok($$SELECT gc_stats_add_batch(ARRAY['4101010101'], ARRAY['st_road'],
                   ARRAY[date '2026-12-07'], ARRAY[pg_temp.deltas(27, 1)])$$, '22023', NULL,
                 'area batch: 27 deltas for an entry are refused');
SELECT throws_ok($$SELECT gc_stats_add_batch(ARRAY['4101010101'], ARRAY['st_road', 'st_road'],
                   ARRAY[date '2026-12-07'], ARRAY[pg_temp.deltas(28, 1)])$$, '22023', NULL,
                 'area batch: more categories than areas is refused');
SELECT throws_ok($$SELECT gc_stats_add_batch(ARRAY['4101010101', '4101010101'], ARRAY['st_road', 'st_road'],
                   ARRAY[date '2026-12-07', '2026-12-07'], ARRAY[pg_temp.deltas(28, 1)])$$, '22023', NULL,
                 'area batch: one row of deltas for two entries is refused');
SELECT throws_ok($$SELECT gc_stats_add_batch(ARRAY['4101010101'], ARRAY['st_road'],
                   ARRAY[date '2026-12-07'], pg_temp.deltas(28, 1))$$, '22023', NULL,
                 'area batch: a one-dimensional array of deltas is refused');
SELECT lives_ok($$SELECT gc_stats_add_batch('{}', '{}', '{}', '{}')$$,
                'area batch: empty arrays are nothing to do');

-- departments: 6 figures
SELECT gc_stats_add_department_batch(
    ARRAY['st_water', 'st_ghost', 'st_water', 'st_env'], ARRAY['st_road', 'st_road', 'st_road', 'st_road'],
    ARRAY[date '2026-12-07', '2026-12-07', '2026-12-07', '2027-01-02'],
    ARRAY[pg_temp.deltas(6, 1), pg_temp.deltas(6, 7), pg_temp.deltas(6, 10), pg_temp.deltas(6, 100)]);
SELECT results_eq(
    $$SELECT department, window_kind, window_start,
             ARRAY[handled, resolved, resolved_on_time, reopened, misrouted, extended]
      FROM stats_department_windows WHERE category = 'st_road' ORDER BY department, window_kind$$,
    $$VALUES ('st_env', 'all', date '1970-01-01', ARRAY[100, 200, 300, 400, 500, 600]::bigint[]),
             ('st_env', 'day', '2027-01-02', ARRAY[100, 200, 300, 400, 500, 600]),
             ('st_env', 'month', '2027-01-01', ARRAY[100, 200, 300, 400, 500, 600]),
             ('st_env', 'year', '2027-01-01', ARRAY[100, 200, 300, 400, 500, 600]),
             ('st_water', 'all', '1970-01-01', ARRAY[11, 22, 33, 44, 55, 66]),
             ('st_water', 'day', '2026-12-07', ARRAY[11, 22, 33, 44, 55, 66]),
             ('st_water', 'month', '2026-12-01', ARRAY[11, 22, 33, 44, 55, 66]),
             ('st_water', 'year', '2026-01-01', ARRAY[11, 22, 33, 44, 55, 66])$$,
    'department batch: each of the 6 columns its own delta, four windows, repeated entries summed, the unknown department ignored');
SELECT throws_ok($$SELECT gc_stats_add_department_batch(ARRAY['st_water'], ARRAY['st_road'],
                   ARRAY[date '2026-12-07'], ARRAY[pg_temp.deltas(28, 1)])$$, '22023', NULL,
                 'department batch: 28 deltas (an area''s) for an entry are refused');
SELECT throws_ok($$SELECT gc_stats_add_department_batch(ARRAY['st_water', 'st_env'], ARRAY['st_road', 'st_road'],
                   ARRAY[date '2026-12-07'], ARRAY[pg_temp.deltas(6, 1), pg_temp.deltas(6, 1)])$$, '22023', NULL,
                 'department batch: fewer days than departments is refused');
SELECT is_empty($$SELECT 1 FROM stats_department_windows WHERE department = 'st_ghost'$$,
                'department batch: no row for a code that is not a department');
SELECT lives_ok($$SELECT gc_stats_add_department_batch('{}', '{}', '{}', '{}')$$,
                'department batch: empty arrays are nothing to do');

SELECT * FROM finish();
ROLLBACK;
