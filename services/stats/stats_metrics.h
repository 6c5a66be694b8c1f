/* stats_metrics: the Prometheus view of the figures. Each publishing round renders the all-time
 * figures and the backlogs now (area labels only down to a configured level, no per-case
 * label; a rate without data has no sample) into a text the
 * HTTP thread (stats_http) serves at GET /metrics; process figures are added per request. The
 * round also records whether the daemon is connected and caught up, for GET /healthz. */
#ifndef STATS_METRICS_H
#define STATS_METRICS_H

#include "stats_round.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct stats_metrics stats_metrics_t;

/* deepest_level: a Gridcase__Level; areas below it get no series of their own. */
stats_metrics_t *stats_metrics_new(int deepest_level);
void stats_metrics_destroy(stats_metrics_t **self);

/* From one publishing round (stats_round): the all-time rows of its views, and its backlogs. */
void stats_metrics_render(stats_metrics_t *self, const stats_round_t *round);

/* Whether the last round found the fold caught up with the event log; false after a database
 * failure until the next good round. */
void stats_metrics_set_health(stats_metrics_t *self, bool caught_up, const char *why);

/* For the HTTP thread: a malloc'ed copy of the rendered text with the process figures added;
 * and the health (why: a short reason when unhealthy). */
char *stats_metrics_text(stats_metrics_t *self, size_t *len);
bool stats_metrics_healthy(stats_metrics_t *self, char *why, size_t whylen);

#endif
