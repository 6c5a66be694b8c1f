-- The gridcase clock: "now" for every daemon and every function, offset by the clock row
-- (10_reference.sql) so that tests and the demo can pass deadlines without waiting.

-- PL/pgSQL rather than SQL: a LANGUAGE sql function that reads a table is not inlined, and is
-- planned again at every call of the statement that calls it; PL/pgSQL keeps its plan for the
-- session.
CREATE FUNCTION gc_now() RETURNS timestamptz
LANGUAGE plpgsql STABLE AS
$$
BEGIN
    RETURN (SELECT now() + make_interval(secs => k.offset_seconds) FROM clock k);
END
$$;
