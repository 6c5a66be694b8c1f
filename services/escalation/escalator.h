/* escalator: raises a case one level (grid -> community -> street -> district) and starts the
 * new level's handling clock. Two triggers: a missed deadline (found by a periodic sweep using
 * the gridcase clock, gc_now()) and a person's escalation request (an event in the log). */
#ifndef ESCALATOR_H
#define ESCALATOR_H

#include "gc_event.h"

#include <libpq-fe.h>
#include <stdbool.h>

/* gc_consumer_wants_fn: escalation acts on ESCALATION_REQUESTED only. */
bool escalator_wants(const gc_event_t *ev);

/* gc_consumer_apply_fn for the "escalation" consumer: acts on ESCALATION_REQUESTED. */
bool escalator_apply(PGconn *db, const gc_event_t *ev, void *ctx);

/* Escalates every open case whose deadline has passed, batch cases per transaction, and flags
 * those overdue at the district. Returns the number of cases dealt with, or -1 when the
 * database failed. */
long escalator_sweep(PGconn *db, long batch);

/* Follows the event log: acts on the escalation requests in it. False when the database
 * failed. */
bool escalator_follow(PGconn *db);

/* One tick of the daemon: follow the event log (escalation requests), then sweep. False when
 * the database failed. */
bool escalator_tick(PGconn *db, long batch);

#endif
