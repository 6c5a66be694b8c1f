/* joint_meeting: the three outcomes of a street joint meeting for one case. */
#include "joint_meeting.h"

#include "gc_names.h"
#include "gc_pg.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static bool refuse(int *error, const char **why, int code, const char *text)
{
    *error = code;
    *why = text;
    return true;
}

/* Sets the status and the deadline the meeting gave (Unix ms, in the future) or, when it gave
 * none, the street's handling time from now. The deadline as local time goes into when.
 * 1 done, 0 the deadline is not in the future, -1 database failure. */
static int set_deadline(PGconn *db, const char *id, int status, int64_t deadline_ms, char *when,
                        size_t whenlen)
{
    char ms[32];
    snprintf(ms, sizeof ms, "%" PRId64, deadline_ms);
    const char *params[] = {id, gc_status_name(status), ms};
    PGresult *res = gc_pg_query(
        db, "meeting deadline",
        "UPDATE cases SET status = $2, updated_at = gc_now(), deadline_at = CASE "
        "  WHEN $3::bigint > 0 THEN to_timestamp($3::bigint / 1000.0) "
        "  ELSE gc_deadline(category, level) END "
        "WHERE id = $1 AND ($3::bigint = 0 OR to_timestamp($3::bigint / 1000.0) > gc_now()) "
        "RETURNING to_char(deadline_at AT TIME ZONE (SELECT time_zone FROM district_settings), "
        "  'YYYY-MM-DD HH24:MI')",
        3, params);
    int done = !gc_pg_ok(res) ? -1 : PQntuples(res) == 1;
    if (done == 1)
        snprintf(when, whenlen, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    return done;
}

/* Puts a department on the case; the lead takes over from any former lead, who stays on as a
 * co-handler. 1 done, 0 no such department, -1 database failure. */
static int assign(PGconn *db, const char *id, const char *department, bool lead)
{
    const char *params[] = {id, department, lead ? "t" : "f"};
    if (lead && !gc_pg_run(db, "demote former lead",
                           "UPDATE case_assignments SET is_lead = false "
                           "WHERE case_id = $1 AND department <> $2 AND is_lead",
                           2, params))
        return -1;
    PGresult *res = gc_pg_query(db, "joint assignment",
                                "INSERT INTO case_assignments (case_id, department, is_lead) "
                                "SELECT $1, $2, $3 WHERE EXISTS (SELECT 1 FROM departments "
                                "  WHERE code = $2) ON CONFLICT (case_id, department) DO UPDATE "
                                "SET is_lead = EXCLUDED.is_lead, active = true",
                                3, params);
    int done = !gc_pg_ok(res) ? -1 : strcmp(PQcmdTuples(res), "1") == 0;
    PQclear(res);
    return done;
}

static bool named_twice(const Gridcase__CaseCommand *cmd)
{
    for (size_t i = 0; i < cmd->n_departments; i++)
        for (size_t j = 0; j < i; j++)
            if (strcmp(cmd->departments[i], cmd->departments[j]) == 0)
                return true;
    return false;
}

static bool append(PGconn *db, const char *id, const char *kind, const char *department,
                   const char *actor, const char *note)
{
    const char *params[] = {id, kind, department, actor, note};
    return gc_pg_run_prepared(db, "gc_append_event", 5, params);
}

bool joint_meeting_decide(PGconn *db, const gc_case_row_t *c, const gc_transition_t *t,
                          const Gridcase__CaseCommand *cmd, int *error, const char **why)
{
    const int bad = GRIDCASE__ERROR_CODE__ERROR_CODE_INVALID_ARGUMENT;
    const char *note = cmd->note ? cmd->note : "";
    char id[32], when[40], decided[GC_CASE_MAX_TEXT + 1024];
    snprintf(id, sizeof id, "%" PRId64, c->id);
    if (cmd->outcome == GRIDCASE__MEETING_OUTCOME__MEETING_OUTCOME_CLOSE) {
        snprintf(decided, sizeof decided, "closed by the joint meeting: %s", note);
        return gc_case_apply(db, c, t, NULL, cmd->actor, decided);
    }
    bool joint = cmd->outcome == GRIDCASE__MEETING_OUTCOME__MEETING_OUTCOME_ASSIGN_JOINT;
    if (joint && cmd->n_departments == 0)
        return refuse(error, why, bad, "joint enforcement needs at least one department");
    if (joint && named_twice(cmd))
        return refuse(error, why, bad, "a department is named twice");
    if (!joint && (cmd->n_departments > 0 || cmd->deadline_ms == 0))
        return refuse(error, why, bad, "a new deadline needs deadline_ms and no departments");
    int set = set_deadline(db, id, t->next_status, cmd->deadline_ms, when, sizeof when);
    if (set <= 0)
        return set == 0 ? refuse(error, why, bad, "the new deadline is not in the future") : false;
    size_t len = (size_t)snprintf(decided, sizeof decided, "%s", joint ? "joint enforcement:" : "");
    for (size_t i = 0; i < cmd->n_departments && len < sizeof decided; i++)
        len += (size_t)snprintf(decided + len, sizeof decided - len, "%s %s%s", i ? "," : "",
                                cmd->departments[i], i ? "" : " (lead)");
    if (len < sizeof decided)
        snprintf(decided + len, sizeof decided - len, "%snew deadline %s%s%s", joint ? "; " : "",
                 when, *note ? ": " : "", note);
    if (!append(db, id, "meeting_decided", NULL, cmd->actor, decided))
        return false;
    /* one event per department: routing delivers the case to each */
    for (size_t i = 0; i < cmd->n_departments; i++) {
        int done = assign(db, id, cmd->departments[i], i == 0);
        if (done <= 0)
            return done == 0 ? refuse(error, why, bad,
                                      "a named department does not exist (see gridctl "
                                      "departments)")
                             : false;
        if (!append(db, id, "joint_assigned", cmd->departments[i], cmd->actor,
                    i == 0 ? "lead" : "co-handler"))
            return false;
    }
    return true;
}
