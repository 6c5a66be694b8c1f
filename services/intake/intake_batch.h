/* intake_batch: takes the requests that queued on the intake socket, stores them in one
 * transaction and replies to each only after that transaction committed (group commit). */
#ifndef INTAKE_BATCH_H
#define INTAKE_BATCH_H

#include "gc_geo.h"

#include <libpq-fe.h>
#include <stdbool.h>

#define INTAKE_BATCH_MAX 256

/* Reads up to INTAKE_BATCH_MAX waiting requests from the ROUTER socket, handles them and sends
 * the replies. db may be NULL while the database is unreachable: every valid request then gets
 * an immediate UNAVAILABLE reply. Returns the number of requests read; *db_failed is set when
 * the connection failed (the caller reconnects). */
int intake_batch_run(void *router, PGconn *db, const gc_area_index_t *areas, bool *db_failed);

#endif
