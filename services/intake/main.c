/* gc-intake: the front door. Takes case submissions, people's commands and diary entries on a
 * ROUTER socket, stores each batch in one transaction, replies after commit, and publishes the
 * case event stream on a PUB socket. While the database is unreachable it keeps answering, with
 * UNAVAILABLE, and reconnects by itself. */
#include "event_publisher.h"
#include "intake_batch.h"

#include "gc_case.h"
#include "gc_clock.h"
#include "gc_daemon.h"
#include "gc_event.h"
#include "gc_geo.h"
#include "gc_log.h"
#include "gc_msg.h"
#include "gc_pg.h"
#include "gc_zap.h"

#include <errno.h>
#include <string.h>

#define BATCHES_PER_TURN 16  /* then publish events and look at the other sockets */
#define RECONNECT_MS 500     /* while the database is down, try again this often */

typedef struct {
    const gc_config_t *cfg;
    PGconn *db;                  /* NULL while the database is unreachable */
    gc_area_index_t *areas;      /* the district's areas, for locating cases */
    event_publisher_t *publisher;
    void *pub;
    long next_attempt;           /* gc_clock_monotonic_ms() of the next reconnect attempt */
} intake_t;

static void disconnect(intake_t *in)
{
    if (in->db)
        PQfinish(in->db);
    in->db = NULL;
    gc_area_index_destroy(&in->areas);
    event_publisher_destroy(&in->publisher);
}

/* One attempt: connect, listen for the doorbells, load the areas, find the log's end. */
static void try_connect(intake_t *in)
{
    in->next_attempt = gc_clock_monotonic_ms() + RECONNECT_MS;
    in->db = gc_pg_try_connect(in->cfg->pg_dsn);
    if (!in->db)
        return;
    bool ok = gc_pg_run(in->db, "listen", "LISTEN gc_case_events", 0, NULL)
              && gc_pg_run(in->db, "listen", "LISTEN gc_reference", 0, NULL)
              && (in->areas = gc_area_index_load(in->db)) != NULL
              && (in->publisher = event_publisher_new(in->pub, in->db)) != NULL;
    if (ok)
        gc_log_info("database connected");
    else
        disconnect(in);
}

/* Reads NOTIFYs: new events are published by the flush that follows; a reference data import
 * (gc_reference) reloads the areas. */
static bool take_notifications(intake_t *in)
{
    bool reload = false;
    PQconsumeInput(in->db);
    for (PGnotify *n; (n = PQnotifies(in->db)) != NULL; PQfreemem(n))
        reload |= strcmp(n->relname, "gc_reference") == 0;
    if (!reload)
        return true;
    gc_area_index_t *fresh = gc_area_index_load(in->db);
    if (!fresh)
        return false;
    gc_area_index_destroy(&in->areas);
    in->areas = fresh;
    gc_log_info("reference data changed: areas reloaded");
    return true;
}

int main(int argc, char **argv)
{
    gc_config_t cfg;
    gc_daemon_start(argc, argv, "gc-intake",
                    "Takes cases and commands (GC_INTAKE_BIND, ROUTER) and publishes the case\n"
                    "event stream (GC_EVENTS_BIND, PUB). See proto/README.md.",
                    &cfg);
    void *ctx = zmq_ctx_new();
    /* the ZAP handler first: a CURVE socket bound without one would let every client in */
    gc_zap_t *zap = gc_zap_new(ctx);
    if (!zap)
        return 1;
    void *router = gc_daemon_server(ctx, ZMQ_ROUTER, "GC_INTAKE_BIND", cfg.intake_bind,
                                    "GC_INTAKE_SECRET_KEY_FILE", cfg.intake_secret_key_file,
                                    GC_ZAP_DOMAIN_INTAKE, "the intake socket",
                                    cfg.max_message_bytes);
    /* subscribers send only subscriptions; the limit keeps a hostile one from sending more */
    void *pub = gc_daemon_server(ctx, ZMQ_PUB, "GC_EVENTS_BIND", cfg.events_bind,
                                 "GC_INTAKE_SECRET_KEY_FILE", cfg.intake_secret_key_file,
                                 GC_ZAP_DOMAIN_EVENTS, "the case event stream",
                                 cfg.max_message_bytes);
    int mandatory = 1;
    zmq_setsockopt(router, ZMQ_ROUTER_MANDATORY, &mandatory, sizeof mandatory);
    gc_case_register();
    gc_event_register();
    intake_t in = {.cfg = &cfg, .pub = pub};
    try_connect(&in);
    gc_log_info("ready: intake on %s, events on %s", cfg.intake_bind, cfg.events_bind);

    while (!gc_daemon_stop) {
        zmq_pollitem_t items[] = {{router, 0, ZMQ_POLLIN, 0},
                                  {gc_zap_socket(zap), 0, ZMQ_POLLIN, 0},
                                  {NULL, in.db ? PQsocket(in.db) : -1, ZMQ_POLLIN, 0}};
        if (zmq_poll(items, in.db ? 3 : 2, in.db ? 1000 : RECONNECT_MS) < 0 && errno != EINTR)
            break;
        if (!in.db && gc_clock_monotonic_ms() >= in.next_attempt)
            try_connect(&in);
        gc_zap_handle(zap, in.db);
        bool db_failed = false;
        for (int turn = 0; turn < BATCHES_PER_TURN && !db_failed && !gc_daemon_stop; turn++)
            if (intake_batch_run(router, in.db, in.areas, &db_failed) == 0)
                break;
        if (in.db && (db_failed || !take_notifications(&in)
                      || !event_publisher_flush(in.publisher, in.db) || !gc_pg_alive(in.db))) {
            gc_log_warn("database connection lost; answering UNAVAILABLE until it is back");
            disconnect(&in);
            in.next_attempt = 0;
        }
        if (in.db)
            gc_daemon_alive();
    }
    gc_log_info("stopping");
    disconnect(&in);
    gc_zap_destroy(&zap);
    zmq_close(router);
    zmq_close(pub);
    zmq_ctx_term(ctx);
    return 0;
}
