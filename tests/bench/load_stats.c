/* load_stats: the dashboards' side. A subscriber keeps every snapshot of the district (the root
 * area: its figures count every case) with the time it arrived; and a stats daemon, started by
 * deploy/stack.sh (with the role and settings it gives each daemon), is timed from its process
 * start to its first snapshot. */
#include "load.h"

#include "gc_clock.h"
#include "gc_curve.h"
#include "gc_msg.h"
#include "stats.pb-c.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* A SUB socket that finds a (re)starting publisher quickly: the default reconnect interval is
 * 100 ms, which would be charged to the daemon's start. */
static void *subscriber(void *ctx, const char *url, const char *topic)
{
    void *s = gc_msg_socket_new(ctx, ZMQ_SUB, 0);
    int hwm = 1000000, ivl = 10;
    char err[600];
    if (!s)
        return NULL;
    if (!gc_curve_client_setup(s, getenv("GC_STATS_SERVER_KEY"), getenv("GC_CLIENT_KEY_FILE"),
                               err, sizeof err)) {
        fprintf(stderr, "gc-bench-load: the stats stream: %s\n", err);
        zmq_close(s);
        return NULL;
    }
    zmq_setsockopt(s, ZMQ_RCVHWM, &hwm, sizeof hwm);
    zmq_setsockopt(s, ZMQ_RECONNECT_IVL, &ivl, sizeof ivl);
    zmq_setsockopt(s, ZMQ_SUBSCRIBE, topic, strlen(topic));
    return gc_msg_attach(s, url, false) ? s : NULL;
}

static void keep(bench_t *b, const Gridcase__StatsSnapshot *s, int64_t now)
{
    const Gridcase__Figures *all = NULL; /* the all-time window: every case reported */
    for (size_t i = 0; i < s->n_windows; i++)
        if (s->windows[i]->window == GRIDCASE__STATS_WINDOW__STATS_WINDOW_ALL)
            all = s->windows[i]->figures;
    if (!all)
        return;
    if (b->nsnaps == b->snaps_cap) {
        b->snaps_cap = b->snaps_cap ? b->snaps_cap * 2 : 4096;
        b->snaps = realloc(b->snaps, b->snaps_cap * sizeof *b->snaps);
    }
    b->snaps[b->nsnaps++] = (bench_snap_t){now, all->reported, all->closed};
    atomic_store(&b->stats_total, all->reported);
    atomic_store(&b->stats_closed, all->closed);
    atomic_store(&b->stats_seen, true);
}

static void *stats_main(void *arg)
{
    bench_t *b = arg;
    void *ctx = zmq_ctx_new();
    /* the district's code is a prefix of every area's: keep only its own snapshots */
    void *sub = subscriber(ctx, b->stats_url, b->district);
    while (sub && !atomic_load(&b->stop)) {
        zmq_pollitem_t item = {sub, 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&item, 1, 100) <= 0)
            continue;
        gc_frames_t f;
        while (gc_frames_recv(sub, &f, ZMQ_DONTWAIT) == 0) {
            int64_t now = gc_clock_monotonic_us();
            Gridcase__StatsSnapshot *s =
                f.count == 2 ? gridcase__stats_snapshot__unpack(NULL, gc_frames_size(&f, 1),
                                                                gc_frames_data(&f, 1))
                             : NULL;
            gc_frames_close(&f);
            if (s && strcmp(s->area, b->district) == 0)
                keep(b, s, now);
            if (s)
                gridcase__stats_snapshot__free_unpacked(s, NULL);
        }
    }
    if (sub)
        zmq_close(sub);
    zmq_ctx_term(ctx);
    return NULL;
}

bool bench_stats_start(bench_t *b, pthread_t *thread)
{
    return pthread_create(thread, NULL, stats_main, b) == 0;
}

/* When a process started, in seconds on CLOCK_BOOTTIME (the clock of /proc/PID/stat's
 * starttime, field 22), or < 0. */
static double started_at(int pid)
{
    char path[64], line[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char *fields = fgets(line, sizeof line, f) ? strrchr(line, ')') : NULL;
    fclose(f);
    unsigned long long start;
    /* after "pid (comm)": fields 3..21 skipped, then starttime */
    if (!fields || sscanf(fields + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d "
                                      "%*d %*d %*d %*d %*d %llu", &start) != 1)
        return -1;
    return (double)start / (double)sysconf(_SC_CLK_TCK);
}

static double boot_clock(void)
{
    struct timespec t;
    clock_gettime(CLOCK_BOOTTIME, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

double bench_stats_first_snapshot(const char *stats_url, const char *pidfile, int old_pid,
                                  double timeout_s)
{
    void *ctx = zmq_ctx_new();
    void *sub = subscriber(ctx, stats_url, "");
    double seconds = -1;
    zmq_pollitem_t item = {sub, 0, ZMQ_POLLIN, 0};
    if (sub && zmq_poll(&item, 1, (long)(timeout_s * 1000)) > 0) {
        double now = boot_clock();
        FILE *f = fopen(pidfile, "r");
        int pid = 0;
        if (f && fscanf(f, "%d", &pid) == 1 && pid != old_pid && started_at(pid) > 0)
            seconds = now - started_at(pid);
        else
            fprintf(stderr, "gc-bench-load: a snapshot came, but not from a new daemon in %s\n",
                    pidfile);
        if (f)
            fclose(f);
    }
    if (sub)
        zmq_close(sub);
    zmq_ctx_term(ctx);
    return seconds;
}
