-- Who may connect to the CurveZMQ sockets other than the department socket (issue 8): the
-- systems that submit cases (the hotline's, the residents' app's back end, gridctl), those that
-- follow the case event stream (gridcase's own routing, escalation and stats, and integrators),
-- and dashboards on the statistics stream. Each client has a name, which the ZAP handler gives
-- as the connection's User-Id and the daemons log, and the sockets its key may use. Departments
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
