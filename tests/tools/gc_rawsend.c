/* gc-rawsend: sends raw bytes to intake, as a hostile or broken client would, and prints the
 * reply. Used by the integration tests for malformed input.
 *   gc-rawsend URL HEX         body = the bytes written in hex ("" for an empty body)
 *   gc-rawsend URL --size N    body = N bytes of 0x0a (to pass GC_MAX_MESSAGE_BYTES)
 *   gc-rawsend URL --frames N  N body frames after the delimiter
 * Prints "accepted REF" or "error CODE message"; exit 0 when a reply came, 3 when none did. */
#include "gc_msg.h"
#include "intake.pb-c.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int main(int argc, char **argv)
{
    if (argc != 3 && argc != 4) {
        fprintf(stderr, "usage: gc-rawsend URL HEX | URL --size N | URL --frames N\n");
        return 2;
    }
    size_t size = 0;
    int frames = 1;
    unsigned char *body;
    if (argc == 4 && strcmp(argv[2], "--size") == 0) {
        size = strtoul(argv[3], NULL, 10);
        body = malloc(size + 1);
        memset(body, 0x0a, size);
    } else if (argc == 4 && strcmp(argv[2], "--frames") == 0) {
        frames = atoi(argv[3]);
        body = malloc(1);
    } else {
        size_t n = strlen(argv[2]);
        body = malloc(n / 2 + 1);
        for (size_t i = 0; i + 1 < n; i += 2) {
            int hi = hexval(argv[2][i]), lo = hexval(argv[2][i + 1]);
            if (hi < 0 || lo < 0) {
                fprintf(stderr, "bad hex\n");
                return 2;
            }
            body[size++] = (unsigned char)(hi << 4 | lo);
        }
    }
    void *ctx = zmq_ctx_new();
    void *s = gc_msg_socket(ctx, ZMQ_DEALER, argv[1], false, 0);
    if (!s)
        return 2;
    gc_msg_send_frame(s, "", 0, true, 0);
    for (int i = 0; i < frames; i++)
        gc_msg_send_frame(s, body, size, i + 1 < frames, 0);
    free(body);
    int rc = 3;
    zmq_pollitem_t item = {s, 0, ZMQ_POLLIN, 0};
    if (zmq_poll(&item, 1, 3000) > 0) {
        gc_frames_t f;
        if (gc_frames_recv(s, &f, 0) == 0 && f.count == 2) {
            Gridcase__IntakeReply *r = gridcase__intake_reply__unpack(NULL, gc_frames_size(&f, 1),
                                                                      gc_frames_data(&f, 1));
            if (r && r->result_case == GRIDCASE__INTAKE_REPLY__RESULT_ACCEPTED) {
                printf("accepted %s\n", r->accepted->case_ref);
                rc = 0;
            } else if (r && r->error) {
                const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(
                    &gridcase__error_code__descriptor, r->error->code);
                printf("error %s %s\n", v ? v->name : "?", r->error->message);
                rc = 0;
            }
            if (r)
                gridcase__intake_reply__free_unpacked(r, NULL);
        }
        gc_frames_close(&f);
    }
    if (rc == 3)
        printf("noreply\n");
    zmq_close(s);
    zmq_ctx_term(ctx);
    return rc;
}
