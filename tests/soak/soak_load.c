/* gc-soak-load: a steady stream of submissions and notes for a long run, with the latency of
 * every request, reported per minute so that a slow drift shows.
 *
 *   gc-soak-load INTAKE_URL PER_SECOND MINUTES RUN
 *
 * Every second it sends PER_SECOND requests: four in five are new cases (keys soak-RUN-I, over
 * the grids and categories of the demo district that reach a department), one in five a note on
 * a case it made earlier. Prints one line per minute: requests sent, replies, errors, and the
 * submit-to-reply latency p50, p99 and max in ms. Exit 0 when every request got a success. */
#include "gc_clock.h"
#include "gc_msg.h"
#include "intake.pb-c.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const where[][2] = {
    {"4101010101", "street_light"}, {"4101010202", "drain_cover"},
    {"4101020102", "street_vending"}, {"4101010203", "dirty_surroundings"},
};
#define PLACES (sizeof where / sizeof where[0])
#define MAX_REFS 4096

typedef struct {
    long *latency_us;
    size_t count, cap;
    long sent, errors;
} minute_t;

static int compare_long(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

static void report(int m, minute_t *w)
{
    qsort(w->latency_us, w->count, sizeof(long), compare_long);
    double p50 = w->count ? w->latency_us[w->count / 2] / 1000.0 : 0;
    double p99 = w->count ? w->latency_us[(w->count * 99) / 100] / 1000.0 : 0;
    double max = w->count ? w->latency_us[w->count - 1] / 1000.0 : 0;
    printf("minute %3d: sent %6ld replies %6zu errors %4ld  latency p50 %7.2f ms  p99 %7.2f ms  "
           "max %8.2f ms\n",
           m, w->sent, w->count, w->errors, p50, p99, max);
    fflush(stdout);
    w->count = 0;
    w->sent = 0;
    w->errors = 0;
}

int main(int argc, char **argv)
{
    if (argc != 5 || atoi(argv[2]) <= 0 || atoi(argv[3]) <= 0) {
        fprintf(stderr, "usage: gc-soak-load INTAKE_URL PER_SECOND MINUTES RUN\n");
        return 2;
    }
    int rate = atoi(argv[2]), minutes = atoi(argv[3]);
    void *ctx = zmq_ctx_new();
    void *s = gc_msg_socket(ctx, ZMQ_DEALER, argv[1], false, 0);
    if (!s)
        return 2;
    static char refs[MAX_REFS][32];
    int nrefs = 0;
    minute_t w = {0};
    long total_errors = 0, i = 0;
    long start = gc_clock_monotonic_us();
    int minute = 0;
    while (minute < minutes) {
        long now = gc_clock_monotonic_us();
        /* requests due by now at the steady rate */
        long due = (now - start) * rate / 1000000;
        for (; i < due; i++) {
            char rid[48], key[64];
            snprintf(rid, sizeof rid, "%ld:%ld", i, gc_clock_monotonic_us());
            Gridcase__IntakeRequest r = GRIDCASE__INTAKE_REQUEST__INIT;
            Gridcase__SubmitCase c = GRIDCASE__SUBMIT_CASE__INIT;
            Gridcase__CaseCommand cmd = GRIDCASE__CASE_COMMAND__INIT;
            r.request_id = rid;
            if (i % 5 == 4 && nrefs > 0) {
                cmd.case_ref = refs[i % nrefs];
                cmd.kind = GRIDCASE__COMMAND_KIND__COMMAND_KIND_NOTE;
                cmd.note = "soak: the grid worker checked again";
                cmd.actor = "soak";
                r.body_case = GRIDCASE__INTAKE_REQUEST__BODY_COMMAND;
                r.command = &cmd;
            } else {
                snprintf(key, sizeof key, "soak-%s-%ld", argv[4], i);
                c.idempotency_key = key;
                c.grid = (char *)where[i % PLACES][0];
                c.category = (char *)where[i % PLACES][1];
                c.description = "soak";
                c.source = GRIDCASE__SOURCE__SOURCE_GRID_WORKER;
                r.body_case = GRIDCASE__INTAKE_REQUEST__BODY_SUBMIT;
                r.submit = &c;
            }
            gc_msg_send_frame(s, "", 0, true, ZMQ_DONTWAIT);
            gc_msg_send_proto(s, &r.base, ZMQ_DONTWAIT);
            w.sent++;
        }
        zmq_pollitem_t item = {s, 0, ZMQ_POLLIN, 0};
        zmq_poll(&item, 1, 5);
        gc_frames_t f;
        while (gc_frames_recv(s, &f, ZMQ_DONTWAIT) == 0) {
            Gridcase__IntakeReply *r = gridcase__intake_reply__unpack(
                NULL, gc_frames_size(&f, f.count - 1), gc_frames_data(&f, f.count - 1));
            const char *colon = r ? strchr(r->request_id, ':') : NULL;
            if (colon) {
                if (w.count == w.cap) {
                    w.cap = w.cap ? 2 * w.cap : 4096;
                    w.latency_us = realloc(w.latency_us, w.cap * sizeof(long));
                }
                w.latency_us[w.count++] = gc_clock_monotonic_us() - atol(colon + 1);
                if (r->result_case != GRIDCASE__INTAKE_REPLY__RESULT_ACCEPTED) {
                    w.errors++;
                    total_errors++;
                } else if (nrefs < MAX_REFS && !r->accepted->already_known) {
                    snprintf(refs[nrefs++], sizeof refs[0], "%s", r->accepted->case_ref);
                }
            }
            if (r)
                gridcase__intake_reply__free_unpacked(r, NULL);
            gc_frames_close(&f);
        }
        if (gc_clock_monotonic_us() - start >= (long)(minute + 1) * 60000000L)
            report(++minute, &w);
    }
    free(w.latency_us);
    zmq_close(s);
    zmq_ctx_term(ctx);
    return total_errors ? 1 : 0;
}
