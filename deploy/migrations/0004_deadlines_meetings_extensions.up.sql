-- Deadlines in working hours, street joint meetings (联席会议) and deadline extensions (延期).

-- The district's own settings. The time zone decides what "Friday 17:30" and "today" mean.
CREATE TABLE district_settings (
    id        boolean PRIMARY KEY DEFAULT true CHECK (id),
    time_zone text NOT NULL DEFAULT 'Asia/Shanghai'
);
INSERT INTO district_settings DEFAULT VALUES;

-- The working calendar, in the district's local time. A weekday (ISO: 1 = Monday) has zero or
-- more working periods (a lunch break is the gap between two). calendar_days overrides single
-- dates: public holidays (working = false) and make-up working days (调休, working = true,
-- worked with the periods of weekday hours_of).
CREATE TABLE working_hours (
    weekday smallint NOT NULL CHECK (weekday BETWEEN 1 AND 7),
    starts  time NOT NULL,
    ends    time NOT NULL CHECK (ends > starts),
    PRIMARY KEY (weekday, starts)
);
CREATE TABLE calendar_days (
    day      date PRIMARY KEY,
    working  boolean NOT NULL,
    hours_of smallint NOT NULL DEFAULT 1 CHECK (hours_of BETWEEN 1 AND 7),
    name     text NOT NULL DEFAULT ''
);

-- A category's handling hours count working hours only when it says so and the district has a
-- calendar; otherwise (and for urgent matters) they are wall-clock hours.
ALTER TABLE categories ADD COLUMN working_hours boolean NOT NULL DEFAULT false;

-- p_start plus p_hours of working time: walks the calendar day by day from p_start's local date.
-- Wall-clock hours when the district has no working hours at all.
CREATE FUNCTION gc_add_working_hours(p_start timestamptz, p_hours integer)
RETURNS timestamptz LANGUAGE plpgsql STABLE AS
$$
DECLARE
    tz      text := (SELECT time_zone FROM district_settings);
    todo    interval := make_interval(hours => p_hours);
    on_day  date := (p_start AT TIME ZONE tz)::date;
    dow     smallint;  -- whose working periods apply on on_day; NULL on a holiday
    period  record;
    s       timestamptz;
    e       timestamptz;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM working_hours) THEN
        RETURN p_start + todo;
    END IF;
    FOR i IN 1 .. 3660 LOOP  -- ten years: a calendar with no working day left ends the walk
        SELECT CASE WHEN d.day IS NULL THEN extract(isodow FROM on_day)::smallint
                    WHEN d.working THEN d.hours_of END
          INTO dow
          FROM (SELECT 1) one LEFT JOIN calendar_days d ON d.day = on_day;
        FOR period IN SELECT w.starts, w.ends FROM working_hours w
                      WHERE w.weekday = dow ORDER BY w.starts LOOP
            s := greatest((on_day + period.starts) AT TIME ZONE tz, p_start);
            e := (on_day + period.ends) AT TIME ZONE tz;
            IF e > s THEN
                IF e - s >= todo THEN
                    RETURN s + todo;
                END IF;
                todo := todo - (e - s);
            END IF;
        END LOOP;
        on_day := on_day + 1;
    END LOOP;
    RETURN p_start + make_interval(hours => p_hours);
END
$$;

-- p_hours of a category's handling time from p_start: working or wall-clock hours.
CREATE FUNCTION gc_add_handling_hours(p_category text, p_start timestamptz, p_hours integer)
RETURNS timestamptz LANGUAGE sql STABLE AS
$$ SELECT CASE WHEN working_hours THEN gc_add_working_hours(p_start, p_hours)
               ELSE p_start + make_interval(hours => p_hours) END
   FROM categories WHERE code = p_category $$;

CREATE OR REPLACE FUNCTION gc_deadline_from(p_category text, p_level text, p_start timestamptz)
RETURNS timestamptz LANGUAGE sql STABLE AS
$$ SELECT gc_add_handling_hours(code, p_start, CASE p_level
       WHEN 'grid' THEN hours_grid WHEN 'community' THEN hours_community
       WHEN 'street' THEN hours_street ELSE hours_district END)
   FROM categories WHERE code = p_category $$;

CREATE OR REPLACE FUNCTION gc_deadline(p_category text, p_level text)
RETURNS timestamptz LANGUAGE sql STABLE AS
$$ SELECT gc_deadline_from(p_category, p_level, gc_now()) $$;

-- The escalation sweep looks for open, unflagged cases whose deadline passed. Flagged (督办)
-- cases keep their missed deadline but leave this index, so however many wait at the district
-- a tick that finds nothing reads nothing.
DROP INDEX cases_open_deadline;
CREATE INDEX cases_due ON cases (deadline_at)
    WHERE status NOT IN ('resolved', 'closed') AND supervised_at IS NULL;

-- Joint meetings: the agenda of a street is its open cases that reached the street and have no
-- decision since; each decision is a 'meeting_decided' event. Assigning joint enforcement adds
-- departments; routing delivers to them with this reason.
ALTER TABLE deliveries DROP CONSTRAINT deliveries_reason_check;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_reason_check
    CHECK (reason IN ('new', 'reopened', 'escalated', 'withdrawn', 'joint_meeting'));
CREATE INDEX cases_open_by_level ON cases (level) WHERE status NOT IN ('resolved', 'closed');

-- Extensions: a case's lead department asks for more time at the case's current level; that
-- level's leader grants or refuses. One undecided request per case.
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
CREATE UNIQUE INDEX extension_requests_open ON extension_requests (case_id)
    WHERE decided_at IS NULL;

ALTER TABLE stats_figures ADD COLUMN extended bigint NOT NULL DEFAULT 0;
