/* libFuzzer target: the intake request decoder and validator (services/intake/intake_decode.c),
 * which sees every byte a client sends before anything touches the database.
 * Run: make fuzz FUZZ_SECONDS=60. Seeds: tests/fuzz/corpus/intake (see README.md there). */
#include "intake_decode.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int error;
    const char *why = NULL;
    char why_buf[GC_CASE_WHY_SIZE];
    Gridcase__IntakeRequest *r = intake_decode(data, size, &error, &why, why_buf);
    /* every refusal must explain itself: the reply carries the sentence */
    if (error && !why)
        __builtin_trap();
    if (r)
        gridcase__intake_request__free_unpacked(r, NULL);
    return 0;
}
