/* stats_metrics: Prometheus text exposition format 0.0.4 of the all-time figures and the
 * backlogs now, each metric named after its figure (gridcase_<figure>[_total]). */
#include "stats_metrics.h"

#include "gc_daemon.h"
#include "gc_http.h"
#include "gc_names.h"
#include "stats_round.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
    char *data;
    size_t len, cap;
} text_t;

struct stats_metrics {
    int deepest_level;
    pthread_mutex_t lock; /* the HTTP thread reads what the main loop writes */
    text_t rendered;
    bool healthy;
    char why[128];
};

static void put(text_t *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(text_t *t, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(t->data ? t->data + t->len : NULL, t->data ? t->cap - t->len : 0, fmt,
                          ap);
        va_end(ap);
        if (n < 0)
            return;
        if (t->data && t->len + (size_t)n < t->cap) {
            t->len += (size_t)n;
            return;
        }
        size_t cap = (t->cap ? t->cap * 2 : 65536) + (size_t)n;
        char *grown = realloc(t->data, cap);
        if (!grown)
            return; /* the sample is lost; the next round tries again */
        t->data = grown;
        t->cap = cap;
    }
}

/* A label value with \, " and newline escaped, as the format requires. */
static const char *label(const char *value, char *out, size_t len)
{
    size_t o = 0;
    for (const char *c = value; *c && o + 3 < len; c++) {
        if (*c == '\\' || *c == '"' || *c == '\n')
            out[o++] = '\\';
        out[o++] = *c == '\n' ? 'n' : *c;
    }
    out[o] = '\0';
    return out;
}

stats_metrics_t *stats_metrics_new(int deepest_level)
{
    stats_metrics_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->deepest_level = deepest_level;
    pthread_mutex_init(&self->lock, NULL);
    snprintf(self->why, sizeof self->why, "starting");
    return self;
}

void stats_metrics_destroy(stats_metrics_t **self)
{
    if (*self) {
        pthread_mutex_destroy(&(*self)->lock);
        free((*self)->rendered.data);
        free(*self);
        *self = NULL;
    }
}

static void family(text_t *t, const char *name, const char *type, const char *help)
{
    put(t, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}


/* Whether an area of this level ("grid", ...) gets series: down to the configured level. */
static bool shown(const stats_metrics_t *self, const char *level)
{
    int l = gc_level_value(level);
    return l >= self->deepest_level && l >= 1 && l <= 4;
}

static bool all_time(const PGresult *r, int row)
{
    return strcmp(PQgetvalue(r, row, PQfnumber(r, "window_kind")), "all") == 0;
}

/* The all-time figures per area and category, from stats_area_category_current: the metric of
 * figure F is gridcase_F_total for a count (the figure's name in the stream and the views), and
 * gridcase_open for the one that can go down. */
static const struct {
    const char *figure;
    bool counter;
} area_figures[] = {
    {"reported", true}, {"resolved", true}, {"closed", true}, {"reopened", true},
    {"escalated_to_community", true}, {"escalated_to_street", true},
    {"escalated_to_district", true}, {"missed_deadline", true}, {"supervised", true},
    {"misrouted", true}, {"extended", true}, {"due", true}, {"closed_on_time", true},
    {"closed_at_grid", true}, {"closed_at_community", true}, {"closed_at_street", true},
    {"closed_at_district", true}, {"resolved_on_spot", true}, {"open", false}};

static void render_area_figures(stats_metrics_t *self, text_t *t, const PGresult *rows)
{
    int area = PQfnumber(rows, "area_code"), level = PQfnumber(rows, "level");
    int category = PQfnumber(rows, "category");
    for (size_t k = 0; k < sizeof area_figures / sizeof area_figures[0]; k++) {
        const char *figure = area_figures[k].figure;
        bool counter = area_figures[k].counter;
        char name[96], help[200];
        snprintf(name, sizeof name, counter ? "gridcase_%s_total" : "gridcase_%s", figure);
        snprintf(help, sizeof help,
                 "The figure %s of the cases reported so far, per area and category "
                 "(docs/STATISTICS.md).",
                 figure);
        family(t, name, counter ? "counter" : "gauge", help);
        int col = PQfnumber(rows, figure);
        for (int i = 0; col >= 0 && i < PQntuples(rows); i++) {
            if (!all_time(rows, i) || !shown(self, PQgetvalue(rows, i, level)))
                continue;
            char a[160], c[160];
            put(t, "%s{area=\"%s\",level=\"%s\",category=\"%s\"} %s\n", name,
                label(PQgetvalue(rows, i, area), a, sizeof a), PQgetvalue(rows, i, level),
                label(PQgetvalue(rows, i, category), c, sizeof c), PQgetvalue(rows, i, col));
        }
    }
}

/* One gauge per column of rows named like a rate or a duration: gridcase_[prefix]<column>, per
 * area or department (key_label = the first column), all time. A NULL (no data) is no sample. */
static void render_gauges(stats_metrics_t *self, text_t *t, const PGresult *rows,
                          const char *prefix, const char *key_label)
{
    int level = PQfnumber(rows, "level");
    for (int col = 0; col < PQnfields(rows); col++) {
        const char *column = PQfname(rows, col);
        size_t n = strlen(column);
        bool rate = n > 5 && strcmp(column + n - 5, "_rate") == 0;
        bool seconds = strstr(column, "_seconds_") != NULL;
        if (!rate && !seconds)
            continue;
        char name[128], help[200];
        snprintf(name, sizeof name, "gridcase_%s%s", prefix, column);
        snprintf(help, sizeof help,
                 rate ? "%s in percent, all time (docs/STATISTICS.md); no sample without data."
                      : "%s, all time, in seconds (cases: how many were measured).",
                 column);
        family(t, name, "gauge", help);
        for (int i = 0; i < PQntuples(rows); i++) {
            if (!all_time(rows, i) || PQgetisnull(rows, i, col)
                || (level >= 0 && !shown(self, PQgetvalue(rows, i, level))))
                continue;
            char key[160];
            label(PQgetvalue(rows, i, 0), key, sizeof key);
            if (level >= 0)
                put(t, "%s{%s=\"%s\",level=\"%s\"} %s\n", name, key_label, key,
                    PQgetvalue(rows, i, level), PQgetvalue(rows, i, col));
            else
                put(t, "%s{%s=\"%s\"} %s\n", name, key_label, key, PQgetvalue(rows, i, col));
        }
    }
}

/* The open cases now per area (stats_area_backlog: one row per area and status). */
static void render_backlog(stats_metrics_t *self, text_t *t, const stats_round_t *r)
{
    static const char *const columns[] = {"open", "overdue_now", "open_under_1d",
                                          "open_1d_to_3d", "open_3d_to_7d", "open_over_7d"};
    static const char *const helps[] = {
        "Open cases now, whenever reported.",
        "Open cases past their current deadline now.",
        "Open cases reported less than 1 day ago.", "Open cases reported 1 to 3 days ago.",
        "Open cases reported 3 to 7 days ago.", "Open cases reported 7 days ago or more."};
    const PGresult *b = r->backlog;
    if (!b)
        return; /* not read yet since gc-stats started: no sample rather than 0 */
    for (size_t k = 0; k < sizeof columns / sizeof columns[0]; k++) {
        char name[96];
        snprintf(name, sizeof name, "gridcase_backlog_%s", columns[k]);
        family(t, name, "gauge", helps[k]);
        int col = PQfnumber(b, columns[k]), cursor = 0;
        for (int a = 0; a < PQntuples(r->areas); a++) {
            const char *code = PQgetvalue(r->areas, a, 0), *level = PQgetvalue(r->areas, a, 2);
            int first, last;
            stats_round_rows(b, &cursor, code, &first, &last);
            if (!shown(self, level))
                continue;
            int64_t sum = 0;
            for (int i = first; i < last; i++)
                sum += strtoll(PQgetvalue(b, i, col), NULL, 10);
            char c[160];
            put(t, "%s{area=\"%s\",level=\"%s\"} %" PRId64 "\n", name, label(code, c, sizeof c),
                level, sum);
        }
    }
    family(t, "gridcase_backlog_open_by_status", "gauge", "Open cases now, by status.");
    int status = PQfnumber(b, "status"), open = PQfnumber(b, "open"), level = PQfnumber(b, "level");
    for (int i = 0; i < PQntuples(b); i++) {
        if (!shown(self, PQgetvalue(b, i, level)))
            continue;
        char c[160];
        put(t, "gridcase_backlog_open_by_status{area=\"%s\",level=\"%s\",status=\"%s\"} %s\n",
            label(PQgetvalue(b, i, 0), c, sizeof c), PQgetvalue(b, i, level),
            PQgetvalue(b, i, status), PQgetvalue(b, i, open));
    }
}

static void render_departments(text_t *t, const stats_round_t *r)
{
    static const char *const counters[] = {"handled", "resolved", "resolved_on_time",
                                           "reopened", "misrouted", "extended"};
    const PGresult *f = r->dept_figures;
    for (size_t k = 0; k < sizeof counters / sizeof counters[0]; k++) {
        char name[96], help[160];
        snprintf(name, sizeof name, "gridcase_department_%s_total", counters[k]);
        snprintf(help, sizeof help, "The department figure %s, all time (docs/STATISTICS.md).",
                 counters[k]);
        family(t, name, "counter", help);
        int col = PQfnumber(f, counters[k]);
        for (int i = 0; i < PQntuples(f); i++)
            if (all_time(f, i)) {
                char d[160];
                put(t, "%s{department=\"%s\"} %s\n", name, label(PQgetvalue(f, i, 0), d, sizeof d),
                    PQgetvalue(f, i, col));
            }
    }
    static const char *const backlog[] = {"held", "overdue_now", "unacknowledged"};
    static const char *const helps[] = {
        "Open cases the department holds now (lead or co-handler).",
        "Of those, past their current deadline now.",
        "Deliveries its client has not acknowledged yet."};
    const PGresult *b = r->dept_backlog;
    for (size_t k = 0; b && k < sizeof backlog / sizeof backlog[0]; k++) {
        char name[96];
        snprintf(name, sizeof name, "gridcase_department_backlog_%s", backlog[k]);
        family(t, name, "gauge", helps[k]);
        int col = PQfnumber(b, backlog[k]);
        for (int i = 0; i < PQntuples(b); i++) {
            char d[160];
            put(t, "%s{department=\"%s\"} %s\n", name, label(PQgetvalue(b, i, 0), d, sizeof d),
                PQgetvalue(b, i, col));
        }
    }
}

/* Names for dashboards: join on area or department to show 映月路社区, not 41010102. */
static void render_info(stats_metrics_t *self, text_t *t, const stats_round_t *r)
{
    family(t, "gridcase_area_info", "gauge", "An area's name, level and parent area (always 1).");
    for (int a = 0; a < PQntuples(r->areas); a++) {
        if (!shown(self, PQgetvalue(r->areas, a, 2)))
            continue;
        char c[160], n[400], p[160];
        put(t, "gridcase_area_info{area=\"%s\",name=\"%s\",level=\"%s\",parent=\"%s\"} 1\n",
            label(PQgetvalue(r->areas, a, 0), c, sizeof c),
            label(PQgetvalue(r->areas, a, 1), n, sizeof n), PQgetvalue(r->areas, a, 2),
            label(PQgetvalue(r->areas, a, 3), p, sizeof p));
    }
    family(t, "gridcase_department_info", "gauge", "A department's name (always 1).");
    for (int d = 0; d < PQntuples(r->departments); d++) {
        char c[160], n[400];
        put(t, "gridcase_department_info{department=\"%s\",name=\"%s\"} 1\n",
            label(PQgetvalue(r->departments, d, 0), c, sizeof c),
            label(PQgetvalue(r->departments, d, 1), n, sizeof n));
    }
}

void stats_metrics_render(stats_metrics_t *self, const stats_round_t *r)
{
    text_t t = {0};
    render_info(self, &t, r);
    render_area_figures(self, &t, r->categories);
    render_gauges(self, &t, r->figures, "", "area");
    render_backlog(self, &t, r);
    render_departments(&t, r);
    render_gauges(self, &t, r->dept_figures, "department_", "department");
    put(&t, "# HELP gridcase_stats_event_seq The case event log position the figures include.\n"
            "# TYPE gridcase_stats_event_seq gauge\ngridcase_stats_event_seq %" PRIu64 "\n",
        r->event_seq);
    family(&t, "gridcase_consumer_lag_events", "gauge",
           "Events of the case event log a consumer (routing, escalation, stats) has not "
           "handled yet.");
    for (int i = 0; i < PQntuples(r->consumers); i++) {
        char c[160];
        put(&t, "gridcase_consumer_lag_events{consumer=\"%s\"} %s\n",
            label(PQgetvalue(r->consumers, i, 0), c, sizeof c), PQgetvalue(r->consumers, i, 1));
    }
    pthread_mutex_lock(&self->lock);
    free(self->rendered.data);
    self->rendered = t;
    pthread_mutex_unlock(&self->lock);
}

void stats_metrics_set_health(stats_metrics_t *self, bool caught_up, const char *why)
{
    pthread_mutex_lock(&self->lock);
    self->healthy = caught_up;
    snprintf(self->why, sizeof self->why, "%s", caught_up ? "" : why);
    pthread_mutex_unlock(&self->lock);
}

bool stats_metrics_healthy(stats_metrics_t *self, char *why, size_t whylen)
{
    pthread_mutex_lock(&self->lock);
    bool healthy = self->healthy;
    snprintf(why, whylen, "%s", self->why);
    pthread_mutex_unlock(&self->lock);
    return healthy;
}

char *stats_metrics_text(stats_metrics_t *self, size_t *len)
{
    text_t t = {0};
    pthread_mutex_lock(&self->lock);
    if (self->rendered.data)
        put(&t, "%s", self->rendered.data);
    pthread_mutex_unlock(&self->lock);
    char *process = gc_http_process_metrics("gc-stats");
    if (process)
        put(&t, "%s", process);
    free(process);
    *len = t.len;
    return t.data;
}
