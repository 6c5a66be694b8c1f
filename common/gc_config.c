/* gc_config: environment-variable settings with defaults and range checks. */
#include "gc_config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *name;
    const char *fallback;
    const char *about;
} setting_t;

static const setting_t settings[] = {
    {"GC_PG_DSN", "dbname=gridcase", "libpq connection string (PGHOST, PGPORT... also apply)"},
    {"GC_INTAKE_BIND", "tcp://*:7101", "intake ROUTER: cases and commands from people"},
    {"GC_INTAKE_URL", "tcp://127.0.0.1:7101", "where clients find intake"},
    {"GC_EVENTS_BIND", "tcp://*:7102", "intake PUB: the case event stream"},
    {"GC_EVENTS_URL", "tcp://127.0.0.1:7102", "where consumers find the event stream"},
    {"GC_DEPT_BIND", "tcp://*:7103", "routing ROUTER: department delivery and actions"},
    {"GC_DEPT_URL", "tcp://127.0.0.1:7103", "where department clients find routing"},
    {"GC_STATS_BIND", "tcp://*:7104", "stats PUB: statistics snapshots"},
    {"GC_STATS_URL", "tcp://127.0.0.1:7104", "where dashboards find the stats stream"},
    {"GC_MIGRATIONS_DIR", "deploy/migrations", "numbered SQL migrations (gridctl migrate)"},
    {"GC_ESCALATION_TICK_MS", "1000", "how often escalation looks for missed deadlines"},
    {"GC_STATS_INTERVAL_MS", "1000", "how often stats republishes every area's snapshot"},
    {"GC_MAX_MESSAGE_BYTES", "65536", "largest message accepted from a peer (ZMQ_MAXMSGSIZE)"},
    {"GC_DEPT_SECRET_KEY_FILE", "", "routing: file with the department socket's CURVE secret key"},
    {"GC_DEPT_SERVER_KEY", "", "department clients: routing's CURVE public key (Z85)"},
    {"GC_DEPT_KEYS_DIR", ".", "gridctl dept: directory holding DEPT.key secret key files"},
    {"GC_ESCALATION_BATCH", "1000", "escalation: overdue cases raised per transaction"},
    {"GC_METRICS_BIND", "0.0.0.0:7105", "stats: HTTP GET /metrics and /healthz (HOST:PORT, or off)"},
    {"GC_METRICS_AREA_LEVEL", "community", "stats: deepest area level labelled in /metrics"},
};

static const char *setting(int i)
{
    const char *v = getenv(settings[i].name);
    return (v && *v) ? v : settings[i].fallback;
}

bool gc_config_parse_long(const char *text, long min, long max, long *out)
{
    if (!((*text >= '0' && *text <= '9') || (*text == '-' && text[1] >= '0' && text[1] <= '9')))
        return false; /* strtol would skip spaces and accept '+' */
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || end == text || *end != '\0' || v < min || v > max)
        return false;
    *out = v;
    return true;
}

static bool load_long(int i, long min, long max, long *out, char *err, int errlen)
{
    if (gc_config_parse_long(setting(i), min, max, out))
        return true;
    snprintf(err, errlen, "%s=\"%s\" is not an integer in [%ld, %ld]", settings[i].name,
             setting(i), min, max);
    return false;
}

bool gc_config_load(gc_config_t *cfg, char *err, int errlen)
{
    cfg->pg_dsn = setting(0);
    cfg->intake_bind = setting(1);
    cfg->intake_url = setting(2);
    cfg->events_bind = setting(3);
    cfg->events_url = setting(4);
    cfg->dept_bind = setting(5);
    cfg->dept_url = setting(6);
    cfg->stats_bind = setting(7);
    cfg->stats_url = setting(8);
    cfg->migrations_dir = setting(9);
    cfg->dept_secret_key_file = setting(13);
    cfg->dept_server_key = setting(14);
    cfg->dept_keys_dir = setting(15);
    cfg->metrics_bind = setting(17);
    cfg->metrics_area_level = setting(18);
    if (strcmp(cfg->metrics_area_level, "grid") && strcmp(cfg->metrics_area_level, "community")
        && strcmp(cfg->metrics_area_level, "street")
        && strcmp(cfg->metrics_area_level, "district")) {
        snprintf(err, errlen, "GC_METRICS_AREA_LEVEL=\"%s\" is not grid, community, street or "
                 "district", cfg->metrics_area_level);
        return false;
    }
    return load_long(10, 10, 3600000, &cfg->escalation_tick_ms, err, errlen)
        && load_long(11, 10, 3600000, &cfg->stats_interval_ms, err, errlen)
        && load_long(12, 1024, 16 * 1024 * 1024, &cfg->max_message_bytes, err, errlen)
        && load_long(16, 1, 100000, &cfg->escalation_batch, err, errlen);
}

void gc_config_print_help(const char *usage_line, const char *what)
{
    printf("usage: %s\n\n%s\n\nEnvironment (current value):\n", usage_line, what);
    for (size_t i = 0; i < sizeof settings / sizeof settings[0]; i++)
        printf("  %-22s %s\n  %-22s   %s\n", settings[i].name, setting((int)i), "",
               settings[i].about);
}
