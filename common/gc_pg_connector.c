/* gc_pg_connector: one thread, one attempt at a time, the connection handed over under a lock. */
#include "gc_pg_connector.h"

#include "gc_clock.h"
#include "gc_pg.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct gc_pg_connector {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    char *dsn;
    long retry_ms;
    PGconn *ready;   /* made, not taken yet */
    bool wanted;     /* a connection is wanted: keep trying */
    long attempts;   /* attempts ended */
    bool stopping;
};

/* Waits on wake until woken or ms pass; the lock is held. */
static void wait_ms(gc_pg_connector_t *self, long ms)
{
    struct timespec until = gc_clock_after(CLOCK_REALTIME, ms); /* the condition's clock */
    pthread_cond_timedwait(&self->wake, &self->lock, &until);
}

static void *run(void *arg)
{
    gc_pg_connector_t *self = arg;
    pthread_mutex_lock(&self->lock);
    while (!self->stopping) {
        if (!self->wanted || self->ready) {
            wait_ms(self, 1000);
            continue;
        }
        pthread_mutex_unlock(&self->lock);
        PGconn *db = gc_pg_try_connect(self->dsn); /* blocks: connect_timeout per host */
        pthread_mutex_lock(&self->lock);
        self->attempts++;
        pthread_cond_broadcast(&self->wake); /* gc_pg_connector_first may be waiting */
        if (db && self->stopping) {
            PQfinish(db);
        } else if (db) {
            self->ready = db;
            self->wanted = false;
        } else {
            wait_ms(self, self->retry_ms);
        }
    }
    pthread_mutex_unlock(&self->lock);
    return NULL;
}

gc_pg_connector_t *gc_pg_connector_new(const char *dsn, long retry_ms)
{
    gc_pg_connector_t *self = calloc(1, sizeof *self);
    if (!self || !(self->dsn = strdup(dsn))) {
        free(self);
        return NULL;
    }
    self->retry_ms = retry_ms;
    self->wanted = true;
    pthread_mutex_init(&self->lock, NULL);
    pthread_cond_init(&self->wake, NULL);
    if (pthread_create(&self->thread, NULL, run, self) != 0) {
        pthread_cond_destroy(&self->wake);
        pthread_mutex_destroy(&self->lock);
        free(self->dsn);
        free(self);
        return NULL;
    }
    return self;
}

PGconn *gc_pg_connector_take(gc_pg_connector_t *self)
{
    pthread_mutex_lock(&self->lock);
    PGconn *db = self->ready;
    self->ready = NULL;
    pthread_mutex_unlock(&self->lock);
    return db;
}

PGconn *gc_pg_connector_first(gc_pg_connector_t *self, long timeout_ms)
{
    pthread_mutex_lock(&self->lock);
    for (long waited = 0; !self->attempts && !self->ready && waited < timeout_ms; waited += 100)
        wait_ms(self, 100); /* woken by the attempt's end, or looks again */
    pthread_mutex_unlock(&self->lock);
    return gc_pg_connector_take(self);
}

void gc_pg_connector_again(gc_pg_connector_t *self)
{
    pthread_mutex_lock(&self->lock);
    self->wanted = true;
    pthread_cond_broadcast(&self->wake);
    pthread_mutex_unlock(&self->lock);
}

void gc_pg_connector_destroy(gc_pg_connector_t **self)
{
    if (!*self)
        return;
    pthread_mutex_lock(&(*self)->lock);
    (*self)->stopping = true;
    pthread_cond_broadcast(&(*self)->wake);
    pthread_mutex_unlock(&(*self)->lock);
    pthread_join((*self)->thread, NULL);
    if ((*self)->ready)
        PQfinish((*self)->ready);
    pthread_cond_destroy(&(*self)->wake);
    pthread_mutex_destroy(&(*self)->lock);
    free((*self)->dsn);
    free(*self);
    *self = NULL;
}
