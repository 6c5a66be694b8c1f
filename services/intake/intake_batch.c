/* intake_batch: one transaction per batch, one savepoint per request so a refused request
 * changes nothing while its neighbours commit. */
#include "intake_batch.h"

#include "gc_case.h"
#include "gc_event.h"
#include "gc_log.h"
#include "gc_msg.h"
#include "gc_names.h"
#include "gc_pg.h"
#include "gc_text.h"

#include <stdio.h>
#include <string.h>

typedef struct {
    gc_frames_t frames;          /* [routing id][empty delimiter][body] */
    Gridcase__IntakeRequest *request;
    int error;                   /* Gridcase__ErrorCode of the reply, 0 = accepted */
    const char *why;
    gc_submit_result_t result;   /* ref, grid, already_known on success */
} pending_t;

static void fail(pending_t *p, int error, const char *why)
{
    p->error = error;
    p->why = why;
}

/* A command by a person on an existing case. */
static bool handle_command(PGconn *db, const Gridcase__CaseCommand *c, pending_t *p)
{
    const int bad = GRIDCASE__ERROR_CODE__ERROR_CODE_INVALID_ARGUMENT;
    if (!gc_text_present(c->case_ref, 32)) {
        fail(p, bad, "case_ref is required");
        return true;
    }
    if (!gc_text_valid(c->note, GC_CASE_MAX_TEXT) || !gc_text_valid(c->actor, GC_CASE_MAX_NAME)) {
        fail(p, bad, "note (4000 bytes) or actor (100 bytes) is too long or not UTF-8");
        return true;
    }
    gc_case_row_t row;
    int found = gc_case_lock(db, c->case_ref, &row);
    if (found < 0)
        return false;
    if (!found) {
        fail(p, GRIDCASE__ERROR_CODE__ERROR_CODE_UNKNOWN_CASE, "no case has this reference");
        return true;
    }
    gc_transition_t t = gc_lifecycle_command(c->kind, row.status, row.level,
                                             c->note && *c->note);
    if (t.error) {
        fail(p, t.error, t.why);
        return true;
    }
    snprintf(p->result.ref, sizeof p->result.ref, "%s", row.ref);
    snprintf(p->result.grid, sizeof p->result.grid, "%s", row.grid);
    return gc_case_apply(db, &row, &t, NULL, c->actor, c->note);
}

static bool handle_submit(PGconn *db, const Gridcase__SubmitCase *s, pending_t *p)
{
    const char *why;
    int error = gc_case_check_submit(s, &why);
    if (error) {
        fail(p, error, why);
        return true;
    }
    if (!gc_case_submit(db, s, &p->result))
        return false;
    if (p->result.error)
        fail(p, p->result.error, p->result.why);
    return true;
}

/* Checks the frames and decodes the body, before any database work, so that every reply (even
 * UNAVAILABLE) can echo the request_id. Sets p->error when the request cannot be handled. */
static void parse(pending_t *p)
{
    if (p->frames.truncated || p->frames.count != 3 || gc_frames_size(&p->frames, 1) != 0) {
        fail(p, GRIDCASE__ERROR_CODE__ERROR_CODE_MALFORMED,
             "expected frames [empty delimiter][IntakeRequest]");
        return;
    }
    p->request = gridcase__intake_request__unpack(NULL, gc_frames_size(&p->frames, 2),
                                                  gc_frames_data(&p->frames, 2));
    if (!p->request)
        fail(p, GRIDCASE__ERROR_CODE__ERROR_CODE_MALFORMED, "the body is not an IntakeRequest");
    else if (!gc_text_valid(p->request->request_id, 64))
        fail(p, GRIDCASE__ERROR_CODE__ERROR_CODE_INVALID_ARGUMENT, "request_id is too long");
    else if (p->request->body_case != GRIDCASE__INTAKE_REQUEST__BODY_SUBMIT
             && p->request->body_case != GRIDCASE__INTAKE_REQUEST__BODY_COMMAND)
        fail(p, GRIDCASE__ERROR_CODE__ERROR_CODE_INVALID_ARGUMENT,
             "the request has neither submit nor command");
}

/* Handles one parsed request inside a savepoint. False when the database failed. */
static bool handle(PGconn *db, pending_t *p)
{
    if (!gc_pg_run(db, "savepoint", "SAVEPOINT request", 0, NULL))
        return false;
    bool ok = p->request->body_case == GRIDCASE__INTAKE_REQUEST__BODY_SUBMIT
                  ? handle_submit(db, p->request->submit, p)
                  : handle_command(db, p->request->command, p);
    if (!ok && gc_pg_alive(db)) {
        /* a statement failed but the connection lives: refuse this request only */
        fail(p, GRIDCASE__ERROR_CODE__ERROR_CODE_INTERNAL, "the request could not be stored");
        ok = true;
    }
    if (ok)
        ok = gc_pg_run(db, "savepoint",
                       p->error ? "ROLLBACK TO SAVEPOINT request" : "RELEASE SAVEPOINT request",
                       0, NULL);
    return ok;
}

static void reply(void *router, pending_t *p)
{
    Gridcase__IntakeReply msg = GRIDCASE__INTAKE_REPLY__INIT;
    Gridcase__Error error = GRIDCASE__ERROR__INIT;
    Gridcase__CaseAccepted accepted = GRIDCASE__CASE_ACCEPTED__INIT;
    msg.request_id = p->request && p->request->request_id ? p->request->request_id : "";
    if (p->error) {
        error.code = (Gridcase__ErrorCode)p->error;
        error.message = (char *)p->why;
        msg.result_case = GRIDCASE__INTAKE_REPLY__RESULT_ERROR;
        msg.error = &error;
    } else {
        accepted.case_ref = p->result.ref;
        accepted.grid = p->result.grid;
        accepted.already_known = p->result.already_known;
        msg.result_case = GRIDCASE__INTAKE_REPLY__RESULT_ACCEPTED;
        msg.accepted = &accepted;
    }
    /* The reply goes out after commit. If the client has gone (ROUTER_MANDATORY: EHOSTUNREACH)
     * the case is still stored; the client's retry with the same key finds it. */
    if (gc_msg_send_frame(router, gc_frames_data(&p->frames, 0), gc_frames_size(&p->frames, 0),
                          true, ZMQ_DONTWAIT) != 0
        || gc_msg_send_frame(router, "", 0, true, ZMQ_DONTWAIT) != 0
        || gc_msg_send_proto(router, &msg.base, ZMQ_DONTWAIT) != 0)
        gc_log_warn("reply not delivered: %s", zmq_strerror(zmq_errno()));
}

static void log_outcome(const pending_t *p)
{
    const Gridcase__IntakeRequest *r = p->request;
    const char *what = !r ? "request"
                       : r->body_case == GRIDCASE__INTAKE_REQUEST__BODY_SUBMIT ? "submit"
                                                                             : "command";
    if (p->error)
        gc_log_info("%s refused: %s", what, p->why);
    else if (r && r->body_case == GRIDCASE__INTAKE_REQUEST__BODY_SUBMIT)
        gc_log_info("case %s %s in grid %s", p->result.ref,
                    p->result.already_known ? "already known" : "stored", p->result.grid);
    else
        gc_log_info("command on %s stored", p->result.ref);
}

int intake_batch_run(void *router, PGconn *db, bool *db_failed)
{
    static pending_t batch[INTAKE_BATCH_MAX];
    int n = 0;
    while (n < INTAKE_BATCH_MAX) {
        memset(&batch[n], 0, sizeof batch[n]);
        if (gc_frames_recv(router, &batch[n].frames, ZMQ_DONTWAIT) != 0)
            break;
        if (batch[n].frames.count == 0)
            continue;
        n++;
    }
    if (n == 0)
        return 0;

    int valid = 0;
    for (int i = 0; i < n; i++) {
        parse(&batch[i]);
        valid += !batch[i].error;
    }
    bool ok = valid == 0 || gc_event_begin_writer(db);
    for (int i = 0; ok && valid && i < n; i++)
        if (!batch[i].error)
            ok = handle(db, &batch[i]);
    ok = ok && (valid == 0 || gc_pg_commit(db));
    if (!ok) {
        gc_pg_rollback(db);
        *db_failed = !gc_pg_alive(db);
        for (int i = 0; i < n; i++)
            if (!batch[i].error) /* refusals stand; everything else was not stored */
                fail(&batch[i], GRIDCASE__ERROR_CODE__ERROR_CODE_UNAVAILABLE,
                     "the database is unavailable; retry with the same idempotency key");
    }
    for (int i = 0; i < n; i++) {
        log_outcome(&batch[i]);
        reply(router, &batch[i]);
        if (batch[i].request)
            gridcase__intake_request__free_unpacked(batch[i].request, NULL);
        gc_frames_close(&batch[i].frames);
    }
    return n;
}
