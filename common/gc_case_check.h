/* gc_case_check: what a case's fields from outside must be, checked without the database: the
 * bounds on their text, and whole submissions and diary entries as they arrive on the wire. Pure,
 * so that the decoders a fuzzer drives (intake_decode, dept_decode) can call it. */
#ifndef GC_CASE_CHECK_H
#define GC_CASE_CHECK_H

#include "intake.pb-c.h"

/* Bounds on text from outside, in bytes. */
#define GC_CASE_MAX_KEY 128
#define GC_CASE_MAX_CODE 64
#define GC_CASE_MAX_TEXT 4000
#define GC_CASE_MAX_ADDRESS 500
#define GC_CASE_MAX_NAME 100
#define GC_CASE_MAX_PHONE 32

/* Checks a submission's fields without the database. Returns 0 or an error code, with *why. */
int gc_case_check_submit(const Gridcase__SubmitCase *s, const char **why);

/* Checks a diary entry's fields. Returns 0 or an error code, with *why. */
int gc_case_check_diary(const Gridcase__DiaryEntry *d, const char **why);

#endif
