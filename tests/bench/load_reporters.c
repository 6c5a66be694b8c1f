/* load_reporters: many reporters, each a DEALER socket to intake keeping up to in_flight
 * submissions outstanding, all driven from one thread (64 sockets cost less than 64 threads on
 * a 2-core machine, and the load generator must not eat the daemons' CPU).
 * Unthrottled, every free slot is filled at once; at a rate, submission i is due at
 * start + i/rate and goes out on the next reporter with a free slot.
 *
 * The thread waits in epoll, not zmq_poll: zmq_poll asks every socket for its descriptor and
 * its events at every call, and at 1,000 submissions/s (a wake-up each millisecond) that cost
 * the generator about a third of a core, taken from the stack it measures. The sockets'
 * descriptors (ZMQ_FD) go into one epoll set once. A descriptor only says "look at this
 * socket": the socket is then read until it has nothing (recv processes its commands and
 * clears the signal). A send may take that signal itself, so a socket just sent on is read
 * without waiting for its descriptor. */
#include "load.h"

#include "gc_clock.h"
#include "gc_msg.h"
#include "intake.pb-c.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

typedef struct {
    void *socket;
    int in_flight;
    bool sent_on; /* sent since last read: read it without waiting for its descriptor */
} reporter_t;

/* Reads every reply waiting on one reporter's socket. */
static void take_replies(bench_t *b, reporter_t *r, uint64_t *outstanding)
{
    gc_frames_t f;
    while (gc_frames_recv(r->socket, &f, ZMQ_DONTWAIT) == 0) {
        int64_t now = gc_clock_monotonic_us();
        Gridcase__IntakeReply *reply =
            f.count >= 1 ? gridcase__intake_reply__unpack(NULL, gc_frames_size(&f, f.count - 1),
                                                          gc_frames_data(&f, f.count - 1))
                         : NULL;
        gc_frames_close(&f);
        /* an unreadable reply still frees its slot, counted as refused */
        bench_req_t *row = reply ? bench_req(strtoull(reply->request_id, NULL, 10), false) : NULL;
        if (row && reply->result_case == GRIDCASE__INTAKE_REPLY__RESULT_ACCEPTED) {
            atomic_store(&row->acked_us, now);
            atomic_fetch_add(&b->acked, 1);
        } else if (atomic_fetch_add(&b->refused, 1) < 5) {
            fprintf(stderr, "gc-bench-load: refused: %s\n",
                    reply && reply->error ? reply->error->message : "unreadable reply");
        }
        if (reply)
            gridcase__intake_reply__free_unpacked(reply, NULL);
        r->in_flight--;
        (*outstanding)--;
    }
}

/* The next reporter from *next on with a free slot, or NULL. */
static reporter_t *free_reporter(bench_t *b, reporter_t *r, int *next)
{
    for (int k = 0; k < b->reporters; k++) {
        int i = (*next + k) % b->reporters;
        if (r[i].in_flight < b->in_flight) {
            *next = (i + 1) % b->reporters;
            return &r[i];
        }
    }
    return NULL;
}

/* Sends what is due now. False when a send failed. */
static bool offer(bench_t *b, reporter_t *r, int *next, uint64_t *sent, uint64_t *outstanding,
                  int64_t now)
{
    uint64_t due = b->rate > 0 ? (uint64_t)((double)(now - b->start_us) * b->rate / 1e6) + 1
                               : UINT64_MAX;
    if (b->count && due > b->count)
        due = b->count;
    reporter_t *rep;
    while (*sent < due && (rep = free_reporter(b, r, next)) != NULL) {
        bench_req_t *row = bench_req(*sent, true);
        if (!row)
            return false;
        int64_t t = gc_clock_monotonic_us(), origin = t;
        if (b->rate > 0) { /* due by the schedule; how late the generator sends it is noted */
            origin = b->start_us + (int64_t)((double)*sent * 1e6 / b->rate);
            if (t - origin > b->late_max_us)
                b->late_max_us = t - origin;
        }
        atomic_store(&row->origin_us, origin);
        if (bench_intake_send(rep->socket, *sent, b) != 0)
            return false;
        rep->in_flight++;
        rep->sent_on = true;
        (*outstanding)++;
        atomic_store(&b->sent, ++*sent);
    }
    return true;
}

/* How long zmq_poll may sleep: until the next submission is due (rounded up to the poll's
 * millisecond: up to 1 ms late, rather than spinning a core), the window's end, or 100 ms.
 * With every slot taken only a reply can let the next one go: polling 64 sockets every
 * millisecond for nothing would take CPU from the stack. */
static long poll_ms(const bench_t *b, bool sending, uint64_t sent, uint64_t outstanding,
                    int64_t now)
{
    int64_t until = now + 100000;
    bool slot_free = outstanding < (uint64_t)b->reporters * (uint64_t)b->in_flight;
    if (sending) {
        if (b->rate > 0 && slot_free) {
            int64_t next = b->start_us + (int64_t)((double)sent * 1e6 / b->rate);
            if (next < until)
                until = next;
        }
        if (b->end_us < until)
            until = b->end_us;
    }
    return until <= now ? 0 : (long)((until - now + 999) / 1000);
}

/* Adds a reporter's socket descriptor to the epoll set, its index as the event's data. */
static bool watch(int epoll, void *socket, int index)
{
    int fd;
    size_t size = sizeof fd;
    if (zmq_getsockopt(socket, ZMQ_FD, &fd, &size) != 0)
        return false;
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)index};
    return epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &ev) == 0;
}

bool bench_reporters_run(bench_t *b)
{
    void *ctx = zmq_ctx_new();
    reporter_t *r = calloc((size_t)b->reporters, sizeof *r);
    struct epoll_event *ready = calloc((size_t)b->reporters, sizeof *ready);
    int epoll = epoll_create1(EPOLL_CLOEXEC);
    bool ok = epoll >= 0;
    for (int i = 0; ok && i < b->reporters; i++) {
        r[i].socket = bench_intake_socket(ctx, b);
        ok = r[i].socket != NULL && watch(epoll, r[i].socket, i);
    }
    uint64_t sent = 0, outstanding = 0;
    int next = 0;
    bool sending = ok;
    bench_cpu_mark(b, &b->cpu_start);
    b->start_us = gc_clock_monotonic_us();
    b->end_us = b->start_us + (int64_t)(b->duration_s * 1e6);
    int64_t give_up = 0;
    while (ok) {
        int64_t now = gc_clock_monotonic_us();
        if (sending && (now >= b->end_us || (b->count && sent >= b->count))) {
            sending = false;
            give_up = now + (int64_t)(b->drain_timeout_s * 1e6);
            if (!b->count) /* the window is the duration; later replies count only in totals */
                bench_sample_end(b);
        }
        if (!sending && (outstanding == 0 || now >= give_up)) {
            if (b->count) { /* a counted run's window ends with its last reply */
                b->end_us = now;
                bench_sample_end(b);
            }
            break;
        }
        if (sending)
            ok = offer(b, r, &next, &sent, &outstanding, now);
        for (int i = 0; i < b->reporters; i++)
            if (r[i].sent_on) {
                r[i].sent_on = false;
                take_replies(b, &r[i], &outstanding);
            }
        int n = epoll_wait(epoll, ready, b->reporters,
                           (int)poll_ms(b, sending, sent, outstanding, now));
        for (int k = 0; k < n; k++) /* n < 0: EINTR, go round */
            take_replies(b, &r[ready[k].data.u32], &outstanding);
    }
    if (!ok)
        fprintf(stderr, "gc-bench-load: cannot reach intake at %s\n", b->intake_url);
    else if (outstanding)
        fprintf(stderr, "gc-bench-load: %llu submissions never answered\n",
                (unsigned long long)outstanding);
    b->unanswered = outstanding;
    for (int i = 0; i < b->reporters; i++)
        if (r[i].socket)
            zmq_close(r[i].socket);
    zmq_ctx_term(ctx);
    if (epoll >= 0)
        close(epoll);
    free(r);
    free(ready);
    return ok;
}
