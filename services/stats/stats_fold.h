/* stats_fold: statistics as a fold over the case event log (definitions: docs/STATISTICS.md).
 *
 * Each event adds a small delta to the figures of the case's cohort: its area (and every area
 * above it) and category, in the windows of the local date it was reported on. A delta may also
 * go to a department's figures. Deltas are summed in memory over a batch of events and written
 * at the end of the batch, one call per table for the whole batch (gc_stats_add_batch,
 * gc_stats_add_department_batch), in the same transaction as the consumer's cursor, so a
 * restart after a kill at any moment gives the same figures. Durations (time to close, a
 * department's time to accept and to resolve) are collected one per event and written with
 * gc_stats_add_times, which buckets them for quantiles.
 *
 * Rates and quantiles are not computed here: the views of
 * deploy/schema/functions/statistics_views.sql define them once for every reader. */
#ifndef STATS_FOLD_H
#define STATS_FOLD_H

#include "gc_consumer.h"
#include "gc_event.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

/* Time to close: histogram buckets with these upper bounds in seconds, and a last one above. */
#define STATS_TTC_BUCKETS 9
extern const int64_t stats_ttc_bounds[STATS_TTC_BUCKETS - 1];

/* What one event adds to an area's figures. Field order = the columns of stats_area_windows
 * and a row of the deltas of gc_stats_add_batch(). */
typedef struct {
    int64_t reported;
    int64_t closed;
    int64_t closed_at_grid;
    int64_t closed_at_community;
    int64_t closed_at_street;
    int64_t closed_at_district;
    int64_t resolved_on_spot;
    int64_t resolved;
    int64_t reopened;
    int64_t escalated_to_community;
    int64_t escalated_to_street;
    int64_t escalated_to_district;
    int64_t missed_deadline;
    int64_t supervised;
    int64_t misrouted;
    int64_t extended;
    int64_t due;
    int64_t closed_on_time;
    int64_t close_seconds;
    int64_t ttc[STATS_TTC_BUCKETS];
} stats_area_delta_t;
#define STATS_AREA_FIGURES ((int)(sizeof(stats_area_delta_t) / sizeof(int64_t)))

/* What one event adds to a department's figures (columns of stats_department_windows). */
typedef struct {
    int64_t handled;
    int64_t resolved;
    int64_t resolved_on_time;
    int64_t reopened;
    int64_t misrouted;
    int64_t extended;
} stats_dept_delta_t;
#define STATS_DEPT_FIGURES ((int)(sizeof(stats_dept_delta_t) / sizeof(int64_t)))

/* What the fold reads from a case's earlier events for some events (stats_fold_needs_history). */
typedef struct {
    bool overdue_before;       /* the case had missed a deadline before this event */
    const char *last_resolver; /* the department whose resolution a REOPENED rejects, or "" */
    int64_t delivered_ms;      /* the last delivery (routed) of the case to the event's
                                  department before it; -1 when none: a ROUTED event is then
                                  the case's first delivery to it */
} stats_history_t;

/* The duration one event measures, if any: its subject (an area or a department code), what it
 * measures (the `measure` of stats_time_buckets) and whole seconds. */
typedef struct {
    const char *subject;
    const char *measure; /* "close", "accept" or "resolve" */
    int64_t seconds;
} stats_duration_t;

/* True for an event recording a missed deadline: an escalation or a supervision flag by the
 * escalation daemon's sweep (actor "escalation"), not one a person requested. */
bool stats_fold_is_overdue(const gc_event_t *ev);

/* True when the deltas of this event depend on the case's history. */
bool stats_fold_needs_history(const gc_event_t *ev);

/* The area delta of one event; all zero and false for events that move no area figure. */
bool stats_fold_area_delta(const gc_event_t *ev, const stats_history_t *h, stats_area_delta_t *d);

/* The department delta of one event and the department it is for; false when none. */
bool stats_fold_dept_delta(const gc_event_t *ev, const stats_history_t *h, const char **department,
                           stats_dept_delta_t *d);

/* The duration of one event: a closure's time since the report (for the case's area), a
 * department's acceptance or lead resolution since its delivery. False for other events, and
 * for an acceptance or resolution with no delivery before it. */
bool stats_fold_duration(const gc_event_t *ev, const stats_history_t *h, stats_duration_t *d);

/* The fold's batch accumulator. */
typedef struct stats_fold stats_fold_t;
stats_fold_t *stats_fold_new(void);
void stats_fold_destroy(stats_fold_t **self);

/* What a case's events added to the figures of its category, replayed in order with the
 * history each event needed rebuilt as it goes: what a correction of the case's category
 * (RECATEGORIZED) moves from the old category to the new. Up to STATS_CASE_DEPARTMENTS
 * departments. */
#define STATS_CASE_DEPARTMENTS 32
typedef struct {
    stats_area_delta_t area;
    int ndepartments;
    struct {
        char code[65];
        stats_dept_delta_t figures;
    } departments[STATS_CASE_DEPARTMENTS];
} stats_case_figures_t;

/* False when the case had more departments than fit. */
bool stats_fold_case_figures(const gc_event_t *events, size_t n, stats_case_figures_t *out);

/* Removes the day windows older than keep_days days (gc_stats_prune_days); month, year and
 * all-time windows stay. Returns the rows removed, or -1 when the database failed. */
long stats_fold_prune_days(PGconn *db, long keep_days);

/* The consumer ("stats") whose apply/flush/discard use this fold. */
gc_consumer_t stats_fold_consumer(stats_fold_t *self);

#endif
