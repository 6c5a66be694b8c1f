/* escalator: the SQL of raising a case. */
#include "escalator.h"

#include "gc_case.h"
#include "gc_consumer.h"
#include "gc_daemon.h"
#include "gc_log.h"
#include "gc_names.h"
#include "gc_pg.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* Raises a locked case one level on request (gc_escalate_case: the new level's deadline counts
 * from now, its waiting extension request lapses); a no-op for a case that is closed, resolved
 * or at the top. Overdue cases go up in the sweep below. */
static bool escalate(PGconn *db, const gc_case_row_t *c, const char *actor, const char *reason)
{
    if (!gc_lifecycle_clock_runs(c->status))
        return true;
    char id[32];
    snprintf(id, sizeof id, "%" PRId64, c->id);
    const char *params[] = {id, actor, reason};
    PGresult *res = gc_pg_query(db, "escalate", "SELECT gc_escalate_case($1, $2, $3)", 3, params);
    bool ok = gc_pg_ok(res) && PQntuples(res) == 1;
    /* the reason is people's free text: it stays on the timeline, out of the logs */
    if (ok && !PQgetisnull(res, 0, 0))
        gc_log_info("case %s escalated on request: %s -> %s", c->ref, gc_level_name(c->level),
                    PQgetvalue(res, 0, 0));
    PQclear(res);
    return ok;
}

bool escalator_wants(const gc_event_t *ev)
{
    return ev->kind == GRIDCASE__EVENT_KIND__EVENT_KIND_ESCALATION_REQUESTED;
}

bool escalator_apply(PGconn *db, const gc_event_t *ev, void *ctx)
{
    (void)ctx;
    if (!escalator_wants(ev))
        return true;
    gc_case_row_t c;
    int found = gc_case_lock(db, ev->case_ref, &c);
    if (found <= 0)
        return found == 0;
    /* the request was for the level the case had then; if it has moved up since, it is done */
    if (c.level != ev->level)
        return true;
    return escalate(db, &c, ev->actor, ev->note[0] ? ev->note : "requested");
}

long escalator_sweep(PGconn *db, long batch)
{
    /* a sweep that finds nothing does not take the event stream lock */
    PGresult *any = gc_pg_query(db, "anything overdue?", "SELECT gc_overdue_waiting()", 0, NULL);
    bool overdue = gc_pg_ok(any) && strcmp(PQgetvalue(any, 0, 0), "t") == 0;
    bool failed = !gc_pg_ok(any);
    PQclear(any);
    if (!overdue)
        return failed ? -1 : 0;
    long total = 0;
    /* until nothing is overdue: a case may have missed several deadlines. Each batch is one
     * call of gc_escalate_overdue, under the event counter taken first (the writers' order) */
    for (;;) {
        if (!gc_event_begin_writer(db))
            return -1;
        char limit[24];
        snprintf(limit, sizeof limit, "%ld", batch);
        const char *params[] = {limit};
        PGresult *moved = gc_pg_query(db, "sweep overdue cases",
                                      "SELECT case_ref, supervised, level "
                                      "FROM gc_escalate_overdue($1)",
                                      1, params);
        bool ok = gc_pg_ok(moved);
        int n = ok ? PQntuples(moved) : 0;
        if (!ok || !gc_pg_commit(db)) {
            PQclear(moved);
            gc_pg_rollback(db);
            return -1;
        }
        for (int i = 0; i < n; i++) {
            if (strcmp(PQgetvalue(moved, i, 1), "t") == 0)
                gc_log_info("case %s overdue at the district: flagged for supervision",
                            PQgetvalue(moved, i, 0));
            else
                gc_log_info("case %s overdue: escalated to the %s", PQgetvalue(moved, i, 0),
                            PQgetvalue(moved, i, 2));
        }
        PQclear(moved);
        total += n;
        if (n == 0)
            return total;
    }
}

bool escalator_follow(PGconn *db)
{
    /* the requests only: the rest of the log is passed over in the database (escalator_wants
     * names the same kind) */
    static const gc_consumer_t requests = {.kinds = "{escalation_requested}",
                                           .wants = escalator_wants, .apply = escalator_apply,
                                           .progress = gc_daemon_alive};
    return gc_consumer_catch_up(db, "escalation", 200, &requests) >= 0;
}

bool escalator_tick(PGconn *db, long batch)
{
    return escalator_follow(db) && escalator_sweep(db, batch) >= 0;
}
