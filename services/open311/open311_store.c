/* open311_store: the lanes (a database connection and an intake socket each) and the district. */
#include "open311_store.h"

#include "gc_curve.h"
#include "gc_log.h"
#include "gc_msg.h"
#include "gc_pg.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct open311_lane {
    open311_store_t *store;
    PGconn *db;
    void *intake;
    unsigned long sent; /* request ids: lane index and a counter, unique in this process */
    int index;
    bool busy;
};

struct open311_store {
    const gc_config_t *cfg;
    void *ctx;
    pthread_mutex_t lock;
    pthread_cond_t freed;
    open311_lane_t lanes[OPEN311_LANES];
    char district[65], district_name[256]; /* read once, at the first connection */
};

open311_store_t *open311_store_new(const gc_config_t *cfg, void *zmq_ctx)
{
    open311_store_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->cfg = cfg;
    self->ctx = zmq_ctx;
    pthread_mutex_init(&self->lock, NULL);
    pthread_cond_init(&self->freed, NULL);
    for (int i = 0; i < OPEN311_LANES; i++)
        self->lanes[i].store = self, self->lanes[i].index = i;
    return self;
}

void open311_store_destroy(open311_store_t **self)
{
    if (!*self)
        return;
    for (int i = 0; i < OPEN311_LANES; i++) {
        if ((*self)->lanes[i].db)
            PQfinish((*self)->lanes[i].db);
        if ((*self)->lanes[i].intake)
            zmq_close((*self)->lanes[i].intake);
    }
    pthread_mutex_destroy(&(*self)->lock);
    pthread_cond_destroy(&(*self)->freed);
    free(*self);
    *self = NULL;
}

open311_lane_t *open311_lane_take(open311_store_t *self)
{
    pthread_mutex_lock(&self->lock);
    for (;;) {
        for (int i = 0; i < OPEN311_LANES; i++)
            if (!self->lanes[i].busy) {
                self->lanes[i].busy = true;
                pthread_mutex_unlock(&self->lock);
                return &self->lanes[i];
            }
        pthread_cond_wait(&self->freed, &self->lock);
    }
}

void open311_lane_give(open311_store_t *self, open311_lane_t *lane)
{
    pthread_mutex_lock(&self->lock);
    lane->busy = false;
    pthread_cond_signal(&self->freed);
    pthread_mutex_unlock(&self->lock);
}

PGconn *open311_lane_db(open311_lane_t *lane)
{
    if (lane->db && gc_pg_alive(lane->db))
        return lane->db;
    if (lane->db)
        PQfinish(lane->db);
    lane->db = gc_pg_try_connect(lane->store->cfg->pg_dsn);
    if (!lane->db)
        return NULL;
    /* datetimes without a zone in start_date/end_date are the district's local time */
    PGresult *res = gc_pg_query(lane->db, "district time zone",
                                "SELECT set_config('TimeZone', time_zone, false) "
                                "FROM district_settings",
                                0, NULL);
    bool ok = gc_pg_ok(res);
    PQclear(res);
    if (!ok) {
        PQfinish(lane->db);
        lane->db = NULL;
    }
    return lane->db;
}

void open311_lane_check(open311_lane_t *lane)
{
    if (lane->db && !gc_pg_alive(lane->db)) {
        PQfinish(lane->db);
        lane->db = NULL;
    }
}

bool open311_district(open311_lane_t *lane, char code[65], char name[256])
{
    open311_store_t *s = lane->store;
    pthread_mutex_lock(&s->lock);
    bool known = s->district[0] != '\0';
    if (known)
        memcpy(code, s->district, 65), memcpy(name, s->district_name, 256);
    pthread_mutex_unlock(&s->lock);
    if (known)
        return true;
    PGconn *db = open311_lane_db(lane);
    if (!db)
        return false;
    PGresult *res = gc_pg_query(db, "the district",
                                "SELECT code, name FROM areas WHERE level = 'district' "
                                "ORDER BY code LIMIT 1",
                                0, NULL);
    bool ok = gc_pg_ok(res) && PQntuples(res) == 1;
    if (ok) {
        snprintf(code, 65, "%s", PQgetvalue(res, 0, 0));
        snprintf(name, 256, "%s", PQgetvalue(res, 0, 1));
        pthread_mutex_lock(&s->lock);
        memcpy(s->district, code, 65), memcpy(s->district_name, name, 256);
        pthread_mutex_unlock(&s->lock);
    }
    PQclear(res);
    if (!ok)
        open311_lane_check(lane);
    return ok;
}

/* The lane's intake socket, made when it has none. */
static void *lane_intake(open311_lane_t *lane)
{
    if (lane->intake)
        return lane->intake;
    const gc_config_t *cfg = lane->store->cfg;
    char err[600];
    lane->intake = gc_curve_connect(lane->store->ctx, ZMQ_DEALER, cfg->intake_url,
                                    cfg->intake_server_key, cfg->client_key_file,
                                    16 * 1024 * 1024, err, sizeof err);
    if (!lane->intake)
        gc_log_error("GC_INTAKE_URL=\"%s\": %s", cfg->intake_url, err);
    return lane->intake;
}

Gridcase__IntakeReply *open311_lane_submit(open311_lane_t *lane, Gridcase__SubmitCase *submit,
                                           int timeout_ms)
{
    char id[48];
    Gridcase__IntakeRequest req = GRIDCASE__INTAKE_REQUEST__INIT;
    req.body_case = GRIDCASE__INTAKE_REQUEST__BODY_SUBMIT;
    req.submit = submit;
    req.request_id = id;
    for (int attempt = 0; attempt < 2; attempt++) {
        snprintf(id, sizeof id, "open311-%d-%lu", lane->index, ++lane->sent);
        void *s = lane_intake(lane);
        if (!s)
            return NULL;
        if (gc_msg_send_frame(s, "", 0, true, ZMQ_DONTWAIT) != 0
            || gc_msg_send_proto(s, &req.base, ZMQ_DONTWAIT) != 0) {
            zmq_close(s);
            lane->intake = NULL;
            continue;
        }
        zmq_pollitem_t item = {s, 0, ZMQ_POLLIN, 0};
        while (zmq_poll(&item, 1, timeout_ms) > 0) {
            gc_frames_t f;
            if (gc_frames_recv(s, &f, 0) != 0)
                break;
            Gridcase__IntakeReply *reply = NULL;
            if (f.count == 2 && gc_frames_size(&f, 0) == 0)
                reply = gridcase__intake_reply__unpack(NULL, gc_frames_size(&f, 1),
                                                       gc_frames_data(&f, 1));
            gc_frames_close(&f);
            if (reply && strcmp(reply->request_id, id) == 0)
                return reply;
            /* a late reply to an earlier, timed-out request of this lane: not ours */
            gridcase__intake_reply__free_unpacked(reply, NULL);
        }
        /* no answer in time: a fresh socket for the resend, so nothing late is mistaken */
        gc_log_warn("intake did not answer within %d ms (attempt %d)", timeout_ms, attempt + 1);
        zmq_close(s);
        lane->intake = NULL;
    }
    return NULL;
}
