/* stats_publisher: read a round, fill snapshots per area and department from it, send them. */
#include "stats_publisher.h"

#include "gc_clock.h"
#include "gc_msg.h"
#include "gc_names.h"
#include "stats.pb-c.h"
#include "stats_fill.h"
#include "stats_fold.h"
#include "stats_round.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
    char topic[96];
    uint64_t seq;
} topic_seq_t;

struct stats_publisher {
    void *pub;
    stats_metrics_t *metrics;
    /* the backlogs of the last round that read them, reused until backlog_every_ms passed */
    PGresult *backlog, *dept_backlog;
    long backlog_at, backlog_every_ms, backlog_took_ms;
    uint64_t epoch, stream_seq, event_seq;
    topic_seq_t *seqs;
    size_t nseqs, capacity;
};

static uint64_t random_epoch(void)
{
    uint64_t e = 0;
    int fd = open("/dev/urandom", O_RDONLY);
    if (fd < 0 || read(fd, &e, sizeof e) != (ssize_t)sizeof e)
        e = (uint64_t)getpid() * 2654435761u; /* only for telling runs apart */
    if (fd >= 0)
        close(fd);
    return e ? e : 1;
}

stats_publisher_t *stats_publisher_new(void *pub, stats_metrics_t *metrics, long backlog_every_ms)
{
    stats_publisher_t *self = calloc(1, sizeof *self);
    if (self) {
        self->pub = pub;
        self->metrics = metrics;
        self->backlog_every_ms = backlog_every_ms;
        self->epoch = random_epoch();
    }
    return self;
}

void stats_publisher_destroy(stats_publisher_t **self)
{
    if (*self) {
        PQclear((*self)->backlog);
        PQclear((*self)->dept_backlog);
        free((*self)->seqs);
        free(*self);
        *self = NULL;
    }
}

uint64_t stats_publisher_event_seq(const stats_publisher_t *self)
{
    return self->event_seq;
}

/* The next seq of a topic (1 for a new one). */
static uint64_t next_seq(stats_publisher_t *self, const char *topic)
{
    for (size_t i = 0; i < self->nseqs; i++)
        if (strcmp(self->seqs[i].topic, topic) == 0)
            return ++self->seqs[i].seq;
    if (self->nseqs == self->capacity) {
        size_t cap = self->capacity ? 2 * self->capacity : 64;
        topic_seq_t *grown = realloc(self->seqs, cap * sizeof *grown);
        if (!grown)
            return 0;
        self->seqs = grown;
        self->capacity = cap;
    }
    snprintf(self->seqs[self->nseqs].topic, sizeof self->seqs[self->nseqs].topic, "%s", topic);
    self->seqs[self->nseqs].seq = 1;
    self->nseqs++;
    return 1;
}

static void send(stats_publisher_t *self, const char *topic, const ProtobufCMessage *m)
{
    /* PUB never blocks; past the high-water mark a slow subscriber loses messages and sees the
     * gap in stream_seq or seq */
    gc_msg_send_frame(self->pub, topic, strlen(topic), true, ZMQ_DONTWAIT);
    gc_msg_send_proto(self->pub, m, ZMQ_DONTWAIT);
}

/* One area's snapshot: its figure rows (one per window that has any), category rows and backlog
 * rows, each [first, last) of the round's results. */
typedef struct {
    int fig[2], cat[2], backlog[2];
} area_rows_t;

static bool publish_area(stats_publisher_t *self, const stats_round_t *rd, int a,
                         const area_rows_t *rows)
{
    stats_arena_t arena = {0};
    Gridcase__Figures figures[STATS_WINDOWS];
    Gridcase__LeaderFigures leaders[STATS_WINDOWS];
    Gridcase__WindowFigures windows[STATS_WINDOWS], *window_ptrs[STATS_WINDOWS];
    for (int w = 0; w < STATS_WINDOWS; w++) {
        gridcase__figures__init(&figures[w]);
        gridcase__leader_figures__init(&leaders[w]);
        leaders[w].name = PQgetvalue(rd->areas, a, 4); /* a window without cases has a leader */
        gridcase__window_figures__init(&windows[w]);
        windows[w].window = (Gridcase__StatsWindow)(w + 1);
        windows[w].start = (char *)rd->start[w];
        windows[w].figures = &figures[w];
        windows[w].leader = &leaders[w];
        window_ptrs[w] = &windows[w];
    }
    for (int i = rows->fig[0]; i < rows->fig[1]; i++) {
        int w = stats_round_window(PQgetvalue(rd->figures, i, PQfnumber(rd->figures, "window_kind")));
        if (w < 0)
            continue;
        stats_fill(&figures[w].base, rd->figures, i, "", &arena);
        stats_fill(&leaders[w].base, rd->figures, i, "leader_", &arena);
    }
    /* a window without cases has no row: its histogram is every bucket at 0, as always */
    static uint64_t no_closures[STATS_TTC_BUCKETS];
    for (int w = 0; w < STATS_WINDOWS; w++)
        if (!figures[w].n_close_time_histogram) {
            figures[w].n_close_time_histogram = STATS_TTC_BUCKETS;
            figures[w].close_time_histogram = no_closures;
        }
    /* categories: rows are sorted by category, not window; count, then lay the pointers out */
    int ncat = rows->cat[1] - rows->cat[0], per_window[STATS_WINDOWS] = {0};
    int kind = PQfnumber(rd->categories, "window_kind");
    Gridcase__CategoryWindowFigures *cats = stats_arena_alloc(&arena, (size_t)ncat * sizeof *cats);
    Gridcase__CategoryWindowFigures **cat_ptrs =
        stats_arena_alloc(&arena, (size_t)ncat * sizeof *cat_ptrs);
    for (int i = rows->cat[0]; i < rows->cat[1]; i++) {
        int w = stats_round_window(PQgetvalue(rd->categories, i, kind));
        if (w >= 0)
            per_window[w]++;
    }
    int offset[STATS_WINDOWS], filled[STATS_WINDOWS] = {0};
    for (int w = 0, at = 0; w < STATS_WINDOWS; at += per_window[w], w++)
        offset[w] = at;
    for (int i = rows->cat[0]; cats && cat_ptrs && i < rows->cat[1]; i++) {
        int w = stats_round_window(PQgetvalue(rd->categories, i, kind));
        if (w < 0)
            continue;
        Gridcase__CategoryWindowFigures *c = &cats[offset[w] + filled[w]];
        gridcase__category_window_figures__init(c);
        stats_fill(&c->base, rd->categories, i, "", &arena);
        cat_ptrs[offset[w] + filled[w]++] = c;
    }
    for (int w = 0; w < STATS_WINDOWS; w++) {
        windows[w].n_categories = (size_t)filled[w];
        windows[w].categories = filled[w] ? &cat_ptrs[offset[w]] : NULL;
    }
    /* the backlog: one row per status, summed (none yet in a first round) */
    Gridcase__Backlog backlog = GRIDCASE__BACKLOG__INIT;
    int nstatus = rows->backlog[1] - rows->backlog[0];
    Gridcase__StatusCount *statuses = stats_arena_alloc(&arena, (size_t)nstatus * sizeof *statuses);
    Gridcase__StatusCount **status_ptrs =
        stats_arena_alloc(&arena, (size_t)nstatus * sizeof *status_ptrs);
    for (int i = rows->backlog[0]; statuses && status_ptrs && i < rows->backlog[1]; i++) {
        stats_fill_add(&backlog.base, rd->backlog, i, "");
        Gridcase__StatusCount *c = &statuses[backlog.n_by_status];
        gridcase__status_count__init(c);
        stats_fill(&c->base, rd->backlog, i, "", &arena);
        status_ptrs[backlog.n_by_status++] = c;
    }
    backlog.by_status = backlog.n_by_status ? status_ptrs : NULL;

    const char *code = PQgetvalue(rd->areas, a, 0);
    Gridcase__StatsSnapshot s = GRIDCASE__STATS_SNAPSHOT__INIT;
    s.seq = next_seq(self, code);
    s.epoch = self->epoch;
    s.stream_seq = ++self->stream_seq;
    s.area = (char *)code;
    s.area_name = PQgetvalue(rd->areas, a, 1);
    s.level = (Gridcase__Level)gc_level_value(PQgetvalue(rd->areas, a, 2));
    s.parent = PQgetvalue(rd->areas, a, 3);
    s.at_ms = rd->at_ms;
    s.event_seq = self->event_seq;
    s.n_windows = STATS_WINDOWS;
    s.windows = window_ptrs;
    s.backlog = rd->backlog ? &backlog : NULL;
    bool ok = !arena.failed;
    if (ok)
        send(self, code, &s.base);
    stats_arena_free(&arena);
    return ok;
}

static bool publish_department(stats_publisher_t *self, const stats_round_t *rd, int d,
                               const int fig[2], const int backlog_rows[2])
{
    stats_arena_t arena = {0};
    Gridcase__DepartmentFigures figures[STATS_WINDOWS];
    Gridcase__DepartmentWindow windows[STATS_WINDOWS], *ptrs[STATS_WINDOWS];
    for (int w = 0; w < STATS_WINDOWS; w++) {
        gridcase__department_figures__init(&figures[w]);
        gridcase__department_window__init(&windows[w]);
        windows[w].window = (Gridcase__StatsWindow)(w + 1);
        windows[w].start = (char *)rd->start[w];
        windows[w].figures = &figures[w];
        ptrs[w] = &windows[w];
    }
    int kind = PQfnumber(rd->dept_figures, "window_kind");
    for (int i = fig[0]; i < fig[1]; i++) {
        int w = stats_round_window(PQgetvalue(rd->dept_figures, i, kind));
        if (w >= 0)
            stats_fill(&figures[w].base, rd->dept_figures, i, "", &arena);
    }
    Gridcase__DepartmentBacklog backlog = GRIDCASE__DEPARTMENT_BACKLOG__INIT;
    if (backlog_rows[1] > backlog_rows[0])
        stats_fill(&backlog.base, rd->dept_backlog, backlog_rows[0], "", &arena);
    char topic[160];
    snprintf(topic, sizeof topic, "%s/dept/%s", rd->district, PQgetvalue(rd->departments, d, 0));
    Gridcase__DepartmentSnapshot s = GRIDCASE__DEPARTMENT_SNAPSHOT__INIT;
    s.seq = next_seq(self, topic);
    s.epoch = self->epoch;
    s.stream_seq = ++self->stream_seq;
    s.department = PQgetvalue(rd->departments, d, 0);
    s.department_name = PQgetvalue(rd->departments, d, 1);
    s.at_ms = rd->at_ms;
    s.event_seq = self->event_seq;
    s.n_windows = STATS_WINDOWS;
    s.windows = ptrs;
    s.backlog = rd->dept_backlog ? &backlog : NULL;
    bool ok = !arena.failed;
    if (ok)
        send(self, topic, &s.base);
    stats_arena_free(&arena);
    return ok;
}

bool stats_publisher_publish(stats_publisher_t *self, PGconn *db)
{
    stats_round_t rd;
    long now = gc_clock_monotonic_ms();
    /* the backlogs read every open case: at most once per interval, and so that reading them
     * takes at most a tenth of the time (300,000 open cases take about a second) */
    long every = self->backlog_every_ms > 10 * self->backlog_took_ms ? self->backlog_every_ms
                                                                       : 10 * self->backlog_took_ms;
    /* the first round after a start publishes without them (absent, not 0), so a restarted
     * gc-stats publishes at once however many cases are open */
    bool fresh = self->stream_seq && (!self->backlog || now - self->backlog_at >= every);
    if (!stats_round_read(&rd, db, fresh)) {
        if (self->metrics)
            stats_metrics_set_health(self->metrics, false, "the database is unreachable");
        return false;
    }
    if (fresh) { /* the round's backlogs become the kept ones */
        PQclear(self->backlog);
        PQclear(self->dept_backlog);
        self->backlog = rd.backlog;
        self->dept_backlog = rd.dept_backlog;
        self->backlog_at = now;
        self->backlog_took_ms = rd.backlog_took_ms;
    }
    rd.backlog = self->backlog; /* lent to the round, taken back before it is cleared */
    rd.dept_backlog = self->dept_backlog;
    self->event_seq = rd.event_seq;
    int fig = 0, cat = 0, backlog = 0;
    for (int a = 0; a < PQntuples(rd.areas); a++) {
        const char *code = PQgetvalue(rd.areas, a, 0);
        area_rows_t rows;
        stats_round_rows(rd.figures, &fig, code, &rows.fig[0], &rows.fig[1]);
        stats_round_rows(rd.categories, &cat, code, &rows.cat[0], &rows.cat[1]);
        stats_round_rows(rd.backlog, &backlog, code, &rows.backlog[0], &rows.backlog[1]);
        publish_area(self, &rd, a, &rows);
    }
    int dfig = 0, dback = 0;
    for (int d = 0; d < PQntuples(rd.departments); d++) {
        const char *code = PQgetvalue(rd.departments, d, 0);
        int f[2], b[2];
        stats_round_rows(rd.dept_figures, &dfig, code, &f[0], &f[1]);
        stats_round_rows(rd.dept_backlog, &dback, code, &b[0], &b[1]);
        publish_department(self, &rd, d, f, b);
    }
    Gridcase__StatsHeartbeat hb = GRIDCASE__STATS_HEARTBEAT__INIT;
    hb.epoch = self->epoch;
    hb.stream_seq = ++self->stream_seq;
    hb.at_ms = rd.at_ms;
    hb.event_seq = self->event_seq;
    hb.areas = (uint32_t)PQntuples(rd.areas);
    hb.departments = (uint32_t)PQntuples(rd.departments);
    send(self, "!heartbeat", &hb.base);
    if (self->metrics) {
        stats_metrics_render(self->metrics, &rd);
        stats_metrics_set_health(self->metrics, self->event_seq >= rd.log_end,
                                 "the figures are behind the case event log");
    }
    rd.backlog = rd.dept_backlog = NULL;
    stats_round_clear(&rd);
    return true;
}
