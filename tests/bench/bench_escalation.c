/* gc-bench-escalation: what a tick of the escalation daemon costs with many open cases.
 *
 *   gc-bench-escalation [--open N] [--supervised N] [--due N] [--ticks N] [--json FILE]
 *
 * Against GC_PG_DSN (a migrated database with the demo district: tests/bench/run.sh makes one),
 * it fills the cases table up to N open cases whose deadlines lie in the next 30 days, plus
 * cases already flagged for supervision at the district (their deadlines passed long ago: the
 * kind a full-table scan would trip over), then measures with the daemon's own code:
 *   1. an empty tick (escalator_tick: follow the log, sweep) repeated --ticks times;
 *   2. --due cases falling due at once: cases escalated per second until the sweep is done.
 * Prints a table, and the figures as one JSON object to --json FILE. Not a test: no pass/fail. */
#include "escalator.h"
#include "gc_case.h"
#include "gc_clock.h"
#include "gc_consumer.h"
#include "gc_log.h"
#include "gc_pg.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static long scalar(PGconn *db, const char *sql)
{
    PGresult *res = gc_pg_query(db, "bench", sql, 0, NULL);
    long v = gc_pg_ok(res) && PQntuples(res) == 1 ? atol(PQgetvalue(res, 0, 0)) : -1;
    PQclear(res);
    return v;
}

/* Adds open cases in chunks, so one statement never holds a million rows in memory. */
static bool fill(PGconn *db, long want, bool supervised)
{
    long have = scalar(db, supervised
                               ? "SELECT count(*) FROM cases WHERE supervised_at IS NOT NULL"
                               : "SELECT count(*) FROM cases WHERE status = 'routed' "
                                 "AND supervised_at IS NULL");
    while (have >= 0 && have < want) {
        long n = want - have < 100000 ? want - have : 100000;
        char count[32];
        snprintf(count, sizeof count, "%ld", n);
        const char *params[] = {count, supervised ? "t" : "f"};
        long t0 = gc_clock_monotonic_ms();
        if (!gc_pg_run(db, "fill",
                       "INSERT INTO cases (idempotency_key, category, area_code, level, status, "
                       "description, source, created_at, updated_at, deadline_at, supervised_at) "
                       "SELECT 'bench-' || md5(random()::text || g), 'street_light', "
                       "  '4101020303', CASE WHEN $2 THEN 'district' ELSE "
                       "  (ARRAY['grid', 'community', 'street', 'district'])[1 + g % 4] END, "
                       "  'routed', '路灯不亮（基准测试）', 'resident', gc_now(), gc_now(), "
                       "  CASE WHEN $2 THEN gc_now() - interval '90 days' "
                       "  ELSE gc_now() + interval '1 hour' + random() * interval '30 days' END, "
                       "  CASE WHEN $2 THEN gc_now() - interval '60 days' END "
                       "FROM generate_series(1, $1::int) g",
                       2, params))
            return false;
        have += n;
        fprintf(stderr, "filled %ld %s cases (%ld ms)\n", have,
                supervised ? "supervised" : "open", gc_clock_monotonic_ms() - t0);
    }
    return have >= 0;
}

static int compare_long(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    long open = 1000000, supervised = 10000, due = 100000, ticks = 50;
    const char *json_path = NULL;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--open") == 0)
            open = atol(argv[i + 1]);
        else if (strcmp(argv[i], "--supervised") == 0)
            supervised = atol(argv[i + 1]);
        else if (strcmp(argv[i], "--due") == 0)
            due = atol(argv[i + 1]);
        else if (strcmp(argv[i], "--ticks") == 0)
            ticks = atol(argv[i + 1]);
        else if (strcmp(argv[i], "--json") == 0)
            json_path = argv[i + 1];
    }
    if (open < due || ticks < 1 || argc % 2 == 0) {
        fprintf(stderr, "usage: gc-bench-escalation [--open N] [--supervised N] [--due N<=open] "
                        "[--ticks N] [--json FILE]\n");
        return 2;
    }
    gc_log_init("gc-bench-escalation", true);
    gc_log_set_level("warn"); /* not a line per escalated case */
    const char *dsn = getenv("GC_PG_DSN");
    gc_case_register();
    gc_consumer_register();
    PGconn *db = gc_pg_try_connect(dsn ? dsn : "");
    if (!db)
        return 1;
    if (!fill(db, open, false) || !fill(db, supervised, true)
        || !gc_pg_run(db, "analyze", "ANALYZE cases", 0, NULL))
        return 1;
    /* anything already due (a previous run's leftovers) is swept before measuring */
    if (!escalator_tick(db, 1000))
        return 1;

    long *us = calloc((size_t)ticks, sizeof *us);
    for (long i = 0; i < ticks; i++) {
        long t0 = gc_clock_monotonic_us();
        if (!escalator_tick(db, 1000))
            return 1;
        us[i] = gc_clock_monotonic_us() - t0;
    }
    qsort(us, (size_t)ticks, sizeof *us, compare_long);
    double median_ms = us[ticks / 2] / 1000.0, max_ms = us[ticks - 1] / 1000.0;
    double p99_ms = us[(ticks * 99) / 100 < ticks ? (ticks * 99) / 100 : ticks - 1] / 1000.0;

    /* the cases below the district with the earliest deadlines fall due now */
    char d[32];
    snprintf(d, sizeof d, "%ld", due);
    const char *params[] = {d};
    if (!gc_pg_run(db, "fall due",
                   "UPDATE cases SET deadline_at = gc_now() - interval '1 second' WHERE id IN "
                   "(SELECT id FROM cases WHERE status = 'routed' AND supervised_at IS NULL "
                   " AND level <> 'district' ORDER BY deadline_at LIMIT $1)",
                   1, params))
        return 1;
    long t0 = gc_clock_monotonic_us(), dealt = 0, n;
    while ((n = escalator_sweep(db, 1000)) > 0)
        dealt += n;
    double seconds = (gc_clock_monotonic_us() - t0) / 1e6;
    if (n < 0)
        return 1;
    long open_now = scalar(db, "SELECT count(*) FROM cases WHERE status NOT IN ('resolved', 'closed')");

    printf("escalation tick with %ld open cases (%ld of them flagged at the district)\n", open_now,
           supervised);
    printf("  empty tick   median %.2f ms, p99 %.2f ms, max %.2f ms (%ld ticks)\n", median_ms,
           p99_ms, max_ms, ticks);
    printf("  %ld due at once: %ld dealt with in %.2f s = %.0f cases/s\n", due, dealt, seconds,
           dealt / seconds);
    if (json_path) {
        FILE *f = fopen(json_path, "w");
        if (!f)
            return 1;
        fprintf(f,
                "{\"open_cases\": %ld, \"supervised_cases\": %ld, \"empty_tick_ms\": "
                "{\"median\": %.3f, \"p99\": %.3f, \"max\": %.3f, \"ticks\": %ld}, "
                "\"due_at_once\": %ld, \"escalated\": %ld, \"escalation_seconds\": %.3f, "
                "\"escalations_per_second\": %.1f}\n",
                open_now, supervised, median_ms, p99_ms, max_ms, ticks, due, dealt, seconds,
                dealt / seconds);
        fclose(f);
    }
    free(us);
    PQfinish(db);
    return dealt == due ? 0 : 1;
}
