/* intake_decode: turns the body frame of an intake request into a message and checks every
 * field that can be checked without the database. Pure and self-contained, so that a fuzzer
 * can drive it (tests/fuzz/fuzz_intake.c). */
#ifndef INTAKE_DECODE_H
#define INTAKE_DECODE_H

#include "gc_case_check.h"
#include "intake.pb-c.h"

#include <stddef.h>

/* Returns the decoded request, or NULL when the bytes are not an IntakeRequest (or its
 * request_id is not text that can be echoed). *error is 0
 * when the request may go to the database, else a Gridcase__ErrorCode with *why (which may point
 * into why_buf, so keep it as long as *why); a request is
 * returned even when invalid, so that the reply can echo its request_id. Free the result with
 * gridcase__intake_request__free_unpacked. */
Gridcase__IntakeRequest *intake_decode(const void *data, size_t size, int *error,
                                       const char **why, char why_buf[GC_CASE_WHY_SIZE]);

#endif
