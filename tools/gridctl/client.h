/* client: gridctl's request/reply over ZeroMQ (DEALER socket, reply timeout, retries). */
#ifndef GRIDCTL_CLIENT_H
#define GRIDCTL_CLIENT_H

#include "intake.pb-c.h"

#include <stddef.h>

/* A random token of 32 hex characters (idempotency keys, request ids). */
void client_token(char out[33]);

/* Sends the request to intake and waits for the reply; resends up to `attempts` times when no
 * reply comes within timeout_ms (safe only for idempotent requests). NULL (after a message on
 * stderr) when no reply came. Free with gridcase__intake_reply__free_unpacked. */
Gridcase__IntakeReply *client_intake(const char *url, Gridcase__IntakeRequest *req, int timeout_ms,
                                     int attempts);

#endif
