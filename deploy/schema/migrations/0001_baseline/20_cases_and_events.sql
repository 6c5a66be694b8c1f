-- Cases and their event log, grid workers' diaries, and where each consumer of the log has got
-- to. Every change of a case appends its event in the same transaction (gc_append_events,
-- functions/events.sql).

-- Cases. Personal data (reporter_*) never leaves this table except to the people handling it.
-- A case belongs to the smallest area known for it: its grid, or, when no grid contains it (an
-- address alone, or a point inside a street's outline but no grid's), the street whose triage
-- queue holds it. status 'grid_task' is a problem a department found on inspection, for the
-- grid's leader to handle.
CREATE TABLE cases (
    id              bigserial PRIMARY KEY,
    ref             text GENERATED ALWAYS AS ('GC-' || lpad(id::text, 8, '0')) STORED UNIQUE,
    idempotency_key text NOT NULL UNIQUE,
    category        text NOT NULL REFERENCES categories (code),
    area_code       text NOT NULL REFERENCES areas (code),
    level           text NOT NULL DEFAULT 'grid'
                    CHECK (level IN ('district', 'street', 'community', 'grid')),
    status          text NOT NULL DEFAULT 'submitted'
                    CHECK (status IN ('submitted', 'routed', 'triage', 'grid_task',
                                      'accepted', 'in_progress', 'resolved', 'closed')),
    description     text NOT NULL,
    lon             double precision,
    lat             double precision,
    address         text NOT NULL DEFAULT '',
    source          text NOT NULL
                    CHECK (source IN ('resident', 'grid_worker', 'volunteer', 'department',
                                      'hotline')),
    reporter_name   text NOT NULL DEFAULT '',
    reporter_phone  text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    -- the current level's handling deadline; NULL when the clock is stopped
    deadline_at     timestamptz,
    closed_at       timestamptz,
    -- an open case of the same category nearby (50 m, or the same area without a point) in the
    -- last 7 days, linked when the case came in; the case is stored all the same
    duplicate_of    bigint REFERENCES cases (id),
    -- overdue at the district: flagged for supervision (督办) once; it never escalates further
    -- and is never dropped
    supervised_at   timestamptz
);
-- Each index on cases names the statements that need it (pg_stat_user_indexes after the
-- integration tests and the benchmark counts a use of every one; none is a copy of another):
--   cases_pkey (id): every look-up of a case by its key (the log read gc_event_rows, routing's
--     plan, the delivery read gc_delivery_windows, the foreign keys of events, assignments and
--     deliveries);
--   cases_ref_key (ref): commands and department actions name a case by its ref
--     (gc_case_lock in common/gc_case.c, gridctl show);
--   cases_idempotency_key_key: a submission's key (intake's ON CONFLICT (idempotency_key),
--     gc_submit_cases' look-up of the keys it is given).
-- There is no index on area_code alone: the duplicate look-up has its own (cases_open_by_area),
-- areas are never deleted (no foreign-key check reads cases by area), and gridctl list's
-- --area matches a code prefix, which such an index would not serve.

-- Overdue-ness: a case whose deadline the escalation sweep watches is open and not yet flagged
-- for supervision; it is overdue once its deadline_at has passed. The one definition, shared by
-- the sweep (gc_escalate_overdue, functions/escalation.sql) and the partial index cases_due
-- below, whose predicate it is; so a tick that finds nothing reads nothing, however many
-- flagged cases wait at the district. An index's predicate must be immutable: "now" stays out.
CREATE FUNCTION gc_awaits_deadline(p_status text, p_supervised_at timestamptz) RETURNS boolean
LANGUAGE sql IMMUTABLE AS
$$ SELECT p_status NOT IN ('resolved', 'closed') AND p_supervised_at IS NULL $$;
CREATE INDEX cases_due ON cases (deadline_at) WHERE gc_awaits_deadline(status, supervised_at);

-- A street's joint-meeting agenda (gridctl agenda, tools/gridctl/cmd_query.c): its open cases
-- at the street level.
CREATE INDEX cases_open_by_level ON cases (level) WHERE status NOT IN ('resolved', 'closed');

-- The look-up of a possible duplicate (gc_submit_cases, functions/intake.sql, and
-- common/gc_case.c's one-at-a-time insert): the oldest open case of the same category reported
-- in the last 7 days in the same area (a report without a point) or within 50 m (a report with
-- one). These two make it an ordered range scan that stops at the first row (by area), and a
-- scan of the open cases of the category in a band of +-0.0005 degrees of latitude (by point),
-- before and after ANALYZE and as generic plans alike (EXPLAIN ANALYZE on 222,000 cases in 22
-- grids: 0.2-0.6 ms a look-up). Closed cases never match, so they stay out of both.
CREATE INDEX cases_open_by_area ON cases (area_code, category, created_at, id)
    WHERE status <> 'closed';
CREATE INDEX cases_open_by_latitude ON cases (category, lat, created_at)
    WHERE status <> 'closed' AND lat IS NOT NULL;

-- The event log: every state change of a case is one row, written in the same transaction as the
-- change. seq is gapless and follows commit order because it is taken from the counter row in
-- event_streams, whose row lock serialises writers until they commit (a sequence would not:
-- its values are taken before commit and can become visible out of order).
CREATE TABLE event_streams (
    stream   text PRIMARY KEY,
    last_seq bigint NOT NULL DEFAULT 0
);
INSERT INTO event_streams (stream) VALUES ('case');

CREATE TABLE case_events (
    seq        bigint PRIMARY KEY,
    case_id    bigint NOT NULL REFERENCES cases (id),
    kind       text NOT NULL,
    at         timestamptz NOT NULL,
    level      text NOT NULL,  -- the case's level after the event
    status     text NOT NULL,  -- the case's status after the event
    department text NOT NULL DEFAULT '',
    actor      text NOT NULL DEFAULT '',
    note       text NOT NULL DEFAULT ''
);
-- case_events_pkey (seq) serves the log read by seq (gc_event_rows, gc_route_plan's window);
-- case_events_case a case's own events in order: its timeline (gridctl show, gridctl agenda's
-- last escalation to the street) and gc-stats' look-back at a case's earlier events
-- (services/stats/stats_fold.c).
CREATE INDEX case_events_case ON case_events (case_id, seq);

-- A grid worker's diary of visits (民情日记): a dated note on a grid, which may become a case.
CREATE TABLE grid_diary (
    id         bigserial PRIMARY KEY,
    grid       text NOT NULL REFERENCES areas (code),
    visited_on date NOT NULL,
    author     text NOT NULL DEFAULT '',
    note       text NOT NULL,
    case_id    bigint REFERENCES cases (id),  -- set when the entry was turned into a case
    created_at timestamptz NOT NULL
);
-- a grid's diary by date (gridctl diary list --grid G)
CREATE INDEX grid_diary_grid ON grid_diary (grid, visited_on);

-- Where each consumer of the event log has got to, moved in the same transaction as the
-- effects of what it consumed: a restart neither loses nor repeats an effect
-- (common/gc_consumer.c).
CREATE TABLE consumer_cursors (
    consumer text PRIMARY KEY,
    last_seq bigint NOT NULL DEFAULT 0
);
INSERT INTO consumer_cursors (consumer) VALUES ('routing'), ('escalation'), ('stats');
