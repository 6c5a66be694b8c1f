/* board_http: the page, its files, the views and the live feed over HTTP. */
#include "board_http.h"

#include "board_assets.h"

#include "gc_clock.h"
#include "gc_daemon.h"
#include "gc_http.h"
#include "gc_log.h"

#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define KEEPALIVE_MS 2000 /* a feed writes at least this often: dead clients are found soon */

struct board_http {
    struct MHD_Daemon *daemon;
    board_store_t *store;
};

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *type,
                             const char *cache, void *body, size_t len,
                             enum MHD_ResponseMemoryMode mode)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, body, mode);
    if (!r) {
        if (mode == MHD_RESPMEM_MUST_FREE)
            free(body);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", type);
    MHD_add_response_header(r, "Cache-Control", cache);
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    enum MHD_Result ok = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ok;
}

static enum MHD_Result reply_text(struct MHD_Connection *c, unsigned status, const char *text)
{
    return reply(c, status, "text/plain; charset=utf-8", "no-store", (void *)text, strlen(text),
                 MHD_RESPMEM_MUST_COPY);
}

static const char *content_type(const char *name)
{
    static const struct {
        const char *ext, *type;
    } types[] = {
        {".html", "text/html; charset=utf-8"}, {".js", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},   {".svg", "image/svg+xml"},
        {".json", "application/json"},         {".txt", "text/plain; charset=utf-8"},
        {".png", "image/png"},
    };
    const char *dot = strrchr(name, '.');
    for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
        if (strcmp(dot, types[i].ext) == 0)
            return types[i].type;
    return "application/octet-stream";
}

/* The page may load nothing but its own files and talk to nothing but gc-board: what makes it
 * work offline is enforced by the browser, and an area name in the reference data cannot run
 * as script. */
#define PAGE_POLICY                                                                            \
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "         \
    "form-action 'none'; frame-ancestors 'none'"

static enum MHD_Result serve_asset(struct MHD_Connection *c, const char *name)
{
    for (size_t i = 0; i < board_assets_count; i++) {
        if (strcmp(board_assets[i].name, name) != 0)
            continue;
        struct MHD_Response *r = MHD_create_response_from_buffer(
            board_assets[i].size, (void *)board_assets[i].data, MHD_RESPMEM_PERSISTENT);
        if (!r)
            return MHD_NO;
        MHD_add_response_header(r, "Content-Type", content_type(name));
        MHD_add_response_header(r, "Cache-Control", "no-cache");
        MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
        MHD_add_response_header(r, "Content-Security-Policy", PAGE_POLICY);
        enum MHD_Result ok = MHD_queue_response(c, 200, r);
        MHD_destroy_response(r);
        return ok;
    }
    return reply_text(c, 404, "not found: no such file of the board\n");
}

static const char *area_argument(struct MHD_Connection *c)
{
    return MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "area");
}

static enum MHD_Result serve_view(struct MHD_Connection *c, board_store_t *store)
{
    uint64_t gen;
    unsigned status;
    char *view = board_store_view(store, area_argument(c), &gen, &status);
    if (!view)
        return reply_text(c, 500, "out of memory\n");
    return reply(c, status, "application/json", "no-store", view, strlen(view),
                 MHD_RESPMEM_MUST_FREE);
}

/* One client of GET /api/feed: what it was sent, and the bytes not yet written. */
typedef struct {
    board_store_t *store;
    char *area;
    uint64_t store_gen;  /* the store's generation when last looked at */
    uint64_t heartbeats; /* heartbeats seen */
    uint64_t view_gen;   /* the generation of the view last sent */
    bool started, ending;
    long written_at;
    char *pending;
    size_t len, off;
} feed_t;

/* Appends "event: NAME\ndata: DATA\n\n" (DATA is one line: compact JSON). */
static void feed_event(FILE *f, const char *name, const char *data)
{
    fprintf(f, "event: %s\ndata: %s\n\n", name, data);
}

/* What the feed sends next: the view at the start (or the error that ends it), then a view
 * when its figures changed and each heartbeat, or a keepalive comment when nothing happened
 * for KEEPALIVE_MS. Blocks until there is something. */
static void feed_next(feed_t *feed, FILE *f)
{
    uint64_t gen = 0;
    unsigned status = 500; /* what a view that could not be made counts as */
    if (!feed->started) {
        feed->started = true;
        char *view = board_store_view(feed->store, feed->area, &gen, &status);
        char *beat = board_store_heartbeat(feed->store, &feed->heartbeats);
        board_store_wait(feed->store, &feed->store_gen, &feed->heartbeats, 0);
        if (status != 200) {
            feed_event(f, "error", view ? view : "{\"error\":{\"code\":\"out_of_memory\"}}");
            feed->ending = true;
        } else {
            fputs("retry: 2000\n", f); /* how soon EventSource reconnects when cut */
            feed_event(f, "view", view);
            if (beat && board_store_status(feed->store).live)
                feed_event(f, "heartbeat", beat); /* a stale one would say "live" */
            feed->view_gen = gen;
        }
        free(view), free(beat);
        return;
    }
    for (;;) {
        uint64_t seen = feed->heartbeats, looked = feed->store_gen;
        long wait = KEEPALIVE_MS - (gc_clock_monotonic_ms() - feed->written_at);
        board_store_wait(feed->store, &feed->store_gen, &feed->heartbeats, wait > 0 ? wait : 0);
        if (board_store_stopping(feed->store)) {
            feed->ending = true;
            return;
        }
        bool sent = false;
        /* a view is built only when some snapshot changed: a heartbeat alone changes none */
        char *view = feed->store_gen > looked
                         ? board_store_view(feed->store, feed->area, &gen, &status)
                         : NULL;
        if (view && status == 200 && gen > feed->view_gen) {
            feed_event(f, "view", view);
            feed->view_gen = gen;
            sent = true;
        }
        free(view);
        if (feed->heartbeats > seen) {
            char *beat = board_store_heartbeat(feed->store, &seen);
            if (beat)
                feed_event(f, "heartbeat", beat), sent = true;
            free(beat);
        }
        if (sent)
            return;
        if (gc_clock_monotonic_ms() - feed->written_at >= KEEPALIVE_MS) {
            fputs(": keepalive\n\n", f);
            return;
        }
    }
}

static ssize_t feed_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    feed_t *feed = cls;
    while (feed->off == feed->len) {
        free(feed->pending);
        feed->pending = NULL;
        feed->len = feed->off = 0;
        if (feed->ending || board_store_stopping(feed->store))
            return MHD_CONTENT_READER_END_OF_STREAM;
        FILE *f = open_memstream(&feed->pending, &feed->len);
        if (!f)
            return MHD_CONTENT_READER_END_WITH_ERROR;
        feed_next(feed, f);
        if (fclose(f) != 0)
            return MHD_CONTENT_READER_END_WITH_ERROR;
    }
    size_t n = feed->len - feed->off < max ? feed->len - feed->off : max;
    memcpy(buf, feed->pending + feed->off, n);
    feed->off += n;
    feed->written_at = gc_clock_monotonic_ms();
    return (ssize_t)n;
}

static void feed_free(void *cls)
{
    feed_t *feed = cls;
    board_store_feed_closed(feed->store);
    free(feed->pending);
    free(feed->area);
    free(feed);
}

static enum MHD_Result serve_feed(struct MHD_Connection *c, board_store_t *store)
{
    const char *area = area_argument(c);
    feed_t *feed = calloc(1, sizeof *feed);
    if (!feed || !(feed->area = strdup(area ? area : ""))) {
        free(feed);
        return reply_text(c, 500, "out of memory\n");
    }
    feed->store = store;
    feed->written_at = gc_clock_monotonic_ms();
    board_store_feed_opened(store);
    struct MHD_Response *r =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16 * 1024, feed_read, feed, feed_free);
    if (!r) {
        feed_free(feed);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", "text/event-stream; charset=utf-8");
    MHD_add_response_header(r, "Cache-Control", "no-store");
    MHD_add_response_header(r, "X-Accel-Buffering", "no"); /* a proxy in front must not hold it */
    enum MHD_Result ok = MHD_queue_response(c, 200, r);
    MHD_destroy_response(r);
    return ok;
}

static enum MHD_Result serve_metrics(struct MHD_Connection *c, board_store_t *store)
{
    board_store_status_t s = board_store_status(store);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return reply_text(c, 500, "out of memory\n");
    fprintf(f,
            "# HELP gridcase_board_heartbeat_age_seconds Seconds since the stats stream's last "
            "heartbeat reached gc-board (since its start when none did yet).\n"
            "# TYPE gridcase_board_heartbeat_age_seconds gauge\n"
            "gridcase_board_heartbeat_age_seconds %.3f\n"
            "# HELP gridcase_board_stream_up 1 when a heartbeat came within the last %d s.\n"
            "# TYPE gridcase_board_stream_up gauge\ngridcase_board_stream_up %d\n"
            "# HELP gridcase_board_heartbeats_total Heartbeats of the stats stream received.\n"
            "# TYPE gridcase_board_heartbeats_total counter\n"
            "gridcase_board_heartbeats_total %llu\n"
            "# HELP gridcase_board_areas Areas the board has figures of.\n"
            "# TYPE gridcase_board_areas gauge\ngridcase_board_areas %u\n"
            "# HELP gridcase_board_departments Departments the board has figures of.\n"
            "# TYPE gridcase_board_departments gauge\ngridcase_board_departments %u\n"
            "# HELP gridcase_board_clients Live feeds open (pages showing the board).\n"
            "# TYPE gridcase_board_clients gauge\ngridcase_board_clients %u\n",
            (double)s.age_ms / 1000, BOARD_STALE_MS / 1000, s.live ? 1 : 0,
            (unsigned long long)s.heartbeats, s.areas, s.departments, s.feeds);
    char *process = gc_http_process_metrics("gc-board");
    fputs(process ? process : "", f);
    free(process);
    if (fclose(f) != 0) {
        free(text);
        return reply_text(c, 500, "out of memory\n");
    }
    return reply(c, 200, "text/plain; version=0.0.4; charset=utf-8", "no-store", text, len,
                 MHD_RESPMEM_MUST_FREE);
}

static enum MHD_Result serve_health(struct MHD_Connection *c, board_store_t *store)
{
    /* the board itself is healthy while it serves; a quiet stream is gc-stats' trouble, said
     * here and on the page, and alerted on from gridcase_board_heartbeat_age_seconds */
    board_store_status_t s = board_store_status(store);
    char body[160];
    if (s.live)
        snprintf(body, sizeof body, "ok: the stats stream is live\n");
    else
        snprintf(body, sizeof body, "ok: the stats stream is quiet (no heartbeat for %.1f s)\n",
                 (double)s.age_ms / 1000);
    return reply_text(c, 200, body);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_size, void **state)
{
    (void)version, (void)upload_data, (void)upload_size, (void)state;
    board_http_t *self = cls;
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return reply_text(c, 405, "only GET\n");
    if (strcmp(url, "/") == 0 || strcmp(url, "/index.html") == 0)
        return serve_asset(c, "index.html");
    if (strncmp(url, "/assets/", 8) == 0)
        return serve_asset(c, url + 8);
    if (strcmp(url, "/api/area") == 0)
        return serve_view(c, self->store);
    if (strcmp(url, "/api/feed") == 0)
        return serve_feed(c, self->store);
    if (strcmp(url, "/metrics") == 0)
        return serve_metrics(c, self->store);
    if (strcmp(url, "/healthz") == 0)
        return serve_health(c, self->store);
    return reply_text(c, 404, "not found: the board is at /, its feed at /api/feed?area=CODE\n");
}

board_http_t *board_http_new(const char *bind, board_store_t *store, unsigned max_connections)
{
    board_http_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->store = store;
    self->daemon = gc_http_serve("GC_BOARD_BIND", bind, "the board", max_connections, on_request,
                                 self, NULL);
    if (!self->daemon) {
        free(self);
        return NULL;
    }
    return self;
}

void board_http_destroy(board_http_t **self)
{
    if (*self) {
        board_store_stop((*self)->store); /* each feed ends its stream at its next look */
        /* MHD_stop_daemon cuts open connections: wait (1 s at most) until each feed has sent
         * its stream's end, or a browser reports the stream cut mid-chunk as an error */
        for (long until = gc_clock_monotonic_ms() + 1000;
             board_store_status((*self)->store).feeds > 0 && gc_clock_monotonic_ms() < until;)
            nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
        MHD_stop_daemon((*self)->daemon);
        free(*self);
        *self = NULL;
    }
}
