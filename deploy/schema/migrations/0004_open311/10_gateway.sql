-- The Open311 gateway (gc-open311): its database role and the API keys of the applications that
-- post through it. The gateway submits through intake like any other client; in the database it
-- only reads, and only what the public may see: the view open311_requests (functions/open311.sql)
-- and the reference data. It has no grant on cases, so the reporters' name and phone stay out of
-- its reach whatever a query asks.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'gridcase_open311') THEN
        CREATE ROLE gridcase_open311 NOLOGIN;
    END IF;
END $$;
ALTER ROLE gridcase_open311 SET jit = off;

-- One row per client application (a residents' app, a hotline bridge, a web form's back end).
-- Only the key's SHA-256 is kept: gridctl apikey add prints the key once, and a stolen copy of
-- the database does not let anyone post. Revoking keeps the row, so a name is never reused for
-- another application by mistake.
CREATE TABLE open311_api_keys (
    name       text PRIMARY KEY CHECK (name ~ '^[a-z0-9][a-z0-9_.-]{0,63}$'),
    key_sha256 text NOT NULL UNIQUE CHECK (key_sha256 ~ '^[0-9a-f]{64}$'),
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
);

GRANT SELECT ON open311_api_keys, clock, district_settings, categories TO gridcase_open311;
GRANT SELECT (code, parent_code, level, name) ON areas TO gridcase_open311;
