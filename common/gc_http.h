/* gc_http: what the daemons' HTTP endpoints (libmicrohttpd) share. */
#ifndef GC_HTTP_H
#define GC_HTTP_H

#include <netinet/in.h>
#include <stdbool.h>

/* Parses a listening address "HOST:PORT" or ":PORT" (HOST an IPv4 address; none: every
 * interface). False on anything else. */
bool gc_http_address(const char *bind, struct sockaddr_in *addr);

/* Prometheus text for the running process (process_cpu_seconds_total, process_resident_memory_
 * bytes, process_virtual_memory_bytes, process_open_fds, process_start_time_seconds) and
 * gridcase_build_info{version, daemon}. malloc'd; NULL when out of memory. */
char *gc_http_process_metrics(const char *daemon);

#endif
