/* stats_publisher: read a round, build snapshots per area and department, send them. */
#include "stats_publisher.h"

#include "gc_msg.h"
#include "gc_names.h"
#include "gc_pg.h"
#include "stats.pb-c.h"
#include "stats_fold.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WINDOWS 4 /* today, month, year, all: in StatsWindow order */

/* The rows of stats_area_windows / stats_department_windows for the current windows. */
#define AREA_ROWS                                                                              \
    "SELECT f.area_code, f.window_kind, f.category, f.reported, f.closed, f.closed_at_grid, "   \
    "f.closed_at_community, f.closed_at_street, f.closed_at_district, f.resolved_on_spot, "    \
    "f.resolved, f.reopened, f.escalated_to_community, f.escalated_to_street, "                \
    "f.escalated_to_district, f.overdue, f.supervised, f.misrouted, f.extended, f.due, "       \
    "f.closed_on_time, f.close_seconds, f.ttc_le_900, f.ttc_le_3600, f.ttc_le_14400, "         \
    "f.ttc_le_28800, f.ttc_le_86400, f.ttc_le_259200, f.ttc_le_604800, f.ttc_le_2592000, "     \
    "f.ttc_le_inf FROM stats_area_windows f JOIN gc_stats_current_windows() w "                \
    "USING (window_kind, window_start) ORDER BY f.area_code COLLATE \"C\", f.category"
#define DEPT_ROWS                                                                              \
    "SELECT f.department, f.window_kind, f.category, f.handled, f.resolved, "                  \
    "f.resolved_on_time, f.reopened, f.misrouted, f.extended FROM stats_department_windows f " \
    "JOIN gc_stats_current_windows() w USING (window_kind, window_start) "                     \
    "ORDER BY f.department COLLATE \"C\""
#define FIRST_FIGURE 3 /* column of the first figure in both */

typedef struct {
    char topic[96];
    uint64_t seq;
} topic_seq_t;

struct stats_publisher {
    void *pub;
    stats_metrics_t *metrics;
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

stats_publisher_t *stats_publisher_new(void *pub, stats_metrics_t *metrics)
{
    stats_publisher_t *self = calloc(1, sizeof *self);
    if (self) {
        self->pub = pub;
        self->metrics = metrics;
        self->epoch = random_epoch();
    }
    return self;
}

void stats_publisher_destroy(stats_publisher_t **self)
{
    if (*self) {
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

static int64_t num(const PGresult *r, int row, int col)
{
    return strtoll(PQgetvalue(r, row, col), NULL, 10);
}

static int window_index(const char *kind)
{
    static const char *const kinds[WINDOWS] = {"day", "month", "year", "all"};
    for (int w = 0; w < WINDOWS; w++)
        if (strcmp(kind, kinds[w]) == 0)
            return w;
    return -1;
}

static void fill_figures(Gridcase__Figures *g, const stats_area_delta_t *f, uint64_t *histogram)
{
    stats_rates_t r = stats_fold_rates(f);
    gridcase__figures__init(g);
    g->reported = (uint64_t)f->reported;
    g->open = (uint64_t)(f->reported - f->closed);
    g->resolved = (uint64_t)f->resolved;
    g->closed = (uint64_t)f->closed;
    g->reopened = (uint64_t)f->reopened;
    g->escalated_to_community = (uint64_t)f->escalated_to_community;
    g->escalated_to_street = (uint64_t)f->escalated_to_street;
    g->escalated_to_district = (uint64_t)f->escalated_to_district;
    g->overdue = (uint64_t)f->overdue;
    g->supervised = (uint64_t)f->supervised;
    g->misrouted = (uint64_t)f->misrouted;
    g->extended = (uint64_t)f->extended;
    g->due = (uint64_t)f->due;
    g->closed_on_time = (uint64_t)f->closed_on_time;
    g->closed_at_grid = (uint64_t)f->closed_at_grid;
    g->closed_at_community = (uint64_t)f->closed_at_community;
    g->closed_at_street = (uint64_t)f->closed_at_street;
    g->closed_at_district = (uint64_t)f->closed_at_district;
    g->resolved_on_spot = (uint64_t)f->resolved_on_spot;
    g->grid_resolution_rate = r.grid_resolution;
    g->community_handling_rate = r.community_handling;
    g->closure_rate = r.closure;
    g->on_time_rate = r.on_time;
    g->rework_rate = r.rework;
    g->extension_rate = r.extension;
    g->within_street_rate = r.within_street;
    g->reached_district_rate = r.reached_district;
    g->closed_in_grid_rate = r.closed_in_grid;
    g->mean_close_seconds = r.mean_close_seconds;
    g->median_close_seconds = r.median_close_seconds;
    for (int b = 0; b < STATS_TTC_BUCKETS; b++)
        histogram[b] = (uint64_t)f->ttc[b];
    g->n_close_time_histogram = STATS_TTC_BUCKETS;
    g->close_time_histogram = histogram;
}

/* The leader of an area at level L is assessed on the cases that were at L there. */
static void fill_leader(Gridcase__LeaderFigures *l, const char *name, int level,
                        const stats_area_delta_t *f)
{
    gridcase__leader_figures__init(l);
    l->name = (char *)name;
    switch (level) {
    case GRIDCASE__LEVEL__LEVEL_GRID:
        l->reached = (uint64_t)f->reported;
        l->closed_here = (uint64_t)f->closed_at_grid;
        l->passed_up = (uint64_t)f->escalated_to_community;
        break;
    case GRIDCASE__LEVEL__LEVEL_COMMUNITY:
        l->reached = (uint64_t)f->escalated_to_community;
        l->closed_here = (uint64_t)f->closed_at_community;
        l->passed_up = (uint64_t)f->escalated_to_street;
        break;
    case GRIDCASE__LEVEL__LEVEL_STREET:
        l->reached = (uint64_t)f->escalated_to_street;
        l->closed_here = (uint64_t)f->closed_at_street;
        l->passed_up = (uint64_t)f->escalated_to_district;
        break;
    default:
        l->reached = (uint64_t)f->escalated_to_district;
        l->closed_here = (uint64_t)f->closed_at_district;
        break;
    }
}

/* Everything one area's snapshot points to, freed after sending. */
typedef struct {
    stats_area_delta_t sums[WINDOWS];
    Gridcase__Figures figures[WINDOWS];
    uint64_t histograms[WINDOWS][STATS_TTC_BUCKETS];
    Gridcase__LeaderFigures leaders[WINDOWS];
    Gridcase__WindowFigures windows[WINDOWS];
    Gridcase__WindowFigures *window_ptrs[WINDOWS];
    Gridcase__CategoryWindowFigures *cats;      /* one per row */
    Gridcase__CategoryWindowFigures **cat_ptrs; /* grouped by window */
    Gridcase__CategoryFigures *legacy;          /* the all window's, for fields 7-24 */
    Gridcase__CategoryFigures **legacy_ptrs;
} area_parts_t;

typedef struct {
    const char *start[WINDOWS]; /* each window's first day, YYYY-MM-DD */
    int64_t at_ms;
    const char *district;
} round_t;

/* Builds and sends the snapshot of areas row a, whose figure rows are rows[first, last). */
static bool publish_area(stats_publisher_t *self, const round_t *rd, const PGresult *areas, int a,
                         const PGresult *rows, int first, int last)
{
    int n = last - first;
    area_parts_t p;
    memset(&p, 0, sizeof p);
    p.cats = calloc((size_t)(n ? n : 1), sizeof *p.cats);
    p.cat_ptrs = calloc((size_t)(n ? n : 1), sizeof *p.cat_ptrs);
    p.legacy = calloc((size_t)(n ? n : 1), sizeof *p.legacy);
    p.legacy_ptrs = calloc((size_t)(n ? n : 1), sizeof *p.legacy_ptrs);
    if (!p.cats || !p.cat_ptrs || !p.legacy || !p.legacy_ptrs) {
        free(p.cats), free(p.cat_ptrs), free(p.legacy), free(p.legacy_ptrs);
        return false;
    }
    const char *code = PQgetvalue(areas, a, 0);
    int level = gc_level_value(PQgetvalue(areas, a, 2));
    int per_window[WINDOWS] = {0}, nlegacy = 0;
    /* rows are grouped by category, not window: count first to lay the pointers out */
    for (int i = first; i < last; i++) {
        int w = window_index(PQgetvalue(rows, i, 1));
        if (w >= 0)
            per_window[w]++;
    }
    int offset[WINDOWS], filled[WINDOWS] = {0};
    for (int w = 0, at = 0; w < WINDOWS; at += per_window[w], w++)
        offset[w] = at;
    for (int i = first; i < last; i++) {
        int w = window_index(PQgetvalue(rows, i, 1));
        if (w < 0)
            continue;
        stats_area_delta_t row;
        int64_t *v = &row.reported;
        for (int k = 0; k < STATS_AREA_FIGURES; k++)
            v[k] = num(rows, i, FIRST_FIGURE + k);
        int64_t *sum = &p.sums[w].reported;
        for (int k = 0; k < STATS_AREA_FIGURES; k++)
            sum[k] += v[k];
        Gridcase__CategoryWindowFigures *c = &p.cats[offset[w] + filled[w]];
        gridcase__category_window_figures__init(c);
        c->category = PQgetvalue(rows, i, 2);
        c->reported = (uint64_t)row.reported;
        c->closed = (uint64_t)row.closed;
        c->open = (uint64_t)(row.reported - row.closed);
        c->overdue = (uint64_t)row.overdue;
        p.cat_ptrs[offset[w] + filled[w]++] = c;
        if (w == WINDOWS - 1) {
            Gridcase__CategoryFigures *l = &p.legacy[nlegacy];
            gridcase__category_figures__init(l);
            l->category = c->category;
            l->total = c->reported;
            l->closed = c->closed;
            p.legacy_ptrs[nlegacy++] = l;
        }
    }
    Gridcase__StatsSnapshot s = GRIDCASE__STATS_SNAPSHOT__INIT;
    for (int w = 0; w < WINDOWS; w++) {
        fill_figures(&p.figures[w], &p.sums[w], p.histograms[w]);
        fill_leader(&p.leaders[w], PQgetvalue(areas, a, 3), level, &p.sums[w]);
        Gridcase__WindowFigures *wf = &p.windows[w];
        gridcase__window_figures__init(wf);
        wf->window = (Gridcase__StatsWindow)(w + 1);
        wf->start = (char *)rd->start[w];
        wf->figures = &p.figures[w];
        wf->n_categories = (size_t)per_window[w];
        wf->categories = per_window[w] ? &p.cat_ptrs[offset[w]] : NULL;
        wf->leader = &p.leaders[w];
        p.window_ptrs[w] = wf;
    }
    const stats_area_delta_t *all = &p.sums[WINDOWS - 1];
    stats_rates_t r = stats_fold_rates(all);
    s.seq = next_seq(self, code);
    s.epoch = self->epoch;
    s.stream_seq = ++self->stream_seq;
    s.area = (char *)code;
    s.area_name = PQgetvalue(areas, a, 1);
    s.level = (Gridcase__Level)level;
    s.at_ms = rd->at_ms;
    s.event_seq = self->event_seq;
    s.cases_total = (uint64_t)all->reported;
    s.cases_closed = (uint64_t)all->closed;
    s.cases_open = (uint64_t)(all->reported - all->closed);
    s.closed_at_grid = (uint64_t)all->closed_at_grid;
    s.closed_at_community = (uint64_t)all->closed_at_community;
    s.closed_at_street = (uint64_t)all->closed_at_street;
    s.closed_at_district = (uint64_t)all->closed_at_district;
    s.resolved_on_spot = (uint64_t)all->resolved_on_spot;
    s.escalations = (uint64_t)(all->escalated_to_community + all->escalated_to_street
                               + all->escalated_to_district);
    s.reopened = (uint64_t)all->reopened;
    s.returned = (uint64_t)all->misrouted;
    s.supervised = (uint64_t)all->supervised;
    s.extended = (uint64_t)all->extended;
    s.closure_rate = all->reported ? 100.0 * (double)all->closed / (double)all->reported : 0;
    s.closed_in_grid_rate = r.closed_in_grid;
    s.closed_in_community_rate = r.community_handling;
    s.closed_in_street_rate = r.within_street;
    s.n_categories = (size_t)nlegacy;
    s.categories = nlegacy ? p.legacy_ptrs : NULL;
    s.n_windows = WINDOWS;
    s.windows = p.window_ptrs;
    send(self, code, &s.base);
    free(p.cats), free(p.cat_ptrs), free(p.legacy), free(p.legacy_ptrs);
    return true;
}

static void publish_department(stats_publisher_t *self, const round_t *rd,
                               const PGresult *depts, int d, const PGresult *rows, int first,
                               int last)
{
    stats_dept_delta_t sums[WINDOWS];
    memset(sums, 0, sizeof sums);
    for (int i = first; i < last; i++) {
        int w = window_index(PQgetvalue(rows, i, 1));
        int64_t *sum = w >= 0 ? &sums[w].handled : NULL;
        for (int k = 0; sum && k < STATS_DEPT_FIGURES; k++)
            sum[k] += num(rows, i, FIRST_FIGURE + k);
    }
    Gridcase__DepartmentFigures figures[WINDOWS];
    Gridcase__DepartmentWindow windows[WINDOWS], *ptrs[WINDOWS];
    for (int w = 0; w < WINDOWS; w++) {
        Gridcase__DepartmentFigures *f = &figures[w];
        gridcase__department_figures__init(f);
        f->handled = (uint64_t)sums[w].handled;
        f->resolved = (uint64_t)sums[w].resolved;
        f->resolved_on_time = (uint64_t)sums[w].resolved_on_time;
        f->reopened = (uint64_t)sums[w].reopened;
        f->misrouted = (uint64_t)sums[w].misrouted;
        f->extended = (uint64_t)sums[w].extended;
        f->on_time_rate = sums[w].resolved ? 100.0 * (double)sums[w].resolved_on_time
                                                 / (double)sums[w].resolved
                                           : 0;
        f->rework_rate = sums[w].resolved
                             ? 100.0 * (double)sums[w].reopened / (double)sums[w].resolved
                             : 0;
        gridcase__department_window__init(&windows[w]);
        windows[w].window = (Gridcase__StatsWindow)(w + 1);
        windows[w].start = (char *)rd->start[w];
        windows[w].figures = f;
        ptrs[w] = &windows[w];
    }
    char topic[160];
    snprintf(topic, sizeof topic, "%s/dept/%s", rd->district, PQgetvalue(depts, d, 0));
    Gridcase__DepartmentSnapshot s = GRIDCASE__DEPARTMENT_SNAPSHOT__INIT;
    s.seq = next_seq(self, topic);
    s.epoch = self->epoch;
    s.stream_seq = ++self->stream_seq;
    s.department = PQgetvalue(depts, d, 0);
    s.department_name = PQgetvalue(depts, d, 1);
    s.at_ms = rd->at_ms;
    s.event_seq = self->event_seq;
    s.n_windows = WINDOWS;
    s.windows = ptrs;
    send(self, topic, &s.base);
}

/* Walks the sorted key list and the rows sorted by the same key together, calling each. */
#define MERGE_WALK(keys, rows, each)                                                          \
    do {                                                                                      \
        int r_ = 0, n_ = PQntuples(rows);                                                     \
        for (int k_ = 0; k_ < PQntuples(keys); k_++) {                                        \
            const char *key_ = PQgetvalue(keys, k_, 0);                                       \
            while (r_ < n_ && strcmp(PQgetvalue(rows, r_, 0), key_) < 0)                      \
                r_++;                                                                         \
            int first_ = r_;                                                                  \
            while (r_ < n_ && strcmp(PQgetvalue(rows, r_, 0), key_) == 0)                     \
                r_++;                                                                         \
            each(k_, first_, r_);                                                             \
        }                                                                                     \
    } while (0)

bool stats_publisher_publish(stats_publisher_t *self, PGconn *db)
{
    /* one snapshot of the database: every figure, the windows and the cursor agree */
    PGresult *now = NULL, *areas = NULL, *rows = NULL, *depts = NULL, *drows = NULL;
    bool ok = gc_pg_run(db, "round", "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, NULL);
    if (ok) {
        now = gc_pg_query(db, "current windows",
                          "SELECT w.window_kind, to_char(w.window_start, 'YYYY-MM-DD'), "
                          "(extract(epoch FROM gc_now()) * 1000)::bigint, "
                          "(SELECT last_seq FROM consumer_cursors WHERE consumer = 'stats'), "
                          "coalesce((SELECT code FROM areas WHERE parent_code IS NULL "
                          "  ORDER BY code LIMIT 1), ''), "
                          "(SELECT last_seq FROM event_streams WHERE stream = 'case') "
                          "FROM gc_stats_current_windows() w",
                          0, NULL);
        areas = gc_pg_query(db, "areas",
                            "SELECT code, name, level, leader_name FROM areas "
                            "ORDER BY code COLLATE \"C\"",
                            0, NULL);
        rows = gc_pg_query(db, "area figures", AREA_ROWS, 0, NULL);
        depts = gc_pg_query(db, "departments",
                            "SELECT code, name FROM departments ORDER BY code COLLATE \"C\"", 0,
                            NULL);
        drows = gc_pg_query(db, "department figures", DEPT_ROWS, 0, NULL);
        ok = gc_pg_ok(now) && PQntuples(now) == WINDOWS && gc_pg_ok(areas) && gc_pg_ok(rows)
             && gc_pg_ok(depts) && gc_pg_ok(drows);
    }
    gc_pg_rollback(db);
    if (ok) {
        round_t rd = {.at_ms = num(now, 0, 2), .district = PQgetvalue(now, 0, 4)};
        for (int w = 0; w < WINDOWS; w++) {
            int i = window_index(PQgetvalue(now, w, 0));
            if (i >= 0)
                rd.start[i] = PQgetvalue(now, w, 1);
        }
        self->event_seq = (uint64_t)num(now, 0, 3);
        uint64_t log_end = (uint64_t)num(now, 0, 5);
#define AREA(k, first, last) publish_area(self, &rd, areas, k, rows, first, last)
#define DEPT(k, first, last) publish_department(self, &rd, depts, k, drows, first, last)
        MERGE_WALK(areas, rows, AREA);
        MERGE_WALK(depts, drows, DEPT);
        Gridcase__StatsHeartbeat hb = GRIDCASE__STATS_HEARTBEAT__INIT;
        hb.epoch = self->epoch;
        hb.stream_seq = ++self->stream_seq;
        hb.at_ms = rd.at_ms;
        hb.event_seq = self->event_seq;
        hb.areas = (uint32_t)PQntuples(areas);
        hb.departments = (uint32_t)PQntuples(depts);
        send(self, "!heartbeat", &hb.base);
        if (self->metrics) {
            stats_metrics_render(self->metrics, areas, rows, drows, self->event_seq);
            stats_metrics_set_health(self->metrics, self->event_seq >= log_end,
                                     "the figures are behind the case event log");
        }
    } else if (self->metrics) {
        stats_metrics_set_health(self->metrics, false, "the database is unreachable");
    }
    PQclear(now), PQclear(areas), PQclear(rows), PQclear(depts), PQclear(drows);
    return ok;
}
