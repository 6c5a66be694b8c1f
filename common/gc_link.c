/* gc_link: the options of gc_link.h, set on a socket. */
#include "gc_link.h"

#include <zmq.h>

static void set(void *socket, int option, int value)
{
    zmq_setsockopt(socket, option, &value, sizeof value);
}

void gc_link_client(void *socket)
{
    set(socket, ZMQ_HEARTBEAT_IVL, GC_LINK_CLIENT_PING_MS);
    set(socket, ZMQ_HEARTBEAT_TIMEOUT, GC_LINK_CLIENT_DEAD_MS);
    set(socket, ZMQ_HEARTBEAT_TTL, GC_LINK_CLIENT_TTL_MS);
    set(socket, ZMQ_RECONNECT_IVL, GC_LINK_RECONNECT_MS);
    set(socket, ZMQ_RECONNECT_IVL_MAX, GC_LINK_RECONNECT_MAX_MS);
    set(socket, ZMQ_CONNECT_TIMEOUT, GC_LINK_CONNECT_MS);
}

void gc_link_server(void *socket)
{
    set(socket, ZMQ_HEARTBEAT_IVL, GC_LINK_SERVER_PING_MS);
    set(socket, ZMQ_HEARTBEAT_TIMEOUT, GC_LINK_SERVER_DEAD_MS);
}
