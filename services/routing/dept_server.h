/* dept_server: the department socket (ROUTER). Departments subscribe with the last delivery
 * they hold and a credit; the server streams their deliveries from the database in order, never
 * more than the credit unacknowledged, and resends from the client's position after a
 * reconnect. Departments' actions (accept, progress, resolve, return, inspection reports) come
 * back on the same socket and are answered after commit. */
#ifndef DEPT_SERVER_H
#define DEPT_SERVER_H

#include <libpq-fe.h>
#include <stdbool.h>

typedef struct dept_server dept_server_t;

/* Registers the delivery read (gc_pg_register); call once before connecting. */
void dept_server_register(void);

dept_server_t *dept_server_new(void *router);
void dept_server_destroy(dept_server_t **self);

/* Handles every message waiting on the socket. False when the database failed. */
bool dept_server_handle(dept_server_t *self, PGconn *db);

/* Sends each subscribed department what its credit allows. False when the database failed. */
bool dept_server_pump(dept_server_t *self, PGconn *db);

#endif
