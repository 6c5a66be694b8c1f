/* board_store: the last snapshot of every area and department, and the views built from them. */
#include "board_store.h"

#include "gc_clock.h"
#include "gc_json.h"
#include "gc_log.h"
#include "gc_names.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* An area's path is at most this deep (district, street, community, grid: 4). Guards the walk
 * up the parents against a loop in bad reference data. */
#define MAX_DEPTH 16

typedef struct {
    char *code;    /* area or department code */
    char *parent;  /* areas: the parent's code, "" for the district; departments: NULL */
    char *name;
    char *level;   /* areas: grid|community|street|district */
    char *text;    /* the snapshot as compact JSON */
    char *figures; /* the same without the fields that move every round: change detection */
    uint64_t gen;  /* the store's generation when the figures last changed */
} entry_t;

typedef struct {
    entry_t *items;
    size_t count, cap;
} entries_t;

struct board_store {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    entries_t areas, departments; /* each sorted by code */
    uint64_t gen;                 /* bumped by each changed snapshot */
    char *heartbeat;              /* the last one as JSON */
    uint64_t heartbeats;          /* heartbeats received */
    long heartbeat_at, started;   /* monotonic ms */
    unsigned round_areas, round_departments; /* snapshots since the last heartbeat */
    bool complete;  /* a whole round seen: every area gc-stats has is here */
    bool stopping;
    unsigned feeds;
};

board_store_t *board_store_new(void)
{
    board_store_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    pthread_mutex_init(&self->lock, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC); /* waits survive clock changes */
    pthread_cond_init(&self->changed, &attr);
    pthread_condattr_destroy(&attr);
    self->started = gc_clock_monotonic_ms();
    return self;
}

static void entries_free(entries_t *e)
{
    for (size_t i = 0; i < e->count; i++) {
        entry_t *x = &e->items[i];
        free(x->code), free(x->parent), free(x->name), free(x->level), free(x->text);
        free(x->figures);
    }
    free(e->items);
}

void board_store_destroy(board_store_t **self)
{
    if (!*self)
        return;
    entries_free(&(*self)->areas);
    entries_free(&(*self)->departments);
    free((*self)->heartbeat);
    pthread_cond_destroy(&(*self)->changed);
    pthread_mutex_destroy(&(*self)->lock);
    free(*self);
    *self = NULL;
}

/* The entry for code, or where it would go (*found false). Binary search: entries stay sorted. */
static size_t entries_find(const entries_t *e, const char *code, bool *found)
{
    size_t lo = 0, hi = e->count;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(e->items[mid].code, code);
        if (c == 0) {
            *found = true;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = false;
    return lo;
}

static entry_t *entries_get(entries_t *e, const char *code)
{
    bool found;
    size_t i = entries_find(e, code, &found);
    if (found)
        return &e->items[i];
    if (e->count == e->cap) {
        size_t cap = e->cap ? 2 * e->cap : 64;
        entry_t *grown = realloc(e->items, cap * sizeof *grown);
        if (!grown)
            return NULL;
        e->items = grown;
        e->cap = cap;
    }
    memmove(&e->items[i + 1], &e->items[i], (e->count - i) * sizeof *e->items);
    e->count++;
    memset(&e->items[i], 0, sizeof e->items[i]);
    e->items[i].code = strdup(code);
    return e->items[i].code ? &e->items[i] : NULL;
}

/* m as JSON text, and its figures: the same without the fields every round moves. */
static bool encode(const ProtobufCMessage *m, char **text, char **figures)
{
    json_t *o = gc_json_message(m);
    if (!o)
        return false;
    *text = json_dumps(o, JSON_COMPACT);
    static const char *const moving[] = {"seq", "epoch", "stream_seq", "at_ms", "event_seq"};
    for (size_t i = 0; i < sizeof moving / sizeof moving[0]; i++)
        json_object_del(o, moving[i]);
    *figures = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(o);
    if (*text && *figures)
        return true;
    free(*text), free(*figures);
    return false;
}

static void replace(char **field, const char *value)
{
    if (*field && value && strcmp(*field, value) == 0)
        return;
    free(*field);
    *field = value ? strdup(value) : NULL;
}

/* Stores a snapshot's JSON under code in e; the store lock is held. */
static void put(board_store_t *self, entries_t *e, const ProtobufCMessage *m, const char *code,
                const char *name, const char *parent, const char *level)
{
    char *text, *figures;
    if (!encode(m, &text, &figures)) {
        gc_log_warn("out of memory: the snapshot of %s is not shown", code);
        return;
    }
    entry_t *x = entries_get(e, code);
    if (!x) {
        free(text), free(figures);
        gc_log_warn("out of memory: the snapshot of %s is not shown", code);
        return;
    }
    replace(&x->name, name);
    replace(&x->parent, parent);
    replace(&x->level, level);
    free(x->text);
    x->text = text;
    if (!x->figures || strcmp(x->figures, figures) != 0) {
        x->gen = ++self->gen;
        pthread_cond_broadcast(&self->changed);
    }
    free(x->figures);
    x->figures = figures;
}

void board_store_put_area(board_store_t *self, const Gridcase__StatsSnapshot *s)
{
    const char *level = gc_level_name(s->level);
    pthread_mutex_lock(&self->lock);
    put(self, &self->areas, &s->base, s->area, s->area_name, s->parent, level ? level : "");
    self->round_areas++;
    pthread_mutex_unlock(&self->lock);
}

void board_store_put_department(board_store_t *self, const Gridcase__DepartmentSnapshot *s)
{
    pthread_mutex_lock(&self->lock);
    put(self, &self->departments, &s->base, s->department, s->department_name, NULL, NULL);
    self->round_departments++;
    pthread_mutex_unlock(&self->lock);
}

void board_store_put_heartbeat(board_store_t *self, const Gridcase__StatsHeartbeat *h)
{
    json_t *o = gc_json_message(&h->base);
    char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    pthread_mutex_lock(&self->lock);
    if (text) {
        free(self->heartbeat);
        self->heartbeat = text;
    }
    self->heartbeats++;
    self->heartbeat_at = gc_clock_monotonic_ms();
    /* a heartbeat ends a round: when every snapshot it counts arrived since the previous one,
     * the store holds every area (a board that joined mid-round waits for the next) */
    if (self->round_areas >= h->areas && self->round_departments >= h->departments)
        self->complete = true;
    self->round_areas = self->round_departments = 0;
    pthread_cond_broadcast(&self->changed);
    pthread_mutex_unlock(&self->lock);
}

/* The district: the area without a parent (the lowest code, should there be several). */
static const entry_t *district(const board_store_t *self)
{
    for (size_t i = 0; i < self->areas.count; i++)
        if (!self->areas.items[i].parent || !*self->areas.items[i].parent)
            return &self->areas.items[i];
    return NULL;
}

static const entry_t *area(board_store_t *self, const char *code)
{
    bool found;
    size_t i = entries_find(&self->areas, code, &found);
    return found ? &self->areas.items[i] : NULL;
}

static void put_string(FILE *f, const char *s)
{
    json_t *j = json_string(s ? s : "");
    char *t = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;
    fputs(t ? t : "\"\"", f);
    free(t);
    json_decref(j);
}

static bool stale(const board_store_t *self)
{
    return !self->heartbeats || gc_clock_monotonic_ms() - self->heartbeat_at > BOARD_STALE_MS;
}

/* {"error": {...}} for an area there is no view of; the lock is held. */
static void put_error(board_store_t *self, FILE *f, const char *code, unsigned *status)
{
    const char *what, *message, *hint;
    if (!self->complete) {
        *status = 503, what = "no_figures_yet";
        message = "the board has not received a whole round of figures from gc-stats yet";
        hint = "wait a few seconds; if this lasts, check that gc-stats is running and that "
               "GC_STATS_URL (and GC_STATS_SERVER_KEY) reach it";
    } else {
        *status = 404, what = "unknown_area";
        message = "there is no such area in the district";
        hint = "open the board without ?area= for the district, and click down to the area";
    }
    fputs("{\"error\":{\"code\":\"", f);
    fputs(what, f);
    fputs("\",\"message\":", f);
    put_string(f, message);
    fputs(",\"area\":", f);
    put_string(f, code);
    fputs(",\"hint\":", f);
    put_string(f, hint);
    fputs("}}", f);
}

char *board_store_view(board_store_t *self, const char *code, uint64_t *gen, unsigned *status)
{
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    if (!f)
        return NULL;
    pthread_mutex_lock(&self->lock);
    const entry_t *a = code && *code ? area(self, code) : district(self);
    *gen = 0;
    if (!a) {
        put_error(self, f, code ? code : "", status);
    } else {
        *status = 200;
        *gen = a->gen;
        /* the path: from the district down to a */
        const entry_t *path[MAX_DEPTH];
        int depth = 0;
        for (const entry_t *p = a; p && depth < MAX_DEPTH; p = *p->parent ? area(self, p->parent) : NULL)
            path[depth++] = p;
        fputs("{\"area\":", f);
        fputs(a->text, f);
        fputs(",\"path\":[", f);
        for (int i = depth - 1; i >= 0; i--) {
            fputs(i == depth - 1 ? "{\"area\":" : ",{\"area\":", f);
            put_string(f, path[i]->code);
            fputs(",\"area_name\":", f);
            put_string(f, path[i]->name);
            fputs(",\"level\":", f);
            put_string(f, path[i]->level);
            fputs("}", f);
        }
        fputs("],\"children\":[", f);
        const char *sep = "";
        for (size_t i = 0; i < self->areas.count; i++) {
            const entry_t *c = &self->areas.items[i];
            if (strcmp(c->parent, a->code) != 0 || c == a)
                continue;
            fputs(sep, f), fputs(c->text, f);
            sep = ",";
            *gen = c->gen > *gen ? c->gen : *gen;
        }
        fputs("],\"departments\":[", f);
        for (size_t i = 0; i < self->departments.count; i++) {
            const entry_t *d = &self->departments.items[i];
            fputs(i ? "," : "", f), fputs(d->text, f);
            *gen = d->gen > *gen ? d->gen : *gen;
        }
        fputs("],\"heartbeat\":", f);
        fputs(self->heartbeat ? self->heartbeat : "null", f);
        fputs(stale(self) ? ",\"stale\":true}" : ",\"stale\":false}", f);
    }
    pthread_mutex_unlock(&self->lock);
    if (fclose(f) != 0) {
        free(out);
        return NULL;
    }
    return out;
}

char *board_store_heartbeat(board_store_t *self, uint64_t *number)
{
    pthread_mutex_lock(&self->lock);
    char *text = self->heartbeat ? strdup(self->heartbeat) : NULL;
    *number = self->heartbeats;
    pthread_mutex_unlock(&self->lock);
    return text;
}

void board_store_wait(board_store_t *self, uint64_t *gen, uint64_t *heartbeats, long timeout_ms)
{
    struct timespec until = gc_clock_after(CLOCK_MONOTONIC, timeout_ms); /* see board_store_new */
    pthread_mutex_lock(&self->lock);
    while (!self->stopping && self->gen <= *gen && self->heartbeats <= *heartbeats)
        if (pthread_cond_timedwait(&self->changed, &self->lock, &until) != 0)
            break; /* timed out */
    *gen = self->gen;
    *heartbeats = self->heartbeats;
    pthread_mutex_unlock(&self->lock);
}

void board_store_stop(board_store_t *self)
{
    pthread_mutex_lock(&self->lock);
    self->stopping = true;
    pthread_cond_broadcast(&self->changed);
    pthread_mutex_unlock(&self->lock);
}

bool board_store_stopping(board_store_t *self)
{
    pthread_mutex_lock(&self->lock);
    bool stopping = self->stopping;
    pthread_mutex_unlock(&self->lock);
    return stopping;
}

board_store_status_t board_store_status(board_store_t *self)
{
    pthread_mutex_lock(&self->lock);
    long since = self->heartbeats ? self->heartbeat_at : self->started;
    board_store_status_t s = {gc_clock_monotonic_ms() - since, !stale(self),
                              (unsigned)self->areas.count, (unsigned)self->departments.count,
                              self->feeds, self->heartbeats};
    pthread_mutex_unlock(&self->lock);
    return s;
}

void board_store_feed_opened(board_store_t *self)
{
    pthread_mutex_lock(&self->lock);
    self->feeds++;
    pthread_mutex_unlock(&self->lock);
}

void board_store_feed_closed(board_store_t *self)
{
    pthread_mutex_lock(&self->lock);
    self->feeds--;
    pthread_mutex_unlock(&self->lock);
}
