/* gc-intake: the front door. Takes case submissions, people's commands and diary entries on a
 * ROUTER socket, stores each batch in one transaction, replies after commit, and publishes the
 * case event stream on a PUB socket. While the database is unreachable it keeps answering, with
 * UNAVAILABLE, and reconnects by itself. */
#include "event_publisher.h"
#include "intake_batch.h"

#include "gc_case.h"
#include "gc_daemon.h"
#include "gc_event.h"
#include "gc_geo.h"
#include "gc_log.h"
#include "gc_msg.h"
#include "gc_pg.h"
#include "gc_pg_connector.h"
#include "gc_zap.h"

#include <errno.h>
#include <string.h>

#define BATCHES_PER_TURN 16  /* then publish events and look at the other sockets */
#define RECONNECT_MS 500     /* while the database is down, try again this often */
#define TAKE_MS 100          /* and look this often whether the connector got through */
#define FIRST_CONNECT_MS 10000 /* at start, wait this long for the first attempt */
/* Intake's wait for one statement unless GC_PG_TIMEOUT_MS is set: a client hears UNAVAILABLE
 * within about this long when the database stalls, and retries with its idempotency key. A
 * statement of intake's normal work takes milliseconds; a lock held longer by another writer
 * (or a stalled disk) turns into UNAVAILABLE, and the work it did may still commit: the retry
 * finds it by its key. */
#define INTAKE_PG_TIMEOUT_MS 1500

typedef struct {
    PGconn *db;                  /* NULL while the database is unreachable */
    gc_pg_connector_t *connector; /* connects in the background meanwhile */
    gc_area_index_t *areas;      /* the district's areas, for locating cases */
    event_publisher_t *publisher;
    void *pub;
} intake_t;

static void disconnect(intake_t *in)
{
    if (in->db) {
        PQfinish(in->db);
        gc_pg_connector_again(in->connector);
    }
    in->db = NULL;
    gc_area_index_destroy(&in->areas);
    event_publisher_destroy(&in->publisher);
}

/* Takes the connector's connection, if it made one (waiting up to wait_ms for its first
 * attempt): listen for the doorbells, load the areas, find the log's end. */
static void try_connect(intake_t *in, long wait_ms)
{
    in->db = wait_ms ? gc_pg_connector_first(in->connector, wait_ms)
                     : gc_pg_connector_take(in->connector);
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
    if (!cfg.pg_timeout_ms)
        gc_pg_set_timeout(INTAKE_PG_TIMEOUT_MS);
    gc_case_register();
    gc_event_register();
    intake_t in = {.pub = pub, .connector = gc_pg_connector_new(cfg.pg_dsn, RECONNECT_MS)};
    if (!in.connector)
        return 1;
    /* the first attempt's end before "ready", as every daemon connects first: the ZAP handler
     * needs the database to admit the clients that connect as soon as intake is up */
    try_connect(&in, FIRST_CONNECT_MS);
    gc_log_info("ready: intake on %s, events on %s", cfg.intake_bind, cfg.events_bind);

    while (!gc_daemon_stop) {
        zmq_pollitem_t items[] = {{router, 0, ZMQ_POLLIN, 0},
                                  {gc_zap_socket(zap), 0, ZMQ_POLLIN, 0},
                                  {NULL, in.db ? PQsocket(in.db) : -1, ZMQ_POLLIN, 0}};
        if (zmq_poll(items, in.db ? 3 : 2, in.db ? 1000 : TAKE_MS) < 0 && errno != EINTR)
            break;
        if (!in.db)
            try_connect(&in, 0);
        gc_zap_handle(zap, in.db);
        bool db_failed = false;
        for (int turn = 0; turn < BATCHES_PER_TURN && !db_failed && !gc_daemon_stop; turn++)
            if (intake_batch_run(router, in.db, in.areas, &db_failed) == 0)
                break;
        if (in.db && (db_failed || !take_notifications(&in)
                      || !event_publisher_flush(in.publisher, in.db) || !gc_pg_alive(in.db))) {
            gc_log_warn("database connection lost; answering UNAVAILABLE until it is back");
            disconnect(&in);
        }
        if (in.db)
            gc_daemon_alive();
    }
    gc_log_info("stopping");
    disconnect(&in);
    gc_pg_connector_destroy(&in.connector);
    zmq_close(router);
    zmq_close(pub);
    /* the handler last: a handshake still under way when the sockets close gets its answer */
    gc_zap_destroy(&zap);
    gc_msg_ctx_end(ctx);
    return 0;
}
