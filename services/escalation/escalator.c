/* escalator: the SQL of raising a case. */
#include "escalator.h"

#include "gc_case.h"
#include "gc_extension.h"
#include "gc_log.h"
#include "gc_names.h"
#include "gc_pg.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define SWEEP_BATCH "100" /* cases per transaction */

/* Open, past its deadline, and not yet dealt with: below the district it escalates; at the
 * district it is flagged for supervision once. Written as the predicate of the partial index
 * cases_due so that a tick reads only the index entries that are due. */
#define OVERDUE                                                                                \
    "status NOT IN ('resolved', 'closed') AND supervised_at IS NULL AND deadline_at <= gc_now()"

/* Raises a locked case one level; a no-op for a case that is closed, resolved or at the top.
 * An overdue case's next deadline counts from the deadline it missed (so catching up after an
 * outage takes one level per deadline missed); a requested one's from now. */
static bool escalate(PGconn *db, const gc_case_row_t *c, const char *actor, bool overdue,
                     const char *reason)
{
    int next = gc_lifecycle_next_level(c->level);
    if (!next || !gc_lifecycle_clock_runs(c->status))
        return true;
    char id[32], note[GC_CASE_MAX_TEXT + 100];
    snprintf(id, sizeof id, "%" PRId64, c->id);
    snprintf(note, sizeof note, "%s: %s -> %s", reason, gc_level_name(c->level),
             gc_level_name(next));
    const char *params[] = {id, gc_level_name(next), overdue ? "t" : "f"};
    const char *append[] = {id, actor, note};
    bool ok = gc_pg_run(db, "escalate",
                        "UPDATE cases SET level = $2, updated_at = gc_now(), "
                        "deadline_at = gc_deadline_from(category, $2, "
                        "  CASE WHEN $3 THEN deadline_at ELSE gc_now() END) WHERE id = $1",
                        3, params)
              && gc_pg_run(db, "append escalated",
                           "SELECT gc_append_event($1, 'escalated', NULL, $2, $3)", 3, append)
              && gc_extension_lapse(db, c->id); /* the new level's leader decides afresh */
    if (ok)
        gc_log_info("case %s escalated: %s", c->ref, note);
    return ok;
}

/* Overdue at the district: flagged for supervision (督办), once. */
static bool supervise(PGconn *db, const gc_case_row_t *c)
{
    char id[32];
    snprintf(id, sizeof id, "%" PRId64, c->id);
    const char *params[] = {id};
    bool ok = gc_pg_run(db, "supervise", "UPDATE cases SET supervised_at = gc_now() WHERE id = $1",
                        1, params)
              && gc_pg_run(db, "append supervised",
                           "SELECT gc_append_event($1, 'supervised', NULL, 'escalation', "
                           "'overdue at the district: flagged for supervision')",
                           1, params);
    if (ok)
        gc_log_info("case %s overdue at the district: flagged for supervision", c->ref);
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
    return escalate(db, &c, ev->actor, false, ev->note[0] ? ev->note : "requested");
}

long escalator_sweep(PGconn *db)
{
    /* a sweep that finds nothing does not take the event stream lock */
    PGresult *any = gc_pg_query(db, "anything overdue?",
                                "SELECT EXISTS (SELECT 1 FROM cases WHERE " OVERDUE ")", 0, NULL);
    bool overdue = gc_pg_ok(any) && strcmp(PQgetvalue(any, 0, 0), "t") == 0;
    bool failed = !gc_pg_ok(any);
    PQclear(any);
    if (!overdue)
        return failed ? -1 : 0;
    long total = 0;
    for (;;) { /* until nothing is overdue: a case may have missed several deadlines */
        if (!gc_event_begin_writer(db))
            return -1;
        const char *batch[] = {SWEEP_BATCH};
        PGresult *due = gc_pg_query(db, "overdue cases",
                                    "SELECT ref FROM cases WHERE " OVERDUE " ORDER BY deadline_at "
                                    "LIMIT $1 FOR UPDATE SKIP LOCKED",
                                    1, batch);
        bool ok = gc_pg_ok(due);
        int n = ok ? PQntuples(due) : 0;
        for (int i = 0; ok && i < n; i++) {
            gc_case_row_t c;
            ok = gc_case_lock(db, PQgetvalue(due, i, 0), &c) == 1
                 && (c.level == GRIDCASE__LEVEL__LEVEL_DISTRICT
                         ? supervise(db, &c)
                         : escalate(db, &c, "escalation", true, "overdue"));
        }
        PQclear(due);
        if (!ok || !gc_pg_commit(db)) {
            gc_pg_rollback(db);
            return -1;
        }
        total += n;
        if (n == 0)
            return total;
    }
}
