/* gc_pg: parameterised queries with PostgreSQL-style error reports, transactions. Connecting
 * is gc_pg_connect.c, the prepared-statement registry gc_pg_prepared.c, array literals
 * gc_pg_array.c. */
#include "gc_pg.h"

#include "gc_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
