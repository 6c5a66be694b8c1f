/* gc-routing: routes every new, reopened or escalated case to its departments and serves the
 * department socket. State lives in PostgreSQL; the event stream from intake is a doorbell. */
#include "case_router.h"
#include "dept_server.h"

#include "gc_case.h"
#include "gc_consumer.h"
#include "gc_daemon.h"
#include "gc_log.h"
#include "gc_msg.h"
#include "gc_pg.h"
#include "gc_zap.h"

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
    if (!*cfg.dept_secret_key_file) {
        /* departments are told apart by their keys alone: this socket never runs plain */
        gc_log_error("GC_DEPT_SECRET_KEY_FILE is not set: the department socket needs a CURVE "
                     "key (make one with gridctl keygen FILE)");
        return 2;
    }
    void *ctx = zmq_ctx_new();
    /* the ZAP handler first: a CURVE socket bound without one would let every client in */
    gc_zap_t *zap = gc_zap_new(ctx);
    if (!zap)
        return 1;
    void *router = gc_daemon_server(ctx, ZMQ_ROUTER, "GC_DEPT_BIND", cfg.dept_bind,
                                    "GC_DEPT_SECRET_KEY_FILE", cfg.dept_secret_key_file,
                                    GC_ZAP_DOMAIN_DEPARTMENTS, "the department socket",
                                    cfg.max_message_bytes);
    void *events = gc_daemon_client(ctx, ZMQ_SUB, "GC_EVENTS_URL", cfg.events_url,
                                    "GC_INTAKE_SERVER_KEY", cfg.intake_server_key, &cfg);
    int mandatory = 1;
    zmq_setsockopt(router, ZMQ_ROUTER_MANDATORY, &mandatory, sizeof mandatory);
    zmq_setsockopt(events, ZMQ_SUBSCRIBE, "", 0);
    dept_server_t *depts = dept_server_new(router);
    dept_server_register();
    gc_case_register();
    gc_consumer_register();
    case_router_register();
    PGconn *db = gc_pg_connect(cfg.pg_dsn, &gc_daemon_stop);
    gc_log_info("ready: departments on %s, following %s", cfg.dept_bind, cfg.events_url);

    /* a few batches per turn: under a steady stream of events the department socket (acks,
     * actions, deliveries) still gets its turn every few hundred events */
    const gc_consumer_t routing = {.kinds = case_router_kinds(),
                                   .wants = case_router_wants,
                                   .locks_late = case_router_locks_late,
                                   .apply = case_router_apply,
                                   .progress = gc_daemon_alive,
                                   .max_batches = 4};
    bool behind = false; /* the last turn stopped at max_batches: more events are waiting */
    while (!gc_daemon_stop && db) {
        zmq_pollitem_t items[] = {{router, 0, ZMQ_POLLIN, 0},
                                  {events, 0, ZMQ_POLLIN, 0},
                                  {gc_zap_socket(zap), 0, ZMQ_POLLIN, 0}};
        if (zmq_poll(items, 3, behind ? 0 : 1000) < 0 && errno != EINTR)
            break;
        gc_zap_handle(zap, db);
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
    if (db)
        PQfinish(db);
    zmq_close(router);
    zmq_close(events);
    /* the handler last: a handshake still under way when the sockets close gets its answer */
    gc_zap_destroy(&zap);
    gc_msg_ctx_end(ctx);
    return 0;
}
