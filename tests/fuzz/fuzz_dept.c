/* libFuzzer target: the department socket's message decoder and validator
 * (services/routing/dept_decode.c), which sees every byte a department's client sends before
 * anything touches the database. Run: make fuzz FUZZ_SECONDS=60. Seeds: tests/fuzz/corpus/dept,
 * written by tests/fuzz/make_corpus.sh. */
#include "dept_decode.h"

#include "gc_case_check.h"
#include "gc_text.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What the server takes for granted once dept_decode lets a message through to the database. */
static void check_let_through(const Gridcase__DeptClientMsg *m)
{
    if (m->body_case == GRIDCASE__DEPT_CLIENT_MSG__BODY_ACTION) {
        const Gridcase__DeptAction *a = m->action;
        if (!gc_text_valid(a->request_id, 64) || !gc_text_present(a->case_ref, 32)
            || !gc_text_valid(a->note, GC_CASE_MAX_TEXT))
            __builtin_trap();
    } else if (m->body_case == GRIDCASE__DEPT_CLIENT_MSG__BODY_INSPECTION) {
        const Gridcase__InspectionReport *r = m->inspection;
        if (!gc_text_valid(r->request_id, 64) || !r->report
            || r->report->source != GRIDCASE__SOURCE__SOURCE_DEPARTMENT)
            __builtin_trap();
    } else if (m->body_case != GRIDCASE__DEPT_CLIENT_MSG__BODY_SUBSCRIBE
               && m->body_case != GRIDCASE__DEPT_CLIENT_MSG__BODY_ACK) {
        __builtin_trap(); /* an empty message is a protocol error, never returned */
    }
}

/* protobuf-c must read back what it writes of a message it read (1.4.1 has known unpack bugs:
 * a message it half-understood would show here). */
static void check_round_trip(const Gridcase__DeptClientMsg *m)
{
    size_t size = gridcase__dept_client_msg__get_packed_size(m);
    uint8_t *buf = malloc(size ? size : 1);
    if (gridcase__dept_client_msg__pack(m, buf) != size)
        __builtin_trap();
    Gridcase__DeptClientMsg *again = gridcase__dept_client_msg__unpack(NULL, size, buf);
    if (!again || again->body_case != m->body_case)
        __builtin_trap();
    gridcase__dept_client_msg__free_unpacked(again, NULL);
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int error;
    const char *why = NULL;
    char why_buf[GC_CASE_WHY_SIZE];
    Gridcase__DeptClientMsg *m = dept_decode(data, size, &error, &why, why_buf);
    /* every refusal must explain itself: the reply carries the code and the sentence */
    if ((!m || error) && (!error || !why))
        __builtin_trap();
    if (!m)
        return 0;
    if (!error)
        check_let_through(m);
    check_round_trip(m);
    gridcase__dept_client_msg__free_unpacked(m, NULL);
    return 0;
}
