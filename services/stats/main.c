/* gc-stats: folds the case event log into figures per area, category, department and window,
 * and publishes snapshots every GC_STATS_INTERVAL_MS (so a dashboard that joins late has every
 * figure within one interval); serves them to Prometheus at GC_METRICS_BIND. */
#include "stats_fold.h"
#include "stats_http.h"
#include "stats_metrics.h"
#include "stats_publisher.h"
#include "stats_round.h"

#include "gc_clock.h"
#include "gc_consumer.h"
#include "gc_daemon.h"
#include "gc_log.h"
#include "gc_msg.h"
#include "gc_names.h"
#include "gc_pg.h"
#include "gc_zap.h"

#include <errno.h>
#include <string.h>

#define CHANGE_ROUND_MS 200 /* soonest round after a change (if GC_STATS_INTERVAL_MS is longer) */
#define PRUNE_EVERY_MS (3600 * 1000L) /* old day windows are removed hourly (and at start) */
/* Events folded per transaction. A batch writes one row version per (area above, category,
 * window) it touches, a few hundred whatever its length, so a longer batch costs less per event
 * (make profile's intake load: the writes took 0.064 ms of the database's time per case at 500,
 * on a busy machine, and 0.021 ms at 2,000, on a quiet one). */
#define FOLD_BATCH 2000
/* Batches per catch-up before a round may be published: under a steady stream the fold is never
 * quite caught up, and a loop that waited for that published nothing for seconds. */
#define FOLD_BATCHES_PER_TURN 2

int main(int argc, char **argv)
{
    gc_config_t cfg;
    gc_daemon_start(argc, argv, "gc-stats",
                    "Folds the case event log into statistics (docs/STATISTICS.md) and publishes\n"
                    "snapshots per area and department with a heartbeat (GC_STATS_BIND, PUB);\n"
                    "serves GET /metrics and /healthz (GC_METRICS_BIND). Follows GC_EVENTS_URL.",
                    &cfg);
    void *ctx = zmq_ctx_new();
    void *events = gc_daemon_client(ctx, ZMQ_SUB, "GC_EVENTS_URL", cfg.events_url,
                                    "GC_INTAKE_SERVER_KEY", cfg.intake_server_key, &cfg);
    /* the ZAP handler before the CURVE socket binds: without one libzmq lets every client in */
    gc_zap_t *zap = gc_zap_new(ctx);
    if (!zap)
        return 1;
    void *pub = gc_daemon_server(ctx, ZMQ_PUB, "GC_STATS_BIND", cfg.stats_bind,
                                 "GC_STATS_SECRET_KEY_FILE", cfg.stats_secret_key_file,
                                 GC_ZAP_DOMAIN_STATS, "the statistics stream",
                                 cfg.max_message_bytes);
    zmq_setsockopt(events, ZMQ_SUBSCRIBE, "", 0);
    stats_metrics_t *metrics = stats_metrics_new(gc_level_value(cfg.metrics_area_level));
    stats_http_t *http = NULL;
    if (strcmp(cfg.metrics_bind, "off") != 0 && !(http = stats_http_new(cfg.metrics_bind, metrics)))
        return 2; /* stats_http_new named GC_METRICS_BIND */
    stats_publisher_t *publisher = stats_publisher_new(pub, metrics, cfg.stats_interval_ms);
    stats_fold_t *fold = stats_fold_new();
    gc_consumer_t consumer = stats_fold_consumer(fold); /* registers its statements */
    consumer.progress = gc_daemon_alive;
    consumer.max_batches = FOLD_BATCHES_PER_TURN;
    gc_consumer_register();
    PGconn *db = gc_pg_connect(cfg.pg_dsn, &gc_daemon_stop);
    /* the stream is filled from the views by field name: a schema older than this build would
     * publish figures missing without a word */
    const char *missing = db ? stats_round_check(db) : NULL;
    if (missing) {
        gc_log_error("the statistics views lack %s: run gridctl migrate", missing);
        return 2;
    }
    gc_log_info("ready: snapshots on %s, metrics on %s, following %s", cfg.stats_bind,
                cfg.metrics_bind, cfg.events_url);

    /* A round every interval, so a late joiner has every figure within one; and sooner, at most
     * every CHANGE_ROUND_MS, when events changed figures, so a dashboard sees a change well
     * within a second whatever the interval. */
    const long change_round_ms = cfg.stats_interval_ms < CHANGE_ROUND_MS ? cfg.stats_interval_ms
                                                                         : CHANGE_ROUND_MS;
    long last_publish = 0, last_prune = 0;
    bool changed = false; /* events folded since the last round */
    bool behind = false;  /* the last catch-up stopped after its turn's batches */
    bool rang = false;    /* a doorbell rang since the last fold */
    while (!gc_daemon_stop && db) {
        zmq_pollitem_t items[] = {{events, 0, ZMQ_POLLIN, 0}, {gc_zap_socket(zap), 0, ZMQ_POLLIN, 0}};
        long since = gc_clock_monotonic_ms() - last_publish;
        long wait = !last_publish || behind ? 0 /* at once: a first round, or the fold goes on */
                    : changed || rang       ? change_round_ms - since
                                            : cfg.stats_interval_ms - since;
        if (zmq_poll(items, 2, wait > 0 ? wait : 0) < 0 && errno != EINTR)
            break;
        gc_zap_handle(zap, db);
        gc_frames_t f;
        while (gc_frames_recv(events, &f, ZMQ_DONTWAIT) == 0) {
            gc_frames_close(&f); /* a doorbell: the log is read below */
            rang = true;
        }
        /* The fold runs when a round may go out: what it folds sooner waits for that round all
         * the same, and a fold's writes cost as much for 50 events as for 2,000 (a fold at every
         * doorbell took a third of a core at 1,000 cases/s). The interval's round folds too, so
         * a lost doorbell delays nothing past it. */
        since = gc_clock_monotonic_ms() - last_publish;
        bool fold = !last_publish || behind || since >= change_round_ms;
        long folded = fold ? gc_consumer_catch_up(db, "stats", FOLD_BATCH, &consumer) : 0;
        rang = rang && !fold;
        bool ok = folded >= 0;
        behind = folded >= (long)FOLD_BATCH * FOLD_BATCHES_PER_TURN;
        changed |= folded > 0;
        since = gc_clock_monotonic_ms() - last_publish;
        if (ok && (since >= cfg.stats_interval_ms || (changed && since >= change_round_ms))) {
            ok = stats_publisher_publish(publisher, db);
            last_publish = gc_clock_monotonic_ms();
            changed = !ok && changed;
        }
        if (ok && (!last_prune || gc_clock_monotonic_ms() - last_prune >= PRUNE_EVERY_MS)) {
            long removed = stats_fold_prune_days(db, cfg.stats_day_retention_days);
            ok = removed >= 0;
            if (removed > 0)
                gc_log_info("removed %ld rows of day windows older than %ld days", removed,
                            cfg.stats_day_retention_days);
            last_prune = gc_clock_monotonic_ms();
        }
        if (ok)
            gc_daemon_alive();
        if (!ok && !gc_pg_alive(db)) {
            gc_log_warn("database connection lost; reconnecting");
            stats_metrics_set_health(metrics, false, "the database is unreachable");
            PQfinish(db);
            db = gc_pg_connect(cfg.pg_dsn, &gc_daemon_stop);
        }
    }
    gc_log_info("stopping");
    stats_http_destroy(&http);
    stats_publisher_destroy(&publisher);
    stats_fold_destroy(&fold);
    stats_metrics_destroy(&metrics);
    if (db)
        PQfinish(db);
    zmq_close(events);
    zmq_close(pub);
    /* the handler last: a handshake still under way when the sockets close gets its answer */
    gc_zap_destroy(&zap);
    gc_msg_ctx_end(ctx);
    return 0;
}
