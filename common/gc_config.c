/* gc_config: environment-variable settings with defaults, range checks and *_FILE variants. */
#include "gc_config.h"

#include <errno.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *name;
    const char *fallback;
    const char *about;
    bool secret; /* never printed by --help */
} setting_t;

/* The order is the index used by gc_config_load. */
enum {
    PG_DSN, INTAKE_BIND, INTAKE_URL, EVENTS_BIND, EVENTS_URL, DEPT_BIND, DEPT_URL, STATS_BIND,
    STATS_URL, SCHEMA_DIR, ESCALATION_TICK_MS, STATS_INTERVAL_MS, STATS_DAY_RETENTION_DAYS,
    MAX_MESSAGE_BYTES, PG_TIMEOUT_MS,
    DEPT_SECRET_KEY_FILE, DEPT_SERVER_KEY, DEPT_KEYS_DIR, ESCALATION_BATCH, METRICS_BIND,
    METRICS_AREA_LEVEL, BOARD_BIND, OPEN311_BIND, INTAKE_SECRET_KEY_FILE, INTAKE_SERVER_KEY, STATS_SECRET_KEY_FILE,
    STATS_SERVER_KEY, CLIENT_KEY_FILE, PG_PASSWORD, HEALTH_FILE, LOG_LEVEL, LOG_FORMAT, SETTINGS
};

static const setting_t settings[SETTINGS] = {
    {"GC_PG_DSN", "dbname=gridcase", "libpq connection string (PGHOST, PGPORT... also apply); host=A,B for a primary and standbys", true},
    {"GC_INTAKE_BIND", "tcp://*:7101", "intake ROUTER: cases and commands from people", false},
    {"GC_INTAKE_URL", "tcp://127.0.0.1:7101", "where clients find intake", false},
    {"GC_EVENTS_BIND", "tcp://*:7102", "intake PUB: the case event stream", false},
    {"GC_EVENTS_URL", "tcp://127.0.0.1:7102", "where consumers find the event stream", false},
    {"GC_DEPT_BIND", "tcp://*:7103", "routing ROUTER: department delivery and actions", false},
    {"GC_DEPT_URL", "tcp://127.0.0.1:7103", "where department clients find routing", false},
    {"GC_STATS_BIND", "tcp://*:7104", "stats PUB: statistics snapshots", false},
    {"GC_STATS_URL", "tcp://127.0.0.1:7104", "where dashboards find the stats stream", false},
    {"GC_SCHEMA_DIR", "deploy/schema", "the schema SQL: migrations/, functions/ (gridctl migrate)", false},
    {"GC_ESCALATION_TICK_MS", "1000", "how often escalation looks for missed deadlines", false},
    {"GC_STATS_INTERVAL_MS", "1000", "how often stats publishes every snapshot", false},
    {"GC_STATS_DAY_RETENTION_DAYS", "400", "stats: days a day window's figures are kept (months, years kept)", false},
    {"GC_MAX_MESSAGE_BYTES", "65536", "largest message accepted from a peer (ZMQ_MAXMSGSIZE)", false},
    {"GC_PG_TIMEOUT_MS", "0", "daemons: longest wait for the database's answer to a statement, then reconnect (0: gc-intake 1500, the others 10000)", false},
    {"GC_DEPT_SECRET_KEY_FILE", "", "routing: file with the department socket's CURVE secret key", false},
    {"GC_DEPT_SERVER_KEY", "", "department clients: routing's CURVE public key (Z85)", false},
    {"GC_DEPT_KEYS_DIR", ".", "gridctl dept: directory holding DEPT.key secret key files", false},
    {"GC_ESCALATION_BATCH", "1000", "escalation: overdue cases raised per transaction", false},
    {"GC_METRICS_BIND", "0.0.0.0:7105", "stats: HTTP GET /metrics and /healthz (HOST:PORT, or off)", false},
    {"GC_METRICS_AREA_LEVEL", "community", "stats: deepest area level labelled in /metrics", false},
    {"GC_BOARD_BIND", "0.0.0.0:7106", "board: HTTP page, live feed, /metrics and /healthz (HOST:PORT)", false},
    {"GC_OPEN311_BIND", "0.0.0.0:7107", "open311: HTTP Open311 GeoReport v2 under /open311/v2/, /metrics and /healthz (HOST:PORT)", false},
    {"GC_INTAKE_SECRET_KEY_FILE", "", "intake: CURVE secret key of the intake socket and the event stream (empty: plain, loopback only)", false},
    {"GC_INTAKE_SERVER_KEY", "", "clients of intake and the event stream: intake's CURVE public key (Z85; empty: plain)", false},
    {"GC_STATS_SECRET_KEY_FILE", "", "stats: CURVE secret key of the stats stream (empty: plain, loopback only)", false},
    {"GC_STATS_SERVER_KEY", "", "stats subscribers: the stats stream's CURVE public key (Z85; empty: plain)", false},
    {"GC_CLIENT_KEY_FILE", "", "this process's own CURVE secret key as a client of intake, events and stats (gridctl client add)", false},
    {"GC_PG_PASSWORD", "", "database password, added to GC_PG_DSN", true},
    {"GC_HEALTH_FILE", "", "touched every few seconds while the daemon works (container health checks)", false},
    {"LOG_LEVEL", "info", "lowest severity logged: info, warn or error", false},
    {"LOG_FORMAT", "logfmt", "log lines: logfmt (ts= level= daemon= msg=) or json", false},
};

static char *values[SETTINGS]; /* resolved at load: environment, file or fallback */
static char *dsn_with_password;

static const char *setting(int i)
{
    if (values[i])
        return values[i];
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

/* NAME_FILE: the setting's value is the file's content, trailing newline and spaces removed
 * (docker-compose secrets are files). Setting both NAME and NAME_FILE is an error. */
static bool load_file_variant(int i, char *err, int errlen)
{
    char var[64];
    snprintf(var, sizeof var, "%s_FILE", settings[i].name);
    const char *path = getenv(var), *direct = getenv(settings[i].name);
    if (!path || !*path)
        return true;
    if (direct && *direct) {
        snprintf(err, errlen, "set %s or %s, not both", settings[i].name, var);
        return false;
    }
    FILE *f = fopen(path, "r");
    char buf[4096];
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    bool too_long = f && n == sizeof buf - 1 && fgetc(f) != EOF;
    if (f)
        fclose(f);
    if (!f || too_long) {
        snprintf(err, errlen, "%s=\"%s\": %s", var, path,
                 too_long ? "longer than 4095 bytes" : strerror(errno));
        return false;
    }
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
        n--;
    buf[n] = '\0';
    free(values[i]);
    values[i] = strdup(buf);
    return values[i] != NULL;
}

/* Liveness settings a GC_PG_DSN in key=value form gets unless it sets them: a daemon finds a
 * dead or unreachable server within seconds and, given several hosts, connects to the one that
 * takes writes. libpq's defaults wait minutes (the system's TCP timeouts) or forever. */
static const struct {
    const char *key, *value;
} liveness[] = {
    {"connect_timeout", "2"},      /* seconds per host tried */
    {"keepalives_idle", "2"},      /* an idle connection is probed after 2 s, */
    {"keepalives_interval", "1"},  /* every second, */
    {"keepalives_count", "2"},     /* and given up after 2 unanswered probes */
    {"tcp_user_timeout", "3000"},  /* data unacknowledged for 3 s: the peer is gone */
    {"target_session_attrs", "read-write"}, /* the primary, when several hosts are listed */
};

/* GC_PG_DSN with the liveness settings it lacks and password='...' (quoted as libpq wants: \
 * and ' escaped). A URI (postgresql://...) is used as it is, with the password added only in
 * key=value form, as before: put the settings in the URI. */
static const char *dsn(const PQconninfoOption *given)
{
    const char *raw = setting(PG_DSN), *password = setting(PG_PASSWORD);
    bool uri = strncmp(raw, "postgres://", 11) == 0 || strncmp(raw, "postgresql://", 13) == 0;
    size_t len = 0;
    free(dsn_with_password);
    dsn_with_password = NULL;
    FILE *f = open_memstream(&dsn_with_password, &len);
    if (!f)
        return raw;
    fputs(raw, f);
    for (size_t k = 0; !uri && k < sizeof liveness / sizeof liveness[0]; k++) {
        bool set = false;
        for (const PQconninfoOption *o = given; o && o->keyword; o++)
            set |= strcmp(o->keyword, liveness[k].key) == 0 && o->val && *o->val;
        if (!set)
            fprintf(f, " %s=%s", liveness[k].key, liveness[k].value);
    }
    if (*password && !uri) {
        fputs(" password='", f);
        for (const char *c = password; *c; c++) {
            if (*c == '\\' || *c == '\'')
                fputc('\\', f);
            fputc(*c, f);
        }
        fputc('\'', f);
    }
    if (fclose(f) != 0) {
        free(dsn_with_password);
        dsn_with_password = NULL;
        return raw;
    }
    return dsn_with_password;
}

/* The number of comma-separated entries in a host or port list (0 when unset). */
static int entries(const PQconninfoOption *given, const char *key)
{
    for (const PQconninfoOption *o = given; o && o->keyword; o++)
        if (strcmp(o->keyword, key) == 0 && o->val && *o->val) {
            int n = 1;
            for (const char *c = o->val; *c; c++)
                n += *c == ',';
            return n;
        }
    return 0;
}

/* A setting that takes one of a few words. */
static bool load_word(int i, const char *const *allowed, const char **out, char *err, int errlen)
{
    *out = setting(i);
    size_t used = (size_t)snprintf(err, errlen, "%s=\"%s\" is not one of:", settings[i].name,
                                   *out);
    for (; *allowed; allowed++) {
        if (strcmp(*out, *allowed) == 0)
            return true;
        if (used < (size_t)errlen)
            used += (size_t)snprintf(err + used, errlen - used, " %s", *allowed);
    }
    return false;
}

bool gc_config_load(gc_config_t *cfg, char *err, int errlen)
{
    for (int i = 0; i < SETTINGS; i++) { /* a reload reads the environment afresh */
        free(values[i]);
        values[i] = NULL;
    }
    for (int i = 0; i < SETTINGS; i++)
        if (!load_file_variant(i, err, errlen))
            return false;
    char *why = NULL;
    PQconninfoOption *parsed = PQconninfoParse(setting(PG_DSN), &why);
    if (!parsed) {
        snprintf(err, errlen, "GC_PG_DSN is not a libpq connection string: %s",
                 why ? why : "out of memory");
        PQfreemem(why);
        return false;
    }
    /* libpq says so only when connecting, every time: say it once, at start */
    int hosts = entries(parsed, "hostaddr") ? entries(parsed, "hostaddr") : entries(parsed, "host");
    int ports = entries(parsed, "port");
    if (ports > 1 && ports != hosts) {
        snprintf(err, errlen,
                 "GC_PG_DSN names %d host(s) and %d ports: give one port for all, or one per host",
                 hosts, ports);
        PQconninfoFree(parsed);
        return false;
    }
    cfg->pg_dsn = dsn(parsed);
    PQconninfoFree(parsed);
    cfg->intake_bind = setting(INTAKE_BIND);
    cfg->intake_url = setting(INTAKE_URL);
    cfg->events_bind = setting(EVENTS_BIND);
    cfg->events_url = setting(EVENTS_URL);
    cfg->dept_bind = setting(DEPT_BIND);
    cfg->dept_url = setting(DEPT_URL);
    cfg->stats_bind = setting(STATS_BIND);
    cfg->stats_url = setting(STATS_URL);
    cfg->schema_dir = setting(SCHEMA_DIR);
    cfg->dept_secret_key_file = setting(DEPT_SECRET_KEY_FILE);
    cfg->dept_server_key = setting(DEPT_SERVER_KEY);
    cfg->dept_keys_dir = setting(DEPT_KEYS_DIR);
    cfg->intake_secret_key_file = setting(INTAKE_SECRET_KEY_FILE);
    cfg->intake_server_key = setting(INTAKE_SERVER_KEY);
    cfg->stats_secret_key_file = setting(STATS_SECRET_KEY_FILE);
    cfg->stats_server_key = setting(STATS_SERVER_KEY);
    cfg->client_key_file = setting(CLIENT_KEY_FILE);
    cfg->metrics_bind = setting(METRICS_BIND);
    cfg->board_bind = setting(BOARD_BIND);
    cfg->open311_bind = setting(OPEN311_BIND);
    cfg->health_file = setting(HEALTH_FILE);
    static const char *const levels[] = {"grid", "community", "street", "district", NULL};
    static const char *const severities[] = {"info", "warn", "error", NULL};
    static const char *const formats[] = {"logfmt", "json", NULL};
    if (!load_word(METRICS_AREA_LEVEL, levels, &cfg->metrics_area_level, err, errlen)
        || !load_word(LOG_LEVEL, severities, &cfg->log_level, err, errlen)
        || !load_word(LOG_FORMAT, formats, &cfg->log_format, err, errlen))
        return false;
    return load_long(ESCALATION_TICK_MS, 10, 3600000, &cfg->escalation_tick_ms, err, errlen)
           && load_long(STATS_INTERVAL_MS, 10, 3600000, &cfg->stats_interval_ms, err, errlen)
           && load_long(STATS_DAY_RETENTION_DAYS, 1, 100000, &cfg->stats_day_retention_days, err,
                        errlen)
           && load_long(MAX_MESSAGE_BYTES, 1024, 16 * 1024 * 1024, &cfg->max_message_bytes, err,
                        errlen)
           && load_long(PG_TIMEOUT_MS, 0, 3600000, &cfg->pg_timeout_ms, err, errlen)
           && load_long(ESCALATION_BATCH, 1, 100000, &cfg->escalation_batch, err, errlen);
}

void gc_config_print_help(const char *usage_line, const char *what)
{
    printf("usage: %s [--help | --version]\n\n%s\n\nEnvironment (current value). Every setting "
           "may instead be read from a file named by NAME_FILE (e.g. GC_PG_PASSWORD_FILE).\n",
           usage_line, what);
    for (int i = 0; i < SETTINGS; i++)
        printf("  %-23s %s\n  %-23s   %s\n", settings[i].name,
               settings[i].secret && *setting(i) ? "(set, not shown)" : setting(i), "",
               settings[i].about);
}
