/* dept_actions: a department's action checked against the case's lifecycle and its assignment,
 * then stored with its event; an inspection report stored as a submission. What took effect is
 * remembered under the client's request_id (department_replies), so a request sent again after
 * its reply was lost is answered as the first time, never applied twice. */
#include "dept_actions.h"

#include "dept_send.h"
#include "gc_case.h"
#include "gc_event.h"
#include "gc_extension.h"
#include "gc_geo.h"
#include "gc_lifecycle.h"
#include "gc_log.h"
#include "gc_pg.h"
#include "gc_text.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Runs an action in the open transaction. Returns false when the database failed; the outcome
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

/* replies kept this long: far longer than any client retries a request */
#define REPLIES_KEPT "1 day"
#define REPLIES_PRUNE_EVERY 1000 /* requests between two removals of old replies */

/* The stored outcome of this department's request_id, in the open transaction: 1 found (the
 * case in ref; *error set when the id was first used for another request), 0 none, -1 the
 * database failed. */
static int stored_reply(PGconn *db, const char *department, const char *request_id, int what,
                        const char *case_ref, char *ref, size_t reflen, int *error,
                        const char **why)
{
    const char *params[] = {department, request_id};
    PGresult *res = gc_pg_query(db, "stored reply",
                                "SELECT what, case_ref FROM department_replies "
                                "WHERE department = $1 AND request_id = $2",
                                2, params);
    if (!gc_pg_ok(res)) {
        PQclear(res);
        return -1;
    }
    int found = PQntuples(res) == 1;
    if (found) {
        snprintf(ref, reflen, "%s", PQgetvalue(res, 0, 1));
        if (atoi(PQgetvalue(res, 0, 0)) != what || (case_ref && strcmp(case_ref, ref) != 0)) {
            *error = GRIDCASE__ERROR_CODE__ERROR_CODE_IDEMPOTENCY_CONFLICT;
            *why = "this request_id was first used for another request";
        }
    }
    PQclear(res);
    return found;
}

/* Remembers what took effect, in its transaction; now and then removes the old ones. */
static bool store_reply(PGconn *db, const char *department, const char *request_id, int what,
                        const char *case_ref)
{
    static unsigned long stored;
    char what_s[16];
    snprintf(what_s, sizeof what_s, "%d", what);
    const char *params[] = {department, request_id, what_s, case_ref};
    if (!gc_pg_run(db, "store reply",
                   "INSERT INTO department_replies (department, request_id, what, case_ref) "
                   "VALUES ($1, $2, $3, $4)",
                   4, params))
        return false;
    if (++stored % REPLIES_PRUNE_EVERY != 0)
        return true;
    return gc_pg_run(db, "prune replies",
                     "DELETE FROM department_replies "
                     "WHERE stored_at < now() - interval '" REPLIES_KEPT "'",
                     0, NULL);
}

static const char *action_name(int kind)
{
    static const char *const names[] = {"?",      "accept", "progress",
                                        "resolve", "return", "extension request"};
    return kind > 0 && kind < 6 ? names[kind] : "?";
}

bool dept_actions_handle(void *router, PGconn *db, const void *id, size_t size,
                         const char *request_id, const char *case_ref,
                         const Gridcase__DeptAction *a, const Gridcase__InspectionReport *report,
                         int error, const char *why)
{
    gc_submit_result_t submitted = {0};
    bool db_ok = true;
    const char *department = a ? a->department : report->department;
    int what = a ? (int)a->kind : 0, seen = 0;
    char stored_ref[64];
    if (!gc_text_present(department, GC_CASE_MAX_CODE)) {
        error = GRIDCASE__ERROR_CODE__ERROR_CODE_INVALID_ARGUMENT;
        why = "request_id, department and case_ref (or report) are required; note <= 4000 bytes";
    } else if (error) {
        /* refused before touching the database */
    } else if (!(db_ok = gc_event_begin_writer(db))) {
        error = GRIDCASE__ERROR_CODE__ERROR_CODE_UNAVAILABLE;
        why = "the database is unavailable; retry";
    } else if (request_id && *request_id
               && (seen = stored_reply(db, department, request_id, what, case_ref, stored_ref,
                                       sizeof stored_ref, &error, &why))
                      != 0) {
        /* sent before: answered as then (or refused: the id named another request) */
        db_ok = seen > 0;
        case_ref = stored_ref;
        gc_pg_rollback(db);
        if (!db_ok) {
            error = GRIDCASE__ERROR_CODE__ERROR_CODE_UNAVAILABLE;
            why = "the database is unavailable; retry";
        }
    } else {
        if (a) {
            db_ok = act(db, a, &error, &why);
        } else if (report->report->person && *report->report->person) {
            /* people report through their area's application (intake); a department reports
             * as itself */
            error = GRIDCASE__ERROR_CODE__ERROR_CODE_INVALID_ARGUMENT;
            why = "person: a department's inspection report names no person";
        } else {
            /* inspection reports are rare: load the district's areas for this one */
            gc_area_index_t *areas = gc_area_index_load(db);
            db_ok = areas && gc_case_submit(db, areas, report->report, NULL, &submitted);
            gc_area_index_destroy(&areas);
            error = submitted.error;
            why = submitted.why;
            case_ref = submitted.ref;
        }
        if (db_ok && !error && request_id && *request_id)
            db_ok = store_reply(db, department, request_id, what, case_ref);
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
        gc_log_info("department %s: %s on %s%s", department,
                    a ? action_name(a->kind) : "inspection report", r.case_ref,
                    seen > 0 ? " (sent again: the stored reply)" : "");
    }
    m.body_case = GRIDCASE__DEPT_SERVER_MSG__BODY_REPLY;
    m.reply = &r;
    dept_send(router, id, size, &m);
    return db_ok;
}
