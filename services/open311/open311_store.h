/* open311_store: gc-open311's way to the database and to intake, and what it reads there.
 *
 * HTTP requests run on a thread each (libmicrohttpd); each takes one of a few lanes for the
 * time it needs them. A lane owns a database connection (as the role gridcase_open311, which
 * reads cases only through the view open311_requests: no reporter column) and a DEALER socket
 * to intake (a CurveZMQ client with the gateway's own key when GC_INTAKE_SERVER_KEY is set).
 * Both are made when first needed and made again after a failure, so the gateway starts and
 * keeps serving discovery while the database or intake are away. A lane is used by one thread
 * at a time (the pool's mutex hands it over, which is the barrier a ZeroMQ socket needs to move
 * between threads). Cost: a lane's connection per lane; OPEN311_LANES bounds the database
 * sessions the gateway holds and the submissions in flight to intake. */
#ifndef OPEN311_STORE_H
#define OPEN311_STORE_H

#include "gc_config.h"
#include "intake.pb-c.h"

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>

/* 4 lanes gave 181 posts/s on the benchmark's machine, 16 gave 238: intake commits together what
 * arrives together, so more submissions in flight are cheaper each. */
#define OPEN311_LANES 16

typedef struct open311_store open311_store_t;
typedef struct open311_lane open311_lane_t;

open311_store_t *open311_store_new(const gc_config_t *cfg, void *zmq_ctx);
void open311_store_destroy(open311_store_t **self);

/* Waits for a free lane. */
open311_lane_t *open311_lane_take(open311_store_t *self);
void open311_lane_give(open311_store_t *self, open311_lane_t *lane);

/* The lane's database connection, connecting once when it has none; NULL when the database
 * cannot be reached now (logged). The session's time zone is the district's. */
PGconn *open311_lane_db(open311_lane_t *lane);

/* After a failed statement: drops the connection if it is broken, so the next use reconnects. */
void open311_lane_check(open311_lane_t *lane);

/* Sends the submission to intake and waits for its reply (timeout_ms, one resend on a fresh
 * socket: a submission is idempotent by its key). NULL when intake did not answer. Free with
 * gridcase__intake_reply__free_unpacked. */
Gridcase__IntakeReply *open311_lane_submit(open311_lane_t *lane, Gridcase__SubmitCase *submit,
                                           int timeout_ms);

/* The district: its code (the jurisdiction_id) and name. False when the database cannot say. */
bool open311_district(open311_lane_t *lane, char code[65], char name[256]);

#endif
