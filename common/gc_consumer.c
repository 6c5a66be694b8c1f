/* gc_consumer: cursor + effects in one transaction. */
#include "gc_consumer.h"

#include "gc_pg.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void gc_consumer_register(void)
{
    gc_event_register();
    gc_pg_register("gc_consumer_behind",
                   "SELECT (SELECT last_seq FROM consumer_cursors WHERE consumer = $1) "
                   "< (SELECT last_seq FROM event_streams WHERE stream = 'case')",
                   1);
    gc_pg_register("gc_consumer_lock_cursor",
                   "SELECT last_seq FROM consumer_cursors WHERE consumer = $1 FOR UPDATE", 1);
    gc_pg_register("gc_consumer_move_cursor",
                   "UPDATE consumer_cursors SET last_seq = $2 WHERE consumer = $1", 2);
}

/* True when some event past the cursor exists: an idle wake-up costs one query, no transaction. */
static int behind(PGconn *db, const char *consumer)
{
    const char *who[] = {consumer};
    PGresult *res = gc_pg_query_prepared(db, "gc_consumer_behind", 1, who);
    int answer = gc_pg_ok(res) && PQntuples(res) == 1 ? strcmp(PQgetvalue(res, 0, 0), "t") == 0
                                                      : -1;
    PQclear(res);
    return answer;
}

static long apply_batch(PGconn *db, const char *consumer, int batch, const gc_consumer_t *how)
{
    const char *who[] = {consumer};
    PGresult *cur = gc_pg_query_prepared(db, "gc_consumer_lock_cursor", 1, who);
    if (!gc_pg_ok(cur) || PQntuples(cur) != 1) {
        PQclear(cur);
        return -1;
    }
    uint64_t last = strtoull(PQgetvalue(cur, 0, 0), NULL, 10);
    PQclear(cur);

    /* some kinds only: the log's end first, then that window's events of those kinds; when
     * fewer than a batch came back, the cursor moves to the end over the events passed over */
    int64_t end = how->kinds ? gc_event_last_seq(db) : 0;
    if (end < 0)
        return -1;
    if (how->kinds && (uint64_t)end <= last)
        return 0;
    PGresult *events = how->kinds ? gc_event_load_kinds(db, last, (uint64_t)end, batch, how->kinds)
                                  : gc_event_load(db, last, batch);
    if (!events)
        return -1;
    long n = PQntuples(events);
    /* only a batch that will append events takes the event stream lock (after the cursor lock,
     * which no other writer takes, and before any case row: the writers' lock order), unless
     * every such event takes it itself at the end (locks_late) */
    bool writes = false;
    for (long i = 0; how->wants && !writes && i < n; i++) {
        gc_event_t ev;
        gc_event_from_row(events, (int)i, &ev);
        writes = how->wants(&ev) && !(how->locks_late && how->locks_late(&ev));
    }
    if ((writes && !gc_event_lock_stream(db))
        || (how->prepare && n > 0 && !how->prepare(db, events, how->ctx))) {
        PQclear(events);
        return -1;
    }
    for (long i = 0; i < n; i++) {
        gc_event_t ev;
        gc_event_from_row(events, (int)i, &ev);
        if (!how->apply(db, &ev, how->ctx)) {
            PQclear(events);
            return -1;
        }
        last = ev.seq;
    }
    PQclear(events);
    if (how->flush && !how->flush(db, how->ctx))
        return -1;
    bool passed_over = how->kinds && n < batch;
    if (passed_over)
        last = (uint64_t)end;
    if (n > 0 || passed_over) {
        char seq[32];
        snprintf(seq, sizeof seq, "%" PRIu64, last);
        const char *params[] = {consumer, seq};
        if (!gc_pg_run_prepared(db, "gc_consumer_move_cursor", 2, params))
            return -1;
    }
    return n;
}

long gc_consumer_catch_up(PGconn *db, const char *consumer, int batch, const gc_consumer_t *how)
{
    int pending = behind(db, consumer);
    if (pending <= 0)
        return pending;
    long total = 0;
    for (int batches = 1;; batches++) {
        if (!gc_pg_begin(db))
            return -1;
        long n = apply_batch(db, consumer, batch, how);
        if (n < 0 || !gc_pg_commit(db)) {
            gc_pg_rollback(db);
            if (how->discard)
                how->discard(how->ctx);
            return -1;
        }
        total += n;
        if (how->progress)
            how->progress(); /* a long catch-up is work, not a hang */
        if (n < batch || (how->max_batches && batches >= how->max_batches))
            return total;
    }
}
