/* Unit tests for common/gc_monitor over real ZeroMQ sockets on tcp:// loopback, with real
 * CurveZMQ and a ZAP handler in the test's context. Covers: nobody listening (UNREACHABLE),
 * a server that refuses the client's key (AUTH_REFUSED, status 400), a server that accepts it
 * (READY), a client holding the wrong server key (HANDSHAKE_FAILED), "try again later" (300:
 * PENDING, libzmq's server then says nothing) that is no refusal, and the sentences for people. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
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

/* A port where nobody listens: bound once, then closed. */
static void free_port(fixture_t *f)
{
    void *s = zmq_socket(f->ctx, ZMQ_ROUTER);
    set_int(s, ZMQ_LINGER, 0);
    assert_int_equal(zmq_bind(s, "tcp://127.0.0.1:*"), 0);
    size_t len = sizeof f->endpoint;
    assert_int_equal(zmq_getsockopt(s, ZMQ_LAST_ENDPOINT, f->endpoint, &len), 0);
    zmq_close(s);
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
        cmocka_unit_test(test_explain),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
