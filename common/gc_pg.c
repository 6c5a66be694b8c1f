/* gc_pg: connection with backoff, parameterised queries with PostgreSQL-style error reports,
 * transactions, and the migration runner. The prepared-statement registry is gc_pg_prepared.c,
 * array literals gc_pg_array.c. */
#include "gc_pg.h"

#include "gc_log.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void ignore_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

static void trim(char *msg)
{
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
        msg[--n] = '\0';
}

PGconn *gc_pg_try_connect(const char *dsn)
{
    PGconn *db = PQconnectdb(dsn);
    if (PQstatus(db) != CONNECTION_OK) {
        char *msg = PQerrorMessage(db);
        trim(msg);
        gc_log_warn("database unavailable: %s", msg);
        PQfinish(db);
        return NULL;
    }
    PQsetNoticeProcessor(db, ignore_notice, NULL); /* NOTICEs are not events to log */
    if (!gc_pg_prepare_all(db)) {
        PQfinish(db);
        return NULL;
    }
    return db;
}

PGconn *gc_pg_connect(const char *dsn, volatile sig_atomic_t *stop)
{
    long backoff = 100;
    while (!*stop) {
        PGconn *db = gc_pg_try_connect(dsn);
        if (db)
            return db;
        gc_log_warn("retrying in %ld ms", backoff);
        sleep_ms(backoff);
        backoff = backoff * 2 > 5000 ? 5000 : backoff * 2;
    }
    return NULL;
}

bool gc_pg_ok(const PGresult *res)
{
    ExecStatusType st = PQresultStatus(res);
    return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
}

const char *gc_pg_sqlstate(const PGresult *res)
{
    const char *s = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    return s ? s : "";
}

PGresult *gc_pg_query(PGconn *db, const char *what, const char *sql, int nparams,
                      const char *const *params)
{
    PGresult *res = PQexecParams(db, sql, nparams, NULL, params, NULL, NULL, 0);
    if (!res) {
        res = PQmakeEmptyPGresult(db, PGRES_FATAL_ERROR);
        gc_log_error("%s: out of memory or connection lost", what);
    } else if (!gc_pg_ok(res)) {
        gc_pg_log_failure(db, what, res);
    }
    return res;
}

void gc_pg_log_failure(PGconn *db, const char *what, const PGresult *res)
{
    const char *primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
    const char *detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
    /* 25P02: the transaction was already aborted by an earlier error, logged then */
    if (strcmp(gc_pg_sqlstate(res), "25P02") != 0)
        gc_log_error("%s: SQLSTATE %s: %s%s%s", what, gc_pg_sqlstate(res),
                     primary ? primary : PQerrorMessage(db), detail ? " DETAIL: " : "",
                     detail ? detail : "");
}

bool gc_pg_run(PGconn *db, const char *what, const char *sql, int nparams,
               const char *const *params)
{
    PGresult *res = gc_pg_query(db, what, sql, nparams, params);
    bool ok = gc_pg_ok(res);
    PQclear(res);
    return ok;
}

bool gc_pg_begin(PGconn *db)
{
    return gc_pg_run(db, "begin", "BEGIN", 0, NULL);
}

bool gc_pg_commit(PGconn *db)
{
    return gc_pg_run(db, "commit", "COMMIT", 0, NULL);
}

void gc_pg_rollback(PGconn *db)
{
    if (PQtransactionStatus(db) != PQTRANS_IDLE)
        PQclear(PQexec(db, "ROLLBACK"));
}

bool gc_pg_alive(PGconn *db)
{
    return db && PQstatus(db) == CONNECTION_OK;
}

/* ---- migrations ------------------------------------------------------------------------- */

#define MIGRATE_LOCK_KEY "7314011"  /* advisory lock id shared by every migrating process */
#define MAX_MIGRATIONS 1000

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    if (buf)
        buf[n] = '\0';
    fclose(f);
    return buf;
}

/* Applies one file in its own transaction and records its version. */
static bool apply_one(PGconn *db, const char *dir, const char *name, long version, char *err,
                      int errlen)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    char *sql = read_file(path);
    if (!sql) {
        snprintf(err, errlen, "cannot read %s", path);
        return false;
    }
    char vtext[32];
    snprintf(vtext, sizeof vtext, "%ld", version);
    const char *params[] = {vtext};
    bool ok = gc_pg_begin(db);
    if (ok) {
        PGresult *res = PQexec(db, sql); /* simple protocol: a file holds many statements */
        ok = gc_pg_ok(res);
        if (!ok)
            snprintf(err, errlen, "%s: %s", name, PQresultErrorMessage(res));
        PQclear(res);
    }
    ok = ok && gc_pg_run(db, "record migration", "DELETE FROM schema_migrations", 0, NULL)
         && gc_pg_run(db, "record migration",
                      "INSERT INTO schema_migrations (version, dirty) VALUES ($1, false)", 1,
                      params)
         && gc_pg_commit(db);
    if (!ok) {
        gc_pg_rollback(db);
        if (!*err)
            snprintf(err, errlen, "%s: could not record version", name);
    }
    free(sql);
    return ok;
}

bool gc_pg_migrate(PGconn *db, const char *dir, char *err, int errlen)
{
    err[0] = '\0';
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(err, errlen, "cannot open migrations directory %s", dir);
        return false;
    }
    char *names[MAX_MIGRATIONS];
    int count = 0;
    struct dirent *e;
    while ((e = readdir(d)) && count < MAX_MIGRATIONS) {
        size_t n = strlen(e->d_name);
        if (n > 7 && strcmp(e->d_name + n - 7, ".up.sql") == 0 && e->d_name[0] >= '0'
            && e->d_name[0] <= '9')
            names[count++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, (size_t)count, sizeof names[0], by_name);

    const char *lock[] = {MIGRATE_LOCK_KEY};
    bool ok = gc_pg_run(db, "migration lock", "SELECT pg_advisory_lock($1::bigint)", 1, lock)
              && gc_pg_run(db, "schema_migrations",
                           "CREATE TABLE IF NOT EXISTS schema_migrations "
                           "(version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL)",
                           0, NULL);
    long current = 0;
    if (ok) {
        PGresult *res = gc_pg_query(db, "schema version",
                                    "SELECT version, dirty FROM schema_migrations", 0, NULL);
        ok = gc_pg_ok(res);
        if (ok && PQntuples(res) > 0) {
            current = atol(PQgetvalue(res, 0, 0));
            if (strcmp(PQgetvalue(res, 0, 1), "t") == 0) {
                snprintf(err, errlen, "schema version %ld is dirty: repair it by hand", current);
                ok = false;
            }
        }
        PQclear(res);
    }
    for (int i = 0; ok && i < count; i++) {
        long version = atol(names[i]);
        if (version > current) {
            ok = apply_one(db, dir, names[i], version, err, errlen);
            if (ok)
                gc_log_info("migration %s applied", names[i]);
        }
    }
    gc_pg_run(db, "migration unlock", "SELECT pg_advisory_unlock($1::bigint)", 1, lock);
    for (int i = 0; i < count; i++)
        free(names[i]);
    if (!ok && !*err)
        snprintf(err, errlen, "migration failed (see log)");
    return ok;
}
