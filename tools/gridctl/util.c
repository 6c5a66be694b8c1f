/* gridctl utilities: argument parsing, errors, database connection, JSON output. */
#include "gridctl.h"

#include "gc_pg.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

int args_usage_fail(const args_t *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "gridctl %s: ", a->cmd->name);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    gridctl_command_usage(a->cmd, stderr);
    fprintf(stderr, "(all of it: gridctl help %s)\n", a->cmd->name);
    return 2;
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
        const char *why = PQerrorMessage(db);
        gridctl_fail("cannot reach the database (GC_PG_DSN): %.*s (is the stack up? `make up`, "
                     "then `. var/env`)",
                     (int)strcspn(why, "\n"), why);
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

/* n digits at *p, advancing it; their value in *out */
static bool digits(const char **p, int n, int *out)
{
    *out = 0;
    for (int i = 0; i < n; i++, (*p)++) {
        if (**p < '0' || **p > '9')
            return false;
        *out = *out * 10 + (**p - '0');
    }
    return true;
}

bool gridctl_time_valid(const char *text)
{
    const char *p = text;
    int y, mo, d, h, mi, s = 0, oh, om;
    if (!digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) || *p++ != '-'
        || !digits(&p, 2, &d) || (*p != ' ' && *p != 'T') || !*++p || !digits(&p, 2, &h)
        || *p++ != ':' || !digits(&p, 2, &mi))
        return false;
    if (*p == ':' && (++p, !digits(&p, 2, &s)))
        return false;
    if (*p == ' ' && (p[1] == '+' || p[1] == '-' || p[1] == 'Z'))
        p++;
    if (*p == 'Z')
        p++;
    else if (*p == '+' || *p == '-') {
        p++;
        if (!digits(&p, 2, &oh) || oh > 14)
            return false;
        if (*p == ':')
            p++;
        if (*p && (!digits(&p, 2, &om) || om > 59))
            return false;
    }
    return *p == '\0' && y >= 1970 && mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h <= 23
           && mi <= 59 && s <= 59;
}

bool gridctl_time_exists(PGconn *db, const char *text)
{
    const char *params[] = {text};
    /* not gc_pg_query: a date that does not exist is the user's mistake, not one to log */
    PGresult *res = PQexecParams(db, "SELECT $1::timestamptz", 1, NULL, params, NULL, NULL, 0);
    bool ok = PQresultStatus(res) == PGRES_TUPLES_OK;
    PQclear(res);
    return ok;
}

int gridctl_time_fail(const char *what, const char *text)
{
    fprintf(stderr,
            "gridctl %s: '%s' is not a time: type the district's time as 'YYYY-MM-DD HH:MM' "
            "(e.g. 2026-12-01 17:00), or ISO 8601 with an offset (2026-12-01T17:00+08:00); "
            "see gridctl help times\n",
            what, text);
    return 2;
}
