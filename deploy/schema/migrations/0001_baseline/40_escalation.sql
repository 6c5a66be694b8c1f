-- Deadline extensions (延期): a case's lead department asks for more time at the case's current
-- level; that level's leader grants or refuses. One undecided request per case. A request still
-- waiting when the case moves up a level lapses: the new level's leader decides afresh.
-- (Escalation's other state lives on the case: level, deadline_at, supervised_at, and the index
-- cases_due in 20_cases_and_events.sql.)
CREATE TABLE extension_requests (
    id           bigserial PRIMARY KEY,
    case_id      bigint NOT NULL REFERENCES cases (id),
    department   text NOT NULL REFERENCES departments (code),
    level        text NOT NULL,
    hours        integer NOT NULL CHECK (hours BETWEEN 1 AND 720),
    reason       text NOT NULL,
    requested_at timestamptz NOT NULL,
    decided_at   timestamptz,
    granted      boolean,
    decided_by   text NOT NULL DEFAULT ''
);
-- one waiting request per case; it also serves the look-up of a case's waiting request (the
-- decision, and the lapse when the case moves up: gc_lapse_extension_requests)
CREATE UNIQUE INDEX extension_requests_open ON extension_requests (case_id)
    WHERE decided_at IS NULL;
