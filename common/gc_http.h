/* gc_http: what the daemons' HTTP endpoints (libmicrohttpd) share. */
#ifndef GC_HTTP_H
#define GC_HTTP_H

#include <microhttpd.h>
#include <netinet/in.h>
#include <stdbool.h>

/* Parses a listening address "HOST:PORT" or ":PORT" (HOST an IPv4 address; none: every
 * interface). False on anything else. */
bool gc_http_address(const char *bind, struct sockaddr_in *addr);

/* A libmicrohttpd server on bind (the value of the setting named setting, e.g. "GC_BOARD_BIND"),
 * a thread per connection (a live feed or a slow client holds only its own thread; each costs a
 * 256 KiB stack, hence max_connections), at most a quarter of them from one address (one peer
 * opening connections without end, or holding them one byte at a time, leaves room for the
 * others), idle connections closed after 30 s. handler answers each
 * request with cls; completed (may be NULL) is called when a request ends, to free what handler
 * kept in its *state. NULL, with the reason logged naming the setting and what, when bind is not
 * HOST:PORT or the port cannot be had. Stop it with MHD_stop_daemon. */
struct MHD_Daemon *gc_http_serve(const char *setting, const char *bind, const char *what,
                                 unsigned max_connections, MHD_AccessHandlerCallback handler,
                                 void *cls, MHD_RequestCompletedCallback completed);

/* Prometheus text for the running process (process_cpu_seconds_total, process_resident_memory_
 * bytes, process_virtual_memory_bytes, process_open_fds, process_start_time_seconds) and
 * gridcase_build_info{version, daemon}. malloc'd; NULL when out of memory. */
char *gc_http_process_metrics(const char *daemon);

#endif
