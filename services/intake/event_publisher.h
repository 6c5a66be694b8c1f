/* event_publisher: tails the case event log and publishes every event on the PUB socket, in
 * seq order, whoever wrote it (intake, routing, escalation). Woken by intake's own commits, by
 * PostgreSQL NOTIFY from the other daemons, and by a timer. */
#ifndef EVENT_PUBLISHER_H
#define EVENT_PUBLISHER_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct event_publisher event_publisher_t;

/* Starts at the end of the log: subscribers that need the past read it from the database. */
event_publisher_t *event_publisher_new(void *pub, PGconn *db);
void event_publisher_destroy(event_publisher_t **self);

/* Publishes every event committed since the last call. False when the database failed. */
bool event_publisher_flush(event_publisher_t *self, PGconn *db);

#endif
