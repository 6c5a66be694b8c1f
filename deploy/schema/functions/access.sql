-- Enables a daemon's (or the dashboard's) role to log in, with a password or (local stacks on
-- trust authentication) without. Only these roles: it is not a general ALTER ROLE.
CREATE FUNCTION gc_set_login(p_role text, p_password text) RETURNS void LANGUAGE plpgsql AS
$$
BEGIN
    IF p_role NOT IN ('gridcase_intake', 'gridcase_routing', 'gridcase_escalation',
                      'gridcase_stats', 'gridcase_dashboard', 'gridcase_open311') THEN
        RAISE EXCEPTION 'gc_set_login: % is not a gridcase service role', p_role;
    END IF;
    IF coalesce(p_password, '') = '' THEN
        EXECUTE format('ALTER ROLE %I LOGIN PASSWORD NULL', p_role);
    ELSE
        EXECUTE format('ALTER ROLE %I LOGIN PASSWORD %L', p_role, p_password);
    END IF;
END
$$;
-- only the schema's owner (gridctl role-login) may call it
REVOKE EXECUTE ON FUNCTION gc_set_login(text, text) FROM PUBLIC;
