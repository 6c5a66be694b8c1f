/* gc_monitor: a PAIR socket receiving the events zmq_socket_monitor publishes for the watched
 * socket. Each event is two frames: 6 bytes (uint16 event, uint32 value, host order) and the
 * endpoint. */
#include "gc_monitor.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

struct gc_monitor {
    void *watched, *pair;
    gc_monitor_state_t state;
    bool in_handshake; /* connected, handshake not finished */
    bool connected;    /* a connection was made once: somebody listens */
    int failures;
};

#define EVENTS                                                                                    \
    (ZMQ_EVENT_CONNECTED | ZMQ_EVENT_CONNECT_RETRIED | ZMQ_EVENT_DISCONNECTED                     \
     | ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH                            \
     | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL)

gc_monitor_t *gc_monitor_new(void *ctx, void *socket)
{
    char endpoint[64];
    /* one name per watched socket in this context */
    snprintf(endpoint, sizeof endpoint, "inproc://gc-monitor-%p", socket);
    if (zmq_socket_monitor(socket, endpoint, EVENTS) != 0)
        return NULL;
    void *pair = zmq_socket(ctx, ZMQ_PAIR);
    /* no limit on the events waiting: libzmq's monitor sends them blocking, so a full pipe
     * would stall the watched socket's I/O thread (a client that reconnects all day and polls
     * seldom); gc_monitor_poll drains them */
    int linger = 0, unlimited = 0;
    if (!pair || zmq_setsockopt(pair, ZMQ_LINGER, &linger, sizeof linger) != 0
        || zmq_setsockopt(pair, ZMQ_RCVHWM, &unlimited, sizeof unlimited) != 0
        || zmq_connect(pair, endpoint) != 0) {
        if (pair)
            zmq_close(pair);
        zmq_socket_monitor(socket, NULL, 0);
        return NULL;
    }
    gc_monitor_t *self = calloc(1, sizeof *self);
    if (!self) {
        zmq_close(pair);
        zmq_socket_monitor(socket, NULL, 0);
        return NULL;
    }
    self->watched = socket;
    self->pair = pair;
    return self;
}

void gc_monitor_destroy(gc_monitor_t **self)
{
    if (!*self)
        return;
    zmq_socket_monitor((*self)->watched, NULL, 0); /* stops the monitor's own socket */
    zmq_close((*self)->pair);
    free(*self);
    *self = NULL;
}

static void apply(gc_monitor_t *self, uint16_t event, uint32_t value)
{
    switch (event) {
    case ZMQ_EVENT_CONNECTED:
        self->in_handshake = true;
        self->connected = true;
        if (self->state == GC_MONITOR_UNREACHABLE) /* somebody listens now */
            self->state = GC_MONITOR_WAITING;
        break;
    case ZMQ_EVENT_HANDSHAKE_SUCCEEDED:
        self->in_handshake = false;
        self->state = GC_MONITOR_READY;
        break;
    case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
        self->in_handshake = false;
        self->failures++;
        if (value >= 400)
            self->state = GC_MONITOR_AUTH_REFUSED;
        break;
    case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
    case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL:
        self->in_handshake = false;
        self->failures++;
        /* after a success the server's key is known good: a server killed mid-handshake */
        if (self->state == GC_MONITOR_WAITING)
            self->state = GC_MONITOR_HANDSHAKE_FAILED;
        break;
    case ZMQ_EVENT_DISCONNECTED:
        /* closed before the handshake finished: a CURVE server that cannot read our hello
         * (wrong server key) closes without a word, and so does what is no ZeroMQ server;
         * which of the two shows as HANDSHAKE_FAILED_* first depends on timing */
        if (self->in_handshake) {
            self->failures++;
            if (self->state == GC_MONITOR_WAITING)
                self->state = GC_MONITOR_HANDSHAKE_FAILED;
        }
        self->in_handshake = false;
        break;
    case ZMQ_EVENT_CONNECT_RETRIED:
        /* after a refused connection, or after any of the above: only the first is news */
        if (!self->connected && self->state == GC_MONITOR_WAITING) {
            self->failures++;
            self->state = GC_MONITOR_UNREACHABLE;
        }
        break;
    default:
        break;
    }
}

gc_monitor_state_t gc_monitor_poll(gc_monitor_t *self, int timeout_ms)
{
    if (!self)
        return GC_MONITOR_WAITING;
    zmq_pollitem_t item = {self->pair, 0, ZMQ_POLLIN, 0};
    for (int wait = timeout_ms; zmq_poll(&item, 1, wait) > 0; wait = 0) {
        zmq_msg_t head, addr;
        zmq_msg_init(&head);
        zmq_msg_init(&addr);
        if (zmq_msg_recv(&head, self->pair, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&head);
            zmq_msg_close(&addr);
            break;
        }
        bool more = zmq_msg_more(&head);
        if (more)
            zmq_msg_recv(&addr, self->pair, 0);
        if (zmq_msg_size(&head) == 6) {
            uint16_t event;
            uint32_t value;
            memcpy(&event, zmq_msg_data(&head), sizeof event);
            memcpy(&value, (const char *)zmq_msg_data(&head) + 2, sizeof value);
            apply(self, event, value);
        }
        zmq_msg_close(&head);
        zmq_msg_close(&addr);
    }
    /* a server whose ZAP handler answers 300 ("try later") sends nothing at all */
    if (self->state == GC_MONITOR_WAITING && self->in_handshake)
        return GC_MONITOR_PENDING;
    return self->state;
}

int gc_monitor_failures(const gc_monitor_t *self)
{
    return self ? self->failures : 0;
}

const char *gc_monitor_explain(gc_monitor_state_t state, const char *server, const char *url,
                               char *out, size_t size)
{
    switch (state) {
    case GC_MONITOR_READY:
        snprintf(out, size, "connected to %s at %s", server, url);
        break;
    case GC_MONITOR_AUTH_REFUSED:
        snprintf(out, size, "authentication refused by %s at %s (unknown key?)", server, url);
        break;
    case GC_MONITOR_HANDSHAKE_FAILED:
        snprintf(out, size,
                 "%s at %s broke off the CURVE handshake (wrong server key? it must be %s's "
                 "public key; or another program listens at that address)",
                 server, url, server);
        break;
    case GC_MONITOR_PENDING:
        snprintf(out, size,
                 "%s at %s took the connection but does not finish the handshake (can it reach "
                 "its database?)",
                 server, url);
        break;
    case GC_MONITOR_UNREACHABLE:
        snprintf(out, size,
                 "no answer from %s at %s (is the stack up? `make up`, then `. var/env`)", server,
                 url);
        break;
    case GC_MONITOR_WAITING:
        snprintf(out, size, "no connection to %s at %s yet (is the address right? is the stack up?)",
                 server, url);
        break;
    }
    return out;
}
