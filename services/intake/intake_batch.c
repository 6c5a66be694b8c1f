/* intake_batch: one transaction per batch. Submissions not made from a diary entry go to the
 * database in one call (gc_case_submit_batch: one round trip and one advance of the event
 * counter for the lot, where one at a time cost four round trips each and the counter row a new
 * version per case); every other request has a savepoint of its own, so a refused request
 * changes nothing while its neighbours commit. If the one call fails, its submissions are
 * stored one at a time the same way, so one bad submission cannot sink the others either.
 * A batch of such submissions alone (the usual one) is that one call, with no BEGIN or COMMIT
 * around it: a single statement is a transaction of its own. */
#include "intake_batch.h"

#include "application_scope.h"
#include "gc_case.h"
#include "gc_event.h"
#include "gc_extension.h"
#include "gc_log.h"
#include "gc_msg.h"
#include "gc_names.h"
#include "gc_pg.h"
#include "intake_decode.h"
#include "joint_meeting.h"

#include <stdio.h>
#include <string.h>

typedef struct {
    gc_frames_t frames;          /* [routing id][empty delimiter][body] */
    Gridcase__IntakeRequest *request;
    int error;                   /* Gridcase__ErrorCode of the reply, 0 = accepted */
    const char *why;
    char why_buf[GC_CASE_WHY_SIZE]; /* for refusals that name the case's state or a field */
    gc_submit_result_t result;   /* ref, grid, area, duplicate, already_known on success */
    uint64_t diary_entry;
    bool batched;                /* stored (or refused) by submit_batch */
} pending_t;

static void fail(pending_t *p, int error, const char *why)
{
    p->error = error;
    p->why = why;
}

/* The rules table's name of each command kind (command_rules.command). */
static const char *rule_command(int kind)
{
    switch (kind) {
    case GRIDCASE__COMMAND_KIND__COMMAND_KIND_RESOLVE_ON_SPOT: return "resolve_on_spot";
    case GRIDCASE__COMMAND_KIND__COMMAND_KIND_VERIFY: return "verify";
    case GRIDCASE__COMMAND_KIND__COMMAND_KIND_REOPEN: return "reopen";
    case GRIDCASE__COMMAND_KIND__COMMAND_KIND_REQUEST_ESCALATION: return "request_escalation";
    case GRIDCASE__COMMAND_KIND__COMMAND_KIND_SET_CATEGORY: return "set_category";
    case GRIDCASE__COMMAND_KIND__COMMAND_KIND_MEETING_OUTCOME: return "meeting_outcome";
    case GRIDCASE__COMMAND_KIND__COMMAND_KIND_DECIDE_EXTENSION: return "decide_extension";
    default: return "note";
    }
}

/* Whether the person (and the sending application) may send the command, by the rules
 * (gc_command_permitted, functions/rights.sql); a refusal is NOT_PERMITTED naming the rule.
 * False when the database failed. */
static bool permitted(PGconn *db, const Gridcase__CaseCommand *c, pending_t *p)
{
    const char *params[] = {c->case_ref, rule_command(c->kind), c->person,
                            application_of(&p->frames)};
    PGresult *res = gc_pg_query(db, "command permitted",
                                "SELECT gc_command_permitted($1, $2, $3, $4)", 4, params);
    bool ok = gc_pg_ok(res);
    if (ok && !PQgetisnull(res, 0, 0)) {
        snprintf(p->why_buf, sizeof p->why_buf, "%s", PQgetvalue(res, 0, 0));
        fail(p, GRIDCASE__ERROR_CODE__ERROR_CODE_NOT_PERMITTED, p->why_buf);
    }
    PQclear(res);
    return ok;
}

static bool act(PGconn *db, const Gridcase__CaseCommand *c, pending_t *p);

/* A command by a person on an existing case: the rules first, so a person who may not act
 * learns nothing of the case's state; then the command. The marks naming the person on the
 * command's events are cleared after it (a refusal rolls them back with the rest). */
static bool handle_command(PGconn *db, const Gridcase__CaseCommand *c, pending_t *p)
{
    if (!permitted(db, c, p))
        return false;
    if (p->error)
        return true;
    return act(db, c, p)
           && (p->error || gc_pg_run(db, "person marks",
                                     "SELECT set_config('gridcase.person', '', true), "
                                     "set_config('gridcase.application', '', true)",
                                     0, NULL));
}

static bool act(PGconn *db, const Gridcase__CaseCommand *c, pending_t *p)
{
    gc_case_row_t row;
    int found = gc_case_lock(db, c->case_ref, &row);
    if (found < 0)
        return false;
    if (!found) {
        fail(p, GRIDCASE__ERROR_CODE__ERROR_CODE_UNKNOWN_CASE, "no case has this reference");
        return true;
    }
    bool has_note = c->note && *c->note;
    gc_transition_t t =
        c->kind == GRIDCASE__COMMAND_KIND__COMMAND_KIND_MEETING_OUTCOME
            ? gc_lifecycle_meeting(c->outcome, row.status, row.level, has_note)
        : c->kind == GRIDCASE__COMMAND_KIND__COMMAND_KIND_DECIDE_EXTENSION
            ? gc_lifecycle_extension_decision(c->grant, row.status)
            : gc_lifecycle_command(c->kind, row.status, row.level, c->level, has_note);
    if (t.error) {
        /* name the state, so the person knows what the case is waiting for */
        snprintf(p->why_buf, sizeof p->why_buf, "%s (the case is %s, at the %s)", t.why,
                 gc_status_name(row.status), gc_level_name(row.level));
        fail(p, t.error, p->why_buf);
        return true;
    }
    snprintf(p->result.ref, sizeof p->result.ref, "%s", row.ref);
    snprintf(p->result.area, sizeof p->result.area, "%s", row.area);
    if (c->kind == GRIDCASE__COMMAND_KIND__COMMAND_KIND_SET_CATEGORY) {
        int changed = gc_case_set_category(db, &row, c->category, p->why_buf, sizeof p->why_buf);
        if (changed <= 0) {
            if (changed == 0)
                fail(p, GRIDCASE__ERROR_CODE__ERROR_CODE_UNKNOWN_CATEGORY,
                     "no category has this code (see gridctl categories)");
            return changed == 0;
        }
        return gc_case_apply(db, &row, &t, NULL, c->actor, p->why_buf);
    }
    if (c->kind == GRIDCASE__COMMAND_KIND__COMMAND_KIND_MEETING_OUTCOME)
        return joint_meeting_decide(db, &row, &t, c, &p->error, &p->why);
    if (c->kind == GRIDCASE__COMMAND_KIND__COMMAND_KIND_DECIDE_EXTENSION)
        return gc_extension_decide(db, &row, c->grant, c->actor, c->note, &p->error, &p->why);
    return gc_case_apply(db, &row, &t, NULL, c->actor, c->note);
}

static bool handle_submit(PGconn *db, const gc_area_index_t *areas,
                          const Gridcase__SubmitCase *s, pending_t *p)
{
    if (!gc_case_submit(db, areas, s, application_of(&p->frames), &p->result))
        return false;
    if (p->result.error)
        fail(p, p->result.error, p->result.why);
    return true;
}

static bool handle_diary(PGconn *db, const gc_area_index_t *areas, const Gridcase__DiaryEntry *d,
                         pending_t *p)
{
    int error;
    const char *why;
    if (!gc_case_add_diary(db, areas, d, &p->diary_entry, &error, &why))
        return false;
    if (error)
        fail(p, error, why);
    snprintf(p->result.area, sizeof p->result.area, "%s", d->grid);
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
    p->request = intake_decode(gc_frames_data(&p->frames, 2), gc_frames_size(&p->frames, 2),
                               &p->error, &p->why, p->why_buf);
}

/* Handles one valid request inside a savepoint. False when the database failed. */
static bool handle(PGconn *db, const gc_area_index_t *areas, pending_t *p)
{
    if (!gc_pg_run(db, "savepoint", "SAVEPOINT request", 0, NULL))
        return false;
    bool ok;
    switch (p->request->body_case) {
    case GRIDCASE__INTAKE_REQUEST__BODY_SUBMIT:
        ok = handle_submit(db, areas, p->request->submit, p);
        break;
    case GRIDCASE__INTAKE_REQUEST__BODY_COMMAND:
        ok = handle_command(db, p->request->command, p);
        break;
    default:
        ok = handle_diary(db, areas, p->request->diary, p);
    }
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

/* Whether a request goes through the batch call: a submission without a diary entry (one made
 * from a diary entry reads and links the entry: the per-request path does that) and without a
 * person named as its reporter (checked by the rules and recorded on its event: that path too;
 * a grid worker's report, not the hotline's stream). */
static bool batchable(const pending_t *p)
{
    const Gridcase__SubmitCase *s = p->request ? p->request->submit : NULL;
    return !p->error && p->request->body_case == GRIDCASE__INTAKE_REQUEST__BODY_SUBMIT
           && s->from_diary_entry == 0 && !(s->person && *s->person);
}

/* Stores the batchable submissions with one call and marks them batched. Inside the batch's
 * transaction the call has a savepoint of its own: when it fails but the connection lives, it
 * is rolled back to and the submissions are left for handle(), one at a time. Alone (no
 * transaction open), the call is a transaction of its own, committed by PostgreSQL before it
 * answers; a failed call changed nothing, and the submissions are left for handle() the same
 * way (should its answer be unreadable after it committed, the one-at-a-time path finds the
 * cases by their idempotency keys: none is stored twice). False when the database failed. */
static bool submit_batch(PGconn *db, const gc_area_index_t *areas, pending_t *batch, int n,
                         bool alone)
{
    static const Gridcase__SubmitCase *subs[INTAKE_BATCH_MAX];
    static gc_submit_result_t *results[INTAKE_BATCH_MAX];
    static pending_t *who[INTAKE_BATCH_MAX];
    int m = 0;
    for (int i = 0; i < n; i++)
        if (batchable(&batch[i])) {
            subs[m] = batch[i].request->submit;
            results[m] = &batch[i].result;
            who[m++] = &batch[i];
        }
    if (m == 0)
        return true;
    if (!alone && !gc_pg_run(db, "savepoint", "SAVEPOINT submissions", 0, NULL))
        return false;
    if (gc_case_submit_batch(db, areas, m, subs, results)) {
        for (int i = 0; i < m; i++) {
            who[i]->batched = true;
            if (who[i]->result.error)
                fail(who[i], who[i]->result.error, who[i]->result.why);
        }
        return alone || gc_pg_run(db, "savepoint", "RELEASE SAVEPOINT submissions", 0, NULL);
    }
    if (!gc_pg_alive(db))
        return false;
    gc_log_warn("the batch of %d submissions failed: storing them one at a time", m);
    return alone || gc_pg_run(db, "savepoint", "ROLLBACK TO SAVEPOINT submissions", 0, NULL);
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
        accepted.area = p->result.area;
        accepted.already_known = p->result.already_known;
        accepted.possible_duplicate_of = p->result.duplicate_of;
        accepted.diary_entry = p->diary_entry;
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
    int what = r ? (int)r->body_case : 0;
    if (p->error == GRIDCASE__ERROR_CODE__ERROR_CODE_NOT_PERMITTED) {
        /* who was refused: the application and the person's code (never a phone) */
        const char *app = application_of((gc_frames_t *)&p->frames);
        const char *person = what == GRIDCASE__INTAKE_REQUEST__BODY_COMMAND ? r->command->person
                             : what == GRIDCASE__INTAKE_REQUEST__BODY_SUBMIT ? r->submit->person
                                                                             : "";
        gc_log_info("%s not permitted (application %s, person %s%s%s): %s",
                    what == GRIDCASE__INTAKE_REQUEST__BODY_COMMAND ? "command" : "request",
                    app ? app : "(plain socket)", person && *person ? person : "(none)",
                    what == GRIDCASE__INTAKE_REQUEST__BODY_COMMAND ? ", case " : "",
                    what == GRIDCASE__INTAKE_REQUEST__BODY_COMMAND ? r->command->case_ref : "",
                    p->why);
    } else if (p->error)
        gc_log_info("%s refused: %s",
                    what == GRIDCASE__INTAKE_REQUEST__BODY_SUBMIT    ? "submit"
                    : what == GRIDCASE__INTAKE_REQUEST__BODY_COMMAND ? "command"
                    : what == GRIDCASE__INTAKE_REQUEST__BODY_DIARY   ? "diary entry"
                                                                     : "request",
                    p->why);
    else if (what == GRIDCASE__INTAKE_REQUEST__BODY_SUBMIT)
        gc_log_info("case %s %s in %s%s%s", p->result.ref,
                    p->result.already_known ? "already known" : "stored", p->result.area,
                    p->result.duplicate_of[0] ? ", possible duplicate of " : "",
                    p->result.duplicate_of);
    else if (what == GRIDCASE__INTAKE_REQUEST__BODY_COMMAND)
        gc_log_info("command on %s stored", p->result.ref);
    else
        gc_log_info("diary entry %llu stored for grid %s", (unsigned long long)p->diary_entry,
                    p->result.area);
}

int intake_batch_run(void *router, PGconn *db, const gc_area_index_t *areas, bool *db_failed)
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
        if (!batch[i].error)
            batch[i].error = application_scope_check(&batch[i].frames, batch[i].request, areas,
                                                     &batch[i].why, batch[i].why_buf);
        valid += !batch[i].error;
    }
    /* without a database, answer at once: UNAVAILABLE, retry later (never hang, never lie) */
    bool ok = valid == 0 || (db && areas);
    /* The usual batch is plain submissions only: their one call is then the whole transaction
     * (at 1,000 cases/s a batch holds a few cases, and BEGIN, SAVEPOINT, RELEASE and COMMIT were
     * four of its five round trips). */
    int plain = 0;
    for (int i = 0; i < n; i++)
        plain += batchable(&batch[i]);
    bool alone = valid > 0 && plain == valid;
    ok = ok && (!alone || submit_batch(db, areas, batch, n, true));
    int rest = 0; /* still to store: everything else, or all of it after a failed call alone */
    for (int i = 0; i < n; i++)
        rest += !batch[i].error && !batch[i].batched;
    ok = ok && (rest == 0 || gc_pg_begin(db));
    /* the batch call (gc_submit_cases) takes the event stream lock itself, after inserting its
     * cases; what is stored one at a time locks cases the usual way round: lock first */
    ok = ok && (rest == 0 || alone || submit_batch(db, areas, batch, n, false));
    bool locked = false;
    for (int i = 0; ok && rest && i < n; i++)
        if (!batch[i].error && !batch[i].batched) {
            ok = locked || gc_event_lock_stream(db);
            locked = true;
            ok = ok && handle(db, areas, &batch[i]);
        }
    ok = ok && (rest == 0 || gc_pg_commit(db));
    if (!ok) {
        if (db) {
            gc_pg_rollback(db);
            *db_failed = !gc_pg_alive(db);
        }
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
