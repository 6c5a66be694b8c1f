/* gc_case_check: what a case's fields from outside must be, checked without the database: the
 * bounds on their text, and whole submissions and diary entries as they arrive on the wire. Pure,
 * so that the decoders a fuzzer drives (intake_decode, dept_decode) can call it. */
#ifndef GC_CASE_CHECK_H
#define GC_CASE_CHECK_H

#include "intake.pb-c.h"

#include <stdbool.h>
#include <stddef.h>

/* Bounds on text from outside, in bytes. */
#define GC_CASE_MAX_KEY 128
#define GC_CASE_MAX_CODE 64
#define GC_CASE_MAX_TEXT 4000
#define GC_CASE_MAX_ADDRESS 500
#define GC_CASE_MAX_NAME 100
#define GC_CASE_MAX_PHONE 32

/* Room for a refusal that says what is wrong with a field and where (gc_text_explain). */
#define GC_CASE_WHY_SIZE 240

/* Checks one text field from outside: valid (gc_text_valid) within max bytes, and present when
 * required. On a problem returns false with *why: the field's name and what is wrong with it,
 * written into why_buf ("description is not valid UTF-8 at byte 12", "note contains control
 * character U+0007 at byte 3 (newline and tab are the only ones allowed)", "category is longer
 * than 64 bytes"), or missing (required and empty: "NAME is required", then hint when given). */
bool gc_case_check_text(const char *name, const char *value, size_t max, bool required,
                        const char *hint, const char **why, char why_buf[GC_CASE_WHY_SIZE]);

/* Checks a submission's fields without the database. Returns 0 or an error code, with *why
 * (which may point into why_buf). */
int gc_case_check_submit(const Gridcase__SubmitCase *s, const char **why,
                         char why_buf[GC_CASE_WHY_SIZE]);

/* Checks a diary entry's fields. Returns 0 or an error code, with *why (which may point into
 * why_buf). */
int gc_case_check_diary(const Gridcase__DiaryEntry *d, const char **why,
                        char why_buf[GC_CASE_WHY_SIZE]);

#endif
