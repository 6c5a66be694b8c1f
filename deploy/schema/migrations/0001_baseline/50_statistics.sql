-- Statistics by cohort and window: the figures a district is assessed on (docs/STATISTICS.md).
--
-- A case belongs to the windows of the local date (district time zone) it was reported on: its
-- day, month, year, and 'all' (window_start 1970-01-01). Every figure of a window describes the
-- cases reported in it, as they stand now. gc-stats folds each event into the rows of the case's
-- area and every area above it, for the four windows of the case's report date, in the same
-- transaction as its cursor (gc_stats_add_batch, functions/statistics.sql). Work per event is
-- proportional to the depth of the area tree.

CREATE TABLE stats_area_windows (
    area_code      text NOT NULL REFERENCES areas (code),
    category       text NOT NULL REFERENCES categories (code),
    window_kind    text NOT NULL CHECK (window_kind IN ('day', 'month', 'year', 'all')),
    window_start   date NOT NULL,
    -- the order of these columns is the order of the deltas gc_stats_add_batch() takes
    reported               bigint NOT NULL DEFAULT 0,
    closed                 bigint NOT NULL DEFAULT 0,
    closed_at_grid         bigint NOT NULL DEFAULT 0,
    closed_at_community    bigint NOT NULL DEFAULT 0,
    closed_at_street       bigint NOT NULL DEFAULT 0,
    closed_at_district     bigint NOT NULL DEFAULT 0,
    resolved_on_spot       bigint NOT NULL DEFAULT 0,
    resolved               bigint NOT NULL DEFAULT 0,
    reopened               bigint NOT NULL DEFAULT 0,
    escalated_to_community bigint NOT NULL DEFAULT 0,
    escalated_to_street    bigint NOT NULL DEFAULT 0,
    escalated_to_district  bigint NOT NULL DEFAULT 0,
    overdue                bigint NOT NULL DEFAULT 0,
    supervised             bigint NOT NULL DEFAULT 0,
    misrouted              bigint NOT NULL DEFAULT 0,
    extended               bigint NOT NULL DEFAULT 0,
    due                    bigint NOT NULL DEFAULT 0,
    closed_on_time         bigint NOT NULL DEFAULT 0,
    close_seconds          bigint NOT NULL DEFAULT 0,  -- sum of report-to-close times
    -- time to close, one column per histogram bucket (upper bound in seconds; not cumulative)
    ttc_le_900     bigint NOT NULL DEFAULT 0,
    ttc_le_3600    bigint NOT NULL DEFAULT 0,
    ttc_le_14400   bigint NOT NULL DEFAULT 0,
    ttc_le_28800   bigint NOT NULL DEFAULT 0,
    ttc_le_86400   bigint NOT NULL DEFAULT 0,
    ttc_le_259200  bigint NOT NULL DEFAULT 0,
    ttc_le_604800  bigint NOT NULL DEFAULT 0,
    ttc_le_2592000 bigint NOT NULL DEFAULT 0,
    ttc_le_inf     bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (area_code, category, window_kind, window_start)
);
-- The key serves the fold's upserts; this index the stream's read of the current windows of
-- every area (services/stats/stats_publisher.c, and the views stats_area_current).
CREATE INDEX stats_area_windows_current ON stats_area_windows (window_kind, window_start);

CREATE TABLE stats_department_windows (
    department       text NOT NULL REFERENCES departments (code),
    category         text NOT NULL REFERENCES categories (code),
    window_kind      text NOT NULL CHECK (window_kind IN ('day', 'month', 'year', 'all')),
    window_start     date NOT NULL,
    handled          bigint NOT NULL DEFAULT 0,
    resolved         bigint NOT NULL DEFAULT 0,
    resolved_on_time bigint NOT NULL DEFAULT 0,
    reopened         bigint NOT NULL DEFAULT 0,
    misrouted        bigint NOT NULL DEFAULT 0,
    extended         bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (department, category, window_kind, window_start)
);

-- Room on every page for the next version of its rows. Every batch of the fold updates the same
-- few hundred rows (the current windows of every area and department), and no index covers a
-- counter, so each update can stay on its page (HOT) and skip the indexes when the page has
-- room. With full pages (the default fillfactor) 37% of these updates were HOT on a
-- 40,000-event backlog; at 50, all were, the table stayed at 36 pages instead of about 790, and
-- the fold's backend used about 23% less CPU.
ALTER TABLE stats_area_windows SET (fillfactor = 50);
ALTER TABLE stats_department_windows SET (fillfactor = 50);
