/* client: gridctl's request/reply over ZeroMQ (DEALER socket, reply timeout, retries). */
#ifndef GRIDCTL_CLIENT_H
#define GRIDCTL_CLIENT_H

#include "gc_config.h"
#include "intake.pb-c.h"

#include <stddef.h>

/* A random token of 32 hex characters (idempotency keys, request ids). */
void client_token(char out[33]);

/* Sends the request to intake and waits for the reply; resends up to `attempts` times when no
 * reply comes within timeout_ms (safe only for idempotent requests). NULL (after a message on
 * stderr) when no reply came. Free with gridcase__intake_reply__free_unpacked. */
Gridcase__IntakeReply *client_intake(const gc_config_t *cfg, Gridcase__IntakeRequest *req,
                                     int timeout_ms, int attempts);

/* A socket connected to url: a CURVE client of server_key with GC_CLIENT_KEY_FILE's key when
 * server_key is set (GC_INTAKE_SERVER_KEY, GC_STATS_SERVER_KEY), else plain. NULL after a
 * message. */
void *client_socket(void *ctx, int type, const char *url, const char *server_key,
                    const gc_config_t *cfg);

#endif
