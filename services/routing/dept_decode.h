/* dept_decode: turns the body frame a department sent on the department socket into a message
 * and checks every field that can be checked without the database. Pure and self-contained, so
 * that a fuzzer can drive it (tests/fuzz/fuzz_dept.c). Who the department is comes from its
 * CURVE key, never from the message, so the messages' department fields are not checked here:
 * the server overwrites them. */
#ifndef DEPT_DECODE_H
#define DEPT_DECODE_H

#include "dept.pb-c.h"
#include "gc_case_check.h"

#include <stddef.h>

/* Returns the decoded message, or NULL when the bytes are not a DeptClientMsg (protobuf-c's
 * leniencies included: a field number 0 or past 2^29 - 1) or it has no body: a protocol
 * error, whose Gridcase__ErrorCode is in *error with the sentence in *why (which may point into
 * why_buf, so keep it as long as *why). For a
 * message returned, *error is 0 when it may go to the database, else (only for an action or an
 * inspection report) the code to reply with, with *why; it is returned all the same so that the
 * reply can echo its request_id. An inspection report's source is set to SOURCE_DEPARTMENT,
 * whatever it claimed. Free the result with gridcase__dept_client_msg__free_unpacked. */
Gridcase__DeptClientMsg *dept_decode(const void *data, size_t size, int *error,
                                     const char **why, char why_buf[GC_CASE_WHY_SIZE]);

#endif
