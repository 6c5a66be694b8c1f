/* gc_pg_connector: database connection attempts in a thread of their own, for a daemon that must
 * keep answering while the database is away (gc-intake answers UNAVAILABLE). libpq's connect
 * blocks, and with several hosts it waits connect_timeout for each one that does not answer: a
 * frozen server, listed first, would hold the daemon for seconds at every attempt. */
#ifndef GC_PG_CONNECTOR_H
#define GC_PG_CONNECTOR_H

#include <libpq-fe.h>

typedef struct gc_pg_connector gc_pg_connector_t;

/* Starts trying to connect to dsn at once (gc_pg_try_connect: the registered statements
 * prepared), every retry_ms after a failure. NULL when the thread cannot start. */
gc_pg_connector_t *gc_pg_connector_new(const char *dsn, long retry_ms);

/* The connection once one is made (the caller owns it from then on), else NULL. Never blocks.
 * After a take the connector waits for gc_pg_connector_again. */
PGconn *gc_pg_connector_take(gc_pg_connector_t *self);

/* Waits until the first attempt has ended (at most timeout_ms), then takes its connection:
 * a daemon that starts with its database up is connected before it says it is ready. */
PGconn *gc_pg_connector_first(gc_pg_connector_t *self, long timeout_ms);

/* Starts trying again: the connection taken was lost (or given up). */
void gc_pg_connector_again(gc_pg_connector_t *self);

/* Stops the thread; an attempt under way ends first (at most connect_timeout per host). */
void gc_pg_connector_destroy(gc_pg_connector_t **self);

#endif
