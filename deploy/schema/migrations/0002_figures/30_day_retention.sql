-- Day windows are kept for a while and then removed (gc_stats_prune_days, run by gc-stats);
-- month, year and all-time windows are kept. The first day still kept is recorded here, so the
-- fold never brings back a removed day with only the events that came after its removal (a
-- case reported 500 days ago and closed today adds to its month, year and all time, not to its
-- day).
CREATE TABLE stats_retention (
    only_row         boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    day_windows_from date NOT NULL DEFAULT '1970-01-01'
);
INSERT INTO stats_retention DEFAULT VALUES;
GRANT SELECT, UPDATE ON stats_retention TO gridcase_stats;
GRANT DELETE ON stats_area_windows, stats_department_windows TO gridcase_stats;
