/* gc_consumer: a durable reader of the case event log.
 *
 * Each consumer (routing, escalation, stats) has a cursor row in consumer_cursors. Catching up
 * reads the events after the cursor and applies them, then moves the cursor, all in one
 * transaction: after a kill at any moment, a restart neither loses nor repeats an effect. The
 * cursor row is locked FOR UPDATE, so two instances of one consumer never apply the same event. */
#ifndef GC_CONSUMER_H
#define GC_CONSUMER_H

#include "gc_event.h"

/* Applies one event's effects inside the open transaction. Return false only when the database
 * failed (the batch is rolled back and retried later); an event that does not concern the
 * consumer is simply skipped with true. */
typedef bool (*gc_consumer_apply_fn)(PGconn *db, const gc_event_t *ev, void *ctx);

/* True when applying this event will append events (or lock case rows). A batch holding such
 * an event runs under the event stream lock (see gc_event_begin_writer); other batches only
 * move the cursor. NULL: the consumer never writes events. */
typedef bool (*gc_consumer_wants_fn)(const gc_event_t *ev);

/* True when applying this event takes the event stream lock itself, after its case rows, and
 * copes with the other order's writers on its own (routing's gc_route_new_cases, in
 * deploy/schema/functions/routing.sql: it waits at most 200 ms for the lock; on a time-out or a
 * deadlock its subtransaction rolls back, releasing its case rows, and it runs again with the
 * lock taken first). Such an event alone does not make its batch take the lock first, so the lock
 * is held only for the end of the transaction. NULL: every event wants() names takes it first. */
typedef bool (*gc_consumer_locks_late_fn)(const gc_event_t *ev);

/* Called with the whole batch (gc_event_rows' rows, in seq order) before apply sees its first
 * event: a consumer that needs more from the database for some events reads it for all of them
 * in one statement here instead of one round trip per event. False when the database failed. */
typedef bool (*gc_consumer_prepare_fn)(PGconn *db, const PGresult *events, void *ctx);

/* A consumer that gathers the effects of a batch in memory writes them here, at the end of the
 * batch and before the cursor moves (same transaction). False when the database failed. */
typedef bool (*gc_consumer_flush_fn)(PGconn *db, void *ctx);

/* A batch failed and was rolled back: forget what apply gathered for it. */
typedef void (*gc_consumer_discard_fn)(void *ctx);

/* Called after each committed batch: a long catch-up is work, not a hang, and a daemon's
 * liveness signal (gc_daemon_alive) wants to hear of it. */
typedef void (*gc_consumer_progress_fn)(void);

/* What a consumer does with events. kinds, wants, locks_late, prepare, flush, discard and
 * progress may be NULL. */
typedef struct {
    /* Only events of these kinds are read and applied (a text array literal of event_kind
     * names, e.g. "{escalation_requested}"); the cursor still moves over the others. NULL: all. */
    const char *kinds;
    gc_consumer_wants_fn wants;
    gc_consumer_locks_late_fn locks_late;
    gc_consumer_prepare_fn prepare;
    gc_consumer_apply_fn apply;
    gc_consumer_flush_fn flush;
    gc_consumer_discard_fn discard;
    gc_consumer_progress_fn progress;
    void *ctx;
    int max_batches; /* stop after this many batches (0: until caught up), so a daemon with
                      * other work (routing's deliveries) gets its turn under a steady stream */
} gc_consumer_t;

/* Registers the statements of catching up (the cursor's and gc_event_register's) with
 * gc_pg_register: every consumer daemon calls it once before it connects. Each wake-up runs
 * them, hundreds of times a second under load: prepared, they are parsed once per connection,
 * and the cursor's (scalar parameters, primary keys) keep a generic plan. */
void gc_consumer_register(void);

/* Applies the events past the cursor, batch events per transaction, until caught up or after
 * how->max_batches batches, calling the progress hook after each commit. Returns the number of
 * events applied, or -1 when the database failed. */
long gc_consumer_catch_up(PGconn *db, const char *consumer, int batch, const gc_consumer_t *how);

#endif
