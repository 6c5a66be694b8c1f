/* gc_config: settings from environment variables, validated at start-up.
 * A daemon reads every setting once in main(); a bad value stops it with a clear message. */
#ifndef GC_CONFIG_H
#define GC_CONFIG_H

#include <stdbool.h>

/* Every setting a gridcase process can read, with its default. Documented in README.md. */
typedef struct {
    const char *pg_dsn;         /* GC_PG_DSN with liveness settings and GC_PG_PASSWORD added */
    const char *intake_bind;    /* GC_INTAKE_BIND */
    const char *intake_url;     /* GC_INTAKE_URL */
    const char *events_bind;    /* GC_EVENTS_BIND */
    const char *events_url;     /* GC_EVENTS_URL */
    const char *dept_bind;      /* GC_DEPT_BIND */
    const char *dept_url;       /* GC_DEPT_URL */
    const char *stats_bind;     /* GC_STATS_BIND */
    const char *stats_url;      /* GC_STATS_URL */
    const char *schema_dir;     /* GC_SCHEMA_DIR */
    long escalation_tick_ms;    /* GC_ESCALATION_TICK_MS */
    long stats_interval_ms;     /* GC_STATS_INTERVAL_MS */
    long stats_day_retention_days; /* GC_STATS_DAY_RETENTION_DAYS */
    long max_message_bytes;     /* GC_MAX_MESSAGE_BYTES: ZMQ_MAXMSGSIZE on sockets read from outside */
    long pg_timeout_ms;         /* GC_PG_TIMEOUT_MS: a daemon's wait for one statement's answer (0: its own) */
    const char *dept_secret_key_file; /* GC_DEPT_SECRET_KEY_FILE: routing's CURVE secret key */
    const char *dept_server_key;      /* GC_DEPT_SERVER_KEY: routing's public key, for clients */
    const char *dept_keys_dir;        /* GC_DEPT_KEYS_DIR: where gridctl finds DEPT.key */
    const char *intake_secret_key_file; /* GC_INTAKE_SECRET_KEY_FILE: intake and events CURVE */
    const char *intake_server_key;      /* GC_INTAKE_SERVER_KEY: intake's public key, for clients */
    const char *stats_secret_key_file;  /* GC_STATS_SECRET_KEY_FILE: the stats stream's CURVE */
    const char *stats_server_key;       /* GC_STATS_SERVER_KEY: its public key, for subscribers */
    const char *client_key_file;        /* GC_CLIENT_KEY_FILE: this process's client key */
    long escalation_batch;            /* GC_ESCALATION_BATCH: overdue cases per transaction */
    const char *metrics_bind;         /* GC_METRICS_BIND: stats' HTTP endpoint, or "off" */
    const char *metrics_area_level;   /* GC_METRICS_AREA_LEVEL: grid|community|street|district */
    const char *board_bind;           /* GC_BOARD_BIND: the board's HTTP endpoint */
    const char *open311_bind;         /* GC_OPEN311_BIND: the Open311 gateway's HTTP endpoint */
    const char *health_file;          /* GC_HEALTH_FILE: touched while working, or "" */
    const char *log_level;            /* LOG_LEVEL: info|warn|error */
    const char *log_format;           /* LOG_FORMAT: logfmt|json */
} gc_config_t;

/* Fills cfg from the environment; a setting NAME may come from the file named by NAME_FILE
 * (docker-compose secrets). On a bad value writes a message naming the variable into err and
 * returns false. */
bool gc_config_load(gc_config_t *cfg, char *err, int errlen);

/* Parses a decimal integer in [min, max]; false on anything else (empty, junk, overflow). */
bool gc_config_parse_long(const char *text, long min, long max, long *out);

/* Prints the variables and their current values (used by --help). */
void gc_config_print_help(const char *usage_line, const char *what);

#endif
