/* event_publisher: frames are [topic = the case's area code][CaseEvent]; an event a leader
 * must act on goes out again as [topic = "leader/<area>/"][CaseEvent]. */
#include "event_publisher.h"

#include "gc_event.h"
#include "gc_log.h"
#include "gc_msg.h"

#include <stdlib.h>
#include <string.h>

#define PUBLISH_BATCH 1000

struct event_publisher {
    void *pub;
    uint64_t published; /* highest seq sent */
};

event_publisher_t *event_publisher_new(void *pub, PGconn *db)
{
    int64_t last = gc_event_last_seq(db);
    if (last < 0)
        return NULL;
    event_publisher_t *self = calloc(1, sizeof *self);
    if (self) {
        self->pub = pub;
        self->published = (uint64_t)last;
    }
    return self;
}

void event_publisher_destroy(event_publisher_t **self)
{
    free(*self);
    *self = NULL;
}

bool event_publisher_flush(event_publisher_t *self, PGconn *db)
{
    for (;;) {
        PGresult *res = gc_event_load(db, self->published, PUBLISH_BATCH);
        if (!res)
            return false;
        int n = PQntuples(res);
        for (int i = 0; i < n; i++) {
            gc_event_t ev;
            Gridcase__CaseEvent msg;
            gc_event_from_row(res, i, &ev);
            gc_event_to_proto(&ev, &msg);
            /* PUB never blocks; past the high-water mark it drops, and consumers notice the gap
             * in seq and read the log instead */
            gc_msg_send_frame(self->pub, ev.area, strlen(ev.area), true, ZMQ_DONTWAIT);
            gc_msg_send_proto(self->pub, &msg.base, ZMQ_DONTWAIT);
            if (*ev.leader_area) {
                /* "/" closes the code: the community leader's topic is not a prefix of the
                 * topics of the grids below it */
                char topic[160]; /* area codes are at most 64 bytes (gridctl import) */
                int n = snprintf(topic, sizeof topic, "leader/%s/", ev.leader_area);
                if (n > 0 && (size_t)n < sizeof topic) {
                    gc_msg_send_frame(self->pub, topic, (size_t)n, true, ZMQ_DONTWAIT);
                    gc_msg_send_proto(self->pub, &msg.base, ZMQ_DONTWAIT);
                }
            }
            self->published = ev.seq;
        }
        PQclear(res);
        if (n < PUBLISH_BATCH)
            return true;
    }
}
