/* gc_extension: requests and decisions, in the caller's transaction. */
#include "gc_extension.h"

#include "gc_lifecycle.h"
#include "gc_names.h"
#include "gc_pg.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

bool gc_extension_request(PGconn *db, const gc_case_row_t *c, const char *department,
                          uint32_t hours, const char *reason, int *error, const char **why)
{
    if (hours < 1 || hours > GC_EXTENSION_MAX_HOURS) {
        *error = GRIDCASE__ERROR_CODE__ERROR_CODE_INVALID_ARGUMENT;
        *why = "extension_hours must be 1 to 720";
        return true;
    }
    char id[32], h[16], note[GC_CASE_MAX_TEXT + 32];
    snprintf(id, sizeof id, "%" PRId64, c->id);
    snprintf(h, sizeof h, "%" PRIu32, hours);
    snprintf(note, sizeof note, "%" PRIu32 " h: %s", hours, reason);
    const char *params[] = {id, department, gc_level_name(c->level), h, reason};
    PGresult *res = gc_pg_query(db, "extension request",
                                "INSERT INTO extension_requests (case_id, department, level, "
                                "hours, reason, requested_at) VALUES ($1, $2, $3, $4, $5, "
                                "gc_now()) ON CONFLICT (case_id) WHERE decided_at IS NULL "
                                "DO NOTHING",
                                5, params);
    bool ok = gc_pg_ok(res);
    bool waiting = ok && strcmp(PQcmdTuples(res), "0") == 0;
    PQclear(res);
    if (!ok)
        return false;
    if (waiting) {
        *error = GRIDCASE__ERROR_CODE__ERROR_CODE_INVALID_STATE;
        *why = "an extension request for this case is already waiting for a decision";
        return true;
    }
    const char *append[] = {id, "extension_requested", department, department, note};
    return gc_pg_run_prepared(db, "gc_append_event", 5, append);
}

bool gc_extension_decide(PGconn *db, const gc_case_row_t *c, bool grant, const char *actor,
                         const char *note, int *error, const char **why)
{
    gc_transition_t t = gc_lifecycle_extension_decision(grant, c->status);
    if (t.error) {
        *error = t.error;
        *why = t.why;
        return true;
    }
    char id[32];
    snprintf(id, sizeof id, "%" PRId64, c->id);
    const char *params[] = {id, grant ? "t" : "f", actor ? actor : ""};
    /* decide the waiting request and, on a grant, move the deadline by its hours; the note
     * says what was decided in the district's local time */
    PGresult *res = gc_pg_query(
        db, "decide extension",
        "WITH r AS (UPDATE extension_requests SET decided_at = gc_now(), granted = $2, "
        "  decided_by = $3 WHERE case_id = $1 AND decided_at IS NULL "
        "  RETURNING department, hours), "
        "c AS (UPDATE cases SET updated_at = gc_now(), deadline_at = "
        "  gc_add_handling_hours(category, greatest(deadline_at, gc_now()), r.hours) "
        "  FROM r WHERE id = $1 AND $2 RETURNING deadline_at) "
        "SELECT r.department, r.hours || ' h ' || CASE WHEN $2 THEN 'granted: deadline ' || "
        "  (SELECT to_char(c.deadline_at AT TIME ZONE s.time_zone, 'YYYY-MM-DD HH24:MI') "
        "   FROM c, district_settings s) ELSE 'refused' END FROM r",
        3, params);
    if (!gc_pg_ok(res)) {
        PQclear(res);
        return false;
    }
    if (PQntuples(res) != 1) {
        PQclear(res);
        *error = GRIDCASE__ERROR_CODE__ERROR_CODE_INVALID_STATE;
        *why = "no extension request is waiting for a decision on this case";
        return true;
    }
    char text[GC_CASE_MAX_TEXT + 100];
    snprintf(text, sizeof text, "%s%s%s", PQgetvalue(res, 0, 1), note && *note ? ": " : "",
             note ? note : "");
    const char *append[] = {id, gc_event_kind_name(t.event_kind), PQgetvalue(res, 0, 0), actor,
                            text};
    bool ok = gc_pg_run_prepared(db, "gc_append_event", 5, append);
    PQclear(res);
    return ok;
}
