/* stats_metrics: Prometheus text exposition format 0.0.4 of the all-time figures. */
#include "stats_metrics.h"

#include "gc_daemon.h"
#include "gc_names.h"
#include "stats_fold.h"

#include <dirent.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FIRST_FIGURE 3 /* the publisher's rows: key, window_kind, category, figures... */

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

typedef struct {
    const char *name, *help, *type;
    int figure;        /* index into stats_area_delta_t, -1: special */
    const char *extra; /* an extra label for the figure, or NULL */
} family_t;

/* One series per area (down to the configured level) and category. */
static const family_t area_families[] = {
    {"gridcase_cases_reported_total", "Cases reported.", "counter", 0, NULL},
    {"gridcase_cases_open", "Cases reported and not closed.", "gauge", -1, NULL},
    {"gridcase_cases_closed_total", "Cases closed, by the level owning them at closure.",
     "counter", -2, NULL},
    {"gridcase_cases_resolved_on_spot_total", "Cases the grid closed itself, no department.",
     "counter", 6, NULL},
    {"gridcase_resolutions_total", "Lead departments' resolutions.", "counter", 7, NULL},
    {"gridcase_reopens_total", "Resolutions the grid rejected.", "counter", 8, NULL},
    {"gridcase_escalations_total", "Cases that reached a level above the grid.", "counter", -3,
     NULL},
    {"gridcase_cases_overdue_total", "Cases that missed at least one deadline.", "counter", 12,
     NULL},
    {"gridcase_cases_supervised_total", "Cases flagged for supervision at the district.",
     "counter", 13, NULL},
    {"gridcase_returns_total", "Departments' not-ours returns (misroutes).", "counter", 14, NULL},
    {"gridcase_extensions_total", "Deadline extensions granted.", "counter", 15, NULL},
    {"gridcase_cases_due_total", "Cases due to close: closed, or open past a deadline.",
     "counter", 16, NULL},
    {"gridcase_cases_closed_on_time_total", "Cases closed without missing a deadline.",
     "counter", 17, NULL},
};

static const char *const levels[] = {"grid", "community", "street", "district"};

/* Finds area code's level in the sorted areas result (code, name, level, leader). */
static int area_level(const PGresult *areas, const char *code)
{
    int lo = 0, hi = PQntuples(areas) - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2, c = strcmp(PQgetvalue(areas, mid, 0), code);
        if (c == 0)
            return gc_level_value(PQgetvalue(areas, mid, 2));
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return 0;
}

static void render_area_family(text_t *t, const family_t *f, const PGresult *areas,
                               const PGresult *rows, int deepest)
{
    put(t, "# HELP %s %s\n# TYPE %s %s\n", f->name, f->help, f->name, f->type);
    for (int i = 0; i < PQntuples(rows); i++) {
        if (strcmp(PQgetvalue(rows, i, 1), "all") != 0)
            continue;
        int level = area_level(areas, PQgetvalue(rows, i, 0));
        if (!level || level > GRIDCASE__LEVEL__LEVEL_DISTRICT || level < deepest)
            continue; /* deeper than the configured level (levels count up from the grid) */
        char a[160], c[160];
        char labels[400];
        snprintf(labels, sizeof labels, "area=\"%s\",level=\"%s\",category=\"%s\"",
                 label(PQgetvalue(rows, i, 0), a, sizeof a), levels[level - 1],
                 label(PQgetvalue(rows, i, 2), c, sizeof c));
        int64_t v[STATS_AREA_FIGURES];
        for (int k = 0; k < STATS_AREA_FIGURES; k++)
            v[k] = strtoll(PQgetvalue(rows, i, FIRST_FIGURE + k), NULL, 10);
        if (f->figure >= 0) {
            put(t, "%s{%s} %" PRId64 "\n", f->name, labels, v[f->figure]);
        } else if (f->figure == -1) {
            put(t, "%s{%s} %" PRId64 "\n", f->name, labels, v[0] - v[1]);
        } else if (f->figure == -2) {
            for (int l = 0; l < 4; l++)
                put(t, "%s{%s,closed_at=\"%s\"} %" PRId64 "\n", f->name, labels, levels[l],
                    v[2 + l]);
        } else {
            for (int l = 1; l < 4; l++)
                put(t, "%s{%s,to=\"%s\"} %" PRId64 "\n", f->name, labels, levels[l], v[8 + l]);
        }
    }
}

static void render_histogram(text_t *t, const PGresult *areas, const PGresult *rows, int deepest)
{
    const char *name = "gridcase_time_to_close_seconds";
    put(t, "# HELP %s Time from report to closure of closed cases.\n# TYPE %s histogram\n", name,
        name);
    for (int i = 0; i < PQntuples(rows); i++) {
        if (strcmp(PQgetvalue(rows, i, 1), "all") != 0)
            continue;
        int level = area_level(areas, PQgetvalue(rows, i, 0));
        if (!level || level < deepest)
            continue;
        char a[160], c[160], labels[400];
        snprintf(labels, sizeof labels, "area=\"%s\",level=\"%s\",category=\"%s\"",
                 label(PQgetvalue(rows, i, 0), a, sizeof a), levels[level - 1],
                 label(PQgetvalue(rows, i, 2), c, sizeof c));
        stats_area_delta_t f;
        int64_t *v = &f.reported;
        for (int k = 0; k < STATS_AREA_FIGURES; k++)
            v[k] = strtoll(PQgetvalue(rows, i, FIRST_FIGURE + k), NULL, 10);
        int64_t cumulative = 0;
        for (int b = 0; b < STATS_TTC_BUCKETS - 1; b++) {
            cumulative += f.ttc[b];
            put(t, "%s_bucket{%s,le=\"%" PRId64 "\"} %" PRId64 "\n", name, labels,
                stats_ttc_bounds[b], cumulative);
        }
        put(t, "%s_bucket{%s,le=\"+Inf\"} %" PRId64 "\n", name, labels, f.closed);
        put(t, "%s_sum{%s} %" PRId64 "\n%s_count{%s} %" PRId64 "\n", name, labels,
            f.close_seconds, name, labels, f.closed);
    }
}

static void render_departments(text_t *t, const PGresult *drows)
{
    static const char *const names[] = {
        "gridcase_department_cases_handled_total", "gridcase_department_resolutions_total",
        "gridcase_department_resolutions_on_time_total", "gridcase_department_reopens_total",
        "gridcase_department_returns_total", "gridcase_department_extensions_total"};
    static const char *const helps[] = {
        "Cases delivered to the department.", "The department's resolutions as lead.",
        "Its resolutions before the case missed a deadline.",
        "Its resolutions the grid rejected.", "Its not-ours returns.",
        "Deadline extensions granted to it."};
    for (int k = 0; k < STATS_DEPT_FIGURES; k++) {
        put(t, "# HELP %s %s\n# TYPE %s counter\n", names[k], helps[k], names[k]);
        for (int i = 0; i < PQntuples(drows); i++) {
            if (strcmp(PQgetvalue(drows, i, 1), "all") != 0)
                continue;
            char d[160], c[160];
            put(t, "%s{department=\"%s\",category=\"%s\"} %s\n", names[k],
                label(PQgetvalue(drows, i, 0), d, sizeof d),
                label(PQgetvalue(drows, i, 2), c, sizeof c),
                PQgetvalue(drows, i, FIRST_FIGURE + k));
        }
    }
}

void stats_metrics_render(stats_metrics_t *self, const PGresult *areas, const PGresult *rows,
                          const PGresult *dept_rows, uint64_t event_seq)
{
    text_t t = {0};
    for (size_t f = 0; f < sizeof area_families / sizeof area_families[0]; f++)
        render_area_family(&t, &area_families[f], areas, rows, self->deepest_level);
    render_histogram(&t, areas, rows, self->deepest_level);
    render_departments(&t, dept_rows);
    put(&t, "# HELP gridcase_stats_event_seq The case event log position the figures include.\n"
            "# TYPE gridcase_stats_event_seq gauge\ngridcase_stats_event_seq %" PRIu64 "\n",
        event_seq);
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

/* process_* figures of the running daemon, from /proc. */
static void render_process(text_t *t)
{
    long page = sysconf(_SC_PAGESIZE), ticks = sysconf(_SC_CLK_TCK);
    unsigned long vsize = 0, utime = 0, stime = 0;
    unsigned long long start = 0;
    long rss = 0;
    FILE *f = fopen("/proc/self/stat", "r");
    if (f) {
        /* fields 14, 15 (utime, stime), 22 (starttime), 23 (vsize), 24 (rss); the command
         * name (field 2) may hold spaces, so skip past its closing parenthesis */
        char line[1024];
        if (fgets(line, sizeof line, f)) {
            char *p = strrchr(line, ')');
            if (p
                && sscanf(p + 2,
                          "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu %*d %*d %*d %*d "
                          "%*d %*d %llu %lu %ld",
                          &utime, &stime, &start, &vsize, &rss)
                       != 5)
                utime = stime = 0;
        }
        fclose(f);
    }
    long long boot = 0;
    f = fopen("/proc/stat", "r");
    if (f) {
        char line[256];
        while (fgets(line, sizeof line, f))
            if (sscanf(line, "btime %lld", &boot) == 1)
                break;
        fclose(f);
    }
    int fds = 0;
    DIR *d = opendir("/proc/self/fd");
    if (d) {
        for (struct dirent *e; (e = readdir(d));)
            fds += e->d_name[0] != '.';
        closedir(d);
        fds--; /* the directory stream's own descriptor */
    }
    put(t,
        "# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n"
        "# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total %.2f\n"
        "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
        "# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes %ld\n"
        "# HELP process_virtual_memory_bytes Virtual memory size in bytes.\n"
        "# TYPE process_virtual_memory_bytes gauge\nprocess_virtual_memory_bytes %lu\n"
        "# HELP process_open_fds Number of open file descriptors.\n"
        "# TYPE process_open_fds gauge\nprocess_open_fds %d\n"
        "# HELP process_start_time_seconds Start time of the process since unix epoch.\n"
        "# TYPE process_start_time_seconds gauge\nprocess_start_time_seconds %.2f\n",
        (double)(utime + stime) / (double)ticks, rss * page, vsize, fds,
        (double)boot + (double)start / (double)ticks);
    put(t,
        "# HELP gridcase_build_info The running gridcase release.\n"
        "# TYPE gridcase_build_info gauge\ngridcase_build_info{version=\"%s\",daemon=\"gc-stats\"}"
        " 1\n",
        GC_VERSION);
}

char *stats_metrics_text(stats_metrics_t *self, size_t *len)
{
    text_t t = {0};
    pthread_mutex_lock(&self->lock);
    if (self->rendered.data)
        put(&t, "%s", self->rendered.data);
    pthread_mutex_unlock(&self->lock);
    render_process(&t);
    *len = t.len;
    return t.data;
}
