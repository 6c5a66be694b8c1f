/* load_depts: the departments' side. One client thread per department (common/gc_dept_client.h)
 * takes deliveries and acknowledges them the way a department's system would: after taking a
 * batch (ack_every deliveries, or whatever arrived before a 1 ms lull), not one by one, since
 * every ack is a commit in routing. When routing has forgotten the connection (it answers an
 * ack with "subscribe before acknowledging"), the client subscribes again after the last
 * delivery it took, as a department's system would, and the time it cost stays in the figures;
 * how often it happened is reported. The closer resolves and verifies some delivered cases, for
 * the stats lag. bench_catch_up times one department taking its backlog. */
#include "load.h"

#include "gc_clock.h"
#include "gc_dept_client.h"
#include "gc_msg.h"
#include "intake.pb-c.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    bench_t *b;
    bench_dept_t *d;
    bool feeds_closer;
} dept_arg_t;

static gc_dept_client_t *connect_dept(const bench_t *b, const char *dept)
{
    char key[1100], err[300];
    snprintf(key, sizeof key, "%s/%s.key", b->keys_dir, dept);
    gc_dept_client_t *c = gc_dept_client_new(b->dept_url, b->server_key, key, err, sizeof err);
    if (!c)
        fprintf(stderr, "gc-bench-load: department %s: %s\n", dept, err);
    return c;
}

/* This run's request index from a delivery's description ("bench NONCE INDEX"). */
static bool ours(const bench_t *b, const char *description, uint64_t *index)
{
    size_t n = strlen(b->nonce);
    if (strncmp(description, "bench ", 6) != 0 || strncmp(description + 6, b->nonce, n) != 0
        || description[6 + n] != ' ')
        return false;
    *index = strtoull(description + 7 + n, NULL, 10);
    return true;
}

static void offer_ref(bench_t *b, const char *ref)
{
    pthread_mutex_lock(&b->lock);
    if (b->nrefs < BENCH_MAX_REFS)
        snprintf(b->refs[b->nrefs++], sizeof b->refs[0], "%s", ref);
    pthread_mutex_unlock(&b->lock);
}

static void *dept_main(void *arg)
{
    dept_arg_t *a = arg;
    bench_t *b = a->b;
    bench_dept_t *d = a->d;
    gc_dept_client_t *c = connect_dept(b, d->code);
    if (!c) {
        atomic_store(&b->failed, true);
        free(a);
        return NULL;
    }
    gc_dept_client_subscribe(c, d->start_seq, false, (uint32_t)b->credit);
    uint64_t last = 0, ours_unacked = 0;
    int unacked = 0;
    char err[300];
    while (!atomic_load(&b->stop)) {
        Gridcase__DeptServerMsg *m;
        /* with deliveries unacknowledged, wait only 1 ms for more before acknowledging */
        int rc = gc_dept_client_next(c, unacked ? 1 : 100, &m, err, sizeof err);
        if (rc < 0) {
            uint64_t times = atomic_fetch_add(&d->resubscribed, 1);
            if (times < 3)
                fprintf(stderr, "gc-bench-load: department %s: %s; subscribing again\n", d->code,
                        err);
            if (times > 1000) { /* not a dropped connection: something is wrong */
                atomic_store(&b->failed, true);
                break;
            }
            gc_dept_client_subscribe(c, last ? last : d->start_seq, false, (uint32_t)b->credit);
            continue;
        }
        if (rc == 1) {
            int64_t now = gc_clock_monotonic_us();
            uint64_t index;
            bench_req_t *row;
            if (ours(b, m->delivery->description, &index) && (row = bench_req(index, false))) {
                int64_t none = 0;
                atomic_compare_exchange_strong(&row->delivered_us, &none, now);
                atomic_fetch_add(&d->delivered, 1);
                ours_unacked++;
                if (a->feeds_closer)
                    offer_ref(b, m->delivery->case_ref);
            } else {
                atomic_fetch_add(&d->foreign, 1);
            }
            last = m->delivery->seq;
            gridcase__dept_server_msg__free_unpacked(m, NULL);
            if (++unacked < b->ack_every)
                continue;
        }
        if (unacked) {
            gc_dept_client_ack(c, last);
            atomic_fetch_add(&d->acked, ours_unacked);
            ours_unacked = 0;
            unacked = 0;
        }
    }
    if (unacked) {
        gc_dept_client_ack(c, last);
        atomic_fetch_add(&d->acked, ours_unacked);
    }
    bench_sleep_us(100000); /* let the last ack leave before the socket closes (linger 0) */
    gc_dept_client_destroy(&c);
    free(a);
    return NULL;
}

bool bench_depts_start(bench_t *b, pthread_t *threads)
{
    for (int i = 0; i < b->ndepts; i++) {
        dept_arg_t *a = calloc(1, sizeof *a);
        a->b = b;
        a->d = &b->depts[i];
        a->feeds_closer = b->close_rate > 0 && i == 0;
        if (pthread_create(&threads[i], NULL, dept_main, a) != 0)
            return false;
    }
    return true;
}

void bench_depts_join(bench_t *b, pthread_t *threads)
{
    for (int i = 0; i < b->ndepts; i++)
        pthread_join(threads[i], NULL);
}

/* ---- the closer: resolution, then the stats stream showing it -------------------------- */

/* The grid verifies the resolved case: it closes, and the stats count it. True when accepted. */
static bool verify(void *intake, const char *ref, uint64_t k)
{
    char request_id[32];
    snprintf(request_id, sizeof request_id, "close-%" PRIu64, k);
    Gridcase__IntakeRequest r = GRIDCASE__INTAKE_REQUEST__INIT;
    Gridcase__CaseCommand c = GRIDCASE__CASE_COMMAND__INIT;
    c.case_ref = (char *)ref;
    c.kind = GRIDCASE__COMMAND_KIND__COMMAND_KIND_VERIFY;
    c.actor = "gc-bench-load";
    r.request_id = request_id;
    r.body_case = GRIDCASE__INTAKE_REQUEST__BODY_COMMAND;
    r.command = &c;
    if (gc_msg_send_frame(intake, "", 0, true, 0) != 0 || gc_msg_send_proto(intake, &r.base, 0))
        return false;
    zmq_pollitem_t item = {intake, 0, ZMQ_POLLIN, 0};
    while (zmq_poll(&item, 1, 10000) > 0) {
        gc_frames_t f;
        if (gc_frames_recv(intake, &f, 0) != 0)
            return false;
        Gridcase__IntakeReply *reply =
            gridcase__intake_reply__unpack(NULL, gc_frames_size(&f, f.count - 1),
                                           gc_frames_data(&f, f.count - 1));
        gc_frames_close(&f);
        bool mine = reply && strcmp(reply->request_id, request_id) == 0;
        bool ok = mine && reply->result_case == GRIDCASE__INTAKE_REPLY__RESULT_ACCEPTED;
        if (mine && !ok)
            fprintf(stderr, "gc-bench-load: verify refused: %s\n",
                    reply->error ? reply->error->message : "?");
        if (reply)
            gridcase__intake_reply__free_unpacked(reply, NULL);
        if (mine)
            return ok;
    }
    return false;
}

static void *closer_main(void *arg)
{
    bench_t *b = arg;
    gc_dept_client_t *dept = connect_dept(b, b->depts[0].code);
    void *ctx = zmq_ctx_new();
    void *intake = bench_intake_socket(ctx, b);
    int64_t period = (int64_t)(1e6 / b->close_rate), next = gc_clock_monotonic_us();
    char err[300];
    while (dept && intake && !atomic_load(&b->load_over)) {
        int64_t now = gc_clock_monotonic_us();
        if (now < next) {
            bench_sleep_us(next - now < 100000 ? next - now : 100000);
            continue;
        }
        next += period;
        char ref[32] = "";
        pthread_mutex_lock(&b->lock);
        if (b->nrefs > 0)
            snprintf(ref, sizeof ref, "%s", b->refs[--b->nrefs]);
        pthread_mutex_unlock(&b->lock);
        if (!*ref)
            continue;
        /* the department resolves it (no accept needed: a routed case may be resolved) */
        int rc = gc_dept_client_act(dept, ref, GRIDCASE__DEPT_ACTION_KIND__DEPT_ACTION_KIND_RESOLVE,
                                    "gc-bench-load", 10000, err, sizeof err);
        uint64_t k = atomic_load(&b->nclosures);
        int64_t t = gc_clock_monotonic_us(); /* the closing command leaves now */
        if (rc != 0 || k >= b->closures_cap || !verify(intake, ref, k)) {
            if (atomic_fetch_add(&b->close_failed, 1) < 3 && rc != 0)
                fprintf(stderr, "gc-bench-load: resolve %s refused: %s\n", ref, err);
            continue;
        }
        b->closures_us[k] = t;
        atomic_store(&b->nclosures, k + 1);
    }
    if (intake)
        zmq_close(intake);
    zmq_ctx_term(ctx);
    gc_dept_client_destroy(&dept);
    return NULL;
}

bool bench_closer_start(bench_t *b, pthread_t *thread)
{
    return pthread_create(thread, NULL, closer_main, b) == 0;
}

/* ---- catch-up -------------------------------------------------------------------------- */

double bench_catch_up(bench_t *b, PGconn *db, const char *dept, uint64_t after_seq,
                      uint64_t upto, double *confirmed_s, uint64_t *resubscribed)
{
    int64_t t0 = gc_clock_monotonic_us();
    int64_t give_up = t0 + (int64_t)(b->drain_timeout_s * 1e6);
    gc_dept_client_t *c = connect_dept(b, dept);
    if (!c)
        return -1;
    gc_dept_client_subscribe(c, after_seq, false, (uint32_t)b->credit);
    uint64_t last = after_seq, acked = after_seq;
    int unacked = 0;
    char err[300];
    while (acked < upto && gc_clock_monotonic_us() < give_up) {
        Gridcase__DeptServerMsg *m;
        int rc = gc_dept_client_next(c, unacked ? 1 : 1000, &m, err, sizeof err);
        if (rc < 0) { /* as in dept_main: routing forgot us */
            if ((*resubscribed)++ < 3)
                fprintf(stderr, "gc-bench-load: department %s: %s; subscribing again\n", dept,
                        err);
            gc_dept_client_subscribe(c, last, false, (uint32_t)b->credit);
            continue;
        }
        if (rc == 1) {
            last = m->delivery->seq;
            gridcase__dept_server_msg__free_unpacked(m, NULL);
            if (++unacked < b->ack_every && last < upto)
                continue;
        }
        if (unacked) {
            gc_dept_client_ack(c, last);
            acked = last;
            unacked = 0;
        }
    }
    double seconds = (gc_clock_monotonic_us() - t0) / 1e6;
    /* routing records the last ack in department_delivery_state: the catch-up is durable */
    char dept_param[65];
    snprintf(dept_param, sizeof dept_param, "%s", dept);
    while (acked >= upto && gc_clock_monotonic_us() < give_up
           && bench_db_scalar(db, "SELECT acked_seq FROM department_delivery_state "
                                  "WHERE department = $1",
                              dept_param) < (int64_t)upto)
        bench_sleep_us(5000);
    *confirmed_s = (gc_clock_monotonic_us() - t0) / 1e6;
    gc_dept_client_destroy(&c);
    return acked >= upto ? seconds : -1;
}
