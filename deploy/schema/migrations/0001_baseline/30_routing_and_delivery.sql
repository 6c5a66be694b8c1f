-- Routing rules, which departments hold a case, and the delivery of cases to departments.

-- (category, area subtree, level) -> department. The rules with the longest area code that is
-- a prefix of the case's grid win, a level-specific rule over an any-level one (level NULL);
-- gc_best_rules (functions/routing.sql) is that choice.
CREATE TABLE routing_rules (
    id         serial PRIMARY KEY,
    category   text NOT NULL REFERENCES categories (code),
    area_code  text NOT NULL REFERENCES areas (code),
    level      text CHECK (level IN ('district', 'street', 'community', 'grid')),
    department text NOT NULL REFERENCES departments (code),
    is_lead    boolean NOT NULL,
    -- each department once per category, area and level (NULL: any level); the index also
    -- serves gc_best_rules' look-up of a category's rules
    CONSTRAINT routing_rules_department_once
        UNIQUE NULLS NOT DISTINCT (category, area_code, level, department)
);
-- one lead per category, area and level: a case's best rules never name two leads
CREATE UNIQUE INDEX routing_rules_one_lead ON routing_rules (category, area_code, level)
    NULLS NOT DISTINCT WHERE is_lead;

-- Which departments hold a case (a joint case has one lead and co-handlers). Its key serves
-- every statement that reads or changes a case's departments (routing's redelivery, the
-- department actions' check that a department holds the case, joint meetings).
CREATE TABLE case_assignments (
    case_id    bigint NOT NULL REFERENCES cases (id),
    department text NOT NULL REFERENCES departments (code),
    is_lead    boolean NOT NULL,
    active     boolean NOT NULL DEFAULT true,  -- false once returned as "not ours"
    PRIMARY KEY (case_id, department)
);

-- Delivery to departments, kept apart from the case state: per department a gapless sequence.
-- Read and advanced by its key (routing's run, redelivery, gc_record_acks).
CREATE TABLE department_delivery_state (
    department text PRIMARY KEY REFERENCES departments (code),
    last_seq   bigint NOT NULL DEFAULT 0,  -- last delivery seq allocated
    acked_seq  bigint NOT NULL DEFAULT 0   -- the department's client has everything up to here
);

-- joint_meeting: a street's joint meeting (联席会议) assigned the department joint enforcement.
-- The key (department, seq) is the delivery read's range: each connection's window of its
-- department's deliveries after the last it holds (gc_delivery_windows).
CREATE TABLE deliveries (
    department text NOT NULL REFERENCES departments (code),
    seq        bigint NOT NULL,
    case_id    bigint NOT NULL REFERENCES cases (id),
    reason     text NOT NULL
               CHECK (reason IN ('new', 'reopened', 'escalated', 'withdrawn', 'joint_meeting')),
    is_lead    boolean NOT NULL,
    note       text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL,
    PRIMARY KEY (department, seq)
);
