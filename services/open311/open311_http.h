/* open311_http: the Open311 GeoReport v2 methods over HTTP (libmicrohttpd, a thread per
 * connection), under OPEN311_BASE, in XML (the default, or .xml) and JSON (.json):
 *   GET  discovery            the endpoint, its formats and the district
 *   GET  services             our categories; GET services/CODE their definition (no attributes)
 *   POST requests             a new case, submitted through intake (api_key required)
 *   GET  requests             with service_request_id, service_code, start_date, end_date, status
 *   GET  requests/ID          one case's status
 * and GET /healthz, GET /metrics. The contract: proto/README.md, "Open311". */
#ifndef OPEN311_HTTP_H
#define OPEN311_HTTP_H

#include "open311_store.h"

typedef struct open311_http open311_http_t;

/* Listens on bind ("HOST:PORT" or ":PORT"); NULL (logged) when it cannot. */
open311_http_t *open311_http_new(const char *bind, open311_store_t *store,
                                 unsigned max_connections);
void open311_http_destroy(open311_http_t **self);

#endif
