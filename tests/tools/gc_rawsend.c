/* gc-rawsend: sends raw frames to intake or to the department socket, as a hostile or broken
 * client would, and prints what comes back. Used by the integration tests for malformed and
 * hostile input (t_hostile, t_intake).
 *
 *   gc-rawsend [--raw | --dept DEPT] [--timeout MS] URL FRAME... [--then FRAME...]...
 *
 *   FRAME         the frame's bytes in hex ("" is an empty frame); HEX*N repeats HEX N times
 *                 (0a*100000: a body larger than GC_MAX_MESSAGE_BYTES); @FILE: the file's bytes
 *   --then        ends one message and starts the next, on the same connection
 *   (default)     intake: each message goes out as [empty delimiter][FRAME...], as a DEALER
 *                 client sends it
 *   --raw         intake without the delimiter: exactly the frames given
 *   --dept DEPT   the department socket over CURVE as department DEPT: its key DEPT.key in
 *                 GC_DEPT_KEYS_DIR (or the key file DEPT, when it holds a '/'), routing's
 *                 public key in GC_DEPT_SERVER_KEY; exactly the frames given
 *   --timeout MS  how long to wait for each reply (default 3000)
 *
 * After each message it prints what comes back, one line each, until the reply:
 *   intake:       "accepted REF" or "error CODE message"
 *   departments:  "delivery SEQ REF REASON" (any number), then "reply request_id=ID ok REF",
 *                 "reply request_id=ID CODE message" or "error CODE message" (protocol error)
 * or, when no reply comes: "disconnected" (the daemon dropped the connection), "handshake
 * refused" (CURVE or ZAP said no) or "noreply". A reply that is not one valid message, or that
 * holds a string that is not UTF-8 text (proto3 requires it), prints "bad reply".
 * Exit 0 when every message got a reply, 3 otherwise, 2 on a usage error. */
#include "dept.pb-c.h"
#include "gc_clock.h"
#include "gc_curve.h"
#include "gc_msg.h"
#include "gc_text.h"
#include "intake.pb-c.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FRAMES 64

typedef struct {
    unsigned char *data;
    size_t size;
} frame_t;

static int usage(void)
{
    fprintf(stderr, "usage: gc-rawsend [--raw | --dept DEPT] [--timeout MS] URL FRAME... "
                    "[--then FRAME...]...\n");
    return 2;
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* A FRAME argument: hex bytes, optionally "*N" times, or @FILE. False when it is not that. */
static bool parse_frame(const char *arg, frame_t *f)
{
    if (arg[0] == '@') { /* too big for a command line */
        FILE *in = fopen(arg + 1, "rb");
        if (!in)
            return false;
        fseek(in, 0, SEEK_END);
        long size = ftell(in);
        rewind(in);
        f->data = malloc(size > 0 ? (size_t)size : 1);
        f->size = size > 0 ? fread(f->data, 1, (size_t)size, in) : 0;
        fclose(in);
        return size >= 0 && f->size == (size_t)size;
    }
    const char *star = strchr(arg, '*');
    size_t hex = star ? (size_t)(star - arg) : strlen(arg);
    unsigned long times = star ? strtoul(star + 1, NULL, 10) : 1;
    if (hex % 2 != 0 || times > 16UL * 1024 * 1024)
        return false;
    f->size = hex / 2 * times;
    f->data = malloc(f->size + 1);
    for (size_t i = 0; i < hex / 2; i++) {
        int hi = hexval(arg[2 * i]), lo = hexval(arg[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        for (unsigned long t = 0; t < times; t++)
            f->data[t * (hex / 2) + i] = (unsigned char)(hi << 4 | lo);
    }
    return true;
}

/* A department client's socket: DEALER with DEPT's CURVE key. NULL with a message. */
static void *dept_socket(void *ctx, const char *dept)
{
    char path[1024], err[300];
    const char *dir = getenv("GC_DEPT_KEYS_DIR");
    if (strchr(dept, '/'))
        snprintf(path, sizeof path, "%s", dept);
    else
        snprintf(path, sizeof path, "%s/%s.key", dir ? dir : ".", dept);
    gc_curve_keys_t keys;
    if (!gc_curve_load(path, &keys, err, sizeof err)) {
        fprintf(stderr, "gc-rawsend: %s\n", err);
        return NULL;
    }
    void *s = gc_msg_socket_new(ctx, ZMQ_DEALER, 0);
    if (s && !gc_curve_client(s, &keys, getenv("GC_DEPT_SERVER_KEY"))) {
        fprintf(stderr, "gc-rawsend: GC_DEPT_SERVER_KEY is not routing's public key\n");
        zmq_close(s);
        return NULL;
    }
    return s;
}

/* proto3 strings must be UTF-8: true when every string in m (and its submessages) is text. */
static bool strings_are_text(const ProtobufCMessage *m)
{
    const ProtobufCMessageDescriptor *d = m->descriptor;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        const char *member = (const char *)m + f->offset;
        const uint32_t *quantifier = (const uint32_t *)((const char *)m + f->quantifier_offset);
        if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) && *quantifier != f->id)
            continue; /* another member of the oneof is set: this one is not */
        size_t n = f->label == PROTOBUF_C_LABEL_REPEATED
                       ? *(const size_t *)((const char *)m + f->quantifier_offset)
                       : 1;
        const void *values = f->label == PROTOBUF_C_LABEL_REPEATED ? *(void *const *)member
                                                                    : (const void *)member;
        for (size_t j = 0; j < n; j++) {
            const void *value = ((void *const *)values)[j];
            if (f->type == PROTOBUF_C_TYPE_STRING && value && !gc_text_valid(value, SIZE_MAX))
                return false;
            if (f->type == PROTOBUF_C_TYPE_MESSAGE && value && !strings_are_text(value))
                return false;
        }
    }
    return true;
}

static const char *code_name(int code)
{
    const ProtobufCEnumValue *v =
        protobuf_c_enum_descriptor_get_value(&gridcase__error_code__descriptor, code);
    return v ? v->name : "?";
}

/* Prints an intake reply ([empty][IntakeReply]). Always the reply. */
static bool print_intake_reply(gc_frames_t *f)
{
    Gridcase__IntakeReply *r =
        f->count == 2 ? gridcase__intake_reply__unpack(NULL, gc_frames_size(f, 1),
                                                       gc_frames_data(f, 1))
                      : NULL;
    if (!r || !strings_are_text(&r->base))
        printf("bad reply\n");
    else if (r->result_case == GRIDCASE__INTAKE_REPLY__RESULT_ACCEPTED)
        printf("accepted %s\n", r->accepted->case_ref);
    else if (r->result_case == GRIDCASE__INTAKE_REPLY__RESULT_ERROR)
        printf("error %s %s\n", code_name(r->error->code), r->error->message);
    else
        printf("bad reply\n");
    if (r)
        gridcase__intake_reply__free_unpacked(r, NULL);
    return true;
}

/* Prints a message from the department socket ([DeptServerMsg]). False for a delivery: the
 * reply to what was sent is still to come. */
static bool print_dept_message(gc_frames_t *f)
{
    Gridcase__DeptServerMsg *m =
        f->count == 1 ? gridcase__dept_server_msg__unpack(NULL, gc_frames_size(f, 0),
                                                          gc_frames_data(f, 0))
                      : NULL;
    bool final = true;
    if (!m || !strings_are_text(&m->base)) {
        printf("bad reply\n");
    } else if (m->body_case == GRIDCASE__DEPT_SERVER_MSG__BODY_DELIVERY) {
        const ProtobufCEnumValue *reason = protobuf_c_enum_descriptor_get_value(
            &gridcase__delivery_reason__descriptor, m->delivery->reason);
        printf("delivery %llu %s %s\n", (unsigned long long)m->delivery->seq,
               m->delivery->case_ref, reason ? reason->name : "?");
        final = false;
    } else if (m->body_case == GRIDCASE__DEPT_SERVER_MSG__BODY_REPLY && !m->reply->error) {
        printf("reply request_id=%s ok %s\n", m->reply->request_id, m->reply->case_ref);
    } else if (m->body_case == GRIDCASE__DEPT_SERVER_MSG__BODY_REPLY) {
        printf("reply request_id=%s %s %s\n", m->reply->request_id,
               code_name(m->reply->error->code), m->reply->error->message);
    } else if (m->body_case == GRIDCASE__DEPT_SERVER_MSG__BODY_ERROR) {
        printf("error %s %s\n", code_name(m->error->code), m->error->message);
    } else {
        printf("bad reply\n");
    }
    if (m)
        gridcase__dept_server_msg__free_unpacked(m, NULL);
    return final;
}

/* Waits for the reply to the message just sent, printing what arrives. True when it came. */
static bool await_reply(void *s, void *monitor, bool dept, int timeout_ms)
{
    long deadline = gc_clock_monotonic_ms() + timeout_ms;
    for (long left = timeout_ms; left > 0; left = deadline - gc_clock_monotonic_ms()) {
        zmq_pollitem_t items[] = {{s, 0, ZMQ_POLLIN, 0}, {monitor, 0, ZMQ_POLLIN, 0}};
        if (zmq_poll(items, 2, left) <= 0)
            break;
        gc_frames_t f;
        if (items[0].revents & ZMQ_POLLIN) { /* a reply before the hang-up still counts */
            if (gc_frames_recv(s, &f, 0) != 0)
                break;
            bool final = dept ? print_dept_message(&f) : print_intake_reply(&f);
            gc_frames_close(&f);
            if (final)
                return true;
        } else if (gc_frames_recv(monitor, &f, 0) == 0) {
            uint16_t event = 0; /* frame 0: the event (16 bits) and a 32-bit value */
            if (gc_frames_size(&f, 0) >= sizeof event)
                memcpy(&event, gc_frames_data(&f, 0), sizeof event);
            gc_frames_close(&f);
            if (event == ZMQ_EVENT_DISCONNECTED) {
                printf("disconnected\n");
                return false;
            }
            if (event & (ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
                         | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)) {
                printf("handshake refused\n");
                return false;
            }
        }
    }
    printf("noreply\n");
    return false;
}

int main(int argc, char **argv)
{
    const char *dept = NULL;
    bool raw = false;
    int timeout_ms = 3000, i = 1;
    for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        if (strcmp(argv[i], "--raw") == 0)
            raw = true;
        else if (strcmp(argv[i], "--dept") == 0 && i + 1 < argc)
            dept = argv[++i];
        else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc)
            timeout_ms = atoi(argv[++i]);
        else
            return usage();
    }
    if (i + 2 > argc)
        return usage();
    const char *url = argv[i++];

    void *ctx = zmq_ctx_new();
    void *s = dept ? dept_socket(ctx, dept) : gc_msg_socket_new(ctx, ZMQ_DEALER, 0);
    if (!s)
        return 2;
    /* the monitor tells a dropped connection from a slow reply */
    zmq_socket_monitor(s, "inproc://gc-rawsend-monitor",
                       ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL
                           | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH);
    void *monitor = gc_msg_socket(ctx, ZMQ_PAIR, "inproc://gc-rawsend-monitor", false, 0);
    if (!monitor || !gc_msg_attach(s, url, false))
        return 2;

    int rc = 0;
    while (i < argc) {
        frame_t frames[MAX_FRAMES];
        int n = 0;
        for (; i < argc && strcmp(argv[i], "--then") != 0; i++) {
            if (n == MAX_FRAMES || !parse_frame(argv[i], &frames[n++])) {
                fprintf(stderr, "gc-rawsend: bad frame '%s'\n", argv[i]);
                return 2;
            }
        }
        i++; /* past --then */
        if (!dept && !raw)
            gc_msg_send_frame(s, "", 0, n > 0, 0);
        for (int k = 0; k < n; k++) {
            gc_msg_send_frame(s, frames[k].data, frames[k].size, k + 1 < n, 0);
            free(frames[k].data);
        }
        if (!await_reply(s, monitor, dept != NULL, timeout_ms))
            rc = 3;
        fflush(stdout);
    }
    zmq_socket_monitor(s, NULL, 0);
    zmq_close(monitor);
    zmq_close(s);
    zmq_ctx_term(ctx);
    return rc;
}
