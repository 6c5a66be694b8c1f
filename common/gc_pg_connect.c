/* gc_pg_connect: a connection, with backoff, on which every registered statement is prepared
 * (gc_pg_prepared.c), so a reconnect finds them all again. */
#include "gc_pg.h"

#include "gc_log.h"

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
    /* sending never blocks (a server that stopped reading fills the socket's buffer): every
     * statement is flushed and awaited within the deadline by gc_pg_await */
    PQsetnonblocking(db, 1);
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
