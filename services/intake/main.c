/* gc-intake: the front door. Takes case submissions and people's commands on a ROUTER socket,
 * stores each batch in one transaction, replies after commit, and publishes the case event
 * stream on a PUB socket. */
#include "event_publisher.h"
#include "intake_batch.h"

#include "gc_daemon.h"
#include "gc_log.h"
#include "gc_msg.h"
#include "gc_pg.h"

#include <errno.h>
#include <stdlib.h>

#define BATCHES_PER_TURN 16 /* then publish events and look at the other sockets */

/* Connects and subscribes to the NOTIFY doorbell the other daemons ring on commit. Retries
 * until it succeeds; NULL only when asked to stop. */
static PGconn *connect_db(const gc_config_t *cfg)
{
    for (;;) {
        PGconn *db = gc_pg_connect(cfg->pg_dsn, &gc_daemon_stop);
        if (!db || gc_pg_run(db, "listen", "LISTEN gc_case_events", 0, NULL))
            return db;
        PQfinish(db);
    }
}

int main(int argc, char **argv)
{
    gc_config_t cfg;
    gc_daemon_start(argc, argv, "gc-intake",
                    "Takes cases and commands (GC_INTAKE_BIND, ROUTER) and publishes the case\n"
                    "event stream (GC_EVENTS_BIND, PUB). See proto/README.md.",
                    &cfg);
    void *ctx = zmq_ctx_new();
    void *router = gc_msg_socket(ctx, ZMQ_ROUTER, cfg.intake_bind, true, cfg.max_message_bytes);
    void *pub = gc_msg_socket(ctx, ZMQ_PUB, cfg.events_bind, true, 0);
    if (!router || !pub)
        return 1;
    int mandatory = 1, hwm = 100000;
    zmq_setsockopt(router, ZMQ_ROUTER_MANDATORY, &mandatory, sizeof mandatory);
    zmq_setsockopt(pub, ZMQ_SNDHWM, &hwm, sizeof hwm);

    PGconn *db = connect_db(&cfg);
    event_publisher_t *publisher = db ? event_publisher_new(pub, db) : NULL;
    if (db && !publisher)
        return 1;
    gc_log_info("ready: intake on %s, events on %s", cfg.intake_bind, cfg.events_bind);

    while (!gc_daemon_stop && db) {
        zmq_pollitem_t items[] = {{router, 0, ZMQ_POLLIN, 0}, {NULL, PQsocket(db), ZMQ_POLLIN, 0}};
        if (zmq_poll(items, 2, 1000) < 0 && errno != EINTR)
            break;
        bool db_failed = false;
        for (int turn = 0; turn < BATCHES_PER_TURN && !db_failed && !gc_daemon_stop; turn++)
            if (intake_batch_run(router, db, &db_failed) == 0)
                break;
        if (items[1].revents & ZMQ_POLLIN)
            PQconsumeInput(db);
        for (PGnotify *n; (n = PQnotifies(db)) != NULL;)
            PQfreemem(n); /* a doorbell only: the flush below reads the log */
        if (db_failed || !event_publisher_flush(publisher, db) || !gc_pg_alive(db)) {
            gc_log_warn("database connection lost; reconnecting");
            PQfinish(db);
            db = connect_db(&cfg);
        }
    }
    gc_log_info("stopping");
    event_publisher_destroy(&publisher);
    if (db)
        PQfinish(db);
    zmq_close(router);
    zmq_close(pub);
    zmq_ctx_term(ctx);
    return 0;
}
