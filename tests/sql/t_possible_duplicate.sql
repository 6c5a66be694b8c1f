-- gc_possible_duplicate(p_category, p_area, p_lon, p_lat, p_now): the possible-duplicate rule
-- both intake paths call (gc_submit_cases and common/gc_case.c's one-at-a-time insert). The
-- oldest open case of the category reported in the 7 days before p_now, in the same area for a
-- report without a point, within 50 m for a report with one; at most one row.
BEGIN;
SELECT plan(9);

INSERT INTO areas (code, parent_code, level, name) VALUES
    ('4101', NULL, 'district', 'district'), ('410101', '4101', 'street', 'street'),
    ('41010101', '410101', 'community', 'community'),
    ('4101010101', '41010101', 'grid', 'grid A'), ('4101010102', '41010101', 'grid', 'grid B');
INSERT INTO categories (code, name, hours_grid, hours_community, hours_street, hours_district)
VALUES ('pd_road', 'road', 24, 48, 72, 120), ('pd_noise', 'noise', 6, 12, 24, 48);

-- Cases made directly, with the report times the rule looks at. Points: 0.0004 degrees of
-- longitude at latitude 30 is 38.6 m, 0.0006 is 57.8 m.
CREATE TEMP TABLE made (name text, id bigint);
CREATE FUNCTION pg_temp.make(p_name text, p_category text, p_area text, p_status text,
                             p_lon float8, p_lat float8, p_at timestamptz)
RETURNS void LANGUAGE sql AS
$$ WITH c AS (INSERT INTO cases (idempotency_key, category, area_code, status, description, lon,
                                  lat, source, created_at, updated_at)
              VALUES ('pd-' || p_name, p_category, p_area, p_status, p_name, p_lon, p_lat,
                      'resident', p_at, p_at) RETURNING id)
   INSERT INTO made SELECT p_name, id FROM c $$;
SELECT pg_temp.make('old road A', 'pd_road', '4101010101', 'routed', NULL, NULL, '2026-12-01 09:00+08');
SELECT pg_temp.make('newer road A', 'pd_road', '4101010101', 'routed', NULL, NULL, '2026-12-05 09:00+08');
SELECT pg_temp.make('closed road B', 'pd_road', '4101010102', 'closed', NULL, NULL, '2026-12-05 09:00+08');
SELECT pg_temp.make('stale road B', 'pd_road', '4101010102', 'routed', NULL, NULL, '2026-11-20 09:00+08');
SELECT pg_temp.make('noise here', 'pd_noise', '4101010101', 'accepted', 120.0, 30.0, '2026-12-06 09:00+08');
SELECT pg_temp.make('noise far', 'pd_noise', '4101010102', 'accepted', 120.0006, 30.0, '2026-12-04 09:00+08');

CREATE FUNCTION pg_temp.dup(p_category text, p_area text, p_lon float8, p_lat float8,
                            p_now timestamptz DEFAULT '2026-12-07 10:00+08')
RETURNS text LANGUAGE sql AS
$$ SELECT coalesce(string_agg(m.name, ', '), 'none')
   FROM gc_possible_duplicate(p_category, p_area, p_lon, p_lat, p_now) d
   JOIN made m ON m.id = d.id $$;

SELECT is(pg_temp.dup('pd_road', '4101010101', NULL, NULL), 'old road A',
          'no point: the oldest open case of the category in the same area, one row');
SELECT is(pg_temp.dup('pd_road', '4101010102', NULL, NULL), 'none',
          'no point: a closed case and one reported more than 7 days before are no duplicates');
SELECT is(pg_temp.dup('pd_noise', '4101010102', NULL, NULL), 'noise far',
          'no point: a case with a point counts by its area too');
SELECT is(pg_temp.dup('pd_road', '4101010101', NULL, NULL, '2026-12-09 10:00+08'),
          'newer road A', 'the 7 days count back from p_now: a week later the older one is out');
SELECT is(pg_temp.dup('pd_road', '4101010101', 120.0, 30.0), 'none',
          'a point: cases without one are not near it');
SELECT is(pg_temp.dup('pd_noise', '4101010102', 119.9996, 30.0), 'noise here',
          'a point: 38.6 m from one case (another area) and 96.5 m from the other: the near one');
SELECT is(pg_temp.dup('pd_noise', '4101010101', 119.9994, 30.0), 'none',
          'a point: 57.8 m away is not a duplicate');
SELECT is(pg_temp.dup('pd_noise', '4101010101', 120.0003, 30.0), 'noise far',
          'a point 28.9 m from each of two cases: the older one');
SELECT is(pg_temp.dup('pd_other', '4101010101', NULL, NULL), 'none',
          'another category: no duplicate');

SELECT * FROM finish();
ROLLBACK;
