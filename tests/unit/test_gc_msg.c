/* Unit tests for common/gc_msg over real ZeroMQ sockets (inproc:// and one tcp:// loopback).
 * Covers: a CaseEvent sent with gc_msg_send_proto arrives intact through gc_frames_recv (PAIR
 * and DEALER -> ROUTER); a message longer than GC_MSG_MAX_FRAMES frames is cut and flagged
 * truncated while the next message still arrives whole; ZMQ_DONTWAIT on an empty socket;
 * gc_msg_socket with bad endpoints, the options it sets (linger 0, ZMQ_MAXMSGSIZE), and a ROUTER
 * over tcp:// that accepts a small message but drops a peer sending more than max_bytes;
 * gc_msg_ctx_end ends a context whose sockets are closed and gives up, within its limit, on one
 * that cannot end. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "events.pb-c.h"
#include "gc_log.h"
#include "gc_msg.h"

/* One zmq context per test; every socket a test opens is closed by the teardown, so a failed
 * assertion cannot leave zmq_ctx_term waiting on an open socket. */
typedef struct {
    void *ctx;
    void *sock[4];
    int nsock;
} fixture_t;

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    f->ctx = zmq_ctx_new();
    if (!f->ctx) {
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    for (int i = 0; i < f->nsock; i++)
        if (f->sock[i])
            zmq_close(f->sock[i]);
    zmq_ctx_term(f->ctx);
    free(f);
    return 0;
}

/* gc_msg_socket, remembered for the teardown; fails the test when it returns NULL. */
static void *open_socket(fixture_t *f, int type, const char *endpoint, bool bind, long max_bytes)
{
    assert_true(f->nsock < 4);
    void *s = gc_msg_socket(f->ctx, type, endpoint, bind, max_bytes);
    assert_non_null(s);
    f->sock[f->nsock++] = s;
    return s;
}

static void fill_event(Gridcase__CaseEvent *ev)
{
    gridcase__case_event__init(ev);
    ev->seq = 123456789012ULL;
    ev->case_ref = "GC-00000042";
    ev->kind = GRIDCASE__EVENT_KIND__EVENT_KIND_RESOLVED_ON_SPOT;
    ev->at_ms = 1718000000123LL;
    ev->area = "4101010101";
    ev->category = "manhole";
    ev->level = GRIDCASE__LEVEL__LEVEL_GRID;
    ev->status = GRIDCASE__CASE_STATUS__CASE_STATUS_CLOSED;
    ev->department = "";
    ev->actor = "grid-leader:4101010101";
    ev->note = "石化路排水井盖破损, replaced the same day";
    ev->source = GRIDCASE__SOURCE__SOURCE_GRID_WORKER;
}

static void assert_event_equal(const Gridcase__CaseEvent *got, const Gridcase__CaseEvent *want)
{
    assert_true(got->seq == want->seq);
    assert_string_equal(got->case_ref, want->case_ref);
    assert_int_equal(got->kind, want->kind);
    assert_true(got->at_ms == want->at_ms);
    assert_string_equal(got->area, want->area);
    assert_string_equal(got->category, want->category);
    assert_int_equal(got->level, want->level);
    assert_int_equal(got->status, want->status);
    assert_string_equal(got->department, want->department);
    assert_string_equal(got->actor, want->actor);
    assert_string_equal(got->note, want->note);
    assert_int_equal(got->source, want->source);
}

static void assert_frame(gc_frames_t *frames, int i, const char *text)
{
    assert_int_equal(gc_frames_size(frames, i), strlen(text));
    assert_memory_equal(gc_frames_data(frames, i), text, strlen(text));
}

/* ---- protobuf round trip ----------------------------------------------------------------- */

static void test_send_proto_pair_round_trip(void **state)
{
    fixture_t *f = *state;
    void *a = open_socket(f, ZMQ_PAIR, "inproc://gc-msg-pair", true, 0);
    void *b = open_socket(f, ZMQ_PAIR, "inproc://gc-msg-pair", false, 0);

    Gridcase__CaseEvent ev;
    fill_event(&ev);
    assert_int_equal(gc_msg_send_proto(a, &ev.base, 0), 0);

    gc_frames_t frames;
    assert_int_equal(gc_frames_recv(b, &frames, 0), 0);
    assert_int_equal(frames.count, 1);
    assert_false(frames.truncated);

    /* the frame is exactly the packed message */
    size_t size = gridcase__case_event__get_packed_size(&ev);
    uint8_t *packed = malloc(size);
    assert_non_null(packed);
    gridcase__case_event__pack(&ev, packed);
    assert_int_equal(gc_frames_size(&frames, 0), size);
    assert_memory_equal(gc_frames_data(&frames, 0), packed, size);
    free(packed);

    Gridcase__CaseEvent *got =
        gridcase__case_event__unpack(NULL, gc_frames_size(&frames, 0), gc_frames_data(&frames, 0));
    assert_non_null(got);
    assert_event_equal(got, &ev);
    gridcase__case_event__free_unpacked(got, NULL);
    gc_frames_close(&frames);
    assert_int_equal(frames.count, 0);
}

static void test_send_proto_dealer_to_router(void **state)
{
    fixture_t *f = *state;
    void *router = open_socket(f, ZMQ_ROUTER, "inproc://gc-msg-router", true, 0);
    void *dealer = open_socket(f, ZMQ_DEALER, "inproc://gc-msg-router", false, 0);

    /* the intake framing: an empty delimiter, then the body */
    Gridcase__CaseEvent ev;
    fill_event(&ev);
    assert_int_equal(gc_msg_send_frame(dealer, "", 0, true, 0), 0);
    assert_int_equal(gc_msg_send_proto(dealer, &ev.base, 0), 0);

    gc_frames_t frames;
    assert_int_equal(gc_frames_recv(router, &frames, 0), 0);
    assert_int_equal(frames.count, 3); /* routing id, delimiter, body */
    assert_false(frames.truncated);
    assert_true(gc_frames_size(&frames, 0) > 0);
    assert_int_equal(gc_frames_size(&frames, 1), 0);
    Gridcase__CaseEvent *got =
        gridcase__case_event__unpack(NULL, gc_frames_size(&frames, 2), gc_frames_data(&frames, 2));
    assert_non_null(got);
    assert_event_equal(got, &ev);
    gridcase__case_event__free_unpacked(got, NULL);
    gc_frames_close(&frames);
}

/* A message whose fields are all defaults packs to zero bytes: an empty frame, still a message. */
static void test_send_proto_empty_message(void **state)
{
    fixture_t *f = *state;
    void *a = open_socket(f, ZMQ_PAIR, "inproc://gc-msg-empty-proto", true, 0);
    void *b = open_socket(f, ZMQ_PAIR, "inproc://gc-msg-empty-proto", false, 0);

    Gridcase__CaseEvent ev = GRIDCASE__CASE_EVENT__INIT;
    assert_int_equal(gc_msg_send_proto(a, &ev.base, 0), 0);

    gc_frames_t frames;
    assert_int_equal(gc_frames_recv(b, &frames, 0), 0);
    assert_int_equal(frames.count, 1);
    assert_int_equal(gc_frames_size(&frames, 0), 0);
    Gridcase__CaseEvent *got =
        gridcase__case_event__unpack(NULL, gc_frames_size(&frames, 0), gc_frames_data(&frames, 0));
    assert_non_null(got);
    assert_event_equal(got, &ev);
    gridcase__case_event__free_unpacked(got, NULL);
    gc_frames_close(&frames);
}

/* ---- frame cap --------------------------------------------------------------------------- */

static void send_frames(void *s, const char *const *texts, int n)
{
    for (int i = 0; i < n; i++)
        assert_int_equal(gc_msg_send_frame(s, texts[i], strlen(texts[i]), i + 1 < n, 0), 0);
}

static void test_too_many_frames_truncated_socket_stays_in_sync(void **state)
{
    fixture_t *f = *state;
    void *a = open_socket(f, ZMQ_PAIR, "inproc://gc-msg-frames", true, 0);
    void *b = open_socket(f, ZMQ_PAIR, "inproc://gc-msg-frames", false, 0);

    static const char *const six[] = {"f0", "f1", "f2", "f3", "f4", "f5"};
    static const char *const next[] = {"next-a", "next-b"};
    send_frames(a, six, 6);
    send_frames(a, next, 2);

    gc_frames_t frames;
    assert_int_equal(gc_frames_recv(b, &frames, 0), 0);
    assert_int_equal(frames.count, GC_MSG_MAX_FRAMES);
    assert_true(frames.truncated);
    for (int i = 0; i < GC_MSG_MAX_FRAMES; i++)
        assert_frame(&frames, i, six[i]);
    gc_frames_close(&frames);

    /* the dropped frames f4, f5 were consumed: the next message starts at its first frame */
    assert_int_equal(gc_frames_recv(b, &frames, ZMQ_DONTWAIT), 0);
    assert_int_equal(frames.count, 2);
    assert_false(frames.truncated);
    assert_frame(&frames, 0, "next-a");
    assert_frame(&frames, 1, "next-b");
    gc_frames_close(&frames);

    /* and nothing else is left */
    assert_int_equal(gc_frames_recv(b, &frames, ZMQ_DONTWAIT), -1);
    assert_int_equal(errno, EAGAIN);
}

static void test_exactly_max_frames_not_truncated(void **state)
{
    fixture_t *f = *state;
    void *a = open_socket(f, ZMQ_PAIR, "inproc://gc-msg-four", true, 0);
    void *b = open_socket(f, ZMQ_PAIR, "inproc://gc-msg-four", false, 0);

    static const char *const four[] = {"a", "bb", "", "dddd"};
    send_frames(a, four, GC_MSG_MAX_FRAMES);

    gc_frames_t frames;
    assert_int_equal(gc_frames_recv(b, &frames, 0), 0);
    assert_int_equal(frames.count, GC_MSG_MAX_FRAMES);
    assert_false(frames.truncated);
    for (int i = 0; i < GC_MSG_MAX_FRAMES; i++)
        assert_frame(&frames, i, four[i]);
    gc_frames_close(&frames);
}

/* ---- errors ------------------------------------------------------------------------------ */

static void test_dontwait_on_empty_socket(void **state)
{
    fixture_t *f = *state;
    void *a = open_socket(f, ZMQ_PAIR, "inproc://gc-msg-empty", true, 0);
    (void)open_socket(f, ZMQ_PAIR, "inproc://gc-msg-empty", false, 0);

    gc_frames_t frames;
    errno = 0;
    assert_int_equal(gc_frames_recv(a, &frames, ZMQ_DONTWAIT), -1);
    assert_int_equal(errno, EAGAIN);
    assert_int_equal(frames.count, 0);
    assert_false(frames.truncated);
}

static void test_bad_endpoint_returns_null(void **state)
{
    fixture_t *f = *state;
    assert_null(gc_msg_socket(f->ctx, ZMQ_PAIR, "nonsense://x", true, 0));
    assert_null(gc_msg_socket(f->ctx, ZMQ_PAIR, "nonsense://x", false, 0));
    assert_null(gc_msg_socket(f->ctx, ZMQ_ROUTER, "tcp://127.0.0.1:notaport", true, 1024));
    assert_null(gc_msg_socket(f->ctx, ZMQ_DEALER, "no-transport-at-all", false, 0));
    /* a second bind on the same inproc name is refused too */
    (void)open_socket(f, ZMQ_PAIR, "inproc://gc-msg-taken", true, 0);
    assert_null(gc_msg_socket(f->ctx, ZMQ_PAIR, "inproc://gc-msg-taken", true, 0));
}

/* ---- socket options ---------------------------------------------------------------------- */

static void test_socket_options(void **state)
{
    fixture_t *f = *state;
    void *limited = open_socket(f, ZMQ_ROUTER, "inproc://gc-msg-opts-a", true, 4096);
    void *plain = open_socket(f, ZMQ_ROUTER, "inproc://gc-msg-opts-b", true, 0);

    int linger = -2;
    size_t len = sizeof linger;
    assert_int_equal(zmq_getsockopt(limited, ZMQ_LINGER, &linger, &len), 0);
    assert_int_equal(linger, 0);
    linger = -2;
    len = sizeof linger;
    assert_int_equal(zmq_getsockopt(plain, ZMQ_LINGER, &linger, &len), 0);
    assert_int_equal(linger, 0);

    int64_t max = 0;
    len = sizeof max;
    assert_int_equal(zmq_getsockopt(limited, ZMQ_MAXMSGSIZE, &max, &len), 0);
    assert_int_equal(max, 4096);
    max = 0;
    len = sizeof max;
    assert_int_equal(zmq_getsockopt(plain, ZMQ_MAXMSGSIZE, &max, &len), 0);
    assert_int_equal(max, -1); /* max_bytes 0: no limit (the zmq default) */
}

/* ---- ZMQ_MAXMSGSIZE ---------------------------------------------------------------------- */

static int poll_in(void *s, long timeout_ms)
{
    zmq_pollitem_t item = {s, 0, ZMQ_POLLIN, 0};
    return zmq_poll(&item, 1, timeout_ms);
}

static void test_router_max_bytes_drops_large_message(void **state)
{
    fixture_t *f = *state;

    /* gc_msg_socket cannot bind to an ephemeral port, so try random high ports */
    srand((unsigned)time(NULL) ^ ((unsigned)getpid() << 8));
    char endpoint[64];
    void *router = NULL;
    for (int attempt = 0; attempt < 50 && !router; attempt++) {
        snprintf(endpoint, sizeof endpoint, "tcp://127.0.0.1:%d", 20000 + rand() % 40000);
        router = gc_msg_socket(f->ctx, ZMQ_ROUTER, endpoint, true, 1024);
    }
    assert_non_null(router);
    f->sock[f->nsock++] = router;
    void *dealer = open_socket(f, ZMQ_DEALER, endpoint, false, 0);

    char small[100], large[5000];
    memset(small, 's', sizeof small);
    memset(large, 'L', sizeof large);

    /* under the limit: delivered */
    assert_int_equal(gc_msg_send_frame(dealer, small, sizeof small, false, 0), 0);
    assert_int_equal(poll_in(router, 3000), 1);
    gc_frames_t frames;
    assert_int_equal(gc_frames_recv(router, &frames, ZMQ_DONTWAIT), 0);
    assert_int_equal(frames.count, 2); /* routing id + body */
    assert_int_equal(gc_frames_size(&frames, 1), sizeof small);
    assert_memory_equal(gc_frames_data(&frames, 1), small, sizeof small);
    gc_frames_close(&frames);

    /* over the limit: the router drops the peer; nothing arrives */
    assert_int_equal(gc_msg_send_frame(dealer, large, sizeof large, false, 0), 0);
    assert_int_equal(poll_in(router, 300), 0);
    assert_int_equal(gc_frames_recv(router, &frames, ZMQ_DONTWAIT), -1);
    assert_int_equal(errno, EAGAIN);
}

/* Only endpoints no other host can reach count as loopback: the rest get a loud warning when
 * served without CurveZMQ. */
static void test_loopback(void **state)
{
    (void)state;
    assert_true(gc_msg_loopback("tcp://127.0.0.1:7101"));
    assert_true(gc_msg_loopback("tcp://localhost:7101"));
    assert_true(gc_msg_loopback("tcp://[::1]:7101"));
    assert_true(gc_msg_loopback("ipc:///tmp/gc"));
    assert_true(gc_msg_loopback("inproc://x"));
    assert_false(gc_msg_loopback("tcp://*:7101"));
    assert_false(gc_msg_loopback("tcp://0.0.0.0:7101"));
    assert_false(gc_msg_loopback("tcp://10.0.0.5:7101"));
    assert_false(gc_msg_loopback("tcp://localhost.example.org:7101"));
}

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000.0 + t.tv_nsec / 1e6;
}

/* Threads ending their own contexts at once (department clients closing together) each end
 * theirs. */
static void *end_one(void *arg)
{
    (void)arg;
    void *ctx = zmq_ctx_new();
    void *s = zmq_socket(ctx, ZMQ_DEALER);
    int linger = 0;
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    zmq_connect(s, "tcp://127.0.0.1:9");
    zmq_close(s);
    return gc_msg_ctx_end(ctx) ? arg : NULL;
}

static void test_ctx_end_threads(void **state)
{
    (void)state;
    pthread_t t[16];
    int tags[16];
    for (int i = 0; i < 16; i++)
        assert_int_equal(pthread_create(&t[i], NULL, end_one, &tags[i]), 0);
    for (int i = 0; i < 16; i++) {
        void *ended = NULL;
        pthread_join(t[i], &ended);
        assert_ptr_equal(ended, &tags[i]);
    }
}

/* A context that ends, and one that cannot: the second leaves its waiter behind for good, so
 * it comes last. */
static void test_ctx_end(void **state)
{
    (void)state;
    void *ctx = zmq_ctx_new();
    void *s = gc_msg_socket(ctx, ZMQ_ROUTER, "inproc://ctx-end", true, 0);
    assert_non_null(s);
    zmq_close(s);
    double start = now_ms();
    assert_true(gc_msg_ctx_end(ctx));
    assert_true(now_ms() - start < 1000);

    /* a socket left open keeps zmq_ctx_term waiting for ever: the stand-in for libzmq's hang */
    void *stuck = zmq_ctx_new();
    assert_non_null(gc_msg_socket(stuck, ZMQ_PAIR, "inproc://ctx-stuck", true, 0));
    start = now_ms();
    assert_false(gc_msg_ctx_end(stuck));
    double took = now_ms() - start;
    assert_true(took >= GC_MSG_CTX_END_MS - 50 && took < GC_MSG_CTX_END_MS + 1000);
}

int main(void)
{
    gc_log_init("test_gc_msg", true);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_send_proto_pair_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_send_proto_dealer_to_router, setup, teardown),
        cmocka_unit_test_setup_teardown(test_send_proto_empty_message, setup, teardown),
        cmocka_unit_test_setup_teardown(test_too_many_frames_truncated_socket_stays_in_sync,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_exactly_max_frames_not_truncated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dontwait_on_empty_socket, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_endpoint_returns_null, setup, teardown),
        cmocka_unit_test_setup_teardown(test_socket_options, setup, teardown),
        cmocka_unit_test_setup_teardown(test_router_max_bytes_drops_large_message, setup,
                                        teardown),
        cmocka_unit_test(test_loopback),
        cmocka_unit_test(test_ctx_end_threads),
        cmocka_unit_test(test_ctx_end), /* last: it leaves a context that never ends */
    };
    return cmocka_run_group_tests_name("gc_msg", tests, NULL, NULL);
}
