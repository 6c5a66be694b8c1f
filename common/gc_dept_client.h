/* gc_dept_client: the C client of the department socket, for departments' own programs and for
 * gridctl dept. Connects with the department's CURVE key, subscribes, hands out each delivery
 * once (dropping the resends that follow a reconnect), acknowledges what the caller has taken,
 * keeps the subscription alive, and sends actions and inspection reports, waiting for their
 * replies. The protocol underneath is documented in proto/README.md. */
#ifndef GC_DEPT_CLIENT_H
#define GC_DEPT_CLIENT_H

#include "dept.pb-c.h"
#include "gc_monitor.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct gc_dept_client gc_dept_client_t;

/* url: routing's department socket; server_key: routing's CURVE public key (Z85); key_file: the
 * department's secret key file. NULL with a message in err on failure. */
gc_dept_client_t *gc_dept_client_new(const char *url, const char *server_key,
                                     const char *key_file, char *err, int errlen);
void gc_dept_client_destroy(gc_dept_client_t **self);

/* What the connection to routing went through so far (gc_monitor): READY once routing accepted
 * the key; AUTH_REFUSED, HANDSHAKE_FAILED or UNREACHABLE say why nothing comes. Does not wait. */
gc_monitor_state_t gc_dept_client_connection(gc_dept_client_t *self);

/* Subscribes: deliveries after `after` (or, with from_acked, after the last acknowledged one),
 * at most credit (1..1000) unacknowledged at a time. */
void gc_dept_client_subscribe(gc_dept_client_t *self, uint64_t after, bool from_acked,
                              uint32_t credit);

/* Waits up to timeout_ms for the next new delivery. 1: *msg holds it in (*msg)->delivery (free
 * with gridcase__dept_server_msg__free_unpacked); 0: none yet; -1: routing refused the
 * subscription (reason in err). */
int gc_dept_client_next(gc_dept_client_t *self, int timeout_ms, Gridcase__DeptServerMsg **msg,
                        char *err, int errlen);

/* Confirms every delivery up to seq: call once the deliveries are durably taken. */
void gc_dept_client_ack(gc_dept_client_t *self, uint64_t seq);

/* An action (Gridcase__DeptActionKind) on a case, waiting up to timeout_ms for the reply and
 * sending it again (same request_id) every 1.5 s meanwhile. 0 on success, else a
 * Gridcase__ErrorCode (or -1: no reply) with the reason in err. After -1 or UNAVAILABLE, call it
 * again for the same case and kind: it goes out under the same request_id, so routing applies
 * it at most once and answers with the first outcome if it was applied. */
int gc_dept_client_act(gc_dept_client_t *self, const char *case_ref, int kind, const char *note,
                       int timeout_ms, char *err, int errlen);

/* Asks for hours more handling time (1..720) on a case this department leads, with a reason;
 * the level's leader decides. Same return values as gc_dept_client_act. */
int gc_dept_client_request_extension(gc_dept_client_t *self, const char *case_ref,
                                     uint32_t hours, const char *reason, int timeout_ms,
                                     char *err, int errlen);

/* A problem found on inspection (two-way reporting); the new case's reference in ref. Same
 * return values as gc_dept_client_act. */
int gc_dept_client_inspect(gc_dept_client_t *self, Gridcase__SubmitCase *report, int timeout_ms,
                           char *ref, size_t reflen, char *err, int errlen);

#endif
