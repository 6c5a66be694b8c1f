-- Delivery of routed cases to departments: what each department connection may be sent now,
-- and the departments' acknowledgements. gc-routing's department socket calls both
-- (services/routing/dept_delivery.c); the deliveries themselves are written where cases are
-- routed (gc_route_run, and services/routing/case_router.c).

-- The deliveries each connection may be sent now: for connection p_peer[i], department
-- p_department[i]'s deliveries after seq p_after[i], at most p_limit[i] (its credit), each with
-- the case as it stands. One call per pump for every connection.
-- Planned once per session (force_generic_plan; as text it was planned at every pump: 0.46 s of
-- planning in every 20 s at 1,000 cases/s, against 0.24 s executing) and shaped as
-- gc_event_rows is: each window is a range of the deliveries' key (department, seq), and each
-- delivery's case is looked up by its key in a LATERAL subquery that OFFSET 0 keeps apart, so
-- no plan can hash or scan all of cases or deliveries, whatever their sizes when the plan was
-- made; sequential scans are off while it is planned for the same reason, and Memoize and JIT
-- are off (called by a role with JIT on, the generic plan was estimated at 72,000 rows on the
-- benchmark's database and compiled in 257 ms a call).
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

-- Records the acknowledgements that arrived in one turn of gc-routing, in a transaction of its
-- own, without waiting for the disk: with synchronous_commit on, every turn waited for a WAL
-- flush (2-4 ms here), and a department catching up on a backlog (credit 1,000, acknowledging
-- every 100) ran at 28,000-52,000 deliveries/s waiting for those flushes.
-- An acknowledgement only moves department_delivery_state.acked_seq, the position a client may
-- resume from (DeptSubscribe.from_acked). If PostgreSQL stops before the flush (at most
-- wal_writer_delay later, 200 ms by default), that position is a little older and those
-- deliveries are sent again, which the protocol allows: a client skips a seq it holds
-- (proto/README.md). Cases, events and deliveries are never written this way: the setting is
-- local to this function's transaction, which must be its own.
CREATE FUNCTION gc_record_acks(p_departments text[], p_seqs bigint[])
RETURNS void LANGUAGE plpgsql AS
$$
BEGIN
    PERFORM set_config('synchronous_commit', 'off', true); -- this transaction only
    UPDATE department_delivery_state s SET acked_seq = greatest(s.acked_seq, a.seq)
    FROM (SELECT u.department, max(u.seq) AS seq
          FROM unnest(p_departments, p_seqs) AS u (department, seq) GROUP BY u.department) a
    WHERE s.department = a.department;
END
$$;

REVOKE EXECUTE ON FUNCTION gc_record_acks(text[], bigint[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION gc_record_acks(text[], bigint[]) TO gridcase_routing;
