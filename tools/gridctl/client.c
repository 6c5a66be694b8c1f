/* client: intake requests from gridctl. */
#include "client.h"

#include "gc_curve.h"
#include "gc_msg.h"
#include "gridctl.h"

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

Gridcase__IntakeReply *client_intake(const gc_config_t *cfg, Gridcase__IntakeRequest *req,
                                     int timeout_ms, int attempts)
{
    const char *url = cfg->intake_url;
    void *ctx = zmq_ctx_new();
    Gridcase__IntakeReply *reply = NULL;
    for (int attempt = 0; attempt < attempts && !reply; attempt++) {
        /* a fresh socket per attempt: a late reply to an earlier attempt cannot be mistaken */
        void *s = client_socket(ctx, ZMQ_DEALER, url, cfg->intake_server_key, cfg);
        if (!s) {
            zmq_ctx_term(ctx);
            return NULL;
        }
        if (gc_msg_send_frame(s, "", 0, true, 0) == 0 && gc_msg_send_proto(s, &req->base, 0) == 0) {
            zmq_pollitem_t item = {s, 0, ZMQ_POLLIN, 0};
            while (!reply && zmq_poll(&item, 1, timeout_ms) > 0) {
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
        zmq_close(s);
    }
    zmq_ctx_term(ctx);
    if (!reply)
        gridctl_fail("no reply from intake at %s (is the stack up? `make up`, then `. var/env`; "
                     "GC_INTAKE_URL)",
                     url);
    return reply;
}
