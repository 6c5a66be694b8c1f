/* load_util: the request table, the database look-ups the load generator needs, one submission
 * on the wire, and percentiles. */
#include "load.h"

#include "gc_clock.h"
#include "gc_curve.h"
#include "gc_msg.h"
#include "gc_pg.h"
#include "intake.pb-c.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Chunks, so the table grows while department threads read it: a row never moves. 65,536 rows
 * of 24 bytes a chunk; 4,096 chunks hold 268 million requests. */
#define CHUNK_BITS 16
#define CHUNKS 4096
static _Atomic(bench_req_t *) chunks[CHUNKS];

bench_req_t *bench_req(uint64_t i, bool create)
{
    uint64_t c = i >> CHUNK_BITS;
    if (c >= CHUNKS)
        return NULL;
    bench_req_t *chunk = atomic_load_explicit(&chunks[c], memory_order_acquire);
    if (!chunk && create) {
        chunk = calloc((size_t)1 << CHUNK_BITS, sizeof *chunk);
        atomic_store_explicit(&chunks[c], chunk, memory_order_release);
    }
    return chunk ? &chunk[i & (((uint64_t)1 << CHUNK_BITS) - 1)] : NULL;
}

void bench_req_free_all(void)
{
    for (int c = 0; c < CHUNKS; c++)
        free(atomic_exchange(&chunks[c], NULL));
}

int64_t bench_db_scalar(PGconn *db, const char *sql, const char *param)
{
    const char *params[] = {param};
    PGresult *res = gc_pg_query(db, "bench", sql, param ? 1 : 0, param ? params : NULL);
    int64_t v = gc_pg_ok(res) && PQntuples(res) == 1 && !PQgetisnull(res, 0, 0)
                    ? strtoll(PQgetvalue(res, 0, 0), NULL, 10)
                    : -1;
    PQclear(res);
    return v;
}

bool bench_wait_consumers(PGconn *db, double timeout_s)
{
    int64_t deadline = gc_clock_monotonic_us() + (int64_t)(timeout_s * 1e6);
    for (;;) {
        int64_t behind = bench_db_scalar(
            db,
            "SELECT (SELECT last_seq FROM event_streams WHERE stream = 'case') - min(last_seq) "
            "FROM consumer_cursors",
            NULL);
        if (behind == 0)
            return true;
        if (behind < 0 || gc_clock_monotonic_us() > deadline)
            return false;
        bench_sleep_us(50000);
    }
}

void *bench_intake_socket(void *ctx, const bench_t *b)
{
    char err[600];
    void *s = gc_curve_connect(ctx, ZMQ_DEALER, b->intake_url, getenv("GC_INTAKE_SERVER_KEY"),
                               getenv("GC_CLIENT_KEY_FILE"), 0, err, sizeof err);
    if (!s)
        fprintf(stderr, "gc-bench-load: intake: %s\n", err);
    return s;
}

int bench_intake_send(void *socket, uint64_t index, const bench_t *b)
{
    char key[96], description[96], request_id[24];
    snprintf(key, sizeof key, "bench-%s-%" PRIu64, b->nonce, index);
    snprintf(description, sizeof description, "bench %s %" PRIu64, b->nonce, index);
    snprintf(request_id, sizeof request_id, "%" PRIu64, index);
    Gridcase__IntakeRequest r = GRIDCASE__INTAKE_REQUEST__INIT;
    Gridcase__SubmitCase c = GRIDCASE__SUBMIT_CASE__INIT;
    c.idempotency_key = key;
    /* every category in every grid, in turn */
    c.category = (char *)b->categories[index % (uint64_t)b->ncategories];
    c.grid = (char *)b->grids[(index / (uint64_t)b->ncategories) % (uint64_t)b->ngrids];
    c.description = description;
    c.source = GRIDCASE__SOURCE__SOURCE_HOTLINE;
    r.request_id = request_id;
    r.body_case = GRIDCASE__INTAKE_REQUEST__BODY_SUBMIT;
    r.submit = &c;
    if (gc_msg_send_frame(socket, "", 0, true, 0) != 0)
        return -1;
    return gc_msg_send_proto(socket, &r.base, 0);
}

void bench_sleep_us(int64_t us)
{
    if (us <= 0)
        return;
    struct timespec t = {(time_t)(us / 1000000), (long)(us % 1000000) * 1000};
    nanosleep(&t, NULL);
}

static int compare_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Nearest rank on sorted values. */
static double rank_ms(const int64_t *sorted, size_t n, double p)
{
    size_t i = (size_t)(p / 100.0 * (double)n);
    return sorted[i < n ? i : n - 1] / 1000.0;
}

json_t *bench_latency_json(int64_t *us, size_t n)
{
    if (n == 0)
        return json_pack("{s:i}", "n", 0);
    qsort(us, n, sizeof *us, compare_i64);
    return json_pack("{s:I, s:f, s:f, s:f, s:f}", "n", (json_int_t)n, "p50", rank_ms(us, n, 50),
                     "p99", rank_ms(us, n, 99), "p999", rank_ms(us, n, 99.9), "max",
                     us[n - 1] / 1000.0);
}

void bench_sample_end(bench_t *b)
{
    b->end_acked = atomic_load(&b->acked);
    uint64_t acked = 0;
    for (int i = 0; i < b->ndepts; i++)
        acked += atomic_load(&b->depts[i].acked);
    b->end_dept_acked = acked;
    b->end_counted = atomic_load(&b->stats_total) - b->stats_base_total;
    bench_cpu_mark(b, &b->cpu_end);
}
