/* dept_peers: a fixed array of connections, searched by routing id. A linear search: at most
 * DEPT_PEERS_MAX entries, one search per message, cheaper than keeping an index. */
#include "dept_peers.h"

#include "gc_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct dept_peers {
    dept_peer_t peers[DEPT_PEERS_MAX];
    int count;
};

dept_peers_t *dept_peers_new(void)
{
    return calloc(1, sizeof(dept_peers_t));
}

void dept_peers_destroy(dept_peers_t **self)
{
    free(*self);
    *self = NULL;
}

int dept_peers_count(const dept_peers_t *self)
{
    return self->count;
}

dept_peer_t *dept_peers_at(dept_peers_t *self, int i)
{
    return &self->peers[i];
}

dept_peer_t *dept_peers_find(dept_peers_t *self, const void *id, size_t size)
{
    for (int i = 0; i < self->count; i++)
        if (self->peers[i].id_size == size && memcmp(self->peers[i].id, id, size) == 0)
            return &self->peers[i];
    return NULL;
}

void dept_peers_drop(dept_peers_t *self, dept_peer_t *p, const char *why)
{
    gc_log_info("department %s dropped: %s", p->department, why);
    *p = self->peers[--self->count];
}

dept_peer_t *dept_peers_add(dept_peers_t *self, const void *id, size_t size,
                            const char *department)
{
    if (self->count == DEPT_PEERS_MAX) {
        dept_peer_t *stalest = &self->peers[0];
        for (int i = 1; i < self->count; i++)
            if (self->peers[i].last_heard < stalest->last_heard)
                stalest = &self->peers[i];
        dept_peers_drop(self, stalest, "peer table full, least recently heard");
    }
    dept_peer_t *p = &self->peers[self->count++];
    memset(p, 0, sizeof *p);
    memcpy(p->id, id, size);
    p->id_size = size;
    snprintf(p->department, sizeof p->department, "%s", department);
    return p;
}

void dept_peers_expire(dept_peers_t *self, long now)
{
    for (int i = 0; i < self->count;) {
        if (now - self->peers[i].last_heard > DEPT_PEERS_TIMEOUT_MS)
            dept_peers_drop(self, &self->peers[i], "silent connection");
        else
            i++;
    }
}
