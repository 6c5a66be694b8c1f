-- People's rights: whether a person's command on a case is permitted, by the rules table
-- (command_rules, migrations' people tables) and the sending application's scope.

-- How a rule's place reads to a person refused by it.
CREATE FUNCTION gc_rule_place_words(p_place text) RETURNS text
LANGUAGE sql IMMUTABLE AS
$$ SELECT CASE p_place WHEN 'case_area' THEN 'of the case''s area'
                       WHEN 'case_path' THEN 'of the case''s area or one above it'
                       WHEN 'above_case' THEN 'of an area above the case''s'
                       WHEN 'case_level' THEN 'of the area at the case''s current level'
                       WHEN 'case_street' THEN 'of the case''s street' END $$;

-- The rule of a command in words, its rows joined: what a refusal names, e.g.
-- "verify: grid_worker of the case's area, or leader of the case's area or one above it".
CREATE FUNCTION gc_rule_words(p_command text) RETURNS text
LANGUAGE sql STABLE AS
$$ SELECT p_command || ': ' || coalesce(string_agg(r.role || ' ' || gc_rule_place_words(r.place),
                                                   ', or ' ORDER BY r.role, r.place), 'nobody')
   FROM command_rules r WHERE r.command = p_command $$;

-- Whether the person p_person may send command p_command (a command_rules.command, or 'note')
-- on the case p_case_ref, sent by the application p_application (socket_clients.name: the
-- CurveZMQ client's key; NULL on a plain socket, which authenticates nobody). NULL when it may,
-- else the refusal, naming the rule; intake (services/intake/intake_batch.c) answers it with
-- ERROR_CODE_NOT_PERMITTED. In order:
--   * an application must be registered for people's commands, and speak for the areas of both
--     the case and the person (socket_clients.may_send, areas);
--   * a person's command from an application names the person: on a plain socket an unnamed
--     command is taken as before (an actor in free text), since nothing there says who sent it;
--     a note needs no person;
--   * the person exists and is not retired, and one row of the rules table permits the command
--     for the person's role and area relative to the case's area and current level.
-- When permitted with a person, the transaction's next events are marked as the person's and the
-- application's (gc_append_events reads gridcase.person and gridcase.application): intake
-- clears the marks after the command. A case that does not exist is NULL here: the caller
-- answers UNKNOWN_CASE.
CREATE FUNCTION gc_command_permitted(p_case_ref text, p_command text, p_person text,
                                     p_application text)
RETURNS text LANGUAGE plpgsql AS
$$
DECLARE
    v_case   record;
    v_person record;
    v_app    record;
BEGIN
    SELECT c.area_code, c.level INTO v_case FROM cases c WHERE c.ref = p_case_ref;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    p_person := nullif(p_person, '');
    IF p_application IS NOT NULL THEN
        SELECT s.may_send, s.areas INTO v_app FROM socket_clients s WHERE s.name = p_application;
        IF NOT FOUND OR NOT 'commands' = ANY (v_app.may_send) THEN
            RETURN format('application %s may not send people''s commands', p_application);
        END IF;
        IF v_app.areas IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM unnest(v_app.areas) a
                           WHERE left(v_case.area_code, length(a)) = a) THEN
            RETURN format('application %s does not speak for area %s (the case''s)',
                          p_application, v_case.area_code);
        END IF;
        IF p_person IS NULL AND p_command <> 'note' THEN
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
    IF p_application IS NOT NULL AND v_app.areas IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM unnest(v_app.areas) a
                       WHERE left(v_person.area_code, length(a)) = a) THEN
        RETURN format('application %s does not speak for %s''s area %s', p_application,
                      p_person, v_person.area_code);
    END IF;
    IF p_command <> 'note' AND NOT EXISTS (
        SELECT 1 FROM command_rules r
        WHERE r.command = p_command AND r.role = v_person.role
          AND left(v_case.area_code, length(v_person.area_code)) = v_person.area_code
          AND CASE r.place
                  WHEN 'case_area' THEN v_person.area_code = v_case.area_code
                  WHEN 'case_path' THEN true
                  WHEN 'above_case' THEN v_person.area_code <> v_case.area_code
                  WHEN 'case_level' THEN v_person.level = v_case.level
                  WHEN 'case_street' THEN v_person.level = 'street' END) THEN
        RETURN format('not permitted by the rule "%s": %s is %s of %s (the case is in %s, at the %s)',
                      gc_rule_words(p_command), p_person, v_person.role, v_person.area_code,
                      v_case.area_code, v_case.level);
    END IF;
    PERFORM set_config('gridcase.person', p_person, true),
            set_config('gridcase.application', coalesce(p_application, ''), true);
    RETURN NULL;
END
$$;
GRANT EXECUTE ON FUNCTION gc_command_permitted(text, text, text, text) TO gridcase_intake;
