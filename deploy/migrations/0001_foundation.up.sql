-- gridcase foundation schema.
-- Naming follows golang-migrate (NNNN_name.up.sql); `gridctl migrate` applies these files in
-- order, records the version in schema_migrations and holds an advisory lock while it runs.

-- The gridcase clock. Every daemon takes "now" from gc_now(), so one row moves time for the whole
-- system: tests and the demo advance it (`gridctl clock advance`) instead of waiting hours for a
-- deadline. In production offset_seconds stays 0.
CREATE TABLE clock (
    id             boolean PRIMARY KEY DEFAULT true CHECK (id),
    offset_seconds bigint  NOT NULL DEFAULT 0
);
INSERT INTO clock DEFAULT VALUES;

CREATE FUNCTION gc_now() RETURNS timestamptz LANGUAGE sql STABLE AS
$$ SELECT now() + make_interval(secs => offset_seconds) FROM clock $$;

-- Reference data, loaded by `gridctl import`.
CREATE TABLE areas (
    code         text PRIMARY KEY,
    parent_code  text REFERENCES areas (code),
    level        text NOT NULL CHECK (level IN ('district', 'street', 'community', 'grid')),
    name         text NOT NULL,
    leader_name  text NOT NULL DEFAULT '',
    leader_phone text NOT NULL DEFAULT '',
    boundary     jsonb,  -- [[lon, lat], ...], an open polygon ring
    -- hierarchical codes: a child's code starts with its parent's code
    CHECK (parent_code IS NULL OR (length(code) > length(parent_code)
                                   AND left(code, length(parent_code)) = parent_code))
);

CREATE TABLE departments (
    code       text PRIMARY KEY,
    name       text NOT NULL,
    public_key text NOT NULL DEFAULT ''  -- CurveZMQ public key (Z85), for the department socket
);

CREATE TABLE categories (
    code            text PRIMARY KEY,
    name            text NOT NULL,
    urgency         text NOT NULL DEFAULT 'normal' CHECK (urgency IN ('high', 'normal', 'low')),
    hours_grid      integer NOT NULL CHECK (hours_grid > 0),
    hours_community integer NOT NULL CHECK (hours_community > 0),
    hours_street    integer NOT NULL CHECK (hours_street > 0),
    hours_district  integer NOT NULL CHECK (hours_district > 0)
);

-- (category, area subtree, level) -> department. The rule with the longest area code that is a
-- prefix of the case's grid wins; a NULL level applies at every level.
CREATE TABLE routing_rules (
    id         serial PRIMARY KEY,
    category   text NOT NULL REFERENCES categories (code),
    area_code  text NOT NULL REFERENCES areas (code),
    level      text CHECK (level IN ('district', 'street', 'community', 'grid')),
    department text NOT NULL REFERENCES departments (code),
    is_lead    boolean NOT NULL
);
CREATE INDEX routing_rules_category ON routing_rules (category);

-- Cases. Personal data (reporter_*) never leaves this table except to the people handling it.
CREATE TABLE cases (
    id              bigserial PRIMARY KEY,
    ref             text GENERATED ALWAYS AS ('GC-' || lpad(id::text, 8, '0')) STORED UNIQUE,
    idempotency_key text NOT NULL UNIQUE,
    category        text NOT NULL REFERENCES categories (code),
    grid            text NOT NULL REFERENCES areas (code),
    level           text NOT NULL DEFAULT 'grid'
                    CHECK (level IN ('district', 'street', 'community', 'grid')),
    status          text NOT NULL DEFAULT 'submitted'
                    CHECK (status IN ('submitted', 'routed', 'triage', 'accepted', 'in_progress',
                                      'resolved', 'closed')),
    description     text NOT NULL,
    lon             double precision,
    lat             double precision,
    address         text NOT NULL DEFAULT '',
    source          text NOT NULL
                    CHECK (source IN ('resident', 'grid_worker', 'volunteer', 'department', 'hotline')),
    reporter_name   text NOT NULL DEFAULT '',
    reporter_phone  text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    deadline_at     timestamptz,  -- the current level's handling deadline; NULL when the clock is stopped
    closed_at       timestamptz
);
CREATE INDEX cases_grid ON cases (grid);

-- The handling deadline of a case of this category arriving at this level now.
CREATE FUNCTION gc_deadline(p_category text, p_level text) RETURNS timestamptz
LANGUAGE sql STABLE AS
$$ SELECT gc_now() + make_interval(hours => CASE p_level
       WHEN 'grid' THEN hours_grid WHEN 'community' THEN hours_community
       WHEN 'street' THEN hours_street ELSE hours_district END)
   FROM categories WHERE code = p_category $$;
CREATE INDEX cases_open_deadline ON cases (deadline_at) WHERE status NOT IN ('resolved', 'closed');

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
CREATE INDEX case_events_case ON case_events (case_id, seq);

CREATE FUNCTION gc_forbid_change() RETURNS trigger LANGUAGE plpgsql AS
$$ BEGIN RAISE EXCEPTION 'case_events is append-only'; END $$;
CREATE TRIGGER case_events_append_only BEFORE UPDATE OR DELETE ON case_events
    FOR EACH ROW EXECUTE FUNCTION gc_forbid_change();

-- Append one event for a case, after the case row has been changed. Returns the event's seq.
-- Lock order, to keep writers free of deadlocks: a transaction that will append events locks the
-- counter row first (gc_lock_event_stream), then case rows. The counter is held until commit.
CREATE FUNCTION gc_append_event(p_case bigint, p_kind text, p_department text, p_actor text,
                                p_note text) RETURNS bigint LANGUAGE plpgsql AS
$$
DECLARE
    s bigint;
BEGIN
    UPDATE event_streams SET last_seq = last_seq + 1 WHERE stream = 'case' RETURNING last_seq INTO s;
    INSERT INTO case_events (seq, case_id, kind, at, level, status, department, actor, note)
        SELECT s, c.id, p_kind, gc_now(), c.level, c.status, coalesce(p_department, ''),
               coalesce(p_actor, ''), coalesce(p_note, '')
        FROM cases c WHERE c.id = p_case;
    -- a doorbell for the event publisher; delivered on commit, duplicates folded
    PERFORM pg_notify('gc_case_events', '');
    RETURN s;
END
$$;

CREATE FUNCTION gc_lock_event_stream() RETURNS void LANGUAGE plpgsql AS
$$ BEGIN PERFORM 1 FROM event_streams WHERE stream = 'case' FOR UPDATE; END $$;

-- Which departments hold a case (a joint case has one lead and co-handlers).
CREATE TABLE case_assignments (
    case_id    bigint NOT NULL REFERENCES cases (id),
    department text NOT NULL REFERENCES departments (code),
    is_lead    boolean NOT NULL,
    active     boolean NOT NULL DEFAULT true,  -- false once returned as "not ours"
    PRIMARY KEY (case_id, department)
);

-- Delivery to departments, kept apart from the case state: per department a gapless sequence.
CREATE TABLE department_delivery_state (
    department text PRIMARY KEY REFERENCES departments (code),
    last_seq   bigint NOT NULL DEFAULT 0,  -- last delivery seq allocated
    acked_seq  bigint NOT NULL DEFAULT 0   -- the department's client has everything up to here
);

CREATE TABLE deliveries (
    department text NOT NULL REFERENCES departments (code),
    seq        bigint NOT NULL,
    case_id    bigint NOT NULL REFERENCES cases (id),
    reason     text NOT NULL CHECK (reason IN ('new', 'reopened', 'escalated', 'withdrawn')),
    is_lead    boolean NOT NULL,
    note       text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL,
    PRIMARY KEY (department, seq)
);

-- Where each consumer of the event stream has got to, moved in the same transaction as the
-- effects of what it consumed: a restart neither loses nor repeats an effect.
CREATE TABLE consumer_cursors (
    consumer text PRIMARY KEY,
    last_seq bigint NOT NULL DEFAULT 0
);
INSERT INTO consumer_cursors (consumer) VALUES ('routing'), ('escalation'), ('stats');

-- Statistics: a fold over the event log, per area (every ancestor of the case's grid) and category.
CREATE TABLE stats_figures (
    area_code           text NOT NULL REFERENCES areas (code),
    category            text NOT NULL REFERENCES categories (code),
    cases_total         bigint NOT NULL DEFAULT 0,
    cases_closed        bigint NOT NULL DEFAULT 0,
    closed_at_grid      bigint NOT NULL DEFAULT 0,
    closed_at_community bigint NOT NULL DEFAULT 0,
    closed_at_street    bigint NOT NULL DEFAULT 0,
    closed_at_district  bigint NOT NULL DEFAULT 0,
    resolved_on_spot    bigint NOT NULL DEFAULT 0,
    escalations         bigint NOT NULL DEFAULT 0,
    reopened            bigint NOT NULL DEFAULT 0,
    returned            bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (area_code, category)
);
