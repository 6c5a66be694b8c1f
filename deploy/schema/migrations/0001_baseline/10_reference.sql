-- Reference data: the district's settings, its area tree, departments, categories and working
-- calendar. gridctl import loads and updates them (tools/gridctl/cmd_import.c); cases refer to
-- them, so areas, departments and categories are upserted, never deleted.

-- The gridcase clock. Every daemon takes "now" from gc_now() (functions/clock.sql), so one row
-- moves time for the whole system: tests and the demo advance it (`gridctl clock advance`)
-- instead of waiting hours for a deadline. In production offset_seconds stays 0.
CREATE TABLE clock (
    id             boolean PRIMARY KEY DEFAULT true CHECK (id),
    offset_seconds bigint  NOT NULL DEFAULT 0
);
INSERT INTO clock DEFAULT VALUES;

-- The district's own settings. The time zone decides what "Friday 17:30" and "today" mean.
CREATE TABLE district_settings (
    id        boolean PRIMARY KEY DEFAULT true CHECK (id),
    time_zone text NOT NULL DEFAULT 'Asia/Shanghai'
);
INSERT INTO district_settings DEFAULT VALUES;

-- The tree: district, street offices, communities, grids. Each node's leader is posted publicly.
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

-- A category's handling hours at each level. They count working hours only when working_hours
-- says so and the district has a calendar; otherwise (and for urgent matters) wall-clock hours.
CREATE TABLE categories (
    code            text PRIMARY KEY,
    name            text NOT NULL,
    urgency         text NOT NULL DEFAULT 'normal' CHECK (urgency IN ('high', 'normal', 'low')),
    hours_grid      integer NOT NULL CHECK (hours_grid > 0),
    hours_community integer NOT NULL CHECK (hours_community > 0),
    hours_street    integer NOT NULL CHECK (hours_street > 0),
    hours_district  integer NOT NULL CHECK (hours_district > 0),
    working_hours   boolean NOT NULL DEFAULT false
);

-- The working calendar, in the district's local time. A weekday (ISO: 1 = Monday) has zero or
-- more working periods (a lunch break is the gap between two). calendar_days overrides single
-- dates: public holidays (working = false) and make-up working days (调休, working = true,
-- worked with the periods of weekday hours_of). Read by gc_add_working_hours
-- (functions/calendar.sql).
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
