/* gc_msg: ZeroMQ sockets and protobuf framing shared by every gridcase process.
 *
 * Framing (see proto/README.md): a message body is one frame holding one packed protobuf
 * message. ROUTER sockets see the peer's routing id first; the intake socket keeps REQ's
 * empty delimiter frame before the body so REQ and DEALER clients both work. */
#ifndef GC_MSG_H
#define GC_MSG_H

#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>
#include <stddef.h>
#include <zmq.h>

#define GC_MSG_MAX_FRAMES 4

/* One received multipart message. Frames beyond GC_MSG_MAX_FRAMES are read and dropped
 * (truncated is set), so a hostile peer cannot desynchronise the socket. */
typedef struct {
    zmq_msg_t frame[GC_MSG_MAX_FRAMES];
    int count;
    bool truncated;
} gc_frames_t;

/* Receives every frame of one message. flags: 0 or ZMQ_DONTWAIT. Returns 0, or -1 with errno. */
int gc_frames_recv(void *socket, gc_frames_t *frames, int flags);
void gc_frames_close(gc_frames_t *frames);
size_t gc_frames_size(gc_frames_t *frames, int i);
const void *gc_frames_data(gc_frames_t *frames, int i);

/* The authenticated identity of the peer that sent frame i (ZAP "User-Id"), or NULL. */
const char *gc_frames_user_id(gc_frames_t *frames, int i);

/* Creates a socket with linger 0 and (when max_bytes > 0) ZMQ_MAXMSGSIZE, not yet bound or
 * connected: for options that must be set first (CURVE). NULL with a logged error. */
void *gc_msg_socket_new(void *ctx, int type, long max_bytes);

/* Binds or connects a socket; on failure logs, closes it and returns false. */
bool gc_msg_attach(void *socket, const char *endpoint, bool bind);

/* Creates a socket, sets linger 0 and (when max_bytes > 0) ZMQ_MAXMSGSIZE, then binds
 * (bind = true) or connects. Returns NULL with a logged error. */
void *gc_msg_socket(void *ctx, int type, const char *endpoint, bool bind, long max_bytes);

/* True when endpoint can only be reached from this host (tcp on 127.0.0.1, localhost or ::1,
 * ipc, inproc). */
bool gc_msg_loopback(const char *endpoint);

/* A socket bound without CurveZMQ: logs a loud warning, naming the setting that would turn
 * CurveZMQ on, when anyone else can reach it. */
void gc_msg_warn_if_exposed(const char *endpoint, const char *what, const char *key_setting);

/* Sends one frame; more = true when further frames follow. Returns 0 or -1 with errno. */
int gc_msg_send_frame(void *socket, const void *data, size_t size, bool more, int flags);

/* Packs a protobuf message into one frame and sends it as the last frame. */
int gc_msg_send_proto(void *socket, const ProtobufCMessage *message, int flags);

/* How long gc_msg_ctx_end waits for the context to end. */
#define GC_MSG_CTX_END_MS 3000

/* Ends a context whose sockets the caller has closed (zmq_ctx_term), waiting at most
 * GC_MSG_CTX_END_MS; several threads may end their own contexts at once. libzmq can wait for
 * ever on a session caught mid-handshake when its sockets close (its own CURVE/ZAP tests hang
 * so on busy machines), and a daemon stuck there is killed by its supervisor instead of exiting
 * 0. Every socket has linger 0, so nothing of ours waits in the context: past the limit this
 * logs a warning, leaves the context (and the thread waiting on it) to the process's exit and
 * returns false. Costs one thread for the wait. */
bool gc_msg_ctx_end(void *ctx);

#endif
