/* gc-escalation: raises cases that missed their deadline, and cases people asked to raise.
 * Sweeps every GC_ESCALATION_TICK_MS; follows the event stream for escalation requests. */
#include "escalator.h"

#include "gc_case.h"
#include "gc_clock.h"
#include "gc_daemon.h"
#include "gc_consumer.h"
#include "gc_log.h"
#include "gc_msg.h"
#include "gc_pg.h"

#include <errno.h>

int main(int argc, char **argv)
{
    gc_config_t cfg;
    gc_daemon_start(argc, argv, "gc-escalation",
                    "Escalates overdue cases one level (grid -> community -> street -> district)\n"
                    "every GC_ESCALATION_TICK_MS, and cases people asked to escalate.\n"
                    "Time is the gridcase clock: gc_now() in the database (see gridctl clock).",
                    &cfg);
    void *ctx = zmq_ctx_new();
    void *events = gc_daemon_client(ctx, ZMQ_SUB, "GC_EVENTS_URL", cfg.events_url,
                                    "GC_INTAKE_SERVER_KEY", cfg.intake_server_key, &cfg);
    zmq_setsockopt(events, ZMQ_SUBSCRIBE, "", 0);
    gc_case_register();
    gc_consumer_register();
    PGconn *db = gc_pg_connect(cfg.pg_dsn, &gc_daemon_stop);
    gc_log_info("ready: sweeping every %ld ms, following %s", cfg.escalation_tick_ms,
                cfg.events_url);

    /* The sweep runs once a tick. A doorbell (an event published) only has the log read for
     * escalation requests: sweeping at every doorbell ran the sweep's query hundreds of times a
     * second under load, for deadlines that move by the tick. */
    long next_sweep = 0;
    while (!gc_daemon_stop && db) {
        long now = gc_clock_monotonic_ms();
        zmq_pollitem_t item = {events, 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&item, 1, next_sweep > now ? next_sweep - now : 0) < 0
            && errno != EINTR)
            break;
        gc_frames_t f;
        while (gc_frames_recv(events, &f, ZMQ_DONTWAIT) == 0)
            gc_frames_close(&f); /* a doorbell: the log says what happened */
        now = gc_clock_monotonic_ms();
        bool sweep = now >= next_sweep;
        if (sweep)
            next_sweep = now + cfg.escalation_tick_ms;
        if (sweep ? escalator_tick(db, cfg.escalation_batch) : escalator_follow(db)) {
            gc_daemon_alive();
        } else if (!gc_pg_alive(db)) {
            gc_log_warn("database connection lost; reconnecting");
            PQfinish(db);
            db = gc_pg_connect(cfg.pg_dsn, &gc_daemon_stop);
        }
    }
    gc_log_info("stopping");
    if (db)
        PQfinish(db);
    zmq_close(events);
    gc_msg_ctx_end(ctx);
    return 0;
}
