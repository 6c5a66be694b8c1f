/* dept_server: one message at a time from the department socket, dispatched by its kind. */
#include "dept_server.h"

#include "dept_actions.h"
#include "dept_decode.h"
#include "dept_delivery.h"
#include "dept_peers.h"
#include "dept_send.h"
#include "gc_msg.h"

#include <stdlib.h>

struct dept_server {
    void *router;
    dept_peers_t *peers;
};

void dept_server_register(void)
{
    dept_delivery_register();
}

dept_server_t *dept_server_new(void *router)
{
    dept_server_t *self = calloc(1, sizeof *self);
    if (self) {
        self->router = router;
        self->peers = dept_peers_new();
    }
    if (self && !self->peers)
        dept_server_destroy(&self);
    return self;
}

void dept_server_destroy(dept_server_t **self)
{
    if (*self)
        dept_peers_destroy(&(*self)->peers);
    free(*self);
    *self = NULL;
}

bool dept_server_pump(dept_server_t *self, PGconn *db)
{
    return dept_delivery_pump(self->router, self->peers, db);
}

static bool handle_one(dept_server_t *self, PGconn *db, gc_frames_t *f)
{
    const void *id = gc_frames_data(f, 0);
    size_t size = gc_frames_size(f, 0);
    if (f->truncated || f->count != 2) {
        dept_send_error(self->router, id, size, GRIDCASE__ERROR_CODE__ERROR_CODE_MALFORMED,
                        "expected one frame: DeptClientMsg");
        return true;
    }
    /* who the client is comes from its CURVE key (ZAP User-Id), never from what it says */
    const char *department = gc_frames_user_id(f, 1);
    if (!department || !*department) {
        dept_send_error(self->router, id, size,
                        GRIDCASE__ERROR_CODE__ERROR_CODE_INVALID_ARGUMENT, "not authenticated");
        return true;
    }
    int error;
    const char *why = NULL;
    char why_buf[GC_CASE_WHY_SIZE];
    Gridcase__DeptClientMsg *m =
        dept_decode(gc_frames_data(f, 1), gc_frames_size(f, 1), &error, &why, why_buf);
    if (!m) {
        dept_send_error(self->router, id, size, error, why);
        return true;
    }
    bool ok = true;
    switch (m->body_case) {
    case GRIDCASE__DEPT_CLIENT_MSG__BODY_SUBSCRIBE:
        /* the acknowledgements before it first: from_acked means "after what I acknowledged" */
        ok = dept_delivery_record_acks(self->peers, db)
             && dept_delivery_subscribe(self->router, self->peers, db, id, size, department,
                                        m->subscribe);
        break;
    case GRIDCASE__DEPT_CLIENT_MSG__BODY_ACK:
        dept_delivery_ack(self->router, self->peers, id, size, m->ack);
        break;
    case GRIDCASE__DEPT_CLIENT_MSG__BODY_ACTION: {
        char *claimed = m->action->department; /* put back below, for free_unpacked */
        m->action->department = (char *)department;
        ok = dept_actions_handle(self->router, db, id, size, m->action->request_id,
                                 m->action->case_ref, m->action, NULL, error, why);
        m->action->department = claimed;
        break;
    }
    default: { /* an inspection report: dept_decode returns no other kind */
        char *claimed = m->inspection->department;
        m->inspection->department = (char *)department;
        ok = dept_actions_handle(self->router, db, id, size, m->inspection->request_id, NULL,
                                 NULL, m->inspection, error, why);
        m->inspection->department = claimed;
        break;
    }
    }
    gridcase__dept_client_msg__free_unpacked(m, NULL);
    return ok;
}

bool dept_server_handle(dept_server_t *self, PGconn *db)
{
    bool ok = true;
    gc_frames_t f;
    while (ok && gc_frames_recv(self->router, &f, ZMQ_DONTWAIT) == 0) {
        ok = handle_one(self, db, &f);
        gc_frames_close(&f);
    }
    return ok && dept_delivery_record_acks(self->peers, db) && dept_server_pump(self, db);
}
