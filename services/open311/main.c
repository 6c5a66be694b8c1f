/* gc-open311: the Open311 GeoReport v2 gateway. Residents' apps, hotline bridges and web forms
 * that speak HTTP list our categories as services, post service requests and follow them to
 * closed. A POST goes through intake as a CurveZMQ client with its own key, like any other
 * client (same validation, duplicates, reply after commit); GETs read the view
 * open311_requests as the role gridcase_open311, which cannot read reporters' data. */
#include "open311_http.h"
#include "open311_store.h"

#include "gc_daemon.h"
#include "gc_log.h"
#include "gc_msg.h"
#include "gc_pg.h"

#include <time.h>
#include <zmq.h>

/* Connections served at once (a thread each, 256 KiB of stack): room for a burst of posts;
 * OPEN311_LANES of them talk to the database and intake at a time, the rest wait their turn. */
#define MAX_CONNECTIONS 512

/* A GET or the look-ups of a POST: a few index reads. Longer means the server is in trouble:
 * the connection is dropped and made again, and the client gets 503. */
#define PG_TIMEOUT_MS 5000

int main(int argc, char **argv)
{
    gc_config_t cfg;
    gc_daemon_start(argc, argv, "gc-open311",
                    "The Open311 GeoReport v2 gateway: serves discovery, services and requests\n"
                    "under /open311/v2/ in XML and JSON over HTTP (GC_OPEN311_BIND), with\n"
                    "/metrics and /healthz. Posts go to intake (GC_INTAKE_URL; a CurveZMQ client\n"
                    "with GC_CLIENT_KEY_FILE when GC_INTAKE_SERVER_KEY is set); reads come from\n"
                    "the database (GC_PG_DSN, as the role gridcase_open311). Client applications\n"
                    "post with an api_key: gridctl apikey add NAME.",
                    &cfg);
    gc_pg_set_timeout(cfg.pg_timeout_ms > 0 ? cfg.pg_timeout_ms : PG_TIMEOUT_MS);
    void *ctx = zmq_ctx_new();
    open311_store_t *store = open311_store_new(&cfg, ctx);
    open311_http_t *http = store ? open311_http_new(cfg.open311_bind, store, MAX_CONNECTIONS)
                                 : NULL;
    if (!http) { /* open311_http_new named GC_OPEN311_BIND: a bad setting, status 2 */
        open311_store_destroy(&store);
        gc_msg_ctx_end(ctx);
        return 2;
    }
    gc_log_info("ready: Open311 GeoReport v2 on http://%s/open311/v2/, posting to %s",
                cfg.open311_bind, cfg.intake_url);
    while (!gc_daemon_stop) {
        nanosleep(&(struct timespec){0, 200 * 1000 * 1000}, NULL);
        gc_daemon_alive();
    }
    gc_log_info("stopping");
    open311_http_destroy(&http);
    open311_store_destroy(&store);
    gc_msg_ctx_end(ctx);
    return 0;
}
