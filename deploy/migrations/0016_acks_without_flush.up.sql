-- Department acknowledgements recorded without waiting for the disk (issue 9). gc-routing
-- records the acknowledgements that arrive in one turn with one statement in its own
-- transaction; with synchronous_commit on, that commit waited for a WAL flush (2-4 ms here)
-- every turn, and a department catching up on a backlog (credit 1,000, acknowledging every
-- 100) spent its turns waiting for those flushes: catch-up ran at 28,000-52,000 deliveries/s.
--
-- An acknowledgement only moves department_delivery_state.acked_seq, the position a client may
-- resume from (DeptSubscribe.from_acked). If PostgreSQL stops before the flush (at most
-- wal_writer_delay later, 200 ms by default), the position it returns to is a little older and
-- those deliveries are sent again, which the protocol already allows: a client must skip a seq
-- it holds (proto/README.md). Cases, events and deliveries are never written this way: the
-- setting is local to this function's transaction, which must be its own (gc-routing calls it
-- outside any other transaction).
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
