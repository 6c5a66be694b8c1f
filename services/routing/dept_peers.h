/* dept_peers: the department clients connected to the department socket, one entry per
 * connection (its ZeroMQ routing id): which department it is, how far its deliveries have gone
 * and its credit. A fixed table: when full, a new connection evicts the one heard from least
 * recently; a connection silent for DEPT_PEERS_TIMEOUT_MS is dropped. */
#ifndef DEPT_PEERS_H
#define DEPT_PEERS_H

#include "gc_case_check.h"
#include "gc_link.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DEPT_PEERS_MAX 256
#define DEPT_PEERS_MAX_ID 256          /* bytes of a routing id the table can hold */
/* Clients resubscribe every 2 s while idle (proto/README.md), so a connection is forgotten after
 * about five keepalives lost in a row; the same limit as the transport's own (gc_link), so
 * routing never keeps an entry for a connection ZeroMQ has already closed. */
#define DEPT_PEERS_TIMEOUT_MS GC_LINK_SERVER_DEAD_MS

typedef struct {
    unsigned char id[DEPT_PEERS_MAX_ID]; /* ZeroMQ routing id of the client's connection */
    size_t id_size;
    char department[GC_CASE_MAX_CODE + 1];
    uint64_t sent;  /* highest delivery seq sent on this connection */
    uint64_t acked; /* highest delivery seq the client confirmed, recorded in the database */
    uint64_t ack_received; /* highest seq the client acknowledged; above acked until recorded */
    uint32_t credit;
    bool blocked;   /* the last send found its queue full (EAGAIN); logged once per episode */
    long last_heard; /* gc_clock_monotonic_ms() of the last message from this connection */
} dept_peer_t;

typedef struct dept_peers dept_peers_t;

dept_peers_t *dept_peers_new(void);
void dept_peers_destroy(dept_peers_t **self);

/* The entries are 0 .. count - 1; dept_peers_at(self, i) is entry i. */
int dept_peers_count(const dept_peers_t *self);
dept_peer_t *dept_peers_at(dept_peers_t *self, int i);

/* The entry of the connection with this routing id, or NULL. */
dept_peer_t *dept_peers_find(dept_peers_t *self, const void *id, size_t size);

/* A new entry, all zero but for the routing id (size <= DEPT_PEERS_MAX_ID) and department. When
 * the table is full, the entry heard from least recently is dropped to make room. */
dept_peer_t *dept_peers_add(dept_peers_t *self, const void *id, size_t size,
                            const char *department);

/* Drops an entry, logging why. The last entry moves into its place: the entries before it keep
 * their indexes, so a caller dropping by index goes from the back. */
void dept_peers_drop(dept_peers_t *self, dept_peer_t *p, const char *why);

/* Drops the entries not heard from for DEPT_PEERS_TIMEOUT_MS before now (monotonic ms). */
void dept_peers_expire(dept_peers_t *self, long now);

#endif
