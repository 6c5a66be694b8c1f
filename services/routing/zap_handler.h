/* zap_handler: ZeroMQ authentication (ZAP, RFC 27) for the department socket. libzmq asks it
 * about every CURVE connection; it answers 200 with the department's code as the User-Id when
 * the client's public key belongs to a department (departments.public_key), else 400. It must
 * be bound before the department socket binds: with a ZAP domain set and no handler, libzmq 4.3
 * lets every client in. */
#ifndef ZAP_HANDLER_H
#define ZAP_HANDLER_H

#include <libpq-fe.h>

typedef struct zap_handler zap_handler_t;

zap_handler_t *zap_handler_new(void *ctx);
void zap_handler_destroy(zap_handler_t **self);

/* The socket to poll for requests. */
void *zap_handler_socket(zap_handler_t *self);

/* Answers every waiting request. db may be NULL (database down): clients get 300, retry. */
void zap_handler_handle(zap_handler_t *self, PGconn *db);

#endif
