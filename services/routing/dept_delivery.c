/* dept_delivery: every connection's deliveries in one statement per pump (gc_delivery_windows);
 * acknowledgements recorded in one statement per turn (gc_record_acks). */
#include "dept_delivery.h"

#include "dept_send.h"
#include "gc_clock.h"
#include "gc_log.h"
#include "gc_names.h"
#include "gc_pg.h"
#include "gc_pg_array.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CREDIT 1000

/* One statement reads what every subscribed connection may be sent now (its credit minus what it
 * has in flight), not one query per connection: each statement is a round trip, and with a
 * department catching up on a backlog the round trips were the limit. Rows come in connection
 * order, then seq order: (connection index, seq, case ref, reason, category, area, level,
 * description, lon, lat, address, lead, deadline in ms, note). gc_delivery_windows reads each
 * delivery's case by its key, one at a time, with a plan kept for the session. */
void dept_delivery_register(void)
{
    gc_pg_register("gc_delivery_windows",
                   "SELECT * FROM gc_delivery_windows($1::int[], $2::text[], $3::bigint[], "
                   "$4::int[])",
                   4);
}

/* Sends the rows of one connection; stops at the first row it cannot send. Returns false when
 * the connection is gone (EHOSTUNREACH under ROUTER_MANDATORY: drop it). A full send queue
 * (EAGAIN at the high-water mark: the client is there but slow) keeps the connection: what was
 * not sent stays unsent (p->sent does not move, so it stays out of the credit window's in-flight
 * count) and the next pump sends it again from p->sent. */
static bool send_rows(void *router, dept_peer_t *p, PGresult *res, int from, int to)
{
    uint64_t first = 0;
    int n = 0;
    bool alive = true;
    for (int i = from; i < to; i++) {
        Gridcase__DeptServerMsg m = GRIDCASE__DEPT_SERVER_MSG__INIT;
        Gridcase__DeptDelivery d = GRIDCASE__DEPT_DELIVERY__INIT;
        Gridcase__GeoPoint point = GRIDCASE__GEO_POINT__INIT;
        d.seq = strtoull(PQgetvalue(res, i, 1), NULL, 10);
        if (d.seq != p->sent + 1)
            break; /* only the next one in sequence (never a gap, whatever the rows hold) */
        d.case_ref = PQgetvalue(res, i, 2);
        d.reason = (Gridcase__DeliveryReason)gc_delivery_reason_value(PQgetvalue(res, i, 3));
        d.category = PQgetvalue(res, i, 4);
        d.area = PQgetvalue(res, i, 5);
        d.level = (Gridcase__Level)gc_level_value(PQgetvalue(res, i, 6));
        d.description = PQgetvalue(res, i, 7);
        if (!PQgetisnull(res, i, 8)) {
            point.lon = strtod(PQgetvalue(res, i, 8), NULL);
            point.lat = strtod(PQgetvalue(res, i, 9), NULL);
            d.location = &point;
        }
        d.address = PQgetvalue(res, i, 10);
        d.lead = strcmp(PQgetvalue(res, i, 11), "t") == 0;
        d.deadline_ms = strtoll(PQgetvalue(res, i, 12), NULL, 10);
        d.note = PQgetvalue(res, i, 13);
        m.body_case = GRIDCASE__DEPT_SERVER_MSG__BODY_DELIVERY;
        m.delivery = &d;
        if (dept_send(router, p->id, p->id_size, &m) != 0) {
            alive = errno == EAGAIN || errno == EINTR;
            if (alive && !p->blocked)
                gc_log_info("department %s: send queue full at delivery #%" PRIu64
                            "; resending when it drains",
                            p->department, (uint64_t)d.seq);
            p->blocked = alive;
            break;
        }
        p->blocked = false;
        p->sent = d.seq;
        if (!n++)
            first = d.seq;
    }
    if (n)
        gc_log_info("delivered #%" PRIu64 "-#%" PRIu64 " to %s (%d, last %s)", first, p->sent,
                    p->department, n, PQgetvalue(res, from + n - 1, 2));
    return alive;
}

bool dept_delivery_pump(void *router, dept_peers_t *peers, PGconn *db)
{
    dept_peers_expire(peers, gc_clock_monotonic_ms());
    /* the connections with room in their credit window: (index, department, after, how many) */
    gc_pg_array_t index = {0}, depts = {0}, afters = {0}, limits = {0};
    int windows = 0;
    for (int i = 0; i < dept_peers_count(peers); i++) {
        dept_peer_t *p = dept_peers_at(peers, i);
        uint64_t in_flight = p->sent > p->acked ? p->sent - p->acked : 0;
        if (in_flight >= p->credit)
            continue;
        gc_pg_array_int64(&index, i);
        gc_pg_array_text(&depts, p->department);
        gc_pg_array_int64(&afters, (int64_t)p->sent);
        gc_pg_array_int64(&limits, (int64_t)(p->credit - in_flight));
        windows++;
    }
    const char *params[] = {gc_pg_array_end(&index), gc_pg_array_end(&depts),
                            gc_pg_array_end(&afters), gc_pg_array_end(&limits)};
    bool memory = params[0] && params[1] && params[2] && params[3], ok = memory;
    PGresult *res = NULL;
    if (ok && windows > 0) {
        res = gc_pg_query_prepared(db, "gc_delivery_windows", 4, params);
        ok = gc_pg_ok(res);
    }
    gc_pg_array_free(&index);
    gc_pg_array_free(&depts);
    gc_pg_array_free(&afters);
    gc_pg_array_free(&limits);
    if (!ok) { /* out of memory, or the statement failed: try again on the next turn */
        PQclear(res);
        return !memory || gc_pg_alive(db);
    }
    /* send each connection its rows; drop the connections found gone (from the back, so the
     * indexes in the rows stay right) */
    bool gone[DEPT_PEERS_MAX] = {false};
    int rows = res ? PQntuples(res) : 0;
    for (int r = 0; r < rows;) {
        int i = atoi(PQgetvalue(res, r, 0)), end = r + 1;
        while (end < rows && atoi(PQgetvalue(res, end, 0)) == i)
            end++;
        if (i >= 0 && i < dept_peers_count(peers))
            gone[i] = !send_rows(router, dept_peers_at(peers, i), res, r, end);
        r = end;
    }
    PQclear(res);
    for (int i = dept_peers_count(peers) - 1; i >= 0; i--)
        if (gone[i])
            dept_peers_drop(peers, dept_peers_at(peers, i),
                            "its connection is gone; it may subscribe again");
    return true;
}

bool dept_delivery_subscribe(void *router, dept_peers_t *peers, PGconn *db, const void *id,
                             size_t size, const char *department, const Gridcase__DeptSubscribe *s)
{
    if (size > DEPT_PEERS_MAX_ID) {
        dept_send_error(router, id, size, GRIDCASE__ERROR_CODE__ERROR_CODE_INVALID_ARGUMENT,
                        "routing id too long");
        return true;
    }
    /* refused, not clamped: a client asking for 0 or 5000 would otherwise get a window it did
     * not ask for, and never know */
    if (s->credit < 1 || s->credit > MAX_CREDIT) {
        char why[120];
        snprintf(why, sizeof why,
                 "credit must be 1-1000 (got %" PRIu32 "): how many unacknowledged deliveries "
                 "may be in flight",
                 s->credit);
        dept_send_error(router, id, size, GRIDCASE__ERROR_CODE__ERROR_CODE_INVALID_ARGUMENT, why);
        return true;
    }
    const char *params[] = {department};
    PGresult *res = gc_pg_query(db, "department",
                                "SELECT acked_seq, last_seq FROM department_delivery_state "
                                "WHERE department = $1",
                                1, params);
    if (!gc_pg_ok(res)) {
        PQclear(res);
        return false;
    }
    bool known = PQntuples(res) == 1;
    uint64_t acked = known ? strtoull(PQgetvalue(res, 0, 0), NULL, 10) : 0;
    uint64_t last = known ? strtoull(PQgetvalue(res, 0, 1), NULL, 10) : 0;
    uint64_t after = s->from_acked ? acked : s->after_seq;
    PQclear(res);
    if (!known) {
        dept_send_error(router, id, size, GRIDCASE__ERROR_CODE__ERROR_CODE_INVALID_ARGUMENT,
                        "no department has this code");
        return true;
    }
    if (after > last) {
        char why[160];
        snprintf(why, sizeof why,
                 "after_seq is past the department's last delivery (%" PRIu64 " > %" PRIu64
                 "): subscribe after a delivery you hold, or with from_acked",
                 after, last);
        dept_send_error(router, id, size, GRIDCASE__ERROR_CODE__ERROR_CODE_INVALID_ARGUMENT, why);
        return true;
    }
    dept_peer_t *p = dept_peers_find(peers, id, size);
    if (p && strcmp(p->department, department) != 0) {
        dept_peers_drop(peers, p, "the connection changed department");
        p = NULL;
    }
    if (p && after > p->sent) {
        p->sent = after; /* a keepalive from a client that moved on; never backwards */
    } else if (!p) {
        p = dept_peers_add(peers, id, size, department);
        p->sent = after; /* a new connection: resend everything after its position */
        gc_log_info("department %s subscribed after delivery #%" PRIu64, department, after);
    }
    if (after > p->acked)
        p->acked = after;
    if (p->acked > p->ack_received)
        p->ack_received = p->acked;
    p->credit = s->credit;
    p->last_heard = gc_clock_monotonic_ms();
    return true;
}

/* An acknowledgement is noted here and recorded by dept_delivery_record_acks with every other
 * one that arrived in the same turn: one UPDATE and one commit for all of them instead of one
 * each. The credit it frees counts only once it is recorded, so no delivery goes out on the
 * strength of an acknowledgement that a crash could still lose. */
void dept_delivery_ack(void *router, dept_peers_t *peers, const void *id, size_t size,
                       const Gridcase__DeptAck *a)
{
    dept_peer_t *p = dept_peers_find(peers, id, size);
    if (!p || a->up_to_seq > p->sent) {
        dept_send_error(router, id, size, GRIDCASE__ERROR_CODE__ERROR_CODE_INVALID_STATE,
                        p ? "ack beyond what was delivered" : "subscribe before acknowledging");
        return;
    }
    p->last_heard = gc_clock_monotonic_ms();
    if (a->up_to_seq > p->ack_received)
        p->ack_received = a->up_to_seq;
}

/* Per department the highest acknowledgement, in one statement (its own transaction: committed
 * when it returns, without waiting for the disk; a position lost with a crash only sends some
 * deliveries again). */
bool dept_delivery_record_acks(dept_peers_t *peers, PGconn *db)
{
    gc_pg_array_t depts = {0}, seqs = {0};
    int acked = 0;
    for (int i = 0; i < dept_peers_count(peers); i++) {
        dept_peer_t *p = dept_peers_at(peers, i);
        if (p->ack_received <= p->acked)
            continue;
        gc_pg_array_text(&depts, p->department);
        gc_pg_array_int64(&seqs, (int64_t)p->ack_received);
        acked++;
    }
    const char *params[] = {gc_pg_array_end(&depts), gc_pg_array_end(&seqs)};
    /* out of memory: they stay noted, recorded on a later turn. Outside any transaction:
     * gc_record_acks commits without waiting for the WAL flush, which must not extend to
     * anything else */
    bool memory = params[0] && params[1];
    bool recorded = acked > 0 && memory
                    && gc_pg_run(db, "record acks",
                                 "SELECT gc_record_acks($1::text[], $2::bigint[])", 2, params);
    bool ok = recorded || acked == 0 || !memory; /* false only when the statement failed */
    gc_pg_array_free(&depts);
    gc_pg_array_free(&seqs);
    for (int i = 0; recorded && i < dept_peers_count(peers); i++) {
        dept_peer_t *p = dept_peers_at(peers, i);
        if (p->ack_received > p->acked)
            p->acked = p->ack_received;
    }
    return ok;
}
