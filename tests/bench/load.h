/* gc-bench-load: the load generator of `make bench` (see load_main.c for the modes). Shared
 * state of its threads: the options, a table with the times of every request, and counters.
 * Threads: the reporters (the caller's thread), one per department client, the stats
 * subscriber, and the closer (stats lag). Everything they share is atomic or behind a mutex. */
#ifndef BENCH_LOAD_H
#define BENCH_LOAD_H

#include <jansson.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#define BENCH_MAX_CATEGORIES 8
#define BENCH_MAX_GRIDS 256
#define BENCH_MAX_DEPTS BENCH_MAX_CATEGORIES
#define BENCH_MAX_PROCS 8
#define BENCH_MAX_REFS 1024 /* delivered cases waiting for the closer; more are not needed */

/* The times of one request, in gc_clock_monotonic_us(); 0 = not (yet) happened. Latencies
 * count from origin_us: at an offered rate, when the request was due by the schedule (so a
 * stack that cannot keep up shows as latency, instead of slowing the generator down and
 * hiding it: "coordinated omission"); unthrottled, when it was sent. */
typedef struct {
    _Atomic int64_t origin_us;
    _Atomic int64_t acked_us;     /* intake's reply: the case is committed */
    _Atomic int64_t delivered_us; /* the department's client received the delivery */
} bench_req_t;

/* Request i's row, allocating its chunk when create is set (only the reporter thread does).
 * NULL when i is out of range or its chunk was never made. */
bench_req_t *bench_req(uint64_t i, bool create);
void bench_req_free_all(void);

/* One department taking this run's deliveries. */
typedef struct {
    char code[65];
    uint64_t start_seq;  /* its last delivery when the run began: the client starts after it */
    _Atomic uint64_t delivered; /* this run's deliveries received */
    _Atomic uint64_t acked;     /* ...and acknowledged */
    _Atomic uint64_t foreign;   /* deliveries of cases from elsewhere (acknowledged, not timed) */
    _Atomic uint64_t resubscribed; /* acks refused (routing had dropped the connection),
                                       each answered by subscribing again */
} bench_dept_t;

/* A district snapshot from the stats stream: when it arrived and what it said. */
typedef struct {
    int64_t at_us;
    uint64_t cases_total, cases_closed;
} bench_snap_t;

/* A process whose CPU use is reported (--watch NAME=PID, or NAME=+PID with its children). */
typedef struct {
    char name[16];
    int pid;
    bool with_children;
} bench_proc_t;

/* CPU used so far by each watched process and by all CPUs (clock ticks) and by this process
 * (seconds), and when. */
typedef struct {
    long long ticks[BENCH_MAX_PROCS];
    long long machine;
    double self_s;
    int64_t at_us;
} bench_cpu_t;

typedef struct {
    /* options */
    double duration_s;  /* offered load lasts this long... */
    uint64_t count;     /* ...or until this many were sent (0: no limit) */
    int reporters, in_flight;
    double rate;        /* offered cases/s over all reporters; 0 = unthrottled */
    bool departments, stats;
    double close_rate;  /* closures per second for the stats lag (0: none) */
    int credit, ack_every;
    double drain_timeout_s;
    /* from the environment ($GC_VAR/env) */
    const char *pg_dsn, *intake_url, *dept_url, *stats_url, *server_key, *keys_dir;
    /* the run */
    char nonce[32];     /* in every idempotency key and description: this run's cases */
    char categories[BENCH_MAX_CATEGORIES][65];
    int ncategories;
    char grids[BENCH_MAX_GRIDS][65];
    int ngrids;
    char district[65];  /* the root area: its snapshot counts every case */
    bench_dept_t depts[BENCH_MAX_DEPTS];
    int ndepts;
    int64_t start_us, end_us; /* the offered-load window */
    bench_proc_t procs[BENCH_MAX_PROCS];
    int nprocs;
    bench_cpu_t cpu_start, cpu_end; /* at the window's start and end */
    /* counters */
    _Atomic uint64_t sent, acked, refused;
    uint64_t unanswered;       /* submissions without a reply at the end */
    int64_t late_max_us;       /* the generator's worst lag behind the schedule */
    /* the counters when the window ended (bench_sample_end) */
    uint64_t end_acked, end_dept_acked, end_counted;
    _Atomic bool load_over; /* the window has ended: the closer stops */
    _Atomic bool stop;      /* everything stops */
    _Atomic bool failed;    /* a client thread could not go on: stop waiting for it */
    /* stats subscriber */
    _Atomic uint64_t stats_total, stats_closed; /* latest district figures */
    _Atomic bool stats_seen;
    uint64_t stats_base_total, stats_base_closed; /* the figures when the run began */
    bench_snap_t *snaps;    /* written by the stats thread; read after it has been joined */
    size_t nsnaps, snaps_cap;
    /* closer: refs of delivered cases it may close, and when each closure was sent */
    pthread_mutex_t lock;
    char (*refs)[32];
    int nrefs;
    int64_t *closures_us;
    _Atomic uint64_t nclosures;
    uint64_t closures_cap;
    _Atomic uint64_t close_failed;
} bench_t;

/* load_reporters.c: offers the load on b->reporters DEALER sockets until the window ends (or
 * b->count were sent), then waits (up to drain_timeout_s) for the replies still due. */
bool bench_reporters_run(bench_t *b);

/* load_depts.c: department client threads (one per department) and the closer. */
bool bench_depts_start(bench_t *b, pthread_t *threads);
void bench_depts_join(bench_t *b, pthread_t *threads);
bool bench_closer_start(bench_t *b, pthread_t *thread);
/* Takes one department's backlog from after_seq to upto; seconds until the last ack was sent
 * (and in *confirmed_s until routing recorded it), or < 0 on failure. */
double bench_catch_up(bench_t *b, PGconn *db, const char *dept, uint64_t after_seq,
                      uint64_t upto, double *confirmed_s, uint64_t *resubscribed);

/* load_stats.c: the stats subscriber thread, and a stats daemon's start measured. */
bool bench_stats_start(bench_t *b, pthread_t *thread);
/* Waits for the first snapshot of a stats daemon being (re)started by someone else (after
 * old_pid stopped); seconds from that process's start (its pid from pidfile) to the snapshot,
 * or < 0. */
double bench_stats_first_snapshot(const char *stats_url, const char *pidfile, int old_pid,
                                  double timeout_s);

/* load_cpu.c */
bool bench_cpu_watch(bench_t *b, const char *spec); /* "intake=PID,postgres=+PID" */
void bench_cpu_mark(const bench_t *b, bench_cpu_t *m);
json_t *bench_cpu_json(const bench_t *b, const bench_cpu_t *from, const bench_cpu_t *to);

/* load_util.c */
int64_t bench_db_scalar(PGconn *db, const char *sql, const char *param);
bool bench_wait_consumers(PGconn *db, double timeout_s); /* routing, escalation, stats caught up */
int bench_intake_send(void *socket, uint64_t index, const bench_t *b); /* one SubmitCase */
/* A DEALER to intake: CurveZMQ when GC_INTAKE_SERVER_KEY is set (GC_CLIENT_KEY_FILE's key, as
 * gridctl), plain otherwise. NULL after a message. */
void *bench_intake_socket(void *ctx, const bench_t *b);
void bench_sleep_us(int64_t us);
/* {n, p50, p99, p999, max} in ms of n durations in us (sorts them). */
json_t *bench_latency_json(int64_t *us, size_t n);
/* Keeps the counters (and the CPU used) as they are now in b->end_*: the window's figures. */
void bench_sample_end(bench_t *b);

#endif
