/* gc-chaos-report: reporters that behave as a real client must while daemons die under them.
 *
 *   gc-chaos-report INTAKE_URL N RUN ACKS_FILE [PER_SECOND]
 *
 * Submits N cases with the idempotency keys chaos-RUN-0 .. chaos-RUN-(N-1), up to 64 in flight,
 * spread over the grids and categories below. A request with no reply within 2 s, or answered
 * UNAVAILABLE or INTERNAL, is sent again with the same key (intake may be dead, restarting, or
 * cut off from PostgreSQL). Each acknowledged case is appended to ACKS_FILE as "KEY REF": the
 * chaos run checks afterwards that every one of them exists exactly once. PER_SECOND paces new
 * submissions so that they go on while daemons are being killed. A quarter of the reports are
 * a grid worker's (发现上报: source GRID_WORKER, naming the grid's worker GRID-W1 of the demo
 * district), which intake checks against the rules and stores one at a time. Gives up only
 * after 300 s without any acknowledgement. */
#include "gc_clock.h"
#include "gc_msg.h"
#include "intake.pb-c.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IN_FLIGHT 64
#define RESEND_MS 2000

/* (grid, category): street lights and drain covers go to municipal, vending to city
 * management, public security to the police (whose worker the chaos run does not start, so
 * those cases go overdue), neighbour disputes to the street's triage queue */
static const char *const where[][2] = {
    {"4101010101", "street_light"}, {"4101010202", "drain_cover"},
    {"4101020102", "street_vending"}, {"4101020301", "public_security"},
    {"4101010205", "neighbour_dispute"},
};
#define PLACES (sizeof where / sizeof where[0])

typedef struct {
    long sent_ms; /* 0: not in flight */
    int attempts;
    bool done;
} request_t;

static void submit(void *s, const char *run, int i)
{
    char key[64], rid[32], worker[32];
    snprintf(key, sizeof key, "chaos-%s-%d", run, i);
    snprintf(rid, sizeof rid, "%d", i);
    Gridcase__SubmitCase c = GRIDCASE__SUBMIT_CASE__INIT;
    c.idempotency_key = key;
    c.grid = (char *)where[i % PLACES][0];
    c.category = (char *)where[i % PLACES][1];
    c.description = "chaos";
    c.source = GRIDCASE__SOURCE__SOURCE_RESIDENT;
    if ((i / PLACES) % 4 == 0) { /* the same person on every resend: the key's request */
        snprintf(worker, sizeof worker, "%s-W1", c.grid);
        c.person = worker;
        c.source = GRIDCASE__SOURCE__SOURCE_GRID_WORKER;
    }
    Gridcase__IntakeRequest r = GRIDCASE__INTAKE_REQUEST__INIT;
    r.request_id = rid;
    r.body_case = GRIDCASE__INTAKE_REQUEST__BODY_SUBMIT;
    r.submit = &c;
    gc_msg_send_frame(s, "", 0, true, ZMQ_DONTWAIT);
    gc_msg_send_proto(s, &r.base, ZMQ_DONTWAIT);
}

int main(int argc, char **argv)
{
    if ((argc != 5 && argc != 6) || atoi(argv[2]) <= 0) {
        fprintf(stderr, "usage: gc-chaos-report INTAKE_URL N RUN ACKS_FILE [PER_SECOND]\n");
        return 2;
    }
    int n = atoi(argv[2]);
    double per_second = argc == 6 ? atof(argv[5]) : 0; /* 0: as fast as the window allows */
    long started = gc_clock_monotonic_ms();
    const char *run = argv[3];
    FILE *acks = fopen(argv[4], "a");
    request_t *req = calloc((size_t)n, sizeof *req);
    void *ctx = zmq_ctx_new();
    void *s = gc_msg_socket(ctx, ZMQ_DEALER, argv[1], false, 0);
    if (!acks || !req || !s)
        return 2;
    int done = 0, next = 0, in_flight = 0;
    long resends = 0, unavailable = 0, refused = 0, last_ack = gc_clock_monotonic_ms();
    while (done < n && gc_clock_monotonic_ms() - last_ack < 300000) {
        long now = gc_clock_monotonic_ms();
        /* resend what timed out, then start new ones */
        for (int i = 0; i < next; i++)
            if (!req[i].done && req[i].sent_ms && now - req[i].sent_ms > RESEND_MS) {
                submit(s, run, i);
                req[i].sent_ms = now;
                req[i].attempts++;
                resends++;
            }
        long allowed = per_second > 0 ? (long)((now - started) * per_second / 1000.0) + 1 : n;
        for (; next < n && next < allowed && in_flight < IN_FLIGHT; next++, in_flight++) {
            submit(s, run, next);
            req[next].sent_ms = now;
            req[next].attempts = 1;
        }
        zmq_pollitem_t item = {s, 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&item, 1, 200) <= 0)
            continue;
        gc_frames_t f;
        while (gc_frames_recv(s, &f, ZMQ_DONTWAIT) == 0) {
            Gridcase__IntakeReply *r = gridcase__intake_reply__unpack(
                NULL, gc_frames_size(&f, f.count - 1), gc_frames_data(&f, f.count - 1));
            int i = r ? atoi(r->request_id) : -1;
            if (r && i >= 0 && i < next && !req[i].done) {
                if (r->result_case == GRIDCASE__INTAKE_REPLY__RESULT_ACCEPTED) {
                    fprintf(acks, "chaos-%s-%d %s\n", run, i, r->accepted->case_ref);
                    fflush(acks);
                    req[i].done = true;
                    done++;
                    in_flight--;
                    last_ack = gc_clock_monotonic_ms();
                } else if (r->error && (r->error->code == GRIDCASE__ERROR_CODE__ERROR_CODE_UNAVAILABLE
                                        || r->error->code == GRIDCASE__ERROR_CODE__ERROR_CODE_INTERNAL)) {
                    /* the database is away: the same key again, soon */
                    req[i].sent_ms = gc_clock_monotonic_ms() - RESEND_MS + 200;
                    unavailable++;
                } else { /* a valid case refused: a bug, reported and not retried */
                    fprintf(stderr, "gc-chaos-report: case %d refused: %s\n", i,
                            r->error && r->error->message ? r->error->message : "?");
                    req[i].done = true;
                    done++;
                    in_flight--;
                    refused++;
                }
            }
            if (r)
                gridcase__intake_reply__free_unpacked(r, NULL);
            gc_frames_close(&f);
        }
    }
    printf("reporters: %ld of %d acknowledged, %ld resends, %ld answered unavailable, %ld "
           "refused\n", done - refused, n, resends, unavailable, refused);
    fclose(acks);
    free(req);
    zmq_close(s);
    zmq_ctx_term(ctx);
    return done == n && !refused ? 0 : 1;
}
