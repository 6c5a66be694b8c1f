/* zap_handler: request [version, request id, domain, address, identity, mechanism, key] ->
 * reply [version, request id, status code, status text, user id, metadata]. */
#include "zap_handler.h"

#include "gc_log.h"
#include "gc_msg.h"
#include "gc_pg.h"

#include <stdlib.h>
#include <string.h>

#define ZAP_FRAMES 7

struct zap_handler {
    void *socket;
};

zap_handler_t *zap_handler_new(void *ctx)
{
    void *s = gc_msg_socket(ctx, ZMQ_REP, "inproc://zeromq.zap.01", true, 0);
    if (!s)
        return NULL;
    zap_handler_t *self = calloc(1, sizeof *self);
    self->socket = s;
    return self;
}

void zap_handler_destroy(zap_handler_t **self)
{
    if (*self) {
        zmq_close((*self)->socket);
        free(*self);
        *self = NULL;
    }
}

void *zap_handler_socket(zap_handler_t *self)
{
    return self->socket;
}

/* The department whose public key this is, into dept; 1 found, 0 not, -1 database failure. */
static int department_of(PGconn *db, const unsigned char key[32], char dept[65])
{
    char z85[41];
    zmq_z85_encode(z85, key, 32);
    const char *params[] = {z85};
    PGresult *res = gc_pg_query(db, "department by key",
                                "SELECT code FROM departments WHERE public_key = $1", 1, params);
    int found = gc_pg_ok(res) ? PQntuples(res) == 1 : -1;
    if (found == 1)
        snprintf(dept, 65, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    return found;
}

static void answer(zap_handler_t *self, const void *request_id, size_t id_size,
                   const char *status, const char *text, const char *user)
{
    gc_msg_send_frame(self->socket, "1.0", 3, true, 0);
    gc_msg_send_frame(self->socket, request_id, id_size, true, 0);
    gc_msg_send_frame(self->socket, status, 3, true, 0);
    gc_msg_send_frame(self->socket, text, strlen(text), true, 0);
    gc_msg_send_frame(self->socket, user, strlen(user), true, 0);
    gc_msg_send_frame(self->socket, "", 0, false, 0);
}

void zap_handler_handle(zap_handler_t *self, PGconn *db)
{
    zmq_msg_t part[ZAP_FRAMES];
    for (;;) {
        /* ZAP requests have 7 frames, more than gc_frames_t keeps: read them here */
        int n = 0;
        bool more = true;
        while (more) {
            zmq_msg_t m;
            zmq_msg_init(&m);
            if (zmq_msg_recv(&m, self->socket, n == 0 ? ZMQ_DONTWAIT : 0) < 0) {
                zmq_msg_close(&m);
                for (int i = 0; i < n && i < ZAP_FRAMES; i++)
                    zmq_msg_close(&part[i]);
                return;
            }
            more = zmq_msg_more(&m);
            if (n < ZAP_FRAMES)
                part[n] = m;
            else
                zmq_msg_close(&m);
            n++;
        }
        const char *mechanism = n >= 6 ? zmq_msg_data(&part[5]) : "";
        bool curve = n == ZAP_FRAMES && zmq_msg_size(&part[5]) == 5
                     && memcmp(mechanism, "CURVE", 5) == 0 && zmq_msg_size(&part[6]) == 32;
        char dept[65] = "";
        int found = curve && db ? department_of(db, zmq_msg_data(&part[6]), dept) : 0;
        const void *rid = n >= 2 ? zmq_msg_data(&part[1]) : "";
        size_t rid_size = n >= 2 ? zmq_msg_size(&part[1]) : 0;
        if (found == 1) {
            answer(self, rid, rid_size, "200", "OK", dept);
            gc_log_info("department %s authenticated", dept);
        } else if (curve && (!db || found < 0)) {
            answer(self, rid, rid_size, "300", "database unavailable, retry", "");
        } else {
            answer(self, rid, rid_size, "400", "unknown key", "");
            gc_log_info("department connection refused: unknown key");
        }
        for (int i = 0; i < n && i < ZAP_FRAMES; i++)
            zmq_msg_close(&part[i]);
    }
}
