/* dept_actions: a department's action checked against the case's lifecycle and its assignment,
 * then stored with its event; an inspection report stored as a submission. */
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
    dept_send(router, id, size, &m);
    return db_ok;
}
