/* stats_http: GET /metrics (Prometheus) and GET /healthz over HTTP, served by libmicrohttpd's
 * own thread from what stats_metrics holds. */
#ifndef STATS_HTTP_H
#define STATS_HTTP_H

#include "stats_metrics.h"

typedef struct stats_http stats_http_t;

/* Listens on bind ("HOST:PORT" or ":PORT"); NULL (logged) when it cannot. */
stats_http_t *stats_http_new(const char *bind, stats_metrics_t *metrics);
void stats_http_destroy(stats_http_t **self);

#endif
