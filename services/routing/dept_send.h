/* dept_send: one message to one department connection on the department socket (ROUTER). */
#ifndef DEPT_SEND_H
#define DEPT_SEND_H

#include "dept.pb-c.h"

#include <stddef.h>

/* Sends m to the connection whose ZeroMQ routing id is id, without waiting: a full queue
 * (EAGAIN) or a connection gone (EHOSTUNREACH under ROUTER_MANDATORY) fails at once. Returns 0,
 * or -1 with errno. */
int dept_send(void *router, const void *id, size_t size, Gridcase__DeptServerMsg *m);

/* Sends an Error (code: a Gridcase__ErrorCode, why: its sentence); a failure is not reported:
 * a connection that cannot take an error cannot take anything else either. */
void dept_send_error(void *router, const void *id, size_t size, int code, const char *why);

#endif
