/* gc_pg: parameterised queries with PostgreSQL-style error reports, transactions. Connecting
 * is gc_pg_connect.c, the prepared-statement registry gc_pg_prepared.c, array literals
 * gc_pg_array.c. */
#include "gc_pg.h"

#include "gc_clock.h"
#include "gc_log.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static long timeout_ms; /* 0: wait as long as it takes */

long gc_pg_set_timeout(long ms)
{
    long previous = timeout_ms;
    timeout_ms = ms;
    return previous;
}

/* Waits until db's socket is ready for events, or the deadline (0: none) passes: false then. */
static bool wait_socket(PGconn *db, short events, long deadline)
{
    for (;;) {
        long left = deadline ? deadline - gc_clock_monotonic_ms() : -1;
        if (deadline && left <= 0)
            return false;
        struct pollfd p = {PQsocket(db), events, 0};
        int n = poll(&p, 1, deadline ? (int)left : -1);
        if (n > 0)
            return true;
        if (n < 0 && errno != EINTR)
            return true; /* let libpq find and report the socket's trouble */
    }
}

/* The result of the statement just sent on db, waiting at most timeout_ms (the first error, or
 * the last result, as PQexec gives). Past the deadline the socket is shut down: libpq then
 * sees the connection closed, fails the statement and marks the connection bad. Shutting the
 * socket down costs nothing and never blocks; PQcancel would connect to the server and wait for
 * it to answer, which a frozen server never does. */
PGresult *gc_pg_await(PGconn *db, const char *what)
{
    long deadline = timeout_ms ? gc_clock_monotonic_ms() + timeout_ms : 0;
    PGresult *kept = NULL;
    bool expired = false;
    for (;;) {
        int flushed = PQflush(db); /* 1: more to send */
        if (flushed < 0)
            break;
        if (flushed == 1) {
            if (!(expired = !wait_socket(db, POLLOUT | POLLIN, deadline)) && PQconsumeInput(db))
                continue;
            break;
        }
        while (!PQisBusy(db)) {
            PGresult *r = PQgetResult(db);
            if (!r)
                return kept ? kept : PQmakeEmptyPGresult(db, PGRES_FATAL_ERROR);
            if (kept && !gc_pg_ok(kept))
                PQclear(r); /* the first error is the one that says why */
            else
                PQclear(kept), kept = r;
        }
        if ((expired = !wait_socket(db, POLLIN, deadline)) || !PQconsumeInput(db))
            break;
    }
    if (expired) {
        gc_log_error("%s: no answer from the database within %ld ms (GC_PG_TIMEOUT_MS); dropping "
                     "the connection",
                     what, timeout_ms);
        shutdown(PQsocket(db), SHUT_RDWR);
        PQconsumeInput(db); /* reads the end of the stream: the connection is now bad */
    }
    for (PGresult *r; (r = PQgetResult(db)) != NULL;)
        PQclear(r);
    PQclear(kept);
    return PQmakeEmptyPGresult(db, PGRES_FATAL_ERROR);
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

/* The result of a statement just sent (sent: PQsend*'s status), its failure logged. */
static PGresult *finish(PGconn *db, const char *what, int sent)
{
    PGresult *res = sent ? gc_pg_await(db, what) : PQmakeEmptyPGresult(db, PGRES_FATAL_ERROR);
    if (!res)
        gc_log_error("%s: out of memory", what);
    else if (!gc_pg_ok(res))
        gc_pg_log_failure(db, what, res);
    return res ? res : PQmakeEmptyPGresult(NULL, PGRES_FATAL_ERROR);
}

PGresult *gc_pg_query(PGconn *db, const char *what, const char *sql, int nparams,
                      const char *const *params)
{
    return finish(db, what, PQsendQueryParams(db, sql, nparams, NULL, params, NULL, NULL, 0));
}

PGresult *gc_pg_query_prepared(PGconn *db, const char *name, int nparams,
                               const char *const *params)
{
    return finish(db, name, PQsendQueryPrepared(db, name, nparams, params, NULL, NULL, 0));
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
    if (PQtransactionStatus(db) != PQTRANS_IDLE && PQsendQuery(db, "ROLLBACK"))
        PQclear(gc_pg_await(db, "rollback"));
}

bool gc_pg_alive(PGconn *db)
{
    return db && PQstatus(db) == CONNECTION_OK;
}
