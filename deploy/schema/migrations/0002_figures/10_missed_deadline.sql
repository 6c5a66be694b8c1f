-- "overdue" read as "past its deadline now", which it never meant: the figure counts the cases
-- that missed at least one deadline, ever. The open cases past their deadline now are
-- stats_area_backlog's overdue_now (functions/statistics_views.sql).
ALTER TABLE stats_area_windows RENAME COLUMN overdue TO missed_deadline;
