/* stats_fold: statistics as a fold over the case event log. Each event adds a small delta to
 * the figures of (area, category) for the case's grid and every area above it; the figures and
 * the fold's cursor live in PostgreSQL, so recomputing from the start gives the same numbers
 * and a restart resumes where it stopped. */
#ifndef STATS_FOLD_H
#define STATS_FOLD_H

#include "gc_event.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

/* What one event adds. Field order matches the stats_figures columns. */
typedef struct {
    int64_t cases_total;
    int64_t cases_closed;
    int64_t closed_at_grid;
    int64_t closed_at_community;
    int64_t closed_at_street;
    int64_t closed_at_district;
    int64_t resolved_on_spot;
    int64_t escalations;
    int64_t reopened;
    int64_t returned;
    int64_t supervised;
    int64_t extended; /* extensions granted (延期) */
} stats_delta_t;
#define STATS_FIGURES ((int)(sizeof(stats_delta_t) / sizeof(int64_t)))

/* The delta of one event (kind, and the case's level and status after it); all zero for events
 * that do not move a figure. Returns false in that case. */
bool stats_fold_delta(int kind, int level, int status, stats_delta_t *delta);

/* Rates in percent from counters; 0 when the divisor is 0. */
typedef struct {
    double closure;        /* closed / total */
    double in_grid;        /* closed at grid / closed */
    double in_community;   /* closed at grid or community / closed */
    double in_street;      /* closed below the district / closed */
} stats_rates_t;
stats_rates_t stats_fold_rates(const stats_delta_t *figures);

/* gc_consumer_apply_fn for the "stats" consumer. ctx is unused. */
bool stats_fold_apply(PGconn *db, const gc_event_t *ev, void *ctx);

#endif
