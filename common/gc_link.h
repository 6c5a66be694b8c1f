/* gc_link: ZeroMQ options for links that cross a city's network, where a packet may take
 * 200 ms +- 100 ms each way, be lost, or a link be cut for minutes. ZeroMQ's defaults suit a
 * LAN: no heartbeats (a cut link keeps a dead TCP connection that the kernel retries with
 * growing gaps, so a client hears nothing for up to a minute after the link is back) and the
 * kernel's two-minute connect timeout. proto/README.md gives integrators the same numbers. */
#ifndef GC_LINK_H
#define GC_LINK_H

/* A client pings every GC_LINK_CLIENT_PING_MS and takes the connection for dead after
 * GC_LINK_CLIENT_DEAD_MS without any traffic (8 round trips of the worst link above), then
 * connects again: first after GC_LINK_RECONNECT_MS, doubling up to GC_LINK_RECONNECT_MAX_MS
 * (a thousand clients coming back after an outage spread out; one is back within 4 s of the
 * link). A connection attempt is given up after GC_LINK_CONNECT_MS. The server is told to drop
 * the connection after GC_LINK_CLIENT_TTL_MS without pings. */
#define GC_LINK_CLIENT_PING_MS 1000
#define GC_LINK_CLIENT_DEAD_MS 5000
#define GC_LINK_CLIENT_TTL_MS 10000
#define GC_LINK_RECONNECT_MS 250
#define GC_LINK_RECONNECT_MAX_MS 4000
#define GC_LINK_CONNECT_MS 3000
/* A server pings each connection every GC_LINK_SERVER_PING_MS and closes one silent for
 * GC_LINK_SERVER_DEAD_MS, with what was queued for it: nothing piles up for a peer that is
 * gone. Clients that never ping (older libzmq, ZMTP 3.0) still answer these pings. */
#define GC_LINK_SERVER_PING_MS 2000
#define GC_LINK_SERVER_DEAD_MS 10000

/* Before zmq_connect: heartbeats, reconnect back-off and connect timeout of a client. */
void gc_link_client(void *socket);

/* Before zmq_bind (each connection takes the options the socket had then): heartbeats. */
void gc_link_server(void *socket);

#endif
