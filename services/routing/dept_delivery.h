/* dept_delivery: credited delivery of routed cases to the connected departments. A department
 * subscribes with the last delivery it holds and a credit; each pump sends every connection its
 * next deliveries from the database, in order, never more than its credit unacknowledged, and
 * after a reconnect resends from the client's position. Acknowledgements are recorded in the
 * database before they free credit. */
#ifndef DEPT_DELIVERY_H
#define DEPT_DELIVERY_H

#include "dept.pb-c.h"
#include "dept_peers.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

/* Registers the delivery read (gc_delivery_windows, with gc_pg_register); call once before
 * connecting. */
void dept_delivery_register(void);

/* A subscription (or a keepalive: the same message again) from the connection with routing id
 * id, authenticated as department: checks its credit (1-1000) and its position against the
 * department's deliveries and enters or updates its peer. A refusal goes back as an Error on router. False when the database
 * failed. */
bool dept_delivery_subscribe(void *router, dept_peers_t *peers, PGconn *db, const void *id,
                             size_t size, const char *department, const Gridcase__DeptSubscribe *s);

/* Notes an acknowledgement, to be recorded by dept_delivery_record_acks. A refusal (no
 * subscription, beyond what was sent) goes back as an Error on router. */
void dept_delivery_ack(void *router, dept_peers_t *peers, const void *id, size_t size,
                       const Gridcase__DeptAck *a);

/* Records every acknowledgement noted since the last call in one statement (gc_record_acks);
 * only then do they free credit. False when the database failed. */
bool dept_delivery_record_acks(dept_peers_t *peers, PGconn *db);

/* Drops the silent connections and sends each of the others what its credit allows. False when
 * the database failed. */
bool dept_delivery_pump(void *router, dept_peers_t *peers, PGconn *db);

#endif
