/* client: intake requests from gridctl. */
#include "client.h"

#include "gc_clock.h"
#include "gc_curve.h"
#include "gc_monitor.h"
#include "gc_msg.h"
#include "gridctl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void client_token(char out[33])
{
    unsigned char raw[16];
    FILE *f = fopen("/dev/urandom", "rb");
    if (!f || fread(raw, 1, sizeof raw, f) != sizeof raw) {
        /* without entropy a key could collide with someone else's: refuse */
        fprintf(stderr, "gridctl: cannot read /dev/urandom\n");
        exit(1);
    }
    fclose(f);
    for (int i = 0; i < 16; i++)
        snprintf(out + 2 * i, 3, "%02x", raw[i]);
}

void *client_socket(void *ctx, int type, const char *url, const char *server_key,
                    const gc_config_t *cfg)
{
    char err[600];
    void *s = gc_curve_connect(ctx, type, url, server_key, cfg->client_key_file,
                               16 * 1024 * 1024, err, sizeof err);
    if (!s)
        gridctl_fail("%s", err);
    return s;
}

/* A DEALER to intake watched by a monitor (made before it connects). NULL after a message. */
static void *intake_socket(void *ctx, const gc_config_t *cfg, gc_monitor_t **monitor)
{
    char err[600];
    void *s = gc_msg_socket_new(ctx, ZMQ_DEALER, 16 * 1024 * 1024);
    if (!s || !gc_curve_client_setup(s, cfg->intake_server_key, cfg->client_key_file, err,
                                     sizeof err)) {
        gridctl_fail("%s", s ? err : "cannot make a socket");
        if (s)
            zmq_close(s);
        return NULL;
    }
    *monitor = gc_monitor_new(ctx, s);
    if (zmq_connect(s, cfg->intake_url) != 0) {
        gridctl_fail("cannot connect to %s: %s", cfg->intake_url, zmq_strerror(errno));
        gc_monitor_destroy(monitor);
        zmq_close(s);
        return NULL;
    }
    return s;
}

Gridcase__IntakeReply *client_intake(const gc_config_t *cfg, Gridcase__IntakeRequest *req,
                                     int timeout_ms, int attempts)
{
    const char *url = cfg->intake_url;
    void *ctx = zmq_ctx_new();
    Gridcase__IntakeReply *reply = NULL;
    gc_monitor_state_t state = GC_MONITOR_WAITING;
    for (int attempt = 0; attempt < attempts && !reply; attempt++) {
        /* a fresh socket per attempt: a late reply to an earlier attempt cannot be mistaken */
        gc_monitor_t *monitor = NULL;
        void *s = intake_socket(ctx, cfg, &monitor);
        if (!s) {
            zmq_ctx_term(ctx);
            return NULL;
        }
        if (gc_msg_send_frame(s, "", 0, true, 0) == 0 && gc_msg_send_proto(s, &req->base, 0) == 0) {
            zmq_pollitem_t item = {s, 0, ZMQ_POLLIN, 0};
            long deadline = gc_clock_monotonic_ms() + timeout_ms;
            while (!reply && gc_clock_monotonic_ms() < deadline) {
                /* a refused key or a broken handshake will not mend by waiting or resending */
                state = gc_monitor_poll(monitor, 0);
                if (state == GC_MONITOR_AUTH_REFUSED || state == GC_MONITOR_HANDSHAKE_FAILED)
                    break;
                if (zmq_poll(&item, 1, 100) <= 0)
                    continue;
                gc_frames_t f;
                if (gc_frames_recv(s, &f, 0) != 0)
                    break;
                if (f.count == 2 && gc_frames_size(&f, 0) == 0) {
                    reply = gridcase__intake_reply__unpack(NULL, gc_frames_size(&f, 1),
                                                           gc_frames_data(&f, 1));
                    if (reply && strcmp(reply->request_id, req->request_id) != 0) {
                        gridcase__intake_reply__free_unpacked(reply, NULL);
                        reply = NULL;
                    }
                }
                gc_frames_close(&f);
            }
        }
        gc_monitor_destroy(&monitor);
        zmq_close(s);
        if (state == GC_MONITOR_AUTH_REFUSED || state == GC_MONITOR_HANDSHAKE_FAILED)
            break;
    }
    zmq_ctx_term(ctx);
    char why[512];
    if (!reply && (state == GC_MONITOR_AUTH_REFUSED || state == GC_MONITOR_HANDSHAKE_FAILED))
        gridctl_fail("%s (GC_CLIENT_KEY_FILE, GC_INTAKE_SERVER_KEY)",
                     gc_monitor_explain(state, "intake", url, why, sizeof why));
    else if (!reply)
        gridctl_fail("no reply from intake at %s (is the stack up? `make up`, then `. var/env`; "
                     "GC_INTAKE_URL)",
                     url);
    return reply;
}
