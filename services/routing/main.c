/* gc-routing: routes every new, reopened or escalated case to its departments and serves the
 * department socket. State lives in PostgreSQL; the event stream from intake is a doorbell. */
#include "case_router.h"
#include "dept_server.h"
#include "zap_handler.h"

#include "gc_case.h"
#include "gc_consumer.h"
#include "gc_curve.h"
#include "gc_daemon.h"
#include "gc_log.h"
#include "gc_msg.h"
#include "gc_pg.h"

#include <errno.h>

#define CONSUMER_BATCH 200

static void drain(void *socket)
{
    gc_frames_t f;
    while (gc_frames_recv(socket, &f, ZMQ_DONTWAIT) == 0)
        gc_frames_close(&f);
}

int main(int argc, char **argv)
{
    gc_config_t cfg;
    gc_daemon_start(argc, argv, "gc-routing",
                    "Routes cases to departments by the routing rules and delivers them on the\n"
                    "department socket (GC_DEPT_BIND, ROUTER). Follows GC_EVENTS_URL.",
                    &cfg);
    gc_curve_keys_t keys;
    char err[300];
    if (!*cfg.dept_secret_key_file) {
        gc_log_error("GC_DEPT_SECRET_KEY_FILE is not set: the department socket needs a CURVE "
                     "key (make one with gridctl dept server-keygen FILE)");
        return 2;
    }
    if (!gc_curve_load(cfg.dept_secret_key_file, &keys, err, sizeof err)) {
        gc_log_error("GC_DEPT_SECRET_KEY_FILE: %s", err);
        return 2;
    }
    void *ctx = zmq_ctx_new();
    /* the ZAP handler first: a CURVE socket bound without one would let every client in */
    zap_handler_t *zap = zap_handler_new(ctx);
    void *router = zap ? gc_msg_socket_new(ctx, ZMQ_ROUTER, cfg.max_message_bytes) : NULL;
    if (!router || !gc_curve_server(router, &keys))
        return 1;
    if (!gc_msg_attach(router, cfg.dept_bind, true)) {
        gc_log_error("GC_DEPT_BIND=\"%s\": cannot bind it (see the line above)", cfg.dept_bind);
        return 2;
    }
    void *events = gc_daemon_socket(ctx, ZMQ_SUB, "GC_EVENTS_URL", cfg.events_url, false, 0);
    int mandatory = 1;
    zmq_setsockopt(router, ZMQ_ROUTER_MANDATORY, &mandatory, sizeof mandatory);
    zmq_setsockopt(events, ZMQ_SUBSCRIBE, "", 0);
    dept_server_t *depts = dept_server_new(router);
    gc_case_register();
    PGconn *db = gc_pg_connect(cfg.pg_dsn, &gc_daemon_stop);
    gc_log_info("ready: departments on %s (CURVE, server key %s), following %s", cfg.dept_bind,
                keys.public_key, cfg.events_url);

    /* a few batches per turn: under a steady stream of events the department socket (acks,
     * actions, deliveries) still gets its turn every few hundred events */
    const gc_consumer_t routing = {.wants = case_router_wants, .apply = case_router_apply,
                                   .max_batches = 4};
    bool behind = false; /* the last turn stopped at max_batches: more events are waiting */
    while (!gc_daemon_stop && db) {
        zmq_pollitem_t items[] = {{router, 0, ZMQ_POLLIN, 0},
                                  {events, 0, ZMQ_POLLIN, 0},
                                  {zap_handler_socket(zap), 0, ZMQ_POLLIN, 0}};
        if (zmq_poll(items, 3, behind ? 0 : 1000) < 0 && errno != EINTR)
            break;
        zap_handler_handle(zap, db);
        drain(events); /* doorbell: whatever rang, the log says what happened */
        long routed = gc_consumer_catch_up(db, "routing", CONSUMER_BATCH, &routing);
        behind = routed >= (long)routing.max_batches * CONSUMER_BATCH;
        bool ok = routed >= 0 && dept_server_handle(depts, db);
        if (ok)
            gc_daemon_alive();
        if (!ok && !gc_pg_alive(db)) {
            gc_log_warn("database connection lost; reconnecting");
            PQfinish(db);
            db = gc_pg_connect(cfg.pg_dsn, &gc_daemon_stop);
        }
    }
    gc_log_info("stopping");
    dept_server_destroy(&depts);
    zap_handler_destroy(&zap);
    if (db)
        PQfinish(db);
    zmq_close(router);
    zmq_close(events);
    zmq_ctx_term(ctx);
    return 0;
}
