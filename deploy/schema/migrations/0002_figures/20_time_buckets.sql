-- Durations as mergeable quantiles: time to close per area, and a department's time from
-- delivery to acceptance and to resolution, by cohort and window like every figure
-- (docs/STATISTICS.md).
--
-- Each duration lands in one log-spaced bucket (gc_stats_time_bucket, functions/statistics.sql:
-- each bucket 2% wide, so a quantile read from them is within 1% of the exact value), and the
-- counts of a bucket add up across cases, categories and the areas below: an area's buckets
-- are its own, folded into every area above it as the other figures are. The summary row of a
-- (subject, measure, window) holds its quantiles, recomputed by the fold for the rows a batch
-- touched, so a publishing round reads one row per area and window instead of hundreds of
-- buckets.
--
-- The recomputation must not read every bucket of every row touched: a year's durations fill
-- several hundred buckets, and a batch touches the district's, each street's... four windows
-- each (190 ms a batch of 500 closures that way). So buckets are also counted by group of 32
-- (stats_time_groups): a quantile is found by walking a row's groups (under 30 for a year) to
-- the one holding its rank, then that group's buckets (at most 32).
--
-- subject is an area code for the measure 'close' and a department code for 'accept' and
-- 'resolve'; the writer (gc_stats_add_times) keeps unknown codes out, as the department writer
-- does.
CREATE TABLE stats_time_buckets (
    subject      text NOT NULL,
    measure      text NOT NULL CHECK (measure IN ('close', 'accept', 'resolve')),
    window_kind  text NOT NULL CHECK (window_kind IN ('day', 'month', 'year', 'all')),
    window_start date NOT NULL,
    bucket       integer NOT NULL CHECK (bucket >= 0),
    cases        bigint NOT NULL,
    PRIMARY KEY (subject, measure, window_kind, window_start, bucket)
);

-- The same counts by group of 32 buckets (grp = bucket / 32), with the exact sum of seconds.
CREATE TABLE stats_time_groups (
    subject      text NOT NULL,
    measure      text NOT NULL CHECK (measure IN ('close', 'accept', 'resolve')),
    window_kind  text NOT NULL CHECK (window_kind IN ('day', 'month', 'year', 'all')),
    window_start date NOT NULL,
    grp          integer NOT NULL CHECK (grp >= 0),
    cases        bigint NOT NULL,
    seconds      bigint NOT NULL,  -- the exact sum, for the mean
    PRIMARY KEY (subject, measure, window_kind, window_start, grp)
);

CREATE TABLE stats_time_summaries (
    subject        text NOT NULL,
    measure        text NOT NULL CHECK (measure IN ('close', 'accept', 'resolve')),
    window_kind    text NOT NULL CHECK (window_kind IN ('day', 'month', 'year', 'all')),
    window_start   date NOT NULL,
    cases          bigint NOT NULL CHECK (cases > 0),
    seconds        bigint NOT NULL,
    median_seconds double precision NOT NULL,
    p90_seconds    double precision NOT NULL,
    PRIMARY KEY (subject, measure, window_kind, window_start)
);
-- every batch rewrites the summaries it touched: room for HOT updates, as for the figures
ALTER TABLE stats_time_summaries SET (fillfactor = 50);

GRANT SELECT, INSERT, UPDATE, DELETE ON stats_time_buckets, stats_time_groups,
    stats_time_summaries TO gridcase_stats;
