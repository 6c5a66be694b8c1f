/* gc_pg: PostgreSQL helpers over libpq. Values always travel as parameters, never in SQL text.
 * Queries and transactions are gc_pg.c, connecting gc_pg_connect.c; the prepared-statement
 * registry that every connection prepares is gc_pg_prepared.c. Array literals, for a batch as one parameter: gc_pg_array.h. */
#ifndef GC_PG_H
#define GC_PG_H

#include <libpq-fe.h>
#include <signal.h>
#include <stdbool.h>

/* The longest a daemon waits for the database's answer to one statement (GC_PG_TIMEOUT_MS; 0,
 * the default: no limit, as for gridctl). When it passes, the server is taken to be gone or
 * frozen: the connection is dropped (the statement fails, gc_pg_alive turns false, the caller
 * reconnects), so a server that accepts TCP but never answers cannot freeze a daemon. The
 * server may still have run the statement: what the daemons do is safe to retry (idempotency
 * keys, cursors moved with their effects). Returns the previous value, so a known-long
 * statement can raise it and put it back. */
long gc_pg_set_timeout(long ms);

/* Connects, retrying with backoff (0.1 s doubling to 5 s) until it succeeds or *stop is set.
 * Returns NULL only when stopped. Logs each failure once per attempt. */
PGconn *gc_pg_connect(const char *dsn, volatile sig_atomic_t *stop);

/* One connection attempt (no retry), preparing the registered statements. NULL on failure,
 * with the reason logged. */
PGconn *gc_pg_try_connect(const char *dsn);

/* Runs one statement with text parameters. The result is never NULL: on failure it carries the
 * error, which has been logged with `what`. Free it with PQclear. */
PGresult *gc_pg_query(PGconn *db, const char *what, const char *sql, int nparams,
                      const char *const *params);

/* Runs one statement whose result is not needed; true on success. */
bool gc_pg_run(PGconn *db, const char *what, const char *sql, int nparams,
               const char *const *params);

/* True when the result is a success (command or rows). */
bool gc_pg_ok(const PGresult *res);

/* The SQLSTATE of a failed result ("" when none), e.g. "23505" for a unique violation. */
const char *gc_pg_sqlstate(const PGresult *res);

/* Logs a failed result, PostgreSQL style: what, SQLSTATE, primary message, detail. Silent for
 * 25P02 (the transaction was aborted by an earlier error, logged then). */
void gc_pg_log_failure(PGconn *db, const char *what, const PGresult *res);

/* Prepared statements. A module registers its hot statements once at start-up; every
 * connection made by gc_pg_connect prepares all registered statements, so they exist again
 * after a reconnect. Registering the same name twice is a no-op. */
void gc_pg_register(const char *name, const char *sql, int nparams);

/* Prepares every registered statement on db (gc_pg_try_connect does, on each new connection).
 * False, with the failing statement logged, when one cannot be prepared. */
bool gc_pg_prepare_all(PGconn *db);

/* The result of a statement sent with libpq's PQsend* functions, waiting at most the timeout
 * (gc_pg_set_timeout). Never NULL. What gc_pg_query and the prepared-statement calls use. */
PGresult *gc_pg_await(PGconn *db, const char *what);

/* Runs a registered statement; the result is never NULL (see gc_pg_query). */
PGresult *gc_pg_query_prepared(PGconn *db, const char *name, int nparams,
                               const char *const *params);
bool gc_pg_run_prepared(PGconn *db, const char *name, int nparams, const char *const *params);

/* Transaction helpers; each logs on failure. */
bool gc_pg_begin(PGconn *db);
bool gc_pg_commit(PGconn *db);
void gc_pg_rollback(PGconn *db);

/* True when the connection is usable; after a failure the caller reconnects. */
bool gc_pg_alive(PGconn *db);

#endif
