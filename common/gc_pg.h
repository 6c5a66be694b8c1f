/* gc_pg: PostgreSQL helpers over libpq. Values always travel as parameters, never in SQL text. */
#ifndef GC_PG_H
#define GC_PG_H

#include <libpq-fe.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Connects, retrying with backoff (0.1 s doubling to 5 s) until it succeeds or *stop is set.
 * Returns NULL only when stopped. Logs each failure once per attempt. */
PGconn *gc_pg_connect(const char *dsn, volatile sig_atomic_t *stop);

/* Runs one statement with text parameters. The result is never NULL: on failure it carries the
 * error, which has been logged with `what`. Free it with PQclear. */
PGresult *gc_pg_query(PGconn *db, const char *what, const char *sql, int nparams,
                      const char *const *params);

/* True when the result is a success (command or rows). */
bool gc_pg_ok(const PGresult *res);

/* Prepared statements. A module registers its hot statements once at start-up; every
 * connection made by gc_pg_connect prepares all registered statements, so they exist again
 * after a reconnect. Registering the same name twice is a no-op. */
void gc_pg_register(const char *name, const char *sql, int nparams);

/* Runs a registered statement; the result is never NULL (see gc_pg_query). */
PGresult *gc_pg_query_prepared(PGconn *db, const char *name, int nparams,
                               const char *const *params);
bool gc_pg_run_prepared(PGconn *db, const char *name, int nparams, const char *const *params);

/* One connection attempt (no retry), preparing the registered statements. NULL on failure,
 * with the reason logged. */
PGconn *gc_pg_try_connect(const char *dsn);

/* Runs one statement whose result is not needed; true on success. */
bool gc_pg_run(PGconn *db, const char *what, const char *sql, int nparams,
               const char *const *params);

/* An array literal built up in memory, to pass a whole batch as one parameter (a value, never
 * SQL text). Each element is added with one of the calls below, one kind per array:
 * gc_pg_array_text adds a text element, double-quoted with " and \ escaped, so any text goes
 * through as it is (NULL adds a NULL); gc_pg_array_int64 adds a number ({1,2,3});
 * gc_pg_array_int64s adds a row of numbers, making the array two-dimensional ({{1,0},{0,2}}:
 * every row must have the same length). Start from {0}; gc_pg_array_end closes it once,
 * gc_pg_array_free frees it. */
typedef struct {
    char *text;
    size_t len, cap;
    bool failed; /* out of memory */
} gc_pg_array_t;
void gc_pg_array_text(gc_pg_array_t *a, const char *value);
void gc_pg_array_int64s(gc_pg_array_t *a, const int64_t *v, int n);
/* A number element of a one-dimensional array ({1,2,3}). */
void gc_pg_array_int64(gc_pg_array_t *a, int64_t value);

/* The finished literal ("{}" when empty), or NULL when memory ran out while building it. */
const char *gc_pg_array_end(gc_pg_array_t *a);
void gc_pg_array_free(gc_pg_array_t *a);

/* The SQLSTATE of a failed result ("" when none), e.g. "23505" for a unique violation. */
const char *gc_pg_sqlstate(const PGresult *res);

/* Transaction helpers; each logs on failure. */
bool gc_pg_begin(PGconn *db);
bool gc_pg_commit(PGconn *db);
void gc_pg_rollback(PGconn *db);

/* True when the connection is usable; after a failure the caller reconnects. */
bool gc_pg_alive(PGconn *db);

/* Applies the numbered migrations in dir (NNNN_name.up.sql) that are newer than the version in
 * schema_migrations, each in its own transaction, under an advisory lock. A no-op when up to
 * date. Writes a message into err on failure. */
bool gc_pg_migrate(PGconn *db, const char *dir, char *err, int errlen);

#endif
