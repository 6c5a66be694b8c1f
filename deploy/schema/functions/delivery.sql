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
