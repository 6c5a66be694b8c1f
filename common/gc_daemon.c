/* gc_daemon: common start-up. */
#include "gc_daemon.h"

#include "gc_clock.h"
#include "gc_curve.h"
#include "gc_link.h"
#include "gc_log.h"
#include "gc_pg.h"
#include "gc_msg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

volatile sig_atomic_t gc_daemon_stop = 0;
static const char *health_file = "";

static void on_signal(int sig)
{
    (void)sig;
    gc_daemon_stop = 1;
}

void gc_daemon_start(int argc, char **argv, const char *name, const char *what,
                     gc_config_t *cfg)
{
    if (argc > 1) {
        if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
            char ignored[256]; /* --help shows the values, even a bad one */
            gc_config_load(cfg, ignored, sizeof ignored);
            gc_config_print_help(name, what);
            exit(0);
        }
        if (strcmp(argv[1], "--version") == 0) {
            printf("%s %s\n", name, GC_VERSION);
            exit(0);
        }
        fprintf(stderr, "%s: unknown argument '%s' (try --help)\n", name, argv[1]);
        exit(2);
    }
    char err[256];
    if (!gc_config_load(cfg, err, sizeof err)) {
        fprintf(stderr, "%s: %s\n", name, err);
        exit(2);
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal; /* no SA_RESTART: blocking calls return EINTR and we notice */
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    gc_log_init(name, false);
    /* pg_stat_activity and the server's log name the daemon behind each connection (a DSN's own
     * application_name still wins) */
    setenv("PGAPPNAME", name, 0);
    gc_log_set_level(cfg->log_level);
    gc_log_set_format(cfg->log_format);
    health_file = cfg->health_file;
    /* gridctl, not a daemon, waits as long as it takes */
    gc_pg_set_timeout(cfg->pg_timeout_ms ? cfg->pg_timeout_ms : GC_DAEMON_PG_TIMEOUT_MS);
}

void gc_daemon_alive(void)
{
    /* at most every 2 s: a health check that allows 30 s of silence sees a live loop */
    static long last;
    long now = gc_clock_monotonic_ms();
    if (!*health_file || (last && now - last < 2000))
        return;
    last = now;
    FILE *f = fopen(health_file, "w");
    if (f) {
        fprintf(f, "%ld\n", (long)time(NULL));
        fclose(f);
    }
}

void *gc_daemon_socket(void *ctx, int type, const char *setting, const char *endpoint, bool bind,
                       long max_bytes)
{
    void *s = gc_msg_socket(ctx, type, endpoint, bind, max_bytes);
    if (!s) {
        gc_log_error("%s=\"%s\": cannot %s it (see the line above)", setting, endpoint,
                     bind ? "bind" : "connect to");
        exit(2);
    }
    return s;
}

void *gc_daemon_server(void *ctx, int type, const char *bind_setting, const char *endpoint,
                       const char *key_setting, const char *key_file, const char *zap_domain,
                       const char *what, long max_bytes)
{
    bool curve = *key_file;
    gc_curve_keys_t keys;
    char err[300];
    if (curve && !gc_curve_load(key_file, &keys, err, sizeof err)) {
        gc_log_error("%s: %s", key_setting, err);
        exit(2);
    }
    void *s = gc_msg_socket_new(ctx, type, max_bytes);
    if (!s || (curve && !gc_curve_server(s, &keys, zap_domain))) {
        gc_log_error("%s: cannot make %s a CURVE server: %s", key_setting, what,
                     zmq_strerror(zmq_errno()));
        exit(2);
    }
    /* A stream's subscribers get room for bursts (a backlog's events, a round of snapshots):
     * PUB drops at the mark. Set before binding: libzmq gives each connection the options the
     * socket had when it was bound. */
    int hwm = GC_DAEMON_PUB_SNDHWM;
    if (type == ZMQ_PUB)
        zmq_setsockopt(s, ZMQ_SNDHWM, &hwm, sizeof hwm);
    /* a request socket's peers come across the city's network: a gone one is noticed, and
     * what was queued for it freed, within seconds */
    if (type == ZMQ_ROUTER)
        gc_link_server(s);
    if (!gc_msg_attach(s, endpoint, true)) {
        gc_log_error("%s=\"%s\": cannot bind it (see the line above)", bind_setting, endpoint);
        exit(2);
    }
    if (curve)
        gc_log_info("%s on %s: CURVE, server key %s", what, endpoint, keys.public_key);
    else
        gc_msg_warn_if_exposed(endpoint, what, key_setting);
    return s;
}

void *gc_daemon_client(void *ctx, int type, const char *url_setting, const char *url,
                       const char *key_setting, const char *server_key, const gc_config_t *cfg)
{
    char err[600];
    void *s = gc_curve_connect(ctx, type, url, server_key, cfg->client_key_file, 0, err,
                               sizeof err);
    if (!s) {
        gc_log_error("%s=\"%s\"%s%s: %s", url_setting, url, *server_key ? " with " : "",
                     *server_key ? key_setting : "", err);
        exit(2);
    }
    return s;
}
