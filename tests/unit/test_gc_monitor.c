/* Unit tests for common/gc_monitor over real ZeroMQ sockets on tcp:// loopback, with real
 * CurveZMQ and a ZAP handler in the test's context. Covers: nobody listening (UNREACHABLE),
 * a server that refuses the client's key (AUTH_REFUSED, status 400), a server that accepts it
 * (READY), a client holding the wrong server key (HANDSHAKE_FAILED), "try again later" (300:
 * PENDING, libzmq's server then says nothing) that is no refusal, thousands of events nobody
 * reads that must not stall the socket, a plain TCP listener that closes at once (HANDSHAKE_FAILED too), and
 * the sentences for people. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "gc_monitor.h"

typedef struct {
    void *ctx, *zap, *server, *client;
    gc_monitor_t *monitor;
    char server_public[41], server_secret[41];
    char client_public[41], client_secret[41];
    char endpoint[64];
    const char *zap_status; /* what the ZAP handler answers */
    int zap_requests;
} fixture_t;

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    f->ctx = zmq_ctx_new();
    if (zmq_curve_keypair(f->server_public, f->server_secret) != 0
        || zmq_curve_keypair(f->client_public, f->client_secret) != 0)
        return -1;
    f->zap_status = "200";
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    gc_monitor_destroy(&f->monitor);
    void *sockets[] = {f->client, f->server, f->zap};
    for (size_t i = 0; i < 3; i++)
        if (sockets[i])
            zmq_close(sockets[i]);
    zmq_ctx_term(f->ctx);
    free(f);
    return 0;
}

static void set_int(void *s, int option, int value)
{
    assert_int_equal(zmq_setsockopt(s, option, &value, sizeof value), 0);
}

/* A CURVE ROUTER on a free loopback port, with ZAP domain "test" and a handler answering
 * f->zap_status. */
static void start_server(fixture_t *f)
{
    f->zap = zmq_socket(f->ctx, ZMQ_REP);
    set_int(f->zap, ZMQ_LINGER, 0);
    assert_int_equal(zmq_bind(f->zap, "inproc://zeromq.zap.01"), 0);
    f->server = zmq_socket(f->ctx, ZMQ_ROUTER);
    set_int(f->server, ZMQ_LINGER, 0);
    set_int(f->server, ZMQ_CURVE_SERVER, 1);
    assert_int_equal(zmq_setsockopt(f->server, ZMQ_CURVE_SECRETKEY, f->server_secret, 40), 0);
    assert_int_equal(zmq_setsockopt(f->server, ZMQ_ZAP_DOMAIN, "test", 4), 0);
    assert_int_equal(zmq_bind(f->server, "tcp://127.0.0.1:*"), 0);
    size_t len = sizeof f->endpoint;
    assert_int_equal(zmq_getsockopt(f->server, ZMQ_LAST_ENDPOINT, f->endpoint, &len), 0);
}

/* A port where nobody listens: bound once, then closed, in a context of its own whose end
 * waits until the listener is gone (zmq_close alone closes it later, in the background). Below
 * the kernel's ephemeral range (32768 and up): a connection to a closed port inside it may be
 * given that very port as its own and connect to itself, which looks like a server. */
static void free_port(fixture_t *f)
{
    void *ctx = zmq_ctx_new();
    void *s = zmq_socket(ctx, ZMQ_ROUTER);
    set_int(s, ZMQ_LINGER, 0);
    srand((unsigned)time(NULL) ^ (unsigned)getpid());
    bool bound = false;
    for (int attempt = 0; attempt < 100 && !bound; attempt++) {
        snprintf(f->endpoint, sizeof f->endpoint, "tcp://127.0.0.1:%d", 15000 + rand() % 15000);
        bound = zmq_bind(s, f->endpoint) == 0;
    }
    assert_true(bound);
    zmq_close(s);
    zmq_ctx_term(ctx);
}

/* A CURVE DEALER watched by a monitor, connected to f->endpoint, trusting server_public. */
static void start_client(fixture_t *f, const char *server_public)
{
    f->client = zmq_socket(f->ctx, ZMQ_DEALER);
    set_int(f->client, ZMQ_LINGER, 0);
    set_int(f->client, ZMQ_RECONNECT_IVL, 100);
    assert_int_equal(zmq_setsockopt(f->client, ZMQ_CURVE_SERVERKEY, server_public, 40), 0);
    assert_int_equal(zmq_setsockopt(f->client, ZMQ_CURVE_PUBLICKEY, f->client_public, 40), 0);
    assert_int_equal(zmq_setsockopt(f->client, ZMQ_CURVE_SECRETKEY, f->client_secret, 40), 0);
    f->monitor = gc_monitor_new(f->ctx, f->client);
    assert_non_null(f->monitor);
    assert_int_equal(zmq_connect(f->client, f->endpoint), 0);
}

/* Answers ZAP requests [version, id, domain, address, identity, mechanism, key] with
 * f->zap_status. */
static void serve_zap(fixture_t *f)
{
    if (!f->zap)
        return;
    zmq_pollitem_t item = {f->zap, 0, ZMQ_POLLIN, 0};
    while (zmq_poll(&item, 1, 0) > 0) {
        char id[64] = "";
        int idlen = 0, more = 1, n = 0;
        size_t moresize = sizeof more;
        while (more) {
            zmq_msg_t m;
            zmq_msg_init(&m);
            assert_true(zmq_msg_recv(&m, f->zap, 0) >= 0);
            if (n == 1 && zmq_msg_size(&m) < sizeof id) {
                idlen = (int)zmq_msg_size(&m);
                memcpy(id, zmq_msg_data(&m), (size_t)idlen);
            }
            zmq_msg_close(&m);
            zmq_getsockopt(f->zap, ZMQ_RCVMORE, &more, &moresize);
            n++;
        }
        f->zap_requests++;
        zmq_send(f->zap, "1.0", 3, ZMQ_SNDMORE);
        zmq_send(f->zap, id, (size_t)idlen, ZMQ_SNDMORE);
        zmq_send(f->zap, f->zap_status, 3, ZMQ_SNDMORE);
        zmq_send(f->zap, "", 0, ZMQ_SNDMORE);
        zmq_send(f->zap, "tester", 6, ZMQ_SNDMORE);
        zmq_send(f->zap, "", 0, 0);
    }
}

/* Polls the monitor (serving ZAP meanwhile) until it gives a verdict (not WAITING or PENDING),
 * for at most `seconds`. */
static gc_monitor_state_t verdict_within(fixture_t *f, int seconds)
{
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        serve_zap(f);
        gc_monitor_state_t s = gc_monitor_poll(f->monitor, 20);
        clock_gettime(CLOCK_MONOTONIC, &now);
        if ((s != GC_MONITOR_WAITING && s != GC_MONITOR_PENDING)
            || now.tv_sec - start.tv_sec >= seconds)
            return s;
    }
}

static gc_monitor_state_t verdict(fixture_t *f)
{
    return verdict_within(f, 5);
}

static void test_nobody_listens(void **state)
{
    fixture_t *f = *state;
    free_port(f);
    start_client(f, f->server_public);
    assert_int_equal(verdict(f), GC_MONITOR_UNREACHABLE);
    assert_true(gc_monitor_failures(f->monitor) >= 1);
}

static void test_key_accepted(void **state)
{
    fixture_t *f = *state;
    start_server(f);
    start_client(f, f->server_public);
    assert_int_equal(verdict(f), GC_MONITOR_READY);
    assert_int_equal(f->zap_requests, 1);
    /* and the connection works */
    assert_int_equal(zmq_send(f->client, "hi", 2, 0), 2);
}

static void test_key_refused(void **state)
{
    fixture_t *f = *state;
    f->zap_status = "400";
    start_server(f);
    start_client(f, f->server_public);
    assert_int_equal(verdict(f), GC_MONITOR_AUTH_REFUSED);
    assert_true(f->zap_requests >= 1);
}

static void test_try_again_later_is_no_verdict(void **state)
{
    fixture_t *f = *state;
    f->zap_status = "300";
    start_server(f);
    start_client(f, f->server_public);
    /* two seconds of silence: connected, no refusal, no "nobody there" */
    assert_int_equal(verdict_within(f, 2), GC_MONITOR_PENDING);
    assert_true(f->zap_requests >= 1);
}

static void test_wrong_server_key(void **state)
{
    fixture_t *f = *state;
    char other_public[41], other_secret[41];
    assert_int_equal(zmq_curve_keypair(other_public, other_secret), 0);
    start_server(f);
    start_client(f, other_public);
    assert_int_equal(verdict(f), GC_MONITOR_HANDSHAKE_FAILED);
    assert_int_equal(f->zap_requests, 0); /* the server never got as far as asking */
}

/* A client that never looks at its monitor while it reconnects hundreds of times a second
 * (libzmq sends the events blocking: a bounded pipe, once full, would stall the socket's I/O
 * thread, and closing the context would hang: the alarm ends the test then). */
static void test_unread_events_do_not_stall(void **state)
{
    fixture_t *f = *state;
    free_port(f);
    alarm(30);
    f->client = zmq_socket(f->ctx, ZMQ_DEALER);
    set_int(f->client, ZMQ_LINGER, 0);
    set_int(f->client, ZMQ_RECONNECT_IVL, 1);
    f->monitor = gc_monitor_new(f->ctx, f->client);
    assert_non_null(f->monitor);
    assert_int_equal(zmq_connect(f->client, f->endpoint), 0);
    struct timespec pause = {3, 0};
    nanosleep(&pause, NULL);
    assert_int_equal(gc_monitor_poll(f->monitor, 0), GC_MONITOR_UNREACHABLE);
    assert_true(gc_monitor_failures(f->monitor) >= 1);
    gc_monitor_destroy(&f->monitor);
    zmq_close(f->client);
    f->client = NULL;
    zmq_ctx_term(f->ctx); /* hangs if the I/O thread is stuck */
    f->ctx = zmq_ctx_new();
    alarm(0);
}

/* Something that is not a ZeroMQ server: a plain TCP listener that accepts and closes. It looks
 * like a server that cannot read our hello (a wrong server key): both close without a word. */
static void test_not_a_zeromq_server(void **state)
{
    fixture_t *f = *state;
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(listener >= 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof addr;
    assert_int_equal(bind(listener, (struct sockaddr *)&addr, sizeof addr), 0);
    assert_int_equal(listen(listener, 8), 0);
    assert_int_equal(getsockname(listener, (struct sockaddr *)&addr, &len), 0);
    snprintf(f->endpoint, sizeof f->endpoint, "tcp://127.0.0.1:%d", ntohs(addr.sin_port));
    start_client(f, f->server_public);
    int peer = accept(listener, NULL, NULL);
    assert_true(peer >= 0);
    close(peer);
    assert_int_equal(verdict(f), GC_MONITOR_HANDSHAKE_FAILED);
    close(listener);
}

static void test_explain(void **state)
{
    (void)state;
    char out[256];
    const char *url = "tcp://127.0.0.1:7103";
    assert_string_equal(
        gc_monitor_explain(GC_MONITOR_AUTH_REFUSED, "routing", url, out, sizeof out),
        "authentication refused by routing at tcp://127.0.0.1:7103 (unknown key?)");
    assert_string_equal(
        gc_monitor_explain(GC_MONITOR_UNREACHABLE, "routing", url, out, sizeof out),
        "no answer from routing at tcp://127.0.0.1:7103 (is the stack up? `make up`, then "
        "`. var/env`)");
    assert_non_null(strstr(
        gc_monitor_explain(GC_MONITOR_HANDSHAKE_FAILED, "routing", url, out, sizeof out),
        "wrong server key?"));
    assert_non_null(
        strstr(gc_monitor_explain(GC_MONITOR_PENDING, "intake", url, out, sizeof out), "intake"));
    assert_int_equal(gc_monitor_poll(NULL, 0), GC_MONITOR_WAITING);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_nobody_listens, setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_accepted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_try_again_later_is_no_verdict, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_server_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unread_events_do_not_stall, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_a_zeromq_server, setup, teardown),
        cmocka_unit_test(test_explain),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
