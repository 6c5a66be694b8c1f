/* dept_send: a routing id frame, then the packed message, on the department socket. */
#include "dept_send.h"

#include "gc_msg.h"

int dept_send(void *router, const void *id, size_t size, Gridcase__DeptServerMsg *m)
{
    if (gc_msg_send_frame(router, id, size, true, ZMQ_DONTWAIT) != 0)
        return -1;
    return gc_msg_send_proto(router, &m->base, ZMQ_DONTWAIT);
}

void dept_send_error(void *router, const void *id, size_t size, int code, const char *why)
{
    Gridcase__DeptServerMsg m = GRIDCASE__DEPT_SERVER_MSG__INIT;
    Gridcase__Error e = GRIDCASE__ERROR__INIT;
    e.code = (Gridcase__ErrorCode)code;
    e.message = (char *)why;
    m.body_case = GRIDCASE__DEPT_SERVER_MSG__BODY_ERROR;
    m.error = &e;
    dept_send(router, id, size, &m);
}
