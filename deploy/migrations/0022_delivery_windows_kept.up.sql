-- Routing's read of what each department connection may be sent now, planned once per session
-- (issue 9). gc-routing sent it as text, so it was planned at every pump: at 1,000 cases/s
-- (about 100 pumps a second) pg_stat_statements with track_planning counted 0.46 s of planning
-- in every 20 s, against 0.24 s of executing it.
--
-- It is the statement routing sent (services/routing/dept_server.c), as a function with a plan
-- kept for the session (force_generic_plan) and the shape of gc_event_rows (migration 0019):
-- each connection's window of deliveries is a range of the deliveries' key (department, seq),
-- and each delivery's case is looked up by its key in a LATERAL subquery that OFFSET 0 keeps
-- apart, so no plan can hash or scan all of cases or deliveries, whatever their sizes when the
-- plan was made; sequential scans are off while it is planned, for the same reason, and
-- Memoize and JIT are off (a cache sized from the estimates, and compiling at every call a
-- plan estimated from them, as 0019 found). JIT is off for routing's role already (0020);
-- called by a role with JIT on, on the benchmark's database (376,000 deliveries for one
-- department), the generic plan was estimated at 72,000 rows and compiled in 257 ms a call.
CREATE FUNCTION gc_delivery_windows(p_peer integer[], p_department text[], p_after bigint[],
                                    p_limit integer[])
RETURNS TABLE (peer integer, seq bigint, case_ref text, reason text, category text,
               area_code text, level text, description text, lon double precision,
               lat double precision, address text, is_lead boolean, deadline_ms bigint,
               note text)
LANGUAGE plpgsql STABLE
SET plan_cache_mode = force_generic_plan SET enable_seqscan = off SET enable_memoize = off
SET jit = off AS
$$
BEGIN
    RETURN QUERY
    SELECT w.i, d.seq, c.ref, d.reason, c.category, c.area_code, c.level, c.description, c.lon,
           c.lat, c.address, d.is_lead,
           coalesce((extract(epoch FROM c.deadline_at) * 1000)::bigint, 0), d.note
    FROM unnest(p_peer, p_department, p_after, p_limit) AS w (i, department, after, n)
    CROSS JOIN LATERAL (SELECT x.seq, x.case_id, x.reason, x.is_lead, x.note FROM deliveries x
                        WHERE x.department = w.department AND x.seq > w.after
                        ORDER BY x.seq LIMIT w.n) d
    CROSS JOIN LATERAL (SELECT k.ref, k.category, k.area_code, k.level, k.description, k.lon,
                               k.lat, k.address, k.deadline_at
                        FROM cases k WHERE k.id = d.case_id OFFSET 0) c
    ORDER BY w.i, d.seq;
END
$$;

REVOKE EXECUTE ON FUNCTION gc_delivery_windows(integer[], text[], bigint[], integer[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION gc_delivery_windows(integer[], text[], bigint[], integer[])
    TO gridcase_routing;
