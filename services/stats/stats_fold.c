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

/* A delivery to a department (not a reopen's delivery again, which names none). */
static bool is_delivery(const gc_event_t *ev)
{
    return ev->kind == GRIDCASE__EVENT_KIND__EVENT_KIND_ROUTED && *ev->department;
}

bool stats_fold_needs_history(const gc_event_t *ev)
{
    return is_closure(ev) || is_lead_resolution(ev) || stats_fold_is_overdue(ev)
           || is_delivery(ev) || ev->kind == GRIDCASE__EVENT_KIND__EVENT_KIND_REOPENED
           || ev->kind == GRIDCASE__EVENT_KIND__EVENT_KIND_ACCEPTED;
}

/* Whole seconds from then_ms to now_ms; a clock that stepped back counts as 0. */
static int64_t seconds_between(int64_t then_ms, int64_t now_ms)
{
    return now_ms > then_ms ? (now_ms - then_ms) / 1000 : 0;
}

bool stats_fold_duration(const gc_event_t *ev, const stats_history_t *h, stats_duration_t *d)
{
    if (is_closure(ev)) {
        *d = (stats_duration_t){ev->area, "close", seconds_between(ev->created_ms, ev->at_ms)};
        return true;
    }
    bool accepted = ev->kind == GRIDCASE__EVENT_KIND__EVENT_KIND_ACCEPTED;
    if ((!accepted && !is_lead_resolution(ev)) || h->delivered_ms < 0 || !*ev->department)
        return false;
    *d = (stats_duration_t){ev->department, accepted ? "accept" : "resolve",
                            seconds_between(h->delivered_ms, ev->at_ms)};
    return true;
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
        d->close_seconds = seconds_between(ev->created_ms, ev->at_ms);
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
            d->missed_deadline = 1;
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
        /* a case new to the department: a joint meeting or an escalation may deliver it again
         * to a department that already had it */
        if (h->delivered_ms >= 0)
            return false;
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

/* The department's entry in out, added when new; NULL when full. */
static stats_dept_delta_t *case_department(stats_case_figures_t *out, const char *code)
{
    for (int i = 0; i < out->ndepartments; i++)
        if (strcmp(out->departments[i].code, code) == 0)
            return &out->departments[i].figures;
    if (out->ndepartments == STATS_CASE_DEPARTMENTS || strlen(code) >= sizeof out->departments[0].code)
        return NULL;
    snprintf(out->departments[out->ndepartments].code, sizeof out->departments[0].code, "%s", code);
    return &out->departments[out->ndepartments++].figures;
}

bool stats_fold_case_figures(const gc_event_t *events, size_t n, stats_case_figures_t *out)
{
    memset(out, 0, sizeof *out);
    stats_history_t h = {false, "", -1};
    /* the last delivery to each department so far, for the history of its events */
    struct {
        const char *code;
        int64_t at_ms;
    } delivered[STATS_CASE_DEPARTMENTS];
    int ndelivered = 0;
    for (size_t i = 0; i < n; i++) {
        const gc_event_t *ev = &events[i];
        h.delivered_ms = -1;
        for (int k = 0; k < ndelivered; k++)
            if (strcmp(delivered[k].code, ev->department) == 0)
                h.delivered_ms = delivered[k].at_ms;
        stats_area_delta_t a;
        if (stats_fold_area_delta(ev, &h, &a)) {
            int64_t *sum = &out->area.reported;
            const int64_t *v = &a.reported;
            for (int k = 0; k < STATS_AREA_FIGURES; k++)
                sum[k] += v[k];
        }
        stats_dept_delta_t d;
        const char *department;
        if (stats_fold_dept_delta(ev, &h, &department, &d)) {
            stats_dept_delta_t *sum = case_department(out, department);
            if (!sum)
                return false;
            for (int k = 0; k < STATS_DEPT_FIGURES; k++)
                (&sum->handled)[k] += (&d.handled)[k];
        }
        /* what the next events' deltas depend on */
        if (stats_fold_is_overdue(ev))
            h.overdue_before = true;
        if (is_lead_resolution(ev))
            h.last_resolver = ev->department;
        if (is_delivery(ev)) {
            int k = 0;
            while (k < ndelivered && strcmp(delivered[k].code, ev->department) != 0)
                k++;
            if (k == STATS_CASE_DEPARTMENTS)
                return false;
            delivered[k].code = ev->department;
            delivered[k].at_ms = ev->at_ms;
            ndelivered += k == ndelivered;
        }
    }
    return true;
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

/* The batch's durations, one per measuring event, as the arrays gc_stats_add_times takes. */
typedef struct {
    gc_pg_array_t subjects, measures, days, seconds;
    size_t count;
} durations_t;

/* What gc_stats_event_history answered for one event of the batch (stats_history_t's fields). */
typedef struct {
    uint64_t seq;
    bool overdue_before;
    char last_resolver[KEY_MAX];
    int64_t delivered_ms;
} history_t;

/* The batch's histories, in seq order, read by fold_prepare; fold_apply takes them in turn. */
typedef struct {
    history_t *items;
    size_t count, capacity, next;
} histories_t;

struct stats_fold {
    entries_t areas, departments;
    durations_t durations;
    histories_t histories;
};

static void durations_clear(durations_t *t)
{
    gc_pg_array_free(&t->subjects);
    gc_pg_array_free(&t->measures);
    gc_pg_array_free(&t->days);
    gc_pg_array_free(&t->seconds);
    memset(t, 0, sizeof *t);
}

stats_fold_t *stats_fold_new(void)
{
    return calloc(1, sizeof(stats_fold_t));
}

void stats_fold_destroy(stats_fold_t **self)
{
    if (*self) {
        free((*self)->areas.items);
        free((*self)->departments.items);
        free((*self)->histories.items);
        durations_clear(&(*self)->durations);
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

/* Whether an event's history is read with the batch's: a correction reads the case's events
 * itself (fold_recategorized). */
static bool wants_history(const gc_event_t *ev)
{
    return stats_fold_needs_history(ev)
           && ev->kind != GRIDCASE__EVENT_KIND__EVENT_KIND_RECATEGORIZED;
}

/* Reads the history of every event of the batch that needs one, with one statement
 * (gc_stats_event_history). Deliveries and acceptances, most of the events, need only the last
 * delivery. */
static bool fold_prepare(PGconn *db, const PGresult *events, void *ctx)
{
    stats_fold_t *self = ctx;
    histories_t *h = &self->histories;
    h->count = h->next = 0;
    gc_pg_array_t cases = {0}, seqs = {0}, departments = {0}, want_all = {0};
    int n = PQntuples(events);
    bool ok = true;
    for (int i = 0; ok && i < n; i++) {
        gc_event_t ev;
        gc_event_from_row(events, i, &ev);
        if (!wants_history(&ev))
            continue;
        if (h->count == h->capacity) {
            size_t cap = h->capacity ? 2 * h->capacity : 256;
            history_t *grown = realloc(h->items, cap * sizeof *grown);
            if (!(ok = grown != NULL))
                break;
            h->items = grown;
            h->capacity = cap;
        }
        h->items[h->count++] = (history_t){.seq = ev.seq};
        gc_pg_array_int64(&cases, ev.case_id);
        gc_pg_array_int64(&seqs, (int64_t)ev.seq);
        gc_pg_array_text(&departments, ev.department);
        gc_pg_array_text(&want_all, is_delivery(&ev)
                                        || ev.kind == GRIDCASE__EVENT_KIND__EVENT_KIND_ACCEPTED
                                    ? "f"
                                    : "t");
    }
    if (ok && h->count) {
        const char *params[] = {gc_pg_array_end(&cases), gc_pg_array_end(&seqs),
                                gc_pg_array_end(&departments), gc_pg_array_end(&want_all)};
        ok = params[0] && params[1] && params[2] && params[3];
        PGresult *res = ok ? gc_pg_query_prepared(db, "stats_event_history", 4, params) : NULL;
        ok = ok && gc_pg_ok(res) && (size_t)PQntuples(res) == h->count;
        for (size_t i = 0; ok && i < h->count; i++) {
            history_t *r = &h->items[i];
            r->overdue_before = strcmp(PQgetvalue(res, (int)i, 1), "t") == 0;
            snprintf(r->last_resolver, sizeof r->last_resolver, "%s", PQgetvalue(res, (int)i, 2));
            r->delivered_ms = PQgetisnull(res, (int)i, 3)
                                  ? -1
                                  : strtoll(PQgetvalue(res, (int)i, 3), NULL, 10);
        }
        PQclear(res);
    }
    if (!ok)
        gc_log_error("cannot read the history of %zu events", h->count);
    gc_pg_array_free(&cases);
    gc_pg_array_free(&seqs);
    gc_pg_array_free(&departments);
    gc_pg_array_free(&want_all);
    return ok;
}

/* The history fold_prepare read for ev (the batch's events come in seq order). */
static const history_t *history_of(histories_t *h, const gc_event_t *ev)
{
    while (h->next < h->count && h->items[h->next].seq < ev->seq)
        h->next++;
    return h->next < h->count && h->items[h->next].seq == ev->seq ? &h->items[h->next] : NULL;
}

/* A corrected category: everything the case's earlier events added under the old category
 * (the category each happened under, gc_event_category_before) moves to the new one. One read of the
 * case's events; a correction is rare. */
static bool fold_recategorized(PGconn *db, stats_fold_t *self, const gc_event_t *ev)
{
    char id[32], seq[32];
    snprintf(id, sizeof id, "%" PRId64, ev->case_id);
    snprintf(seq, sizeof seq, "%" PRIu64, ev->seq);
    const char *params[] = {id, seq};
    PGresult *res = gc_pg_query_prepared(db, "stats_case_events", 2, params);
    if (!gc_pg_ok(res)) {
        PQclear(res);
        return false;
    }
    int n = PQntuples(res);
    gc_event_t *events = calloc((size_t)(n ? n : 1), sizeof *events);
    stats_case_figures_t *moved = malloc(sizeof *moved);
    bool ok = events && moved;
    for (int i = 0; ok && i < n; i++) {
        gc_event_t *e = &events[i];
        *e = *ev; /* the case's own fields: area, report time and date */
        e->kind = gc_event_kind_value(PQgetvalue(res, i, 0));
        e->level = gc_level_value(PQgetvalue(res, i, 1));
        e->status = gc_status_value(PQgetvalue(res, i, 2));
        e->department = PQgetvalue(res, i, 3);
        e->actor = PQgetvalue(res, i, 4);
        e->at_ms = strtoll(PQgetvalue(res, i, 5), NULL, 10);
        e->category = PQgetvalue(res, i, 6);
    }
    ok = ok && stats_fold_case_figures(events, (size_t)n, moved);
    /* every earlier event's figures are under the category just before this correction (an
     * earlier correction moved them there): the last earlier event's */
    const char *from = n && ok ? events[n - 1].category : ev->category;
    if (ok && strcmp(from, ev->category) != 0) {
        stats_area_delta_t minus = moved->area;
        int64_t *v = &minus.reported;
        for (int k = 0; k < STATS_AREA_FIGURES; k++)
            v[k] = -v[k];
        ok = accumulate(&self->areas, ev->area, from, ev->reported_on, &minus.reported,
                        STATS_AREA_FIGURES)
             && accumulate(&self->areas, ev->area, ev->category, ev->reported_on,
                           &moved->area.reported, STATS_AREA_FIGURES);
        for (int i = 0; ok && i < moved->ndepartments; i++) {
            stats_dept_delta_t less = moved->departments[i].figures;
            for (int k = 0; k < STATS_DEPT_FIGURES; k++)
                (&less.handled)[k] = -(&less.handled)[k];
            ok = accumulate(&self->departments, moved->departments[i].code, from,
                            ev->reported_on, &less.handled, STATS_DEPT_FIGURES)
                 && accumulate(&self->departments, moved->departments[i].code, ev->category,
                               ev->reported_on, &moved->departments[i].figures.handled,
                               STATS_DEPT_FIGURES);
        }
    }
    if (!ok)
        gc_log_error("case %s: cannot move its figures to category %s", ev->case_ref,
                     ev->category);
    free(events);
    free(moved);
    PQclear(res);
    return ok;
}

static bool fold_apply(PGconn *db, const gc_event_t *ev, void *ctx)
{
    stats_fold_t *self = ctx;
    if (ev->kind == GRIDCASE__EVENT_KIND__EVENT_KIND_RECATEGORIZED)
        return fold_recategorized(db, self, ev);
    stats_history_t h = {false, "", -1};
    if (wants_history(ev)) {
        const history_t *r = history_of(&self->histories, ev);
        if (!r) { /* every such event of the batch was asked about: a bug, not the database */
            gc_log_error("event %" PRIu64 ": its history was not read with its batch", ev->seq);
            return false;
        }
        h = (stats_history_t){r->overdue_before, r->last_resolver, r->delivered_ms};
    }
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
    stats_duration_t t;
    if (stats_fold_duration(ev, &h, &t)) {
        durations_t *all = &self->durations;
        gc_pg_array_text(&all->subjects, t.subject);
        gc_pg_array_text(&all->measures, t.measure);
        gc_pg_array_text(&all->days, ev->reported_on);
        gc_pg_array_int64(&all->seconds, t.seconds);
        all->count++;
    }
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

/* Writes the batch's durations with one call of gc_stats_add_times. */
static bool write_durations(PGconn *db, durations_t *t)
{
    if (t->count == 0)
        return true;
    const char *params[] = {gc_pg_array_end(&t->subjects), gc_pg_array_end(&t->measures),
                            gc_pg_array_end(&t->days), gc_pg_array_end(&t->seconds)};
    bool ok = params[0] && params[1] && params[2] && params[3];
    if (!ok)
        gc_log_error("stats_add_times: out of memory for %zu durations", t->count);
    ok = ok && gc_pg_run_prepared(db, "stats_add_times", 4, params);
    if (ok)
        durations_clear(t);
    return ok;
}

static bool fold_flush(PGconn *db, void *ctx)
{
    stats_fold_t *self = ctx;
    return write_entries(db, &self->areas, "stats_add_areas", STATS_AREA_FIGURES)
           && write_entries(db, &self->departments, "stats_add_departments", STATS_DEPT_FIGURES)
           && write_durations(db, &self->durations);
}

static void fold_discard(void *ctx)
{
    stats_fold_t *self = ctx;
    self->areas.count = 0;
    self->departments.count = 0;
    self->histories.count = self->histories.next = 0;
    durations_clear(&self->durations);
}

long stats_fold_prune_days(PGconn *db, long keep_days)
{
    char days[24];
    snprintf(days, sizeof days, "%ld", keep_days);
    const char *params[] = {days};
    PGresult *res = gc_pg_query(db, "prune day windows", "SELECT gc_stats_prune_days($1::integer)",
                                1, params);
    long removed = gc_pg_ok(res) && PQntuples(res) == 1 ? strtol(PQgetvalue(res, 0, 0), NULL, 10)
                                                        : -1;
    PQclear(res);
    return removed;
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
    gc_pg_register("stats_event_history",
                   "SELECT * FROM gc_stats_event_history($1::bigint[], $2::bigint[], $3::text[], "
                   "$4::boolean[])",
                   4);
    /* a case's events before one, with the category each happened under */
    gc_pg_register("stats_case_events",
                   "SELECT e.kind, e.level, e.status, e.department, e.actor, "
                   "(extract(epoch FROM e.at) * 1000)::bigint, coalesce(rc.category, c.category) "
                   "FROM case_events e JOIN cases c ON c.id = e.case_id "
                   "LEFT JOIN LATERAL gc_event_category_before(e.case_id, e.seq) rc ON true "
                   "WHERE e.case_id = $1 AND e.seq < $2 ORDER BY e.seq",
                   2);
    gc_pg_register("stats_add_times",
                   "SELECT gc_stats_add_times($1::text[], $2::text[], $3::date[], $4::bigint[])",
                   4);
    return (gc_consumer_t){.prepare = fold_prepare, .apply = fold_apply, .flush = fold_flush,
                           .discard = fold_discard, .ctx = self};
}
