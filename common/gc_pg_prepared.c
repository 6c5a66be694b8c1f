/* gc_pg_prepared: the registry of prepared statements. A process-wide table filled at start-up
 * (before any connection, so no locking); each new connection prepares every entry, one round
 * trip each, which a reconnect pays again. */
#include "gc_pg.h"

#include "gc_log.h"

#include <stdlib.h>
#include <string.h>

#define MAX_STATEMENTS 64

typedef struct {
    const char *name, *sql;
    int nparams;
} statement_t;

static statement_t statements[MAX_STATEMENTS];
static int nstatements;

void gc_pg_register(const char *name, const char *sql, int nparams)
{
    for (int i = 0; i < nstatements; i++)
        if (strcmp(statements[i].name, name) == 0)
            return;
    if (nstatements == MAX_STATEMENTS) {
        gc_log_error("too many prepared statements: raise MAX_STATEMENTS");
        abort(); /* a programming error, found at start-up */
    }
    statements[nstatements++] = (statement_t){name, sql, nparams};
}

bool gc_pg_prepare_all(PGconn *db)
{
    for (int i = 0; i < nstatements; i++) {
        PGresult *res = PQsendPrepare(db, statements[i].name, statements[i].sql,
                                      statements[i].nparams, NULL)
                            ? gc_pg_await(db, statements[i].name)
                            : PQmakeEmptyPGresult(db, PGRES_FATAL_ERROR);
        bool ok = gc_pg_ok(res);
        if (!ok)
            gc_log_error("prepare %s: %s", statements[i].name, PQresultErrorMessage(res));
        PQclear(res);
        if (!ok)
            return false;
    }
    return true;
}

bool gc_pg_run_prepared(PGconn *db, const char *name, int nparams, const char *const *params)
{
    PGresult *res = gc_pg_query_prepared(db, name, nparams, params);
    bool ok = gc_pg_ok(res);
    PQclear(res);
    return ok;
}
