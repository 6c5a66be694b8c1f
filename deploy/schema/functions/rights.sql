-- People's rights: whether a person's command on a case, or a report in their name, is
-- permitted by the rules table (command_rules, migrations' people tables) and the sending
-- application's scope.

-- How a rule's place reads to a person refused by it.
CREATE FUNCTION gc_rule_place_words(p_place text) RETURNS text
LANGUAGE sql IMMUTABLE AS
$$ SELECT CASE p_place WHEN 'case_area' THEN 'of the case''s area'
                       WHEN 'case_path' THEN 'of the case''s area or above'
                       WHEN 'above_case' THEN 'above the case''s area'
                       WHEN 'case_level' THEN 'at the case''s level'
                       WHEN 'case_street' THEN 'of the case''s street' END $$;

-- The rule of a command in words, its rows grouped by place: what a refusal names, e.g.
-- "verify: grid_worker of the case's area; leader of the case's area or above". Short: a
-- refusal's message has 240 bytes.
CREATE FUNCTION gc_rule_words(p_command text) RETURNS text
LANGUAGE sql STABLE AS
$$ SELECT p_command || ': ' || coalesce(string_agg(w.roles || ' ' || gc_rule_place_words(w.place),
                                                   '; ' ORDER BY w.place), 'nobody')
   FROM (SELECT r.place, string_agg(r.role, ', ' ORDER BY r.role) AS roles
         FROM command_rules r WHERE r.command = p_command GROUP BY r.place) w $$;

-- Why the person p_person may not do p_command (a command_rules.command, or 'note') on a case in
-- area p_area at level p_level, sent by the application p_application (socket_clients.name: the
-- CurveZMQ client's key; NULL on a plain socket, which authenticates nobody); NULL when they
-- may, and then, when a person is named, the transaction's next events are marked as the
-- person's and the application's (gc_append_events reads gridcase.person and
-- gridcase.application; the caller clears the marks after the request). In order:
--   * an application must be registered for what it sends (people's commands; for a report,
--     submissions) and speak for the areas of both the case and the person (socket_clients
--     .may_send, areas);
--   * a person's command from an application names the person: on a plain socket an unnamed
--     command is taken (an actor in free text), since nothing there says who sent it; a note and
--     a report need no person;
--   * the person exists and is not retired, and one row of the rules table permits the command
--     for the person's role and area relative to the case's area and level.
CREATE FUNCTION gc_person_permitted(p_area text, p_level text, p_command text, p_person text,
                                    p_application text)
RETURNS text LANGUAGE plpgsql AS
$$
DECLARE
    v_person record;
    v_sends  text := CASE p_command WHEN 'report' THEN 'submissions' ELSE 'commands' END;
    v_may    text[];  -- the application's scope (socket_clients)
    v_areas  text[];
BEGIN
    p_person := nullif(p_person, '');
    IF p_application IS NOT NULL THEN
        SELECT s.may_send, s.areas INTO v_may, v_areas
        FROM socket_clients s WHERE s.name = p_application;
        IF NOT coalesce(v_sends = ANY (v_may), false) THEN
            RETURN format('application %s may not send %s', p_application,
                          CASE v_sends WHEN 'commands' THEN 'people''s commands' ELSE v_sends END);
        END IF;
        IF v_areas IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM unnest(v_areas) a
                           WHERE left(p_area, length(a)) = a) THEN
            RETURN format('application %s does not speak for area %s (the case''s)',
                          p_application, p_area);
        END IF;
        IF p_person IS NULL AND p_command NOT IN ('note', 'report') THEN
            RETURN format('a person''s command names the person acting (rule %s)',
                          gc_rule_words(p_command));
        END IF;
    END IF;
    IF p_person IS NULL THEN
        RETURN NULL;
    END IF;
    SELECT p.area_code, p.role, p.retired_at, a.level INTO v_person
    FROM people p JOIN areas a ON a.code = p.area_code WHERE p.code = p_person;
    IF NOT FOUND THEN
        RETURN format('no person has the code %s', p_person);
    END IF;
    IF v_person.retired_at IS NOT NULL THEN
        RETURN format('%s is retired', p_person);
    END IF;
    IF v_areas IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM unnest(v_areas) a
                       WHERE left(v_person.area_code, length(a)) = a) THEN
        RETURN format('application %s does not speak for %s''s area %s', p_application,
                      p_person, v_person.area_code);
    END IF;
    IF p_command <> 'note' AND NOT EXISTS (
        SELECT 1 FROM command_rules r
        WHERE r.command = p_command AND r.role = v_person.role
          AND left(p_area, length(v_person.area_code)) = v_person.area_code
          AND CASE r.place
                  WHEN 'case_area' THEN v_person.area_code = p_area
                  WHEN 'case_path' THEN true
                  WHEN 'above_case' THEN v_person.area_code <> p_area
                  WHEN 'case_level' THEN v_person.level = p_level
                  WHEN 'case_street' THEN v_person.level = 'street' END) THEN
        RETURN format('%s is %s of %s, the case at the %s of %s: rule "%s"', p_person,
                      v_person.role, v_person.area_code, p_level, p_area,
                      gc_rule_words(p_command));
    END IF;
    PERFORM set_config('gridcase.person', p_person, true),
            set_config('gridcase.application', coalesce(p_application, ''), true);
    RETURN NULL;
END
$$;

-- Whether the person p_person may send command p_command on the case p_case_ref, sent by the
-- application p_application: gc_person_permitted for the case's area and current level.
-- intake (services/intake/intake_batch.c) answers a refusal with ERROR_CODE_NOT_PERMITTED. A
-- case that does not exist is NULL here: the caller answers UNKNOWN_CASE.
CREATE FUNCTION gc_command_permitted(p_case_ref text, p_command text, p_person text,
                                     p_application text)
RETURNS text LANGUAGE plpgsql AS
$$
DECLARE
    v_case record;
BEGIN
    SELECT c.area_code, c.level INTO v_case FROM cases c WHERE c.ref = p_case_ref;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    RETURN gc_person_permitted(v_case.area_code, v_case.level, p_command, p_person,
                               p_application);
END
$$;
GRANT EXECUTE ON FUNCTION gc_command_permitted(text, text, text, text) TO gridcase_intake;

-- Whether a submission may name p_person as the person who found the problem (发现上报), its
-- case placed in area p_area at level p_level: gc_person_permitted by the rules' 'report' rows,
-- which marks the case's submitted event as the person's (common/gc_case.c clears the marks).
CREATE FUNCTION gc_report_permitted(p_area text, p_level text, p_person text,
                                    p_application text)
RETURNS text LANGUAGE sql AS
$$ SELECT gc_person_permitted(p_area, p_level, 'report', p_person, p_application) $$;
GRANT EXECUTE ON FUNCTION gc_report_permitted(text, text, text, text) TO gridcase_intake;
