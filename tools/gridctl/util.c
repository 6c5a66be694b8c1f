/* gridctl utilities: argument parsing, errors, database connection, JSON output. */
#include "gridctl.h"

#include "gc_pg.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static bool listed(const char *const *names, const char *name)
{
    for (; names && *names; names++)
        if (strcmp(*names, name) == 0)
            return true;
    return false;
}

bool args_parse(int argc, char **argv, const char *const *valued, const char *const *flags,
                args_t *out)
{
    memset(out, 0, sizeof *out);
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--", 2) != 0 || strcmp(a, "--") == 0) {
            if (out->npositional == ARGS_MAX)
                return gridctl_fail("too many arguments"), false;
            out->positional[out->npositional++] = a;
            continue;
        }
        if (out->noptions == ARGS_MAX)
            return gridctl_fail("too many options"), false;
        if (listed(valued, a)) {
            if (i + 1 >= argc)
                return gridctl_fail("%s needs a value", a), false;
            out->name[out->noptions] = a;
            out->value[out->noptions++] = argv[++i];
        } else if (listed(flags, a)) {
            out->name[out->noptions] = a;
            out->value[out->noptions++] = NULL;
        } else {
            return gridctl_fail("unknown option %s (see gridctl help)", a), false;
        }
    }
    return true;
}

const char *args_get(const args_t *a, const char *name)
{
    for (int i = a->noptions - 1; i >= 0; i--)
        if (strcmp(a->name[i], name) == 0)
            return a->value[i];
    return NULL;
}

bool args_has(const args_t *a, const char *name)
{
    for (int i = 0; i < a->noptions; i++)
        if (strcmp(a->name[i], name) == 0)
            return true;
    return false;
}

int gridctl_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("gridctl: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 1;
}

static void ignore_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

PGconn *gridctl_db(const gc_config_t *cfg)
{
    return gridctl_db_wait(cfg, 0);
}

PGconn *gridctl_db_wait(const gc_config_t *cfg, int wait_seconds)
{
    PGconn *db = PQconnectdb(cfg->pg_dsn);
    for (int waited = 0; PQstatus(db) != CONNECTION_OK && waited < wait_seconds; waited++) {
        PQfinish(db);
        sleep(1);
        db = PQconnectdb(cfg->pg_dsn);
    }
    if (PQstatus(db) != CONNECTION_OK) {
        gridctl_fail("cannot reach the database (GC_PG_DSN): %s", PQerrorMessage(db));
        PQfinish(db);
        return NULL;
    }
    PQsetNoticeProcessor(db, ignore_notice, NULL); /* e.g. "already exists, skipping" */
    return db;
}

void gridctl_print_json(json_t *value)
{
    char *text = json_dumps(value, JSON_PRESERVE_ORDER | JSON_COMPACT);
    if (text) {
        puts(text);
        free(text);
    }
    json_decref(value);
}

bool gridctl_district_time(PGconn *db)
{
    if (gc_pg_run(db, "district time zone",
                  "SELECT set_config('TimeZone', (SELECT time_zone FROM district_settings), false)",
                  0, NULL))
        return true;
    gridctl_fail("cannot read the district's time zone (is the schema migrated?)");
    return false;
}
