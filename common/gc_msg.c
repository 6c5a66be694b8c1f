/* gc_msg: multipart receive with a frame cap, socket set-up, protobuf send. */
#include "gc_msg.h"

#include "gc_log.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int gc_frames_recv(void *socket, gc_frames_t *frames, int flags)
{
    frames->count = 0;
    frames->truncated = false;
    for (;;) {
        zmq_msg_t part;
        zmq_msg_init(&part);
        if (zmq_msg_recv(&part, socket, frames->count == 0 ? flags : 0) < 0) {
            int saved = errno;
            zmq_msg_close(&part);
            gc_frames_close(frames);
            errno = saved;
            return -1;
        }
        bool more = zmq_msg_more(&part);
        if (frames->count < GC_MSG_MAX_FRAMES) {
            frames->frame[frames->count++] = part;
        } else {
            frames->truncated = true;
            zmq_msg_close(&part);
        }
        if (!more)
            return 0;
    }
}

void gc_frames_close(gc_frames_t *frames)
{
    for (int i = 0; i < frames->count; i++)
        zmq_msg_close(&frames->frame[i]);
    frames->count = 0;
}

size_t gc_frames_size(gc_frames_t *frames, int i)
{
    return zmq_msg_size(&frames->frame[i]);
}

const void *gc_frames_data(gc_frames_t *frames, int i)
{
    return zmq_msg_data(&frames->frame[i]);
}

const char *gc_frames_user_id(gc_frames_t *frames, int i)
{
    return i < frames->count ? zmq_msg_gets(&frames->frame[i], "User-Id") : NULL;
}

void *gc_msg_socket_new(void *ctx, int type, long max_bytes)
{
    void *s = zmq_socket(ctx, type);
    if (!s) {
        gc_log_error("zmq_socket: %s", zmq_strerror(errno));
        return NULL;
    }
    int linger = 0;
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    if (max_bytes > 0) {
        int64_t max = max_bytes;
        zmq_setsockopt(s, ZMQ_MAXMSGSIZE, &max, sizeof max);
    }
    return s;
}

bool gc_msg_attach(void *s, const char *endpoint, bool bind)
{
    if ((bind ? zmq_bind(s, endpoint) : zmq_connect(s, endpoint)) == 0)
        return true;
    gc_log_error("%s %s: %s", bind ? "bind" : "connect", endpoint, zmq_strerror(errno));
    zmq_close(s);
    return false;
}

void *gc_msg_socket(void *ctx, int type, const char *endpoint, bool bind, long max_bytes)
{
    void *s = gc_msg_socket_new(ctx, type, max_bytes);
    return s && gc_msg_attach(s, endpoint, bind) ? s : NULL;
}

int gc_msg_send_frame(void *socket, const void *data, size_t size, bool more, int flags)
{
    return zmq_send(socket, data, size, flags | (more ? ZMQ_SNDMORE : 0)) < 0 ? -1 : 0;
}

int gc_msg_send_proto(void *socket, const ProtobufCMessage *message, int flags)
{
    zmq_msg_t frame;
    size_t size = protobuf_c_message_get_packed_size(message);
    if (zmq_msg_init_size(&frame, size) != 0)
        return -1;
    protobuf_c_message_pack(message, zmq_msg_data(&frame));
    if (zmq_msg_send(&frame, socket, flags) < 0) {
        int saved = errno;
        zmq_msg_close(&frame);
        errno = saved;
        return -1;
    }
    return 0;
}

bool gc_msg_loopback(const char *endpoint)
{
    static const char *const local[] = {"tcp://127.", "tcp://localhost:", "tcp://[::1]:",
                                        "ipc://", "inproc://"};
    for (size_t i = 0; i < sizeof local / sizeof local[0]; i++)
        if (strncmp(endpoint, local[i], strlen(local[i])) == 0)
            return true;
    return false;
}

void gc_msg_warn_if_exposed(const char *endpoint, const char *what, const char *key_setting)
{
    if (gc_msg_loopback(endpoint))
        return;
    gc_log_warn("WARNING: %s on %s is NOT ENCRYPTED AND NOT AUTHENTICATED: anyone who can reach "
                "this address can use it. Set %s to run it with CurveZMQ (see deploy/README.md)",
                what, endpoint, key_setting);
}

/* gc_msg_ctx_end's waiter: zmq_ctx_term on its own thread, done under the lock when it returns.
 * One per call (threads may end their contexts at once); freed by the caller once the waiter
 * is joined, or left to the waiter that never returns. */
typedef struct {
    void *ctx;
    pthread_mutex_t lock;
    pthread_cond_t ended;
    bool done;
} ctx_end_t;

static void *ctx_term(void *arg)
{
    ctx_end_t *end = arg;
    zmq_ctx_term(end->ctx);
    pthread_mutex_lock(&end->lock);
    end->done = true;
    pthread_cond_signal(&end->ended);
    pthread_mutex_unlock(&end->lock);
    return NULL;
}

bool gc_msg_ctx_end(void *ctx)
{
    ctx_end_t *end = calloc(1, sizeof *end);
    pthread_t waiter;
    if (!end || pthread_mutex_init(&end->lock, NULL) != 0) {
        free(end);
        zmq_ctx_term(ctx); /* nothing to spare: wait as libzmq does */
        return true;
    }
    pthread_cond_init(&end->ended, NULL);
    end->ctx = ctx;
    if (pthread_create(&waiter, NULL, ctx_term, end) != 0) {
        zmq_ctx_term(ctx);
        end->done = true;
    } else {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += GC_MSG_CTX_END_MS / 1000;
        until.tv_nsec += (GC_MSG_CTX_END_MS % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_mutex_lock(&end->lock);
        while (!end->done && pthread_cond_timedwait(&end->ended, &end->lock, &until) == 0)
            ;
        bool done = end->done;
        pthread_mutex_unlock(&end->lock);
        if (!done) {
            pthread_detach(waiter);
            gc_log_warn("ZeroMQ did not end its connections within %d ms; going on without "
                        "them (every socket has linger 0: nothing of ours was waiting in them)",
                        GC_MSG_CTX_END_MS);
            return false;
        }
        pthread_join(waiter, NULL);
    }
    pthread_cond_destroy(&end->ended);
    pthread_mutex_destroy(&end->lock);
    free(end);
    return true;
}
