/* gc-bench-load: load against the running stack (GC_* settings from $GC_VAR/env), for make bench
 * (tests/bench/run.sh). Not a test: it prints figures and fails only when it cannot measure.
 *
 *   gc-bench-load run [--duration S | --count N] [--reporters N] [--in-flight N] [--rate R]
 *                     [--departments] [--stats] [--close-rate C] [--categories C1,C2]
 *                     [--credit N] [--ack-every N] [--drain-timeout S] [--json FILE]
 *                     [--watch NAME=PID,NAME=+PID...]
 *       Submits cases for S seconds (or N cases) on N reporter sockets, each keeping up to
 *       --in-flight submissions outstanding, at R cases/s over all (0: unthrottled). With
 *       --departments a client per department takes and acknowledges the deliveries; with
 *       --stats a subscriber follows the district's figures; with --close-rate (needs both) C
 *       cases a second are resolved by their department and verified by the grid, and the time
 *       until the stats stream counts each closure is the stats lag. After the window it waits
 *       until everything offered went all the way through (or --drain-timeout). --watch: the
 *       CPU each named process used during the window (+PID: with its children).
 *   gc-bench-load catchup --cases N [--category C] [...]
 *       N cases for C's department while it is offline; once routing has routed them all, its
 *       client connects and takes the backlog: cases/s delivered and acknowledged.
 *   gc-bench-load stats-restart --pidfile FILE --old-pid PID [--timeout S]
 *       Waits for the first snapshot of the stats daemon that replaces PID (someone else starts
 *       it and writes its pid to FILE): seconds from its process start to that snapshot.
 *
 * Categories must each have one routing rule (one department, one delivery per case). The JSON
 * keys are documented in docs/PERFORMANCE.md. */
#include "load.h"

#include "gc_clock.h"
#include "gc_config.h"
#include "gc_log.h"
#include "gc_pg.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_CATEGORIES "street_light,drain_cover,street_vending,public_security"

typedef struct {
    const char *mode, *json, *categories, *category, *pidfile;
    int old_pid;
    double timeout_s;
} args_t;

static bool flag(const char *a, const char *name)
{
    return strcmp(a, name) == 0;
}

static bool parse(int argc, char **argv, args_t *a, bench_t *b)
{
    a->mode = argc > 1 ? argv[1] : "";
    for (int i = 2; i < argc; i++) {
        const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (flag(o, "--departments"))
            b->departments = true;
        else if (flag(o, "--stats"))
            b->stats = true;
        else if (!v)
            return false;
        else if (flag(o, "--duration"))
            b->duration_s = atof(v);
        else if (flag(o, "--count") || flag(o, "--cases"))
            b->count = strtoull(v, NULL, 10);
        else if (flag(o, "--reporters"))
            b->reporters = atoi(v);
        else if (flag(o, "--in-flight"))
            b->in_flight = atoi(v);
        else if (flag(o, "--rate"))
            b->rate = atof(v);
        else if (flag(o, "--close-rate"))
            b->close_rate = atof(v);
        else if (flag(o, "--credit"))
            b->credit = atoi(v);
        else if (flag(o, "--ack-every"))
            b->ack_every = atoi(v);
        else if (flag(o, "--drain-timeout"))
            b->drain_timeout_s = atof(v);
        else if (flag(o, "--categories"))
            a->categories = v;
        else if (flag(o, "--category"))
            a->category = v;
        else if (flag(o, "--json"))
            a->json = v;
        else if (flag(o, "--pidfile"))
            a->pidfile = v;
        else if (flag(o, "--old-pid"))
            a->old_pid = atoi(v);
        else if (flag(o, "--watch")) {
            if (!bench_cpu_watch(b, v))
                return false;
        }
        else if (flag(o, "--timeout"))
            a->timeout_s = atof(v);
        else
            return false;
        if (!flag(o, "--departments") && !flag(o, "--stats"))
            i++;
    }
    return b->reporters > 0 && b->in_flight > 0 && b->credit > 0 && b->credit <= 1000
           && b->ack_every > 0 && (b->duration_s > 0 || b->count > 0);
}

/* The categories' departments: each category must have exactly one routing rule. */
static bool load_categories(PGconn *db, bench_t *b, const char *list)
{
    char copy[600];
    snprintf(copy, sizeof copy, "%s", list);
    for (char *save = NULL, *c = strtok_r(copy, ",", &save); c; c = strtok_r(NULL, ",", &save)) {
        if (b->ncategories == BENCH_MAX_CATEGORIES)
            return false;
        const char *params[] = {c};
        PGresult *res = gc_pg_query(db, "routing rules",
                                    "SELECT department FROM routing_rules WHERE category = $1", 1,
                                    params);
        bool one = gc_pg_ok(res) && PQntuples(res) == 1;
        if (!one) {
            fprintf(stderr, "gc-bench-load: category %s needs exactly one routing rule\n", c);
            PQclear(res);
            return false;
        }
        const char *dept = PQgetvalue(res, 0, 0);
        int d = 0;
        while (d < b->ndepts && strcmp(b->depts[d].code, dept) != 0)
            d++;
        if (d == b->ndepts) {
            snprintf(b->depts[d].code, sizeof b->depts[d].code, "%s", dept);
            b->depts[d].start_seq = (uint64_t)bench_db_scalar(
                db, "SELECT last_seq FROM department_delivery_state WHERE department = $1", dept);
            b->ndepts++;
        }
        snprintf(b->categories[b->ncategories++], sizeof b->categories[0], "%s", c);
        PQclear(res);
    }
    return b->ncategories > 0;
}

/* Grids, the district, the departments' positions, a nonce for this run's cases. */
static bool prepare(PGconn *db, bench_t *b, const char *categories)
{
    PGresult *res = gc_pg_query(db, "grids",
                                "SELECT code FROM areas WHERE level = 'grid' ORDER BY code", 0, NULL);
    for (int i = 0; gc_pg_ok(res) && i < PQntuples(res) && i < BENCH_MAX_GRIDS; i++)
        snprintf(b->grids[b->ngrids++], sizeof b->grids[0], "%s", PQgetvalue(res, i, 0));
    PQclear(res);
    res = gc_pg_query(db, "district",
                      "SELECT code FROM areas WHERE parent_code IS NULL ORDER BY code LIMIT 1", 0,
                      NULL);
    if (gc_pg_ok(res) && PQntuples(res) == 1)
        snprintf(b->district, sizeof b->district, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    snprintf(b->nonce, sizeof b->nonce, "%lx%x", (unsigned long)time(NULL), (unsigned)getpid());
    if (b->ngrids == 0 || !*b->district) {
        fprintf(stderr, "gc-bench-load: no grids or no district: import the reference data\n");
        return false;
    }
    return load_categories(db, b, categories);
}

static double seconds_since(int64_t t0)
{
    return (gc_clock_monotonic_us() - t0) / 1e6;
}

static uint64_t dept_acked(const bench_t *b)
{
    uint64_t n = 0;
    for (int i = 0; i < b->ndepts; i++)
        n += atomic_load(&b->depts[i].acked);
    return n;
}

/* After the window: until every acknowledged case was delivered and acknowledged (with
 * --departments), counted (with --stats; and every closure too), and every consumer caught
 * up. True when it was. */
static bool drain(bench_t *b, PGconn *db)
{
    int64_t give_up = gc_clock_monotonic_us() + (int64_t)(b->drain_timeout_s * 1e6);
    uint64_t want = atomic_load(&b->acked), closed = atomic_load(&b->nclosures);
    while (gc_clock_monotonic_us() < give_up && !atomic_load(&b->failed)) {
        bool depts = !b->departments || dept_acked(b) >= want;
        bool stats = !b->stats
                     || (atomic_load(&b->stats_total) - b->stats_base_total >= want
                         && atomic_load(&b->stats_closed) - b->stats_base_closed >= closed);
        if (depts && stats && bench_wait_consumers(db, 0))
            return true;
        bench_sleep_us(20000);
    }
    return false;
}

/* Latencies from the table: submit -> intake's reply, submit -> department's client. */
static void latencies(const bench_t *b, json_t *out)
{
    uint64_t n = atomic_load(&b->sent);
    int64_t *ack = malloc((n + 1) * sizeof *ack), *dlv = malloc((n + 1) * sizeof *dlv);
    size_t na = 0, nd = 0;
    for (uint64_t i = 0; i < n; i++) {
        bench_req_t *r = bench_req(i, false);
        int64_t origin = r ? atomic_load(&r->origin_us) : 0;
        if (!origin)
            continue;
        int64_t a = atomic_load(&r->acked_us), d = atomic_load(&r->delivered_us);
        if (a)
            ack[na++] = a - origin;
        if (d)
            dlv[nd++] = d - origin;
    }
    json_object_set_new(out, "submit_to_ack_ms", bench_latency_json(ack, na));
    if (b->departments)
        json_object_set_new(out, "submit_to_department_ms", bench_latency_json(dlv, nd));
    free(ack);
    free(dlv);
}

/* Each closure's lag: from its closing command to the first district snapshot counting it. */
static json_t *stats_lag(const bench_t *b)
{
    uint64_t n = atomic_load(&b->nclosures), unseen = 0;
    int64_t *lag = malloc((n + 1) * sizeof *lag);
    size_t nl = 0, j = 0;
    for (uint64_t k = 0; k < n; k++) {
        uint64_t target = b->stats_base_closed + k + 1;
        while (j < b->nsnaps && b->snaps[j].cases_closed < target)
            j++;
        if (j == b->nsnaps) {
            unseen = n - k;
            break;
        }
        lag[nl++] = b->snaps[j].at_us - b->closures_us[k];
    }
    json_t *out = bench_latency_json(lag, nl);
    json_object_set_new(out, "not_shown", json_integer((json_int_t)unseen));
    json_object_set_new(out, "failed_closures",
                        json_integer((json_int_t)atomic_load(&b->close_failed)));
    free(lag);
    return out;
}

static json_t *run_results(bench_t *b, bool drained, double drain_s)
{
    double window = (b->end_us - b->start_us) / 1e6;
    json_t *o = json_pack("{s:f, s:i, s:i, s:f, s:I, s:I, s:I, s:I, s:f}", "window_s", window,
                          "reporters", b->reporters, "in_flight", b->in_flight, "offered_rate",
                          b->rate, "sent", (json_int_t)atomic_load(&b->sent), "acked",
                          (json_int_t)atomic_load(&b->acked), "refused",
                          (json_int_t)atomic_load(&b->refused), "unanswered",
                          (json_int_t)b->unanswered, "intake_cases_per_s",
                          b->end_acked / window);
    if (b->rate > 0) {
        json_object_set_new(o, "sent_per_s", json_real(atomic_load(&b->sent) / window));
        json_object_set_new(o, "generator_late_max_ms", json_real(b->late_max_us / 1000.0));
    }
    latencies(b, o);
    uint64_t completed = b->end_acked;
    if (b->departments) {
        json_t *d = json_object();
        for (int i = 0; i < b->ndepts; i++)
            json_object_set_new(d, b->depts[i].code,
                                json_pack("{s:I, s:I, s:I, s:I}", "delivered",
                                          (json_int_t)atomic_load(&b->depts[i].delivered),
                                          "acked", (json_int_t)atomic_load(&b->depts[i].acked),
                                          "foreign",
                                          (json_int_t)atomic_load(&b->depts[i].foreign),
                                          "resubscribed",
                                          (json_int_t)atomic_load(&b->depts[i].resubscribed)));
        json_object_set_new(o, "departments", d);
        json_object_set_new(o, "delivered_acked_cases_per_s", json_real(b->end_dept_acked / window));
        if (b->end_dept_acked < completed)
            completed = b->end_dept_acked;
    }
    if (b->stats) {
        json_object_set_new(o, "stats_counted_cases_per_s", json_real(b->end_counted / window));
        if (b->end_counted < completed)
            completed = b->end_counted;
    }
    if (b->departments && b->stats) {
        /* every case offered, over the time until the last one was through (window + drain):
         * the slowest stage decides, even one that only catches up once the load stops */
        json_object_set_new(o, "end_to_end_cases_per_s",
                            json_real(drained ? atomic_load(&b->acked) / (window + drain_s) : 0));
        /* only what was all the way through when the window ended */
        json_object_set_new(o, "end_to_end_in_window_cases_per_s", json_real(completed / window));
        json_object_set_new(o, "backlog_at_window_end",
                            json_integer((json_int_t)(b->end_acked - completed)));
    }
    json_object_set_new(o, "drained", json_boolean(drained));
    json_object_set_new(o, "drain_s", json_real(drain_s));
    if (b->close_rate > 0)
        json_object_set_new(o, "stats_lag_ms", stats_lag(b));
    json_object_set_new(o, "cpu_percent", bench_cpu_json(b, &b->cpu_start, &b->cpu_end));
    return o;
}

static json_t *mode_run(bench_t *b, PGconn *db)
{
    pthread_t depts[BENCH_MAX_DEPTS], stats, closer;
    if (!bench_wait_consumers(db, b->drain_timeout_s))
        fprintf(stderr, "gc-bench-load: the consumers were still behind at the start\n");
    if (b->stats) {
        if (!bench_stats_start(b, &stats))
            return NULL;
        int64_t t0 = gc_clock_monotonic_us(); /* a snapshot comes every GC_STATS_INTERVAL_MS */
        while (!atomic_load(&b->stats_seen) && seconds_since(t0) < 10)
            bench_sleep_us(10000);
        if (!atomic_load(&b->stats_seen)) {
            fprintf(stderr, "gc-bench-load: no snapshot from stats at %s\n", b->stats_url);
            return NULL;
        }
        b->stats_base_total = atomic_load(&b->stats_total);
        b->stats_base_closed = atomic_load(&b->stats_closed);
    }
    if (b->departments && !bench_depts_start(b, depts))
        return NULL;
    bool closing = b->close_rate > 0 && b->departments && b->stats;
    if (closing) {
        double span = b->duration_s < 86400 ? b->duration_s + 1 : 86400; /* --count: a day */
        b->closures_cap = (uint64_t)(b->close_rate * span) + 16;
        b->closures_us = calloc(b->closures_cap, sizeof *b->closures_us);
        b->refs = calloc(BENCH_MAX_REFS, sizeof *b->refs);
        if (!bench_closer_start(b, &closer))
            return NULL;
    }
    bool ok = bench_reporters_run(b);
    atomic_store(&b->load_over, true);
    if (closing)
        pthread_join(closer, NULL);
    bool drained = ok && drain(b, db);
    double drain_s = seconds_since(b->end_us);
    atomic_store(&b->stop, true);
    if (b->departments)
        bench_depts_join(b, depts);
    if (b->stats)
        pthread_join(stats, NULL);
    return ok && !atomic_load(&b->failed) ? run_results(b, drained, drain_s) : NULL;
}

static json_t *mode_catchup(bench_t *b, PGconn *db)
{
    const char *dept = b->depts[0].code;
    uint64_t from_seq = b->depts[0].start_seq;
    if (!bench_wait_consumers(db, b->drain_timeout_s))
        fprintf(stderr, "gc-bench-load: the consumers were still behind at the start\n");
    fprintf(stderr, "gc-bench-load: %" PRIu64 " cases for %s while it is offline\n", b->count,
            dept);
    if (!bench_reporters_run(b))
        return NULL;
    uint64_t upto = from_seq + b->end_acked;
    double fill_s = (b->end_us - b->start_us) / 1e6;
    while (bench_db_scalar(db, "SELECT last_seq FROM department_delivery_state WHERE department = $1",
                           dept) < (int64_t)upto
           && seconds_since(b->start_us) < b->drain_timeout_s + fill_s)
        bench_sleep_us(20000);
    double routed_s = seconds_since(b->start_us);
    fprintf(stderr, "gc-bench-load: %" PRIu64 " routed in %.1f s; %s reconnects\n", b->end_acked,
            routed_s, dept);
    double confirmed_s = 0;
    uint64_t resubscribed = 0;
    bench_cpu_t from, to;
    bench_cpu_mark(b, &from);
    double s = bench_catch_up(b, db, dept, from_seq, upto, &confirmed_s, &resubscribed);
    bench_cpu_mark(b, &to);
    if (s <= 0)
        return NULL;
    json_t *o = json_pack("{s:s, s:I, s:f, s:f, s:f, s:f, s:f, s:f, s:f}", "department", dept,
                          "cases", (json_int_t)b->end_acked, "fill_s", fill_s,
                          "fill_intake_cases_per_s", b->end_acked / fill_s, "routed_s", routed_s,
                          "catch_up_s", s, "cases_per_s", b->end_acked / s, "confirmed_s",
                          confirmed_s, "confirmed_cases_per_s", b->end_acked / confirmed_s);
    json_object_set_new(o, "resubscribed", json_integer((json_int_t)resubscribed));
    json_object_set_new(o, "fill_cpu_percent", bench_cpu_json(b, &b->cpu_start, &b->cpu_end));
    json_object_set_new(o, "cpu_percent", bench_cpu_json(b, &from, &to));
    return o;
}

static int usage(void)
{
    fprintf(stderr, "usage: gc-bench-load run [--duration S | --count N] [--reporters N] "
                    "[--in-flight N] [--rate R] [--departments] [--stats] [--close-rate C] "
                    "[--categories C1,C2] [--credit N] [--ack-every N] [--drain-timeout S] "
                    "[--json FILE] [--watch NAME=PID,NAME=+PID]\n"
                    "       gc-bench-load catchup --cases N [--category C] [...]\n"
                    "       gc-bench-load stats-restart --pidfile FILE --old-pid PID "
                    "[--timeout S] [--json FILE]\n");
    return 2;
}

int main(int argc, char **argv)
{
    static bench_t b = {.duration_s = 10, .reporters = 64, .in_flight = 8, .credit = 1000,
                        .ack_every = 100, .drain_timeout_s = 600};
    args_t a = {.categories = DEFAULT_CATEGORIES, .category = "street_light", .timeout_s = 60};
    if (!parse(argc, argv, &a, &b))
        return usage();
    gc_log_init("gc-bench-load", true);
    gc_log_set_level("warn");
    gc_config_t cfg;
    char err[300];
    if (!gc_config_load(&cfg, err, sizeof err)) {
        fprintf(stderr, "gc-bench-load: %s\n", err);
        return 2;
    }
    b.pg_dsn = cfg.pg_dsn;
    b.intake_url = cfg.intake_url;
    b.dept_url = cfg.dept_url;
    b.stats_url = cfg.stats_url;
    b.server_key = cfg.dept_server_key;
    b.keys_dir = cfg.dept_keys_dir;
    pthread_mutex_init(&b.lock, NULL);

    json_t *out = NULL;
    if (flag(a.mode, "stats-restart")) {
        if (!a.pidfile || !a.old_pid)
            return usage();
        double s = bench_stats_first_snapshot(b.stats_url, a.pidfile, a.old_pid, a.timeout_s);
        out = s > 0 ? json_pack("{s:f}", "first_snapshot_s", s) : NULL;
    } else if (flag(a.mode, "run") || flag(a.mode, "catchup")) {
        bool catchup = flag(a.mode, "catchup");
        if (catchup) {
            if (!b.count)
                return usage();
            b.duration_s = 1e9; /* counted, not timed */
            b.departments = b.stats = false;
            b.close_rate = 0;
        } else if (b.count) {
            b.duration_s = 1e9;
        }
        PGconn *db = gc_pg_try_connect(b.pg_dsn);
        if (!db || !prepare(db, &b, catchup ? a.category : a.categories))
            return 1;
        out = catchup ? mode_catchup(&b, db) : mode_run(&b, db);
        PQfinish(db);
    } else {
        return usage();
    }
    if (!out) {
        fprintf(stderr, "gc-bench-load: %s: no figures\n", a.mode);
        return 1;
    }
    char *text = json_dumps(out, JSON_COMPACT | JSON_REAL_PRECISION(6));
    fprintf(stderr, "gc-bench-load %s: %s\n", a.mode, text);
    FILE *f = a.json ? fopen(a.json, "w") : NULL;
    if (f) {
        fprintf(f, "%s\n", text);
        fclose(f);
    }
    free(text);
    json_decref(out);
    bench_req_free_all();
    return a.json && !f ? 1 : 0;
}
