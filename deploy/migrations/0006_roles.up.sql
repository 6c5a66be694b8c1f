-- One database role per daemon, with only the privileges it needs. The roles cannot log in until
-- the operator (docker-compose's migrate job, or deploy/stack.sh) enables them with
-- `gridctl role-login ROLE --password-file FILE`, which calls gc_set_login(). gridctl itself
-- (migrations, imports, administration) connects as the owner of the schema.
-- A later migration that adds a table grants on it here too.

DO $$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['gridcase_intake', 'gridcase_routing', 'gridcase_escalation',
                             'gridcase_stats'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
            EXECUTE format('CREATE ROLE %I NOLOGIN', r);
        END IF;
    END LOOP;
END $$;

-- What every daemon reads: the clock, the district's settings and reference data (deadlines and
-- routing are computed from them), and the event log's counter.
GRANT SELECT ON clock, district_settings, areas, categories, departments, working_hours,
    calendar_days, event_streams
    TO gridcase_intake, gridcase_routing, gridcase_escalation, gridcase_stats;

-- Writers of the case log: a change of a case and its event in one transaction; the counter row
-- is locked (FOR UPDATE needs UPDATE) and advanced.
GRANT SELECT, UPDATE ON cases TO gridcase_intake, gridcase_routing, gridcase_escalation;
GRANT INSERT ON cases TO gridcase_intake, gridcase_routing; -- routing: inspection reports
GRANT USAGE ON SEQUENCE cases_id_seq TO gridcase_intake, gridcase_routing;
GRANT SELECT, INSERT ON case_events TO gridcase_intake, gridcase_routing, gridcase_escalation;
GRANT UPDATE ON event_streams TO gridcase_intake, gridcase_routing, gridcase_escalation;

-- intake: diaries, joint meetings' assignments, leaders' extension decisions
GRANT SELECT, INSERT, UPDATE ON grid_diary TO gridcase_intake;
GRANT USAGE ON SEQUENCE grid_diary_id_seq TO gridcase_intake;
GRANT SELECT, UPDATE ON grid_diary TO gridcase_routing; -- an inspection report from a diary entry
GRANT SELECT, INSERT, UPDATE ON case_assignments TO gridcase_intake;
GRANT SELECT, UPDATE ON extension_requests TO gridcase_intake, gridcase_escalation;

-- routing: assignments, deliveries and their sequences, rules, department keys, its cursor,
-- extension requests from departments
GRANT SELECT, INSERT, UPDATE, DELETE ON case_assignments TO gridcase_routing;
GRANT SELECT, INSERT ON deliveries TO gridcase_routing;
GRANT SELECT, UPDATE ON department_delivery_state TO gridcase_routing;
GRANT SELECT ON routing_rules TO gridcase_routing;
GRANT SELECT, INSERT ON extension_requests TO gridcase_routing;
GRANT USAGE ON SEQUENCE extension_requests_id_seq TO gridcase_routing;

-- the consumers' cursors
GRANT SELECT, UPDATE ON consumer_cursors TO gridcase_routing, gridcase_escalation, gridcase_stats;

-- stats: the event log and the cases' non-personal columns; its own figures
GRANT SELECT ON case_events TO gridcase_stats;
GRANT SELECT (id, ref, area_code, category, level, status, source, created_at, closed_at)
    ON cases TO gridcase_stats;
GRANT SELECT, INSERT, UPDATE ON stats_area_windows, stats_department_windows TO gridcase_stats;

-- Enables a daemon's (or the dashboard's) role to log in, with a password or (local stacks on
-- trust authentication) without. Only these roles: it is not a general ALTER ROLE.
CREATE FUNCTION gc_set_login(p_role text, p_password text) RETURNS void LANGUAGE plpgsql AS
$$
BEGIN
    IF p_role NOT IN ('gridcase_intake', 'gridcase_routing', 'gridcase_escalation',
                      'gridcase_stats', 'gridcase_dashboard') THEN
        RAISE EXCEPTION 'gc_set_login: % is not a gridcase service role', p_role;
    END IF;
    IF coalesce(p_password, '') = '' THEN
        EXECUTE format('ALTER ROLE %I LOGIN PASSWORD NULL', p_role);
    ELSE
        EXECUTE format('ALTER ROLE %I LOGIN PASSWORD %L', p_role, p_password);
    END IF;
END
$$;
REVOKE EXECUTE ON FUNCTION gc_set_login(text, text) FROM PUBLIC;
