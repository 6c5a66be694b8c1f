/* dept_decode: protobuf-c decodes; we check what it does not (field numbers, NUL bytes, UTF-8,
 * lengths). */
#include "dept_decode.h"

#include "gc_case_check.h"
#include "gc_text.h"
#include "gc_wire.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define INVALID GRIDCASE__ERROR_CODE__ERROR_CODE_INVALID_ARGUMENT
#define REQUIRED "request_id, department and case_ref (or report) are required; note <= 4000 bytes"

static int check_action(const Gridcase__DeptAction *a, const char **why,
                        char why_buf[GC_CASE_WHY_SIZE])
{
    if (!gc_text_valid(a->request_id, 64) || !a->case_ref || !*a->case_ref) {
        *why = REQUIRED;
        return INVALID;
    }
    if (!gc_case_check_text("case_ref", a->case_ref, 32, true, NULL, why, why_buf)
        || !gc_case_check_text("note", a->note, GC_CASE_MAX_TEXT, false, NULL, why, why_buf))
        return INVALID;
    return 0;
}

static int check_inspection(Gridcase__InspectionReport *r, const char **why,
                            char why_buf[GC_CASE_WHY_SIZE])
{
    if (!gc_text_valid(r->request_id, 64) || !r->report) {
        *why = REQUIRED;
        return INVALID;
    }
    r->report->source = GRIDCASE__SOURCE__SOURCE_DEPARTMENT; /* whatever it claims */
    return gc_case_check_submit(r->report, why, why_buf);
}

Gridcase__DeptClientMsg *dept_decode(const void *data, size_t size, int *error,
                                     const char **why, char why_buf[GC_CASE_WHY_SIZE])
{
    Gridcase__DeptClientMsg *m = gridcase__dept_client_msg__unpack(NULL, size, data);
    bool nul = false;
    *error = 0;
    if (m && !gc_wire_check(&gridcase__dept_client_msg__descriptor, data, size, &nul)) {
        gridcase__dept_client_msg__free_unpacked(m, NULL);
        m = NULL;
    }
    if (!m) {
        *error = GRIDCASE__ERROR_CODE__ERROR_CODE_MALFORMED;
        *why = "the body is not a DeptClientMsg";
        return NULL;
    }
    switch (m->body_case) {
    case GRIDCASE__DEPT_CLIENT_MSG__BODY_SUBSCRIBE:
    case GRIDCASE__DEPT_CLIENT_MSG__BODY_ACK:
        return m; /* numbers only, checked against the department's position by the server */
    case GRIDCASE__DEPT_CLIENT_MSG__BODY_ACTION:
        *error = check_action(m->action, why, why_buf);
        break;
    case GRIDCASE__DEPT_CLIENT_MSG__BODY_INSPECTION:
        *error = check_inspection(m->inspection, why, why_buf);
        break;
    default:
        gridcase__dept_client_msg__free_unpacked(m, NULL);
        *error = INVALID;
        *why = "empty DeptClientMsg";
        return NULL;
    }
    if (!*error && nul) {
        *error = INVALID;
        *why = "a text field holds a NUL byte";
    }
    return m;
}
