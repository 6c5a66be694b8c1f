/* board_http: the board's HTTP side, served by libmicrohttpd with a thread per connection:
 *   GET /                  the page (index.html)      GET /assets/NAME   its files
 *   GET /api/area?code=C   one view as JSON            GET /api/feed?area=C   the live feed (SSE)
 *   GET /healthz           "ok" and the stream's state GET /metrics       Prometheus text
 * The contract is in proto/README.md ("The board"). A feed blocks its own thread while it waits
 * for a change, so max_connections bounds the threads (each with 256 KiB of stack). */
#ifndef BOARD_HTTP_H
#define BOARD_HTTP_H

#include "board_store.h"

typedef struct board_http board_http_t;

/* Listens on bind ("HOST:PORT" or ":PORT"); NULL (logged) when it cannot. */
board_http_t *board_http_new(const char *bind, board_store_t *store, unsigned max_connections);

/* Ends every feed (board_store_stop first), then stops the server. */
void board_http_destroy(board_http_t **self);

#endif
