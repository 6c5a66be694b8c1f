-- The leader who must act on an event, as a function (issue 9). Intake's event publisher and the
-- three consumers (routing, escalation, stats) each read every event joined to its case, a batch
-- at a time, and PostgreSQL plans that statement at every batch (its plan cache keeps a generic
-- plan of "seq > $1 ... LIMIT $2" only when it looks no dearer than the plans made for the
-- values given, and it never does). The statement named the leader's area with a subquery
-- (the area at the event's level among the prefixes of the case's grid code), which more than
-- doubled its planning: 0.42-0.59 ms against 0.24 ms with this function in its place, seen with
-- EXPLAIN (ANALYZE, SUMMARY) on a database of 820,000 cases. With pg_stat_statements'
-- track_planning on, at 100 cases/s, the four readers spent 2.0 s of every 10 s planning it.
--
-- PL/pgSQL keeps the function's own plan for the session (the areas table is small and read by
-- its primary key). common/gc_event.c calls it only for the events a leader acts on, as before.

CREATE FUNCTION gc_leader_area(p_area text, p_level text) RETURNS text
LANGUAGE plpgsql STABLE AS
$$
BEGIN
    RETURN (SELECT a.code FROM areas a
            WHERE a.level = p_level
              AND a.code = ANY (ARRAY(SELECT left(p_area, n)
                                      FROM generate_series(1, length(p_area)) n)));
END
$$;
