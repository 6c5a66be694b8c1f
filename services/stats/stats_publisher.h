/* stats_publisher: publishes one StatsSnapshot per area on the PUB socket, topic = the area
 * code, so a dashboard subscribing to a street's code receives the street and every community
 * and grid under it (ZeroMQ matches topic prefixes, and area codes are hierarchical). Each area
 * has its own gapless seq while the daemon runs. */
#ifndef STATS_PUBLISHER_H
#define STATS_PUBLISHER_H

#include <libpq-fe.h>
#include <stdbool.h>

typedef struct stats_publisher stats_publisher_t;

stats_publisher_t *stats_publisher_new(void *pub);
void stats_publisher_destroy(stats_publisher_t **self);

/* Publishes a snapshot of every area. False when the database failed. */
bool stats_publisher_publish(stats_publisher_t *self, PGconn *db);

#endif
