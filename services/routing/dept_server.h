/* dept_server: the department socket (ROUTER). Reads each message a department sent, tells who
 * sent it by its CURVE key, and hands it on: subscriptions and acknowledgements to credited
 * delivery (dept_delivery), actions and inspection reports to dept_actions. Holds the table of
 * connected departments (dept_peers). */
#ifndef DEPT_SERVER_H
#define DEPT_SERVER_H

#include <libpq-fe.h>
#include <stdbool.h>

typedef struct dept_server dept_server_t;

/* Registers the delivery read (gc_pg_register); call once before connecting. */
void dept_server_register(void);

/* NULL when out of memory. */
dept_server_t *dept_server_new(void *router);
void dept_server_destroy(dept_server_t **self);

/* Handles every message waiting on the socket, records the acknowledgements and pumps. False
 * when the database failed. */
bool dept_server_handle(dept_server_t *self, PGconn *db);

/* Sends each subscribed department what its credit allows. False when the database failed. */
bool dept_server_pump(dept_server_t *self, PGconn *db);

#endif
