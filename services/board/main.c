/* gc-board: the district board. Subscribes to the statistics stream like any dashboard, keeps
 * the last snapshot of every area and department (board_store), and serves a page in Chinese
 * with a live feed of them over HTTP (board_http). Needs no database. */
#include "board_http.h"
#include "board_store.h"

#include "gc_daemon.h"
#include "gc_log.h"
#include "gc_msg.h"

#include <errno.h>
#include <string.h>

/* Feeds open at once (a thread each): a wall screen and the leaders' phones, with room. */
#define MAX_CONNECTIONS 256

/* Hands one message of the stream to the store, by its topic: "!heartbeat", "<district>/dept/
 * <code>" or an area's code (proto/README.md). Undecodable messages are skipped: the stream
 * is gc-stats', but the board must not die of a newer release's message. */
static void take(board_store_t *store, gc_frames_t *f)
{
    const char *topic = gc_frames_data(f, 0);
    size_t len = gc_frames_size(f, 0);
    const uint8_t *body = gc_frames_data(f, 1);
    size_t size = gc_frames_size(f, 1);
    if (len == 10 && memcmp(topic, "!heartbeat", 10) == 0) {
        Gridcase__StatsHeartbeat *h = gridcase__stats_heartbeat__unpack(NULL, size, body);
        if (h)
            board_store_put_heartbeat(store, h);
        gridcase__stats_heartbeat__free_unpacked(h, NULL);
        return;
    }
    for (size_t i = 0; i + 6 <= len; i++)
        if (memcmp(topic + i, "/dept/", 6) == 0) {
            Gridcase__DepartmentSnapshot *d = gridcase__department_snapshot__unpack(NULL, size, body);
            if (d)
                board_store_put_department(store, d);
            gridcase__department_snapshot__free_unpacked(d, NULL);
            return;
        }
    Gridcase__StatsSnapshot *s = gridcase__stats_snapshot__unpack(NULL, size, body);
    if (s)
        board_store_put_area(store, s);
    gridcase__stats_snapshot__free_unpacked(s, NULL);
}

int main(int argc, char **argv)
{
    gc_config_t cfg;
    gc_daemon_start(argc, argv, "gc-board",
                    "The district board: subscribes to the statistics stream (GC_STATS_URL; a\n"
                    "CurveZMQ client with GC_CLIENT_KEY_FILE when GC_STATS_SERVER_KEY is set) and\n"
                    "serves the board's page, its live feed (Server-Sent Events), /metrics and\n"
                    "/healthz over HTTP (GC_BOARD_BIND).",
                    &cfg);
    void *ctx = zmq_ctx_new();
    void *stats = gc_daemon_client(ctx, ZMQ_SUB, "GC_STATS_URL", cfg.stats_url,
                                   "GC_STATS_SERVER_KEY", cfg.stats_server_key, &cfg);
    zmq_setsockopt(stats, ZMQ_SUBSCRIBE, "", 0);
    board_store_t *store = board_store_new();
    board_http_t *http = store ? board_http_new(cfg.board_bind, store, MAX_CONNECTIONS) : NULL;
    if (!http) { /* board_http_new named GC_BOARD_BIND: a bad setting, status 2 */
        board_store_destroy(&store);
        zmq_close(stats);
        gc_msg_ctx_end(ctx);
        return 2;
    }
    gc_log_info("ready: the board on http://%s/, following %s", cfg.board_bind, cfg.stats_url);

    while (!gc_daemon_stop) {
        zmq_pollitem_t item = {stats, 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&item, 1, 500) < 0 && errno != EINTR)
            break;
        gc_frames_t f;
        while (gc_frames_recv(stats, &f, ZMQ_DONTWAIT) == 0) {
            if (f.count == 2)
                take(store, &f);
            gc_frames_close(&f);
        }
        gc_daemon_alive();
    }
    gc_log_info("stopping");
    board_http_destroy(&http);
    board_store_destroy(&store);
    zmq_close(stats);
    gc_msg_ctx_end(ctx);
    return 0;
}
