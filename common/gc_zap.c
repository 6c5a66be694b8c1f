/* gc_zap: request [version, request id, domain, address, identity, mechanism, key] ->
 * reply [version, request id, status code, status text, user id, metadata]. */
#include "gc_zap.h"

#include "gc_log.h"
#include "gc_msg.h"
#include "gc_pg.h"

#include <stdlib.h>
#include <string.h>

#define ZAP_FRAMES 7
#define MAX_DOMAIN 32

struct gc_zap {
    void *socket;
};

gc_zap_t *gc_zap_new(void *ctx)
{
    void *s = gc_msg_socket(ctx, ZMQ_REP, "inproc://zeromq.zap.01", true, 0);
    if (!s)
        return NULL;
    gc_zap_t *self = calloc(1, sizeof *self);
    self->socket = s;
    return self;
}

void gc_zap_destroy(gc_zap_t **self)
{
    if (*self) {
        zmq_close((*self)->socket);
        free(*self);
        *self = NULL;
    }
}

void *gc_zap_socket(gc_zap_t *self)
{
    return self->socket;
}

#define MAX_SCOPE 4096 /* the application's areas, as a comma-separated list */

/* Who holds this public key, into name: 1 when they may use the domain's socket, 0 when nobody
 * holds it (*known false) or its holder may not (*known true), -1 when the database failed.
 * A client's scope goes into may_send and areas (socket_clients; "" for departments). */
static int client_of(PGconn *db, const char *domain, const unsigned char key[32], char name[65],
                     bool *known, char may_send[64], char areas[MAX_SCOPE])
{
    char z85[41];
    zmq_z85_encode(z85, key, 32);
    const char *params[] = {z85, domain};
    PGresult *res =
        strcmp(domain, GC_ZAP_DOMAIN_DEPARTMENTS) == 0
            ? gc_pg_query(db, "department by key",
                          "SELECT code, true, '', '' FROM departments WHERE public_key = $1",
                          1, params)
            : gc_pg_query(db, "client by key",
                          "SELECT name, $2 = ANY (sockets), array_to_string(may_send, ','), "
                          "coalesce(array_to_string(areas, ','), '') FROM socket_clients "
                          "WHERE public_key = $1",
                          2, params);
    int found = -1;
    if (gc_pg_ok(res)) {
        *known = PQntuples(res) == 1;
        if (*known) {
            snprintf(name, 65, "%s", PQgetvalue(res, 0, 0));
            snprintf(may_send, 64, "%s", PQgetvalue(res, 0, 2));
            snprintf(areas, MAX_SCOPE, "%s", PQgetvalue(res, 0, 3));
        }
        found = *known && strcmp(PQgetvalue(res, 0, 1), "t") == 0;
    }
    PQclear(res);
    return found;
}

/* Appends one ZMTP metadata property (name length, name, 4-byte value length, value). */
static size_t property(unsigned char *out, const char *name, const char *value)
{
    size_t n = strlen(name), v = strlen(value);
    out[0] = (unsigned char)n;
    memcpy(out + 1, name, n);
    out[1 + n] = (unsigned char)(v >> 24);
    out[2 + n] = (unsigned char)(v >> 16);
    out[3 + n] = (unsigned char)(v >> 8);
    out[4 + n] = (unsigned char)v;
    memcpy(out + 5 + n, value, v);
    return 5 + n + v;
}

/* The reply; a client's scope (may_send, areas: NULL for none) goes as the connection's
 * metadata, which every message it sends carries (zmq_msg_gets "X-May-Send", "X-Areas"). */
static void answer(gc_zap_t *self, const void *request_id, size_t id_size, const char *status,
                   const char *text, const char *user, const char *may_send, const char *areas)
{
    static unsigned char meta[2 * 16 + 64 + MAX_SCOPE];
    size_t size = 0;
    if (may_send) {
        size += property(meta + size, "X-May-Send", may_send);
        size += property(meta + size, "X-Areas", areas);
    }
    gc_msg_send_frame(self->socket, "1.0", 3, true, 0);
    gc_msg_send_frame(self->socket, request_id, id_size, true, 0);
    gc_msg_send_frame(self->socket, status, 3, true, 0);
    gc_msg_send_frame(self->socket, text, strlen(text), true, 0);
    gc_msg_send_frame(self->socket, user, strlen(user), true, 0);
    gc_msg_send_frame(self->socket, meta, size, false, 0);
}

/* Reads one request's frames (ZAP has 7, more than gc_frames_t keeps). Returns how many there
 * were (the first ZAP_FRAMES are in part), or 0 when none was waiting. */
static int receive(gc_zap_t *self, zmq_msg_t part[ZAP_FRAMES])
{
    int n = 0;
    for (bool more = true; more; n++) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, self->socket, n == 0 ? ZMQ_DONTWAIT : 0) < 0) {
            zmq_msg_close(&m);
            for (int i = 0; i < n && i < ZAP_FRAMES; i++)
                zmq_msg_close(&part[i]);
            return 0;
        }
        more = zmq_msg_more(&m);
        if (n < ZAP_FRAMES)
            part[n] = m;
        else
            zmq_msg_close(&m);
    }
    return n;
}

void gc_zap_handle(gc_zap_t *self, PGconn *db)
{
    zmq_msg_t part[ZAP_FRAMES];
    for (int n; (n = receive(self, part)) > 0;) {
        char domain[MAX_DOMAIN + 1] = "";
        if (n >= 3 && zmq_msg_size(&part[2]) <= MAX_DOMAIN)
            memcpy(domain, zmq_msg_data(&part[2]), zmq_msg_size(&part[2]));
        bool curve = n == ZAP_FRAMES && zmq_msg_size(&part[5]) == 5
                     && memcmp(zmq_msg_data(&part[5]), "CURVE", 5) == 0
                     && zmq_msg_size(&part[6]) == 32;
        static char areas[MAX_SCOPE];
        char name[65] = "", z85[41] = "", may_send[64] = "";
        bool known = false;
        if (curve) /* the public part, for the log: which key was refused */
            zmq_z85_encode(z85, zmq_msg_data(&part[6]), 32);
        int found = curve && db ? client_of(db, domain, zmq_msg_data(&part[6]), name, &known,
                                                  may_send, areas)
                                      : 0;
        const void *rid = n >= 2 ? zmq_msg_data(&part[1]) : "";
        size_t rid_size = n >= 2 ? zmq_msg_size(&part[1]) : 0;
        if (found == 1) {
            answer(self, rid, rid_size, "200", "OK", name,
                   strcmp(domain, GC_ZAP_DOMAIN_INTAKE) == 0 ? may_send : NULL, areas);
            gc_log_info("%s: %s authenticated", domain, name);
        } else if (curve && (!db || found < 0)) {
            answer(self, rid, rid_size, "300", "database unavailable, retry", "", NULL,
                   NULL);
        } else if (known) {
            answer(self, rid, rid_size, "400", "key not allowed on this socket", "", NULL,
                   NULL);
            gc_log_warn("%s: connection refused: %s's key %s is not allowed on this socket",
                        domain, name, z85);
        } else {
            /* a warning: a client is left waiting, and its operator will ask which key */
            answer(self, rid, rid_size, "400", "unknown key", "", NULL, NULL);
            gc_log_warn("%s: connection refused: unknown key %s", domain,
                        curve ? z85 : "(not a CURVE client)");
        }
        for (int i = 0; i < n && i < ZAP_FRAMES; i++)
            zmq_msg_close(&part[i]);
    }
}
