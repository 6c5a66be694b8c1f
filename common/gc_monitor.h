/* gc_monitor: why a client socket hears nothing, from libzmq's socket monitor. A ZeroMQ client
 * never sees a refused key or a silent server: libzmq retries quietly and the client just waits.
 * The monitor watches the socket's connection events so the client can say, within seconds,
 * whether the server refused its key, broke off the handshake (the server's key was wrong) or
 * did not answer at all.
 *
 *   gc_monitor_t *m = gc_monitor_new(ctx, socket);   // before zmq_connect
 *   ... zmq_connect(socket, url) ...
 *   if (gc_monitor_poll(m, 0) == GC_MONITOR_AUTH_REFUSED) ... */
#ifndef GC_MONITOR_H
#define GC_MONITOR_H

#include <stdbool.h>
#include <stddef.h>

typedef enum {
    GC_MONITOR_WAITING = 0,      /* nothing yet: not connected */
    GC_MONITOR_READY,            /* a handshake succeeded: the server accepted us */
    GC_MONITOR_AUTH_REFUSED,     /* the server's authentication (ZAP) refused our key (400) */
    GC_MONITOR_HANDSHAKE_FAILED, /* the handshake broke off: the server could not read us
                                  * (wrong server key), or what listens is no ZeroMQ server */
    GC_MONITOR_UNREACHABLE,      /* connections refused: nobody listens at the address */
    GC_MONITOR_PENDING,          /* connected, but the handshake does not finish: a server that
                                  * cannot check keys now (ZAP 300: its database?) says nothing */
} gc_monitor_state_t;

typedef struct gc_monitor gc_monitor_t;

/* Watches socket (in ctx); call it before the socket connects, or the first events are missed.
 * NULL when libzmq cannot monitor (the caller then waits as before). */
gc_monitor_t *gc_monitor_new(void *ctx, void *socket);
/* Stops watching; call it before closing the socket. */
void gc_monitor_destroy(gc_monitor_t **self);

/* Reads the events that came (waiting up to timeout_ms for the first one) and returns what they
 * say so far. The latest conclusive event wins: a key refused after a success means the key
 * was removed meanwhile. */
gc_monitor_state_t gc_monitor_poll(gc_monitor_t *self, int timeout_ms);

/* How many connection attempts failed or broke off so far. */
int gc_monitor_failures(const gc_monitor_t *self);

/* A sentence for a person about state, for the server `server` ("routing") at url: what
 * happened and what to check. */
const char *gc_monitor_explain(gc_monitor_state_t state, const char *server, const char *url,
                               char *out, size_t size);

#endif
