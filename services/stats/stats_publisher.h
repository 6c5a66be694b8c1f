/* stats_publisher: one publishing round reads the current windows' figures and the backlogs
 * (stats_round) and publishes on the PUB socket, each message filled from the views by field
 * name (stats_fill):
 *   - one StatsSnapshot per area, topic = the area code, so a dashboard subscribing to a
 *     street's code receives the street and every community and grid under it (ZeroMQ matches
 *     topic prefixes, and area codes are hierarchical);
 *   - one DepartmentSnapshot per department, topic "<district code>/dept/<department>";
 *   - a StatsHeartbeat, topic "!heartbeat".
 * Each topic has its own gapless seq within an epoch (random per run); every message takes the
 * next stream_seq. The round also hands its rows to the Prometheus renderer (stats_metrics). */
#ifndef STATS_PUBLISHER_H
#define STATS_PUBLISHER_H

#include "stats_metrics.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct stats_publisher stats_publisher_t;

/* metrics may be NULL (no /metrics endpoint). The backlogs (open cases now: a read of every
 * open case) are read at most every backlog_every_ms, not at every round: rounds come as often
 * as every 200 ms while events change figures. */
stats_publisher_t *stats_publisher_new(void *pub, stats_metrics_t *metrics, long backlog_every_ms);
void stats_publisher_destroy(stats_publisher_t **self);

/* One round. False when the database failed. */
bool stats_publisher_publish(stats_publisher_t *self, PGconn *db);

/* The event seq the last round's figures included (0 before the first round). */
uint64_t stats_publisher_event_seq(const stats_publisher_t *self);

#endif
