-- Deadlines: handling hours per category and level, counted in working hours (the district's
-- calendar: working periods, holidays, make-up days 调休) or wall-clock hours.
-- PL/pgSQL throughout, so plans are kept for the session (see functions/clock.sql).

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
CREATE FUNCTION gc_add_handling_hours(p_category text, p_start timestamptz,
                                                 p_hours integer)
RETURNS timestamptz LANGUAGE plpgsql STABLE AS
$$
BEGIN
    RETURN (SELECT CASE WHEN c.working_hours THEN gc_add_working_hours(p_start, p_hours)
                        ELSE p_start + make_interval(hours => p_hours) END
            FROM categories c WHERE c.code = p_category);
END
$$;

-- The deadline at a level counted from a given start: for an overdue case, from the deadline it
-- missed, so that escalation catching up after an outage moves a case one level per deadline
-- missed, exactly as if it had never stopped. Its plans are generic whatever the caller's
-- plan_cache_mode: a function's setting reaches the statements of every function it calls, and
-- this one is called from statements planned both ways.
CREATE FUNCTION gc_deadline_from(p_category text, p_level text, p_start timestamptz)
RETURNS timestamptz LANGUAGE plpgsql STABLE
SET plan_cache_mode = force_generic_plan AS
$$
BEGIN
    RETURN (SELECT gc_add_handling_hours(c.code, p_start, CASE p_level
                       WHEN 'grid' THEN c.hours_grid WHEN 'community' THEN c.hours_community
                       WHEN 'street' THEN c.hours_street ELSE c.hours_district END)
            FROM categories c WHERE c.code = p_category);
END
$$;

-- The handling deadline of a case of this category arriving at this level now.
CREATE FUNCTION gc_deadline(p_category text, p_level text)
RETURNS timestamptz LANGUAGE plpgsql STABLE AS
$$
BEGIN
    RETURN gc_deadline_from(p_category, p_level, gc_now());
END
$$;
