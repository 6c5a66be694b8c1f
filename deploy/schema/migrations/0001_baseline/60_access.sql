-- Who may do what: the daemons' and the dashboards' database roles with their grants on tables,
-- and the clients of the CurveZMQ sockets. Grants on functions and views stand beside their
-- definitions in functions/*.sql (they are made again with them). A migration that adds a
-- table grants on it too.

-- One database role per daemon, with only the privileges it needs, and a read-only role for
-- dashboards (the views of functions/statistics_views.sql and nothing else: no personal data).
-- Roles belong to the cluster, not the database, so they may exist already. They cannot log in
-- until the operator (docker-compose's migrate job, or deploy/stack.sh) enables them with
-- `gridctl role-login ROLE --password-file FILE`, which calls gc_set_login()
-- (functions/access.sql). gridctl itself (migrations, imports, administration) connects as the
-- owner of the schema.
DO $$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['gridcase_intake', 'gridcase_routing', 'gridcase_escalation',
                             'gridcase_stats', 'gridcase_dashboard'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
            EXECUTE format('CREATE ROLE %I NOLOGIN', r);
        END IF;
    END LOOP;
END $$;

-- The daemons' sessions run without JIT compilation. Their statements are short look-ups and
-- batches; PostgreSQL decides to compile a plan from its estimated cost, and the estimates of
-- statements that read a batch through a LATERAL subquery with a LIMIT taken from a row or a
-- parameter grow with the tables, not with the batch: on the benchmark's database routing's
-- delivery read was estimated past jit_above_cost and compiled at every call (17.6 ms of JIT
-- for about 4 ms of work). The dashboards' role and gridctl keep the server's setting: their
-- reports may scan a lot. (A role's setting applies from its next connection, in every
-- database.)
ALTER ROLE gridcase_intake SET jit = off;
ALTER ROLE gridcase_routing SET jit = off;
ALTER ROLE gridcase_escalation SET jit = off;
ALTER ROLE gridcase_stats SET jit = off;

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

-- dashboards: the current-window views call gc_now(), which reads these two settings rows
GRANT SELECT ON clock, district_settings TO gridcase_dashboard;

-- Who may connect to the CurveZMQ sockets other than the department socket: the systems that
-- submit cases (the hotline's, the residents' app's back end, gridctl), those that follow the
-- case event stream (gridcase's own routing, escalation and stats, and integrators), and
-- dashboards on the statistics stream. Each client has a name, which the ZAP handler gives as
-- the connection's User-Id and the daemons log, and the sockets its key may use. Departments
-- are not here: the department socket knows them by departments.public_key.
-- Managed with gridctl client add|list|remove; a removed key is refused at its next connection.
CREATE TABLE socket_clients (
    name       text PRIMARY KEY CHECK (name ~ '^[a-z0-9][a-z0-9_.-]{0,63}$'),
    public_key text NOT NULL UNIQUE CHECK (length(public_key) = 40),
    sockets    text[] NOT NULL
               CHECK (cardinality(sockets) > 0 AND sockets <@ ARRAY['intake', 'events', 'stats']),
    created_at timestamptz NOT NULL DEFAULT now()
);

-- the ZAP handlers of intake (intake, events) and stats (stats) read it
GRANT SELECT ON socket_clients TO gridcase_intake, gridcase_stats;
