/* dept_server: per-peer, credited delivery of routed cases; department actions. */
#include "dept_server.h"

#include "dept_decode.h"
#include "gc_case.h"
#include "gc_clock.h"
#include "gc_event.h"
#include "gc_extension.h"
#include "gc_log.h"
#include "gc_msg.h"
#include "gc_names.h"
#include "gc_pg.h"
#include "gc_text.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PEERS 256
#define MAX_ID 256
#define MAX_CREDIT 1000
#define PEER_TIMEOUT_MS 10000 /* clients resubscribe every few seconds while idle */

typedef struct {
    unsigned char id[MAX_ID]; /* ZeroMQ routing id of the client's connection */
    size_t id_size;
    char department[GC_CASE_MAX_CODE + 1];
    uint64_t sent;  /* highest delivery seq sent on this connection */
    uint64_t acked; /* highest delivery seq the client confirmed, recorded in the database */
    uint64_t ack_received; /* highest seq the client acknowledged; above acked until recorded */
    uint32_t credit;
    bool blocked;   /* the last send found its queue full (EAGAIN); logged once per episode */
    long last_heard; /* gc_clock_monotonic_ms() of the last message from this connection */
} peer_t;

struct dept_server {
    void *router;
    peer_t peers[MAX_PEERS];
    int npeers;
};

dept_server_t *dept_server_new(void *router)
{
    dept_server_t *self = calloc(1, sizeof *self);
    if (self)
        self->router = router;
    return self;
}

void dept_server_destroy(dept_server_t **self)
{
    free(*self);
    *self = NULL;
}

static peer_t *find_peer(dept_server_t *self, const void *id, size_t size)
{
    for (int i = 0; i < self->npeers; i++)
        if (self->peers[i].id_size == size && memcmp(self->peers[i].id, id, size) == 0)
            return &self->peers[i];
    return NULL;
}

static void drop_peer(dept_server_t *self, peer_t *p, const char *why)
{
    gc_log_info("department %s dropped: %s", p->department, why);
    *p = self->peers[--self->npeers];
}

/* A free slot in the peer table, evicting the connection heard from least recently when full. */
static peer_t *new_peer(dept_server_t *self)
{
    if (self->npeers == MAX_PEERS) {
        peer_t *stalest = &self->peers[0];
        for (int i = 1; i < self->npeers; i++)
            if (self->peers[i].last_heard < stalest->last_heard)
                stalest = &self->peers[i];
        drop_peer(self, stalest, "peer table full, least recently heard");
    }
    return &self->peers[self->npeers++];
}

static int send_to(dept_server_t *self, const void *id, size_t size, Gridcase__DeptServerMsg *m)
{
    if (gc_msg_send_frame(self->router, id, size, true, ZMQ_DONTWAIT) != 0)
        return -1;
    return gc_msg_send_proto(self->router, &m->base, ZMQ_DONTWAIT);
}

static void send_error(dept_server_t *self, const void *id, size_t size, int code, const char *why)
{
    Gridcase__DeptServerMsg m = GRIDCASE__DEPT_SERVER_MSG__INIT;
    Gridcase__Error e = GRIDCASE__ERROR__INIT;
    e.code = (Gridcase__ErrorCode)code;
    e.message = (char *)why;
    m.body_case = GRIDCASE__DEPT_SERVER_MSG__BODY_ERROR;
    m.error = &e;
    send_to(self, id, size, &m);
}

/* ---- delivery ---------------------------------------------------------------------------

 * One statement reads what every subscribed connection may be sent now (its credit minus what it
 * has in flight), not one query per connection: each statement is a round trip, and with a
 * department catching up on a backlog the round trips were the limit. Rows come in connection
 * order, then seq order: (connection index, seq, case ref, reason, category, area, level,
 * description, lon, lat, address, lead, deadline in ms, note). gc_delivery_windows (migration
 * 0022) reads each delivery's case by its key, one at a time, with a plan kept for the session. */
void dept_server_register(void)
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
static bool send_rows(dept_server_t *self, peer_t *p, PGresult *res, int from, int to)
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
        if (send_to(self, p->id, p->id_size, &m) != 0) {
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

bool dept_server_pump(dept_server_t *self, PGconn *db)
{
    long now = gc_clock_monotonic_ms();
    for (int i = 0; i < self->npeers;) {
        if (now - self->peers[i].last_heard > PEER_TIMEOUT_MS)
            drop_peer(self, &self->peers[i], "silent connection");
        else
            i++;
    }
    /* the connections with room in their credit window: (index, department, after, how many) */
    gc_pg_array_t index = {0}, depts = {0}, afters = {0}, limits = {0};
    int windows = 0;
    for (int i = 0; i < self->npeers; i++) {
        peer_t *p = &self->peers[i];
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
    bool gone[MAX_PEERS] = {false};
    int rows = res ? PQntuples(res) : 0;
    for (int r = 0; r < rows;) {
        int i = atoi(PQgetvalue(res, r, 0)), end = r + 1;
        while (end < rows && atoi(PQgetvalue(res, end, 0)) == i)
            end++;
        if (i >= 0 && i < self->npeers)
            gone[i] = !send_rows(self, &self->peers[i], res, r, end);
        r = end;
    }
    PQclear(res);
    for (int i = self->npeers - 1; i >= 0; i--)
        if (gone[i])
            drop_peer(self, &self->peers[i], "its connection is gone; it may subscribe again");
    return true;
}

/* ---- messages from departments ---------------------------------------------------------- */

static bool on_subscribe(dept_server_t *self, PGconn *db, gc_frames_t *f, const char *department,
                         const Gridcase__DeptSubscribe *s)
{
    const void *id = gc_frames_data(f, 0);
    size_t size = gc_frames_size(f, 0);
    if (size > MAX_ID) {
        send_error(self, id, size, GRIDCASE__ERROR_CODE__ERROR_CODE_INVALID_ARGUMENT,
                   "routing id too long");
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
        send_error(self, id, size, GRIDCASE__ERROR_CODE__ERROR_CODE_INVALID_ARGUMENT,
                   "no department has this code");
        return true;
    }
    if (after > last) {
        send_error(self, id, size, GRIDCASE__ERROR_CODE__ERROR_CODE_INVALID_ARGUMENT,
                   "after_seq is past the department's last delivery");
        return true;
    }
    peer_t *p = find_peer(self, id, size);
    if (p && strcmp(p->department, department) != 0) {
        drop_peer(self, p, "the connection changed department");
        p = NULL;
    }
    if (p && after > p->sent) {
        p->sent = after; /* a keepalive from a client that moved on; never backwards */
    } else if (!p) {
        p = new_peer(self);
        memset(p, 0, sizeof *p);
        memcpy(p->id, id, size);
        p->id_size = size;
        p->sent = after; /* a new connection: resend everything after its position */
        snprintf(p->department, sizeof p->department, "%s", department);
        gc_log_info("department %s subscribed after delivery #%" PRIu64, department, after);
    }
    if (after > p->acked)
        p->acked = after;
    if (p->acked > p->ack_received)
        p->ack_received = p->acked;
    p->credit = s->credit == 0 ? 1 : s->credit > MAX_CREDIT ? MAX_CREDIT : s->credit;
    p->last_heard = gc_clock_monotonic_ms();
    return true;
}

/* An acknowledgement is noted here and recorded by record_acks with every other one that arrived
 * in the same turn: one UPDATE and one commit for all of them instead of one each. The credit it
 * frees counts only once it is recorded, so no delivery goes out on the strength of an
 * acknowledgement that a crash could still lose. */
static bool on_ack(dept_server_t *self, gc_frames_t *f, const Gridcase__DeptAck *a)
{
    peer_t *p = find_peer(self, gc_frames_data(f, 0), gc_frames_size(f, 0));
    if (!p || a->up_to_seq > p->sent) {
        send_error(self, gc_frames_data(f, 0), gc_frames_size(f, 0),
                   GRIDCASE__ERROR_CODE__ERROR_CODE_INVALID_STATE,
                   p ? "ack beyond what was delivered" : "subscribe before acknowledging");
        return true;
    }
    p->last_heard = gc_clock_monotonic_ms();
    if (a->up_to_seq > p->ack_received)
        p->ack_received = a->up_to_seq;
    return true;
}

/* Records the acknowledgements received since the last call, per department the highest, in one
 * statement (its own transaction: committed when it returns, without waiting for the disk; a
 * position lost with a crash only sends some deliveries again). Only then do they free credit. */
static bool record_acks(dept_server_t *self, PGconn *db)
{
    gc_pg_array_t depts = {0}, seqs = {0};
    int acked = 0;
    for (int i = 0; i < self->npeers; i++) {
        peer_t *p = &self->peers[i];
        if (p->ack_received <= p->acked)
            continue;
        gc_pg_array_text(&depts, p->department);
        gc_pg_array_int64(&seqs, (int64_t)p->ack_received);
        acked++;
    }
    const char *params[] = {gc_pg_array_end(&depts), gc_pg_array_end(&seqs)};
    /* out of memory: they stay noted, recorded on a later turn. Outside any transaction:
     * gc_record_acks commits without waiting for the WAL flush (migration 0016), which must not
     * extend to anything else */
    bool memory = params[0] && params[1];
    bool recorded = acked > 0 && memory
                    && gc_pg_run(db, "record acks",
                                 "SELECT gc_record_acks($1::text[], $2::bigint[])", 2, params);
    bool ok = recorded || acked == 0 || !memory; /* false only when the statement failed */
    gc_pg_array_free(&depts);
    gc_pg_array_free(&seqs);
    for (int i = 0; recorded && i < self->npeers; i++)
        if (self->peers[i].ack_received > self->peers[i].acked)
            self->peers[i].acked = self->peers[i].ack_received;
    return ok;
}

/* Runs an action in its own transaction. Returns false when the database failed; the outcome
 * for the department is in *error / *why. */
static bool act(PGconn *db, const Gridcase__DeptAction *a, int *error, const char **why)
{
    gc_case_row_t c;
    int found = gc_case_lock(db, a->case_ref, &c);
    if (found <= 0) {
        *error = GRIDCASE__ERROR_CODE__ERROR_CODE_UNKNOWN_CASE;
        *why = "no case has this reference";
        return found == 0;
    }
    char case_id[32];
    snprintf(case_id, sizeof case_id, "%" PRId64, c.id);
    const char *params[] = {case_id, a->department};
    PGresult *res = gc_pg_query(db, "assignment",
                                "SELECT is_lead FROM case_assignments "
                                "WHERE case_id = $1 AND department = $2 AND active",
                                2, params);
    if (!gc_pg_ok(res)) {
        PQclear(res);
        return false;
    }
    bool assigned = PQntuples(res) == 1;
    bool lead = assigned && strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    PQclear(res);
    if (!assigned) {
        *error = GRIDCASE__ERROR_CODE__ERROR_CODE_NOT_ASSIGNED;
        *why = "this department does not hold the case";
        return true;
    }
    gc_transition_t t = gc_lifecycle_dept_action(a->kind, c.status, lead, a->note && *a->note);
    if (t.error) {
        *error = t.error;
        *why = t.why;
        return true;
    }
    if (a->kind == GRIDCASE__DEPT_ACTION_KIND__DEPT_ACTION_KIND_REQUEST_EXTENSION)
        return gc_extension_request(db, &c, a->department, a->extension_hours, a->note, error,
                                    why);
    if (!gc_case_apply(db, &c, &t, a->department, a->department, a->note))
        return false;
    if (a->kind == GRIDCASE__DEPT_ACTION_KIND__DEPT_ACTION_KIND_RETURN)
        return gc_pg_run(db, "return",
                         "UPDATE case_assignments SET active = false "
                         "WHERE case_id = $1 AND department = $2",
                         2, params);
    return true;
}

static const char *action_name(int kind)
{
    static const char *const names[] = {"?",      "accept", "progress",
                                        "resolve", "return", "extension request"};
    return kind > 0 && kind < 6 ? names[kind] : "?";
}

/* An action or an inspection report; error and why: dept_decode's verdict on its fields. */
static bool on_action(dept_server_t *self, PGconn *db, gc_frames_t *f, const char *request_id,
                      const char *case_ref, const Gridcase__DeptAction *a,
                      const Gridcase__InspectionReport *report, int error, const char *why)
{
    gc_submit_result_t submitted = {0};
    bool db_ok = true;
    if (!gc_text_present(a ? a->department : report->department, GC_CASE_MAX_CODE)) {
        error = GRIDCASE__ERROR_CODE__ERROR_CODE_INVALID_ARGUMENT;
        why = "request_id, department and case_ref (or report) are required; note <= 4000 bytes";
    } else if (error) {
        /* refused before touching the database */
    } else if ((db_ok = gc_event_begin_writer(db))) {
        if (a) {
            db_ok = act(db, a, &error, &why);
        } else {
            /* inspection reports are rare: load the district's areas for this one */
            gc_area_index_t *areas = gc_area_index_load(db);
            db_ok = areas && gc_case_submit(db, areas, report->report, &submitted);
            gc_area_index_destroy(&areas);
            error = submitted.error;
            why = submitted.why;
            case_ref = submitted.ref;
        }
        if (db_ok && !error)
            db_ok = gc_pg_commit(db);
        if (!db_ok && gc_pg_alive(db)) {
            /* a statement failed but the connection lives (e.g. a from_diary_entry past
             * PostgreSQL's bigint): refuse this request only, as intake does */
            error = GRIDCASE__ERROR_CODE__ERROR_CODE_INTERNAL;
            why = "the request could not be stored";
            db_ok = true;
        } else if (!db_ok) {
            error = GRIDCASE__ERROR_CODE__ERROR_CODE_UNAVAILABLE;
            why = "the database is unavailable; retry";
        }
        gc_pg_rollback(db); /* a refused action changes nothing (no-op after commit) */
    }
    Gridcase__DeptServerMsg m = GRIDCASE__DEPT_SERVER_MSG__INIT;
    Gridcase__DeptReply r = GRIDCASE__DEPT_REPLY__INIT;
    Gridcase__Error e = GRIDCASE__ERROR__INIT;
    /* echo only what is text: a proto3 string must be UTF-8, and a client's library (Python's)
     * refuses a whole reply that holds one that is not */
    r.request_id = (char *)(request_id && gc_text_valid(request_id, 64) ? request_id : "");
    r.case_ref = (char *)(case_ref && gc_text_valid(case_ref, 32) ? case_ref : "");
    if (error) {
        e.code = (Gridcase__ErrorCode)error;
        e.message = (char *)why;
        r.error = &e;
        gc_log_info("department action refused: %s", why);
    } else {
        gc_log_info("department %s: %s on %s", a ? a->department : report->department,
                    a ? action_name(a->kind) : "inspection report", r.case_ref);
    }
    m.body_case = GRIDCASE__DEPT_SERVER_MSG__BODY_REPLY;
    m.reply = &r;
    send_to(self, gc_frames_data(f, 0), gc_frames_size(f, 0), &m);
    return db_ok;
}

static bool handle_one(dept_server_t *self, PGconn *db, gc_frames_t *f)
{
    if (f->truncated || f->count != 2) {
        send_error(self, gc_frames_data(f, 0), gc_frames_size(f, 0),
                   GRIDCASE__ERROR_CODE__ERROR_CODE_MALFORMED, "expected one frame: DeptClientMsg");
        return true;
    }
    /* who the client is comes from its CURVE key (ZAP User-Id), never from what it says */
    const char *department = gc_frames_user_id(f, 1);
    if (!department || !*department) {
        send_error(self, gc_frames_data(f, 0), gc_frames_size(f, 0),
                   GRIDCASE__ERROR_CODE__ERROR_CODE_INVALID_ARGUMENT, "not authenticated");
        return true;
    }
    int error;
    const char *why = NULL;
    Gridcase__DeptClientMsg *m =
        dept_decode(gc_frames_data(f, 1), gc_frames_size(f, 1), &error, &why);
    if (!m) {
        send_error(self, gc_frames_data(f, 0), gc_frames_size(f, 0), error, why);
        return true;
    }
    bool ok = true;
    switch (m->body_case) {
    case GRIDCASE__DEPT_CLIENT_MSG__BODY_SUBSCRIBE:
        /* the acknowledgements before it first: from_acked means "after what I acknowledged" */
        ok = record_acks(self, db) && on_subscribe(self, db, f, department, m->subscribe);
        break;
    case GRIDCASE__DEPT_CLIENT_MSG__BODY_ACK:
        ok = on_ack(self, f, m->ack);
        break;
    case GRIDCASE__DEPT_CLIENT_MSG__BODY_ACTION: {
        char *claimed = m->action->department; /* put back below, for free_unpacked */
        m->action->department = (char *)department;
        ok = on_action(self, db, f, m->action->request_id, m->action->case_ref, m->action, NULL,
                       error, why);
        m->action->department = claimed;
        break;
    }
    default: { /* an inspection report: dept_decode returns no other kind */
        char *claimed = m->inspection->department;
        m->inspection->department = (char *)department;
        ok = on_action(self, db, f, m->inspection->request_id, NULL, NULL, m->inspection, error,
                       why);
        m->inspection->department = claimed;
        break;
    }
    }
    gridcase__dept_client_msg__free_unpacked(m, NULL);
    return ok;
}

bool dept_server_handle(dept_server_t *self, PGconn *db)
{
    bool ok = true;
    gc_frames_t f;
    while (ok && gc_frames_recv(self->router, &f, ZMQ_DONTWAIT) == 0) {
        ok = handle_one(self, db, &f);
        gc_frames_close(&f);
    }
    return ok && record_acks(self, db) && dept_server_pump(self, db);
}
