/* stats_fold: event -> delta (pure), deltas summed per cohort over a batch, then written. */
#include "stats_fold.h"

#include "gc_log.h"
#include "gc_names.h"
#include "gc_pg.h"
#include "gc_pg_array.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const int64_t stats_ttc_bounds[STATS_TTC_BUCKETS - 1] = {
    900, 3600, 4 * 3600, 8 * 3600, 86400, 3 * 86400, 7 * 86400, 30 * 86400};

static bool is_closure(const gc_event_t *ev)
{
    return ev->kind == GRIDCASE__EVENT_KIND__EVENT_KIND_VERIFIED
           || ev->kind == GRIDCASE__EVENT_KIND__EVENT_KIND_RESOLVED_ON_SPOT
           || (ev->kind == GRIDCASE__EVENT_KIND__EVENT_KIND_MEETING_DECIDED
               && ev->status == GRIDCASE__CASE_STATUS__CASE_STATUS_CLOSED);
}

/* The lead's resolution moves the case to resolved; a co-handler's leaves the status alone. */
static bool is_lead_resolution(const gc_event_t *ev)
{
    return ev->kind == GRIDCASE__EVENT_KIND__EVENT_KIND_RESOLVED
           && ev->status == GRIDCASE__CASE_STATUS__CASE_STATUS_RESOLVED;
}

bool stats_fold_is_overdue(const gc_event_t *ev)
{
    return (ev->kind == GRIDCASE__EVENT_KIND__EVENT_KIND_ESCALATED
            || ev->kind == GRIDCASE__EVENT_KIND__EVENT_KIND_SUPERVISED)
           && strcmp(ev->actor, "escalation") == 0;
}

bool stats_fold_needs_history(const gc_event_t *ev)
{
    return is_closure(ev) || is_lead_resolution(ev) || stats_fold_is_overdue(ev)
           || ev->kind == GRIDCASE__EVENT_KIND__EVENT_KIND_REOPENED;
}

static int ttc_bucket(int64_t seconds)
{
    int b = 0;
    while (b < STATS_TTC_BUCKETS - 1 && seconds > stats_ttc_bounds[b])
        b++;
    return b;
}

bool stats_fold_area_delta(const gc_event_t *ev, const stats_history_t *h, stats_area_delta_t *d)
{
    memset(d, 0, sizeof *d);
    if (is_closure(ev)) {
        d->closed = 1;
        d->resolved_on_spot = ev->kind == GRIDCASE__EVENT_KIND__EVENT_KIND_RESOLVED_ON_SPOT;
        switch (ev->level) {
        case GRIDCASE__LEVEL__LEVEL_GRID:
            d->closed_at_grid = 1;
            break;
        case GRIDCASE__LEVEL__LEVEL_COMMUNITY:
            d->closed_at_community = 1;
            break;
        case GRIDCASE__LEVEL__LEVEL_STREET:
            d->closed_at_street = 1;
            break;
        default:
            d->closed_at_district = 1;
        }
        /* a case is due to close from its first missed deadline, or when it closes */
        d->due = !h->overdue_before;
        d->closed_on_time = !h->overdue_before;
        int64_t seconds = (ev->at_ms - ev->created_ms) / 1000;
        d->close_seconds = seconds > 0 ? seconds : 0;
        d->ttc[ttc_bucket(d->close_seconds)] = 1;
        return true;
    }
    switch (ev->kind) {
    case GRIDCASE__EVENT_KIND__EVENT_KIND_SUBMITTED:
        d->reported = 1;
        return true;
    case GRIDCASE__EVENT_KIND__EVENT_KIND_RESOLVED:
        d->resolved = is_lead_resolution(ev);
        return d->resolved;
    case GRIDCASE__EVENT_KIND__EVENT_KIND_REOPENED:
        d->reopened = 1;
        return true;
    case GRIDCASE__EVENT_KIND__EVENT_KIND_RETURNED:
        d->misrouted = 1;
        return true;
    case GRIDCASE__EVENT_KIND__EVENT_KIND_EXTENSION_GRANTED:
        d->extended = 1;
        return true;
    case GRIDCASE__EVENT_KIND__EVENT_KIND_ESCALATED:
    case GRIDCASE__EVENT_KIND__EVENT_KIND_SUPERVISED:
        if (ev->kind == GRIDCASE__EVENT_KIND__EVENT_KIND_SUPERVISED)
            d->supervised = 1;
        else if (ev->level == GRIDCASE__LEVEL__LEVEL_COMMUNITY)
            d->escalated_to_community = 1;
        else if (ev->level == GRIDCASE__LEVEL__LEVEL_STREET)
            d->escalated_to_street = 1;
        else if (ev->level == GRIDCASE__LEVEL__LEVEL_DISTRICT)
            d->escalated_to_district = 1;
        /* the first missed deadline makes the case overdue, and due to close */
        if (stats_fold_is_overdue(ev) && !h->overdue_before) {
            d->overdue = 1;
            d->due = 1;
        }
        return true;
    default:
        return false;
    }
}

bool stats_fold_dept_delta(const gc_event_t *ev, const stats_history_t *h, const char **department,
                           stats_dept_delta_t *d)
{
    memset(d, 0, sizeof *d);
    *department = ev->department;
    switch (ev->kind) {
    case GRIDCASE__EVENT_KIND__EVENT_KIND_ROUTED: /* "" when a reopen was delivered again */
        d->handled = 1;
        break;
    case GRIDCASE__EVENT_KIND__EVENT_KIND_RESOLVED:
        if (!is_lead_resolution(ev))
            return false;
        d->resolved = 1;
        d->resolved_on_time = !h->overdue_before;
        break;
    case GRIDCASE__EVENT_KIND__EVENT_KIND_REOPENED: /* the rejected resolution's department */
        *department = h->last_resolver;
        d->reopened = 1;
        break;
    case GRIDCASE__EVENT_KIND__EVENT_KIND_RETURNED:
        d->misrouted = 1;
        break;
    case GRIDCASE__EVENT_KIND__EVENT_KIND_EXTENSION_GRANTED:
        d->extended = 1;
        break;
    default:
        return false;
    }
    return *department && **department;
}

static double percent(int64_t part, int64_t whole)
{
    return whole > 0 ? 100.0 * (double)part / (double)whole : 0.0;
}

/* The median time to close, by linear interpolation inside the bucket that holds it (the last
 * bucket has no upper bound: its lower bound is reported). */
static double median_close(const stats_area_delta_t *f)
{
    if (f->closed <= 0)
        return 0;
    double half = (double)f->closed / 2.0, below = 0;
    for (int b = 0; b < STATS_TTC_BUCKETS; b++) {
        double n = (double)f->ttc[b];
        double lo = b ? (double)stats_ttc_bounds[b - 1] : 0.0;
        if (n > 0 && below + n >= half) {
            if (b == STATS_TTC_BUCKETS - 1)
                return lo;
            return lo + ((double)stats_ttc_bounds[b] - lo) * (half - below) / n;
        }
        below += n;
    }
    return 0;
}

stats_rates_t stats_fold_rates(const stats_area_delta_t *f)
{
    stats_rates_t r;
    r.grid_resolution = percent(f->resolved_on_spot, f->closed);
    r.closed_in_grid = percent(f->closed_at_grid, f->closed);
    r.community_handling = percent(f->closed_at_grid + f->closed_at_community, f->closed);
    r.within_street = percent(f->closed - f->closed_at_district, f->closed);
    r.reached_district = percent(f->escalated_to_district, f->reported);
    r.closure = percent(f->closed, f->due);
    r.on_time = percent(f->closed_on_time, f->due);
    r.rework = percent(f->reopened, f->closed);
    r.extension = percent(f->extended, f->reported);
    r.mean_close_seconds = f->closed > 0 ? (double)f->close_seconds / (double)f->closed : 0.0;
    r.median_close_seconds = median_close(f);
    return r;
}

/* ---- the batch accumulator ---------------------------------------------------------------- */

#define KEY_MAX 65

typedef struct {
    char scope[KEY_MAX];    /* area code or department code */
    char category[KEY_MAX];
    char day[11];           /* YYYY-MM-DD: the report date */
    int64_t v[STATS_AREA_FIGURES]; /* the first STATS_DEPT_FIGURES for a department */
} entry_t;

typedef struct {
    entry_t *items;
    size_t count, capacity;
} entries_t;

struct stats_fold {
    entries_t areas, departments;
};

stats_fold_t *stats_fold_new(void)
{
    return calloc(1, sizeof(stats_fold_t));
}

void stats_fold_destroy(stats_fold_t **self)
{
    if (*self) {
        free((*self)->areas.items);
        free((*self)->departments.items);
        free(*self);
        *self = NULL;
    }
}

/* Adds n values to the entry for (scope, category, day), creating it. False when out of memory
 * or a key is too long to be a code (import bounds codes to 64 bytes). */
static bool accumulate(entries_t *e, const char *scope, const char *category, const char *day,
                       const int64_t *v, int n)
{
    if (strlen(scope) >= KEY_MAX || strlen(category) >= KEY_MAX || strlen(day) != 10)
        return false;
    size_t i = 0;
    while (i < e->count && !(strcmp(e->items[i].scope, scope) == 0
                             && strcmp(e->items[i].category, category) == 0
                             && strcmp(e->items[i].day, day) == 0))
        i++;
    if (i == e->count) {
        if (e->count == e->capacity) {
            size_t cap = e->capacity ? 2 * e->capacity : 64;
            entry_t *grown = realloc(e->items, cap * sizeof *grown);
            if (!grown)
                return false;
            e->items = grown;
            e->capacity = cap;
        }
        entry_t *fresh = &e->items[e->count++];
        memset(fresh, 0, sizeof *fresh);
        strcpy(fresh->scope, scope);
        strcpy(fresh->category, category);
        strcpy(fresh->day, day);
    }
    for (int k = 0; k < n; k++)
        e->items[i].v[k] += v[k];
    return true;
}

/* Reads what the deltas need from the case's earlier events. */
static bool read_history(PGconn *db, const gc_event_t *ev, stats_history_t *h, char *resolver,
                         size_t resolver_len)
{
    char id[32], seq[32];
    snprintf(id, sizeof id, "%" PRId64, ev->case_id);
    snprintf(seq, sizeof seq, "%" PRIu64, ev->seq);
    const char *params[] = {id, seq};
    PGresult *res = gc_pg_query_prepared(db, "stats_case_history", 2, params);
    bool ok = gc_pg_ok(res) && PQntuples(res) == 1;
    if (ok) {
        h->overdue_before = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
        snprintf(resolver, resolver_len, "%s", PQgetvalue(res, 0, 1));
        h->last_resolver = resolver;
    }
    PQclear(res);
    return ok;
}

static bool fold_apply(PGconn *db, const gc_event_t *ev, void *ctx)
{
    stats_fold_t *self = ctx;
    stats_history_t h = {false, ""};
    char resolver[KEY_MAX] = "";
    if (stats_fold_needs_history(ev) && !read_history(db, ev, &h, resolver, sizeof resolver))
        return false;
    stats_area_delta_t a;
    stats_dept_delta_t d;
    const char *department;
    if (stats_fold_area_delta(ev, &h, &a)
        && !accumulate(&self->areas, ev->area, ev->category, ev->reported_on, &a.reported,
                       STATS_AREA_FIGURES))
        return false;
    if (stats_fold_dept_delta(ev, &h, &department, &d)
        && !accumulate(&self->departments, department, ev->category, ev->reported_on,
                       &d.handled, STATS_DEPT_FIGURES))
        return false;
    return true;
}

/* Writes every entry of the batch with one call of `statement` (gc_stats_add_batch or
 * gc_stats_add_department_batch, deploy/schema/functions/statistics.sql): the scopes,
 * categories and days as three text arrays, element i for entry i, and the deltas as a 2-D
 * array, row i for entry i. The function sums the deltas that land on the same row (an area's
 * entries and its sub-areas' entries, a month's days) before writing, so each row takes one
 * new version per batch instead of one per entry below it. */
static bool write_entries(PGconn *db, entries_t *e, const char *statement, int n)
{
    if (e->count == 0)
        return true;
    gc_pg_array_t scopes = {0}, categories = {0}, days = {0}, deltas = {0};
    for (size_t i = 0; i < e->count; i++) {
        gc_pg_array_text(&scopes, e->items[i].scope);
        gc_pg_array_text(&categories, e->items[i].category);
        gc_pg_array_text(&days, e->items[i].day);
        gc_pg_array_int64s(&deltas, e->items[i].v, n);
    }
    const char *params[] = {gc_pg_array_end(&scopes), gc_pg_array_end(&categories),
                            gc_pg_array_end(&days), gc_pg_array_end(&deltas)};
    bool ok = params[0] && params[1] && params[2] && params[3];
    if (!ok)
        gc_log_error("%s: out of memory for %zu entries", statement, e->count);
    ok = ok && gc_pg_run_prepared(db, statement, 4, params);
    gc_pg_array_free(&scopes);
    gc_pg_array_free(&categories);
    gc_pg_array_free(&days);
    gc_pg_array_free(&deltas);
    if (ok)
        e->count = 0;
    return ok;
}

static bool fold_flush(PGconn *db, void *ctx)
{
    stats_fold_t *self = ctx;
    return write_entries(db, &self->areas, "stats_add_areas", STATS_AREA_FIGURES)
           && write_entries(db, &self->departments, "stats_add_departments", STATS_DEPT_FIGURES);
}

static void fold_discard(void *ctx)
{
    stats_fold_t *self = ctx;
    self->areas.count = 0;
    self->departments.count = 0;
}

gc_consumer_t stats_fold_consumer(stats_fold_t *self)
{
    /* one call per batch for each table: every entry at once (write_entries) */
    gc_pg_register("stats_add_areas",
                   "SELECT gc_stats_add_batch($1::text[], $2::text[], $3::date[], $4::bigint[])",
                   4);
    gc_pg_register("stats_add_departments",
                   "SELECT gc_stats_add_department_batch($1::text[], $2::text[], $3::date[], "
                   "$4::bigint[])",
                   4);
    /* did the case miss a deadline before this event; whose resolution was the last one */
    gc_pg_register("stats_case_history",
                   "SELECT EXISTS (SELECT 1 FROM case_events WHERE case_id = $1 AND seq < $2 "
                   "  AND actor = 'escalation' AND kind IN ('escalated', 'supervised')), "
                   "coalesce((SELECT department FROM case_events WHERE case_id = $1 AND seq < $2 "
                   "  AND kind = 'resolved' AND status = 'resolved' ORDER BY seq DESC LIMIT 1), '')",
                   2);
    return (gc_consumer_t){.apply = fold_apply, .flush = fold_flush, .discard = fold_discard,
                           .ctx = self};
}
