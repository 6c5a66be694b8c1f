/* gc_daemon: what every gridcase daemon does the same way: --help, config, signals. */
#ifndef GC_DAEMON_H
#define GC_DAEMON_H

#include "gc_config.h"

#include <stdbool.h>
#include <signal.h>

/* The release, printed by --version and exported as gridcase_build_info. */
#define GC_VERSION "0.3.0"

/* How long a daemon waits for the database's answer to one statement unless GC_PG_TIMEOUT_MS
 * says otherwise: long enough for any statement of a busy day (a catch-up batch, a lock held by
 * another writer), short enough that a frozen server is left within seconds. gc-intake, whose
 * callers wait for its answer, uses a shorter one (services/intake/main.c). */
#define GC_DAEMON_PG_TIMEOUT_MS 10000

/* The send high-water mark of the daemons' PUB sockets (the event and stats streams). */
#define GC_DAEMON_PUB_SNDHWM 100000

/* Set by SIGTERM/SIGINT; the main loop checks it and exits cleanly. */
extern volatile sig_atomic_t gc_daemon_stop;

/* Handles --help and --version (prints and exits 0) and bad arguments (exits 2), loads the configuration
 * (exits 2 on a bad value), installs the signal handlers and starts the log. Each batch a
 * consumer commits (gc_consumer_set_progress) then counts as the loop working (gc_daemon_alive). */
void gc_daemon_start(int argc, char **argv, const char *name, const char *what,
                     gc_config_t *cfg);

/* A socket bound or connected to a configured endpoint (gc_msg_socket). When that fails, the
 * setting is wrong: logs which one and exits 2, as for any other bad setting. */
void *gc_daemon_socket(void *ctx, int type, const char *setting, const char *endpoint, bool bind,
                       long max_bytes);

/* A server socket bound to a configured endpoint. With a secret key file (key_setting's value)
 * it is a CURVE server whose clients the process's ZAP handler (gc_zap, bound first) checks
 * under zap_domain; without one it is plain, and a loud warning says so when others can reach
 * it. what names the socket in logs. A bad key file or address: logs which setting and exits 2. */
void *gc_daemon_server(void *ctx, int type, const char *bind_setting, const char *endpoint,
                       const char *key_setting, const char *key_file, const char *zap_domain,
                       const char *what, long max_bytes);

/* A client socket connected to a configured endpoint: when server_key (key_setting's value) is
 * set, a CURVE client of that server with GC_CLIENT_KEY_FILE's key pair, else plain. A bad or
 * missing key: logs which setting and exits 2. */
void *gc_daemon_client(void *ctx, int type, const char *url_setting, const char *url,
                       const char *key_setting, const char *server_key, const gc_config_t *cfg);

/* Tells GC_HEALTH_FILE's watcher the main loop is working: call once per loop while connected
 * to the database. Cheap; writes at most every 2 s. */
void gc_daemon_alive(void);

#endif
