/* intake_batch: takes the requests that queued on the intake socket, stores them in one
 * transaction and replies to each only after that transaction committed. */
#ifndef INTAKE_BATCH_H
#define INTAKE_BATCH_H

#include <libpq-fe.h>
#include <stdbool.h>

#define INTAKE_BATCH_MAX 256

/* Reads up to INTAKE_BATCH_MAX waiting requests from the ROUTER socket, handles them and sends
 * the replies. Returns the number of requests handled; *db_failed is set when the database
 * connection failed (the requests got UNAVAILABLE replies and the caller should reconnect). */
int intake_batch_run(void *router, PGconn *db, bool *db_failed);

#endif
