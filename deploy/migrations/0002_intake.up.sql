-- Intake: cases located by point, street triage without a grid, possible duplicates, grid tasks
-- from departments' inspections (two-way reporting) and grid workers' diaries (民情日记).

-- A case belongs to the smallest area known for it: its grid, or, when no grid contains it (an
-- address alone, or a point inside a street's outline but no grid's), the street whose triage
-- queue holds it.
ALTER TABLE cases RENAME COLUMN grid TO area_code;
ALTER INDEX cases_grid RENAME TO cases_area;

-- grid_task: a problem a department found on inspection, for the grid's leader to handle.
ALTER TABLE cases DROP CONSTRAINT cases_status_check;
ALTER TABLE cases ADD CONSTRAINT cases_status_check
    CHECK (status IN ('submitted', 'routed', 'triage', 'grid_task', 'accepted', 'in_progress',
                      'resolved', 'closed'));

-- An open case of the same category nearby (50 m, or the same area without a point) in the last
-- 7 days, linked when the case came in. The case is stored all the same.
ALTER TABLE cases ADD COLUMN duplicate_of bigint REFERENCES cases (id);
CREATE INDEX cases_recent_by_category ON cases (category, created_at);

-- Great-circle distance in metres (haversine, mean Earth radius).
CREATE FUNCTION gc_distance_m(lon1 double precision, lat1 double precision,
                              lon2 double precision, lat2 double precision)
RETURNS double precision LANGUAGE sql IMMUTABLE STRICT AS
$$ SELECT 2 * 6371008.8 * asin(sqrt(
       power(sin(radians(lat2 - lat1) / 2), 2)
       + cos(radians(lat1)) * cos(radians(lat2)) * power(sin(radians(lon2 - lon1) / 2), 2))) $$;

-- A grid worker's diary of visits: a dated note on a grid, which may become a case.
CREATE TABLE grid_diary (
    id         bigserial PRIMARY KEY,
    grid       text NOT NULL REFERENCES areas (code),
    visited_on date NOT NULL,
    author     text NOT NULL DEFAULT '',
    note       text NOT NULL,
    case_id    bigint REFERENCES cases (id),  -- set when the entry was turned into a case
    created_at timestamptz NOT NULL
);
CREATE INDEX grid_diary_grid ON grid_diary (grid, visited_on);
