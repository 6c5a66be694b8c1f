-- The area tree: district, street, community, grid, each area's code starting with its
-- parent's (10_reference.sql).

-- The codes that may name the area p_code and the areas above it: its prefixes (a child's code
-- starts with its parent's). Joined with areas, they are the area's path up to the
-- district: where a figure of the area is added too (functions/statistics.sql), where the
-- leader at a level is found (gc_leader_area, functions/events.sql).
CREATE FUNCTION gc_area_prefixes(p_code text) RETURNS text[]
LANGUAGE sql IMMUTABLE AS
$$ SELECT ARRAY(SELECT left(p_code, n) FROM generate_series(1, length(p_code)) n) $$;
