/* gc-stats: folds the case event log into figures per area and category, and publishes
 * snapshots on a PUB socket after every change and every GC_STATS_INTERVAL_MS (so a dashboard
 * that joins late has the figures within one interval). */
#include "stats_fold.h"
#include "stats_publisher.h"

#include "gc_consumer.h"
#include "gc_daemon.h"
#include "gc_log.h"
#include "gc_clock.h"
#include "gc_msg.h"
#include "gc_pg.h"

#include <errno.h>

int main(int argc, char **argv)
{
    gc_config_t cfg;
    gc_daemon_start(argc, argv, "gc-stats",
                    "Folds the case event log into statistics and publishes snapshots per area\n"
                    "(GC_STATS_BIND, PUB, topic = area code). Follows GC_EVENTS_URL.",
                    &cfg);
    void *ctx = zmq_ctx_new();
    void *events = gc_msg_socket(ctx, ZMQ_SUB, cfg.events_url, false, 0);
    void *pub = gc_msg_socket(ctx, ZMQ_PUB, cfg.stats_bind, true, 0);
    if (!events || !pub)
        return 1;
    zmq_setsockopt(events, ZMQ_SUBSCRIBE, "", 0);
    int hwm = 100000;
    zmq_setsockopt(pub, ZMQ_SNDHWM, &hwm, sizeof hwm);
    stats_publisher_t *publisher = stats_publisher_new(pub);
    PGconn *db = gc_pg_connect(cfg.pg_dsn, &gc_daemon_stop);
    gc_log_info("ready: snapshots on %s, following %s", cfg.stats_bind, cfg.events_url);

    long last_publish = 0;
    while (!gc_daemon_stop && db) {
        zmq_pollitem_t item = {events, 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&item, 1, cfg.stats_interval_ms) < 0 && errno != EINTR)
            break;
        gc_frames_t f;
        while (gc_frames_recv(events, &f, ZMQ_DONTWAIT) == 0)
            gc_frames_close(&f); /* a doorbell: the log is read below */
        long folded = gc_consumer_catch_up(db, "stats", 500, NULL, stats_fold_apply, NULL);
        bool ok = folded >= 0;
        if (ok && (folded > 0 || gc_clock_monotonic_ms() - last_publish >= cfg.stats_interval_ms)) {
            ok = stats_publisher_publish(publisher, db);
            last_publish = gc_clock_monotonic_ms();
        }
        if (!ok && !gc_pg_alive(db)) {
            gc_log_warn("database connection lost; reconnecting");
            PQfinish(db);
            db = gc_pg_connect(cfg.pg_dsn, &gc_daemon_stop);
        }
    }
    gc_log_info("stopping");
    stats_publisher_destroy(&publisher);
    if (db)
        PQfinish(db);
    zmq_close(events);
    zmq_close(pub);
    zmq_ctx_term(ctx);
    return 0;
}
