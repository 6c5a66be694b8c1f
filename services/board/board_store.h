/* board_store: the statistics stream as last received, for the board's page and feed.
 *
 * The subscriber thread puts every area snapshot, department snapshot and heartbeat in; HTTP
 * threads read "views" out: one area with its path from the district, its children and every
 * department, as one JSON document (the contract: proto/README.md, "The board"). Each entry
 * keeps its JSON and a generation number that moves only when a figure changed (gc-stats sends
 * every snapshot each round, changed or not), so a feed sends a view only when it changed.
 * Thread-safe: one mutex; readers wait on a condition variable for the next change.
 *
 * Cost: a lookup or a view scans every entry (a district has a few thousand areas at most: tens
 * of microseconds), and a put re-encodes the snapshot as JSON twice (about 20 us for a
 * snapshot with its four windows), so the subscriber keeps up with any round gc-stats makes. */
#ifndef BOARD_STORE_H
#define BOARD_STORE_H

#include "stats.pb-c.h"

#include <stdbool.h>
#include <stdint.h>

/* No heartbeat for this long: the figures shown are stale. */
#define BOARD_STALE_MS 3000

typedef struct board_store board_store_t;

board_store_t *board_store_new(void);
void board_store_destroy(board_store_t **self);

void board_store_put_area(board_store_t *self, const Gridcase__StatsSnapshot *s);
void board_store_put_department(board_store_t *self, const Gridcase__DepartmentSnapshot *s);
void board_store_put_heartbeat(board_store_t *self, const Gridcase__StatsHeartbeat *h);

/* The view of area code (NULL or "": the district) as JSON text (free() it): {"area", "path",
 * "children", "departments", "heartbeat", "stale"}, *status 200 and *gen the highest
 * generation in it, for board_store_wait. When there is no such view, the text is
 * {"error": {code, message, hint}} and *status 404 (unknown_area) or 503 (no_figures_yet: no
 * full round of the stream seen yet, so no area can be called unknown). NULL: out of memory. */
char *board_store_view(board_store_t *self, const char *code, uint64_t *gen, unsigned *status);

/* The last heartbeat as JSON text (free() it; NULL before the first) and its number. */
char *board_store_heartbeat(board_store_t *self, uint64_t *number);

/* Blocks until a snapshot changes (the store's generation passes *gen), a heartbeat arrives
 * (their count passes *heartbeats), board_store_stop is called, or timeout_ms passes; then sets
 * both to their values now. */
void board_store_wait(board_store_t *self, uint64_t *gen, uint64_t *heartbeats, long timeout_ms);

/* Wakes every waiter and makes board_store_stopping true: the HTTP threads end their feeds. */
void board_store_stop(board_store_t *self);
bool board_store_stopping(board_store_t *self);

/* For /metrics and /healthz. age_ms: since the last heartbeat (since the store was made when
 * none came yet). */
typedef struct {
    long age_ms;
    bool live; /* a heartbeat within BOARD_STALE_MS */
    unsigned areas, departments, feeds;
    uint64_t heartbeats;
} board_store_status_t;
board_store_status_t board_store_status(board_store_t *self);

/* The open feeds, counted for /metrics. */
void board_store_feed_opened(board_store_t *self);
void board_store_feed_closed(board_store_t *self);

#endif
