/* gc_consumer: cursor + effects in one transaction. */
#include "gc_consumer.h"

#include "gc_pg.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

static long apply_batch(PGconn *db, const char *consumer, int batch, gc_consumer_apply_fn apply,
                        void *ctx)
{
    const char *who[] = {consumer};
    PGresult *cur = gc_pg_query(db, "lock cursor",
                                "SELECT last_seq FROM consumer_cursors WHERE consumer = $1 "
                                "FOR UPDATE",
                                1, who);
    if (!gc_pg_ok(cur) || PQntuples(cur) != 1) {
        PQclear(cur);
        return -1;
    }
    uint64_t last = strtoull(PQgetvalue(cur, 0, 0), NULL, 10);
    PQclear(cur);

    PGresult *events = gc_event_load(db, last, batch);
    if (!events)
        return -1;
    long n = PQntuples(events);
    for (long i = 0; i < n; i++) {
        gc_event_t ev;
        gc_event_from_row(events, (int)i, &ev);
        if (!apply(db, &ev, ctx)) {
            PQclear(events);
            return -1;
        }
        last = ev.seq;
    }
    PQclear(events);
    if (n > 0) {
        char seq[32];
        snprintf(seq, sizeof seq, "%" PRIu64, last);
        const char *params[] = {consumer, seq};
        if (!gc_pg_run(db, "move cursor",
                       "UPDATE consumer_cursors SET last_seq = $2 WHERE consumer = $1", 2, params))
            return -1;
    }
    return n;
}

long gc_consumer_catch_up(PGconn *db, const char *consumer, int batch, bool writes_events,
                          gc_consumer_apply_fn apply, gc_consumer_after_fn after, void *ctx)
{
    long total = 0;
    for (;;) {
        if (!(writes_events ? gc_event_begin_writer(db) : gc_pg_begin(db)))
            return -1;
        long n = apply_batch(db, consumer, batch, apply, ctx);
        if (n < 0 || !gc_pg_commit(db)) {
            gc_pg_rollback(db);
            return -1;
        }
        if (n > 0 && after)
            after(ctx);
        total += n;
        if (n < batch)
            return total;
    }
}
