/* gc_http: what the daemons' HTTP endpoints (libmicrohttpd) share. */
#ifndef GC_HTTP_H
#define GC_HTTP_H

#include <netinet/in.h>
#include <stdbool.h>

/* Parses a listening address "HOST:PORT" or ":PORT" (HOST an IPv4 address; none: every
 * interface). False on anything else. */
bool gc_http_address(const char *bind, struct sockaddr_in *addr);

#endif
