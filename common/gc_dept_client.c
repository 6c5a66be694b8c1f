/* gc_dept_client: one DEALER socket, CURVE, a keepalive, and a queue for deliveries that arrive
 * while an action waits for its reply (they must not be lost: the server will not resend them
 * on the same connection). */
#include "gc_dept_client.h"

#include "gc_clock.h"
#include "gc_curve.h"
#include "gc_link.h"
#include "gc_msg.h"

#include <errno.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEEPALIVE_MS 2000 /* resubscribe when idle: a restarted routing learns of us again */
#define QUEUE_MAX 1000    /* the largest credit */
/* acknowledgements refused since the last delivery before giving up: one per delivery in flight
 * (up to the credit) is normal after routing restarts, far more is not */
#define REFUSALS_MAX (2 * QUEUE_MAX)
#define RESUBSCRIBE_MS 200 /* one resubscription for a burst of refused acknowledgements */
/* a request unanswered this long is sent again under the same request_id (routing answers a
 * request it already applied with the stored outcome): about three round trips of a 200 ms
 * +- 100 ms link, so a reply lost to a dropped connection or a full queue costs 1.5 s */
#define RESEND_MS 1500

struct gc_dept_client {
    void *ctx, *socket;
    gc_monitor_t *monitor; /* why nothing comes, when nothing does */
    uint64_t have;       /* highest delivery seq handed out */
    uint64_t acked;      /* highest seq the caller acknowledged */
    int refusals;        /* acknowledgements refused since the last delivery */
    long resubscribed;   /* gc_clock_monotonic_ms() of the last resubscription after a refusal */
    bool from_acked;     /* subscribed with from_acked and nothing received yet */
    uint32_t credit;
    long last_heard;
    unsigned long next_request;
    unsigned long long instance; /* in every request_id: ids of two clients never meet */
    /* the last action that got no reply: called again for the same case and kind, it goes out
     * under the same request_id, so that it is applied at most once */
    char pending_id[48], pending_ref[48];
    int pending_kind;
    Gridcase__DeptServerMsg *queue[QUEUE_MAX];
    int queued;
};

gc_dept_client_t *gc_dept_client_new(const char *url, const char *server_key,
                                     const char *key_file, char *err, int errlen)
{
    gc_curve_keys_t keys;
    if (!gc_curve_load(key_file, &keys, err, errlen))
        return NULL;
    if (!server_key || strlen(server_key) != 40) {
        snprintf(err, errlen, "routing's CURVE public key (40 characters of Z85) is needed");
        return NULL;
    }
    gc_dept_client_t *self = calloc(1, sizeof *self);
    if (getrandom(&self->instance, sizeof self->instance, 0) != sizeof self->instance)
        self->instance = (unsigned long long)time(NULL) << 20 ^ (unsigned long long)getpid();
    self->ctx = zmq_ctx_new();
    self->socket = gc_msg_socket_new(self->ctx, ZMQ_DEALER, 16 * 1024 * 1024);
    /* a refused handshake leaves the socket without a peer: a send must not block forever */
    int send_timeout_ms = 1000;
    if (self->socket) {
        zmq_setsockopt(self->socket, ZMQ_SNDTIMEO, &send_timeout_ms, sizeof send_timeout_ms);
        gc_link_client(self->socket); /* a dead link noticed in seconds, not minutes */
    }
    bool connected = false;
    if (self->socket && gc_curve_client(self->socket, &keys, server_key)) {
        /* before connecting, or the first events are missed */
        self->monitor = gc_monitor_new(self->ctx, self->socket);
        connected = zmq_connect(self->socket, url) == 0;
    }
    if (!connected) {
        snprintf(err, errlen, "cannot connect to routing at %s: %s", url, zmq_strerror(errno));
        gc_dept_client_destroy(&self); /* the monitor first, then the socket */
        return NULL;
    }
    self->last_heard = gc_clock_monotonic_ms();
    return self;
}

void gc_dept_client_destroy(gc_dept_client_t **self)
{
    if (!*self)
        return;
    for (int i = 0; i < (*self)->queued; i++)
        gridcase__dept_server_msg__free_unpacked((*self)->queue[i], NULL);
    gc_monitor_destroy(&(*self)->monitor);
    if ((*self)->socket)
        zmq_close((*self)->socket);
    gc_msg_ctx_end((*self)->ctx);
    free(*self);
    *self = NULL;
}

static void send_msg(gc_dept_client_t *self, Gridcase__DeptClientMsg *m)
{
    gc_msg_send_proto(self->socket, &m->base, 0);
}

static void send_subscribe(gc_dept_client_t *self)
{
    Gridcase__DeptClientMsg m = GRIDCASE__DEPT_CLIENT_MSG__INIT;
    Gridcase__DeptSubscribe sub = GRIDCASE__DEPT_SUBSCRIBE__INIT;
    sub.after_seq = self->have;
    sub.credit = self->credit;
    sub.from_acked = self->from_acked;
    m.body_case = GRIDCASE__DEPT_CLIENT_MSG__BODY_SUBSCRIBE;
    m.subscribe = &sub;
    send_msg(self, &m);
}

gc_monitor_state_t gc_dept_client_connection(gc_dept_client_t *self)
{
    return gc_monitor_poll(self->monitor, 0);
}

void gc_dept_client_subscribe(gc_dept_client_t *self, uint64_t after, bool from_acked,
                              uint32_t credit)
{
    self->have = after;
    self->from_acked = from_acked;
    self->credit = credit ? credit : 100;
    send_subscribe(self);
}

/* Receives one message within timeout_ms; keeps the subscription alive. NULL when none. */
static Gridcase__DeptServerMsg *receive(gc_dept_client_t *self, int timeout_ms)
{
    gc_monitor_poll(self->monitor, 0); /* drained here, whether the caller looks or not */
    if (self->credit && gc_clock_monotonic_ms() - self->last_heard >= KEEPALIVE_MS) {
        send_subscribe(self);
        self->last_heard = gc_clock_monotonic_ms();
    }
    zmq_pollitem_t item = {self->socket, 0, ZMQ_POLLIN, 0};
    if (zmq_poll(&item, 1, timeout_ms) <= 0)
        return NULL;
    gc_frames_t f;
    if (gc_frames_recv(self->socket, &f, 0) != 0)
        return NULL;
    Gridcase__DeptServerMsg *m =
        f.count == 1 ? gridcase__dept_server_msg__unpack(NULL, gc_frames_size(&f, 0),
                                                         gc_frames_data(&f, 0))
                     : NULL;
    gc_frames_close(&f);
    self->last_heard = gc_clock_monotonic_ms();
    return m;
}

/* Keeps a new delivery for gc_dept_client_next; drops a resend of one already handed out. */
static void keep(gc_dept_client_t *self, Gridcase__DeptServerMsg *m)
{
    uint64_t newest = self->queued ? self->queue[self->queued - 1]->delivery->seq : self->have;
    if (m->delivery->seq > newest && self->queued < QUEUE_MAX)
        self->queue[self->queued++] = m;
    else
        gridcase__dept_server_msg__free_unpacked(m, NULL);
}

int gc_dept_client_next(gc_dept_client_t *self, int timeout_ms, Gridcase__DeptServerMsg **out,
                        char *err, int errlen)
{
    long deadline = gc_clock_monotonic_ms() + timeout_ms;
    while (self->queued == 0) {
        long left = deadline - gc_clock_monotonic_ms();
        if (left < 0)
            return 0;
        Gridcase__DeptServerMsg *m = receive(self, left > 200 ? 200 : (int)left);
        if (m && m->body_case == GRIDCASE__DEPT_SERVER_MSG__BODY_DELIVERY) {
            keep(self, m);
        } else if (m && m->body_case == GRIDCASE__DEPT_SERVER_MSG__BODY_ERROR
                   && m->error->code == GRIDCASE__ERROR_CODE__ERROR_CODE_INVALID_STATE
                   && self->credit && ++self->refusals <= REFUSALS_MAX) {
            /* an acknowledgement refused: routing restarted, or dropped this connection, and no
             * longer knows it. Subscribe again after the last delivery handed out (what it
             * sends again is dropped by keep) and repeat the acknowledgement, as proto/README.md
             * asks of a client. */
            gridcase__dept_server_msg__free_unpacked(m, NULL);
            if (gc_clock_monotonic_ms() - self->resubscribed >= RESUBSCRIBE_MS) {
                self->resubscribed = gc_clock_monotonic_ms();
                send_subscribe(self);
                if (self->acked)
                    gc_dept_client_ack(self, self->acked);
            }
        } else if (m && m->body_case == GRIDCASE__DEPT_SERVER_MSG__BODY_ERROR) {
            snprintf(err, errlen, "%s", m->error->message);
            gridcase__dept_server_msg__free_unpacked(m, NULL);
            return -1;
        } else if (m) {
            gridcase__dept_server_msg__free_unpacked(m, NULL); /* a stray reply */
        }
    }
    *out = self->queue[0];
    memmove(self->queue, self->queue + 1, (size_t)--self->queued * sizeof self->queue[0]);
    self->have = (*out)->delivery->seq;
    self->from_acked = false;
    self->refusals = 0;
    return 1;
}

void gc_dept_client_ack(gc_dept_client_t *self, uint64_t seq)
{
    Gridcase__DeptClientMsg m = GRIDCASE__DEPT_CLIENT_MSG__INIT;
    Gridcase__DeptAck ack = GRIDCASE__DEPT_ACK__INIT;
    ack.up_to_seq = seq;
    if (seq > self->acked)
        self->acked = seq;
    m.body_case = GRIDCASE__DEPT_CLIENT_MSG__BODY_ACK;
    m.ack = &ack;
    send_msg(self, &m);
}

/* Sends a request and waits for the reply carrying its id; deliveries meanwhile are queued. */
static int request(gc_dept_client_t *self, Gridcase__DeptClientMsg *m, const char *request_id,
                   int timeout_ms, char *ref, size_t reflen, char *err, int errlen)
{
    send_msg(self, m);
    long sent = gc_clock_monotonic_ms(), deadline = sent + timeout_ms;
    for (long left; (left = deadline - gc_clock_monotonic_ms()) >= 0;) {
        if (gc_clock_monotonic_ms() - sent >= RESEND_MS) {
            send_msg(self, m);
            sent = gc_clock_monotonic_ms();
        }
        Gridcase__DeptServerMsg *r = receive(self, left > 200 ? 200 : (int)left);
        if (!r)
            continue;
        if (r->body_case == GRIDCASE__DEPT_SERVER_MSG__BODY_DELIVERY) {
            keep(self, r);
            continue;
        }
        int rc = -2; /* not ours: keep waiting */
        if (r->body_case == GRIDCASE__DEPT_SERVER_MSG__BODY_REPLY
            && strcmp(r->reply->request_id, request_id) == 0) {
            rc = r->reply->error ? (int)r->reply->error->code : 0;
            if (r->reply->error)
                snprintf(err, errlen, "%s", r->reply->error->message);
            else if (ref)
                snprintf(ref, reflen, "%s", r->reply->case_ref);
        } else if (r->body_case == GRIDCASE__DEPT_SERVER_MSG__BODY_ERROR) {
            rc = (int)r->error->code;
            snprintf(err, errlen, "%s", r->error->message);
        }
        gridcase__dept_server_msg__free_unpacked(r, NULL);
        if (rc != -2)
            return rc;
    }
    snprintf(err, errlen, "no reply from routing");
    return -1;
}

static int act(gc_dept_client_t *self, const char *case_ref, int kind, const char *note,
               uint32_t extension_hours, int timeout_ms, char *err, int errlen)
{
    char request_id[48];
    if (self->pending_kind == kind && strcmp(self->pending_ref, case_ref) == 0)
        snprintf(request_id, sizeof request_id, "%s", self->pending_id);
    else
        snprintf(request_id, sizeof request_id, "act-%016llx-%lu", self->instance,
                 ++self->next_request);
    Gridcase__DeptClientMsg m = GRIDCASE__DEPT_CLIENT_MSG__INIT;
    Gridcase__DeptAction a = GRIDCASE__DEPT_ACTION__INIT;
    a.request_id = request_id;
    a.case_ref = (char *)case_ref;
    a.kind = (Gridcase__DeptActionKind)kind;
    a.note = (char *)(note ? note : "");
    a.extension_hours = extension_hours;
    m.body_case = GRIDCASE__DEPT_CLIENT_MSG__BODY_ACTION;
    m.action = &a;
    int rc = request(self, &m, request_id, timeout_ms, NULL, 0, err, errlen);
    self->pending_kind = 0;
    if (rc == -1 || rc == GRIDCASE__ERROR_CODE__ERROR_CODE_UNAVAILABLE) {
        self->pending_kind = kind;
        snprintf(self->pending_id, sizeof self->pending_id, "%s", request_id);
        snprintf(self->pending_ref, sizeof self->pending_ref, "%s", case_ref);
    }
    return rc;
}

int gc_dept_client_act(gc_dept_client_t *self, const char *case_ref, int kind, const char *note,
                       int timeout_ms, char *err, int errlen)
{
    return act(self, case_ref, kind, note, 0, timeout_ms, err, errlen);
}

int gc_dept_client_request_extension(gc_dept_client_t *self, const char *case_ref,
                                     uint32_t hours, const char *reason, int timeout_ms,
                                     char *err, int errlen)
{
    return act(self, case_ref, GRIDCASE__DEPT_ACTION_KIND__DEPT_ACTION_KIND_REQUEST_EXTENSION,
               reason, hours, timeout_ms, err, errlen);
}

int gc_dept_client_inspect(gc_dept_client_t *self, Gridcase__SubmitCase *report, int timeout_ms,
                           char *ref, size_t reflen, char *err, int errlen)
{
    char request_id[48];
    snprintf(request_id, sizeof request_id, "inspect-%016llx-%lu", self->instance,
             ++self->next_request);
    Gridcase__DeptClientMsg m = GRIDCASE__DEPT_CLIENT_MSG__INIT;
    Gridcase__InspectionReport r = GRIDCASE__INSPECTION_REPORT__INIT;
    r.request_id = request_id;
    r.report = report;
    m.body_case = GRIDCASE__DEPT_CLIENT_MSG__BODY_INSPECTION;
    m.inspection = &r;
    return request(self, &m, request_id, timeout_ms, ref, reflen, err, errlen);
}
