/* gc_zap: ZeroMQ authentication (ZAP, RFC 27) for every CURVE server socket of a process.
 * libzmq asks it about each new CURVE connection, naming the socket's ZAP domain; it answers
 * 200 with the client's name as the User-Id when the client's public key may use that socket,
 * else 400:
 *   departments  a department's key (departments.public_key); the User-Id is its code, and
 *                routing takes the department's identity from it alone
 *   intake, events, stats
 *                a registered client's key whose sockets include the domain (socket_clients,
 *                gridctl client add); the User-Id is the client's name, and on the intake
 *                socket the connection's metadata "X-May-Send" and "X-Areas" are the client's
 *                scope (socket_clients.may_send, areas; "" for the whole district)
 * It must be bound before any CURVE socket binds: with a ZAP domain set and no handler, libzmq
 * 4.3 lets every client in. A key removed from the database is refused at its next connection;
 * connections already made stay until they close. */
#ifndef GC_ZAP_H
#define GC_ZAP_H

#include <libpq-fe.h>

#define GC_ZAP_DOMAIN_DEPARTMENTS "departments"
#define GC_ZAP_DOMAIN_INTAKE "intake"
#define GC_ZAP_DOMAIN_EVENTS "events"
#define GC_ZAP_DOMAIN_STATS "stats"

typedef struct gc_zap gc_zap_t;

/* Binds the handler in ctx (one per context). NULL with a logged error. */
gc_zap_t *gc_zap_new(void *ctx);
void gc_zap_destroy(gc_zap_t **self);

/* The socket to poll for requests. */
void *gc_zap_socket(gc_zap_t *self);

/* Answers every waiting request. db may be NULL (database down): clients get 300 and libzmq
 * lets them try again. */
void gc_zap_handle(gc_zap_t *self, PGconn *db);

#endif
