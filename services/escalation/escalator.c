/* escalator: the SQL of raising a case. */
#include "escalator.h"

#include "gc_case.h"
#include "gc_consumer.h"
#include "gc_extension.h"
#include "gc_log.h"
#include "gc_names.h"
#include "gc_pg.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* Open, past its deadline, and not yet dealt with: below the district it escalates; at the
 * district it is flagged for supervision once. Written as the predicate of the partial index
 * cases_due so that a tick reads only the index entries that are due. */
#define OVERDUE                                                                                \
    "status NOT IN ('resolved', 'closed') AND supervised_at IS NULL AND deadline_at <= gc_now()"

/* Raises a locked case one level on request; a no-op for a case that is closed, resolved or at
 * the top. The new level's deadline counts from now. (Overdue cases go up in the sweep below,
 * where the next deadline counts from the one missed.) */
static bool escalate(PGconn *db, const gc_case_row_t *c, const char *actor, const char *reason)
{
    int next = gc_lifecycle_next_level(c->level);
    if (!next || !gc_lifecycle_clock_runs(c->status))
        return true;
    char id[32], note[GC_CASE_MAX_TEXT + 100];
    snprintf(id, sizeof id, "%" PRId64, c->id);
    snprintf(note, sizeof note, "%s: %s -> %s", reason, gc_level_name(c->level),
             gc_level_name(next));
    const char *params[] = {id, gc_level_name(next)};
    const char *append[] = {id, actor, note};
    bool ok = gc_pg_run(db, "escalate",
                        "UPDATE cases SET level = $2, updated_at = gc_now(), "
                        "deadline_at = gc_deadline(category, $2) WHERE id = $1",
                        2, params)
              && gc_pg_run(db, "append escalated",
                           "SELECT gc_append_event($1, 'escalated', NULL, $2, $3)", 3, append)
              && gc_extension_lapse(db, c->id); /* the new level's leader decides afresh */
    if (ok) /* the reason is people's free text: it stays on the timeline, out of the logs */
        gc_log_info("case %s escalated on request: %s -> %s", c->ref, gc_level_name(c->level),
                    gc_level_name(next));
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

/* One batch of the sweep as one statement: lock up to $1 due cases, raise each one level (or
 * flag it at the district), append their events under consecutive seqs from the counter row
 * (locked by gc_event_begin_writer), lapse their waiting extension requests. The same rules as
 * escalate() and gc_append_event(), set-based: per-case round trips made a backlog of 100,000
 * due cases take minutes (about 600 cases/s measured with the per-case statements). */
#define NEXT_LEVEL(col)                                                                       \
    "CASE " col " WHEN 'grid' THEN 'community' WHEN 'community' THEN 'street' "               \
    "ELSE 'district' END"
#define SWEEP_BATCH_SQL                                                                        \
    "WITH due AS (SELECT id FROM cases WHERE " OVERDUE " ORDER BY deadline_at LIMIT $1 "       \
    "  FOR NO KEY UPDATE SKIP LOCKED), "                                                       \
    "moved AS (UPDATE cases c SET level = " NEXT_LEVEL("c.level") ", updated_at = gc_now(), "  \
    "  deadline_at = CASE WHEN c.level = 'district' THEN c.deadline_at "                       \
    "    ELSE gc_deadline_from(c.category, " NEXT_LEVEL("c.level") ", c.deadline_at) END, "    \
    "  supervised_at = CASE WHEN c.level = 'district' THEN gc_now() END "                      \
    "  FROM due WHERE c.id = due.id "                                                          \
    "  RETURNING c.id, c.ref, c.level, c.status, c.supervised_at IS NOT NULL AS supervised), "  \
    "numbered AS (SELECT m.*, row_number() OVER (ORDER BY m.id) AS n, count(*) OVER () AS total " \
    "  FROM moved m), "                                                                        \
    "counter AS (UPDATE event_streams SET last_seq = last_seq + (SELECT count(*) FROM moved) "  \
    "  WHERE stream = 'case' RETURNING last_seq), "                                            \
    "events AS (INSERT INTO case_events (seq, case_id, kind, at, level, status, actor, note) "  \
    "  SELECT counter.last_seq - m.total + m.n, m.id, "                                        \
    "    CASE WHEN m.supervised THEN 'supervised' ELSE 'escalated' END, gc_now(), m.level, "   \
    "    m.status, 'escalation', CASE WHEN m.supervised "                                      \
    "    THEN 'overdue at the district: flagged for supervision' ELSE 'overdue: ' || CASE "     \
    "    m.level WHEN 'community' THEN 'grid' WHEN 'street' THEN 'community' ELSE 'street' END " \
    "    || ' -> ' || m.level END FROM numbered m, counter), "                                 \
    "lapsed AS (UPDATE extension_requests SET decided_at = gc_now(), granted = false, "        \
    "  decided_by = 'lapsed: the case moved up a level' WHERE decided_at IS NULL "             \
    "  AND case_id IN (SELECT id FROM moved WHERE NOT supervised)) "                           \
    "SELECT ref, supervised, level FROM moved ORDER BY id"

long escalator_sweep(PGconn *db, long batch)
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
        char limit[24];
        snprintf(limit, sizeof limit, "%ld", batch);
        const char *params[] = {limit};
        PGresult *moved = gc_pg_query(db, "sweep overdue cases", SWEEP_BATCH_SQL, 1, params);
        bool ok = gc_pg_ok(moved);
        int n = ok ? PQntuples(moved) : 0;
        /* the event publisher's doorbell, as gc_append_event rings it */
        if (ok && n > 0)
            ok = gc_pg_run(db, "notify", "SELECT pg_notify('gc_case_events', '')", 0, NULL);
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
    static const gc_consumer_t requests = {.wants = escalator_wants, .apply = escalator_apply};
    return gc_consumer_catch_up(db, "escalation", 200, &requests) >= 0;
}

bool escalator_tick(PGconn *db, long batch)
{
    return escalator_follow(db) && escalator_sweep(db, batch) >= 0;
}
