/* gc_pg_array: an array literal grown in one buffer, doubling when full; the first allocation
 * failure marks it failed and every later call does nothing, so callers check once, at the end. */
#include "gc_pg_array.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void array_put(gc_pg_array_t *a, const char *bytes, size_t n)
{
    if (a->failed)
        return;
    if (a->len + n + 1 > a->cap) {
        size_t cap = a->cap ? a->cap : 256;
        while (cap < a->len + n + 1)
            cap *= 2;
        char *text = realloc(a->text, cap);
        if (!text) {
            a->failed = true;
            return;
        }
        a->text = text;
        a->cap = cap;
    }
    memcpy(a->text + a->len, bytes, n);
    a->len += n;
    a->text[a->len] = '\0';
}

/* The opening brace before the first element, a comma before every other. */
static void array_next(gc_pg_array_t *a)
{
    array_put(a, a->len ? "," : "{", 1);
}

void gc_pg_array_text(gc_pg_array_t *a, const char *value)
{
    array_next(a);
    if (!value) {
        array_put(a, "NULL", 4);
        return;
    }
    array_put(a, "\"", 1);
    for (const char *run = value; *run;) {
        size_t n = strcspn(run, "\"\\");
        array_put(a, run, n);
        run += n;
        if (*run) {
            char escaped[2] = {'\\', *run++};
            array_put(a, escaped, 2);
        }
    }
    array_put(a, "\"", 1);
}

void gc_pg_array_int64s(gc_pg_array_t *a, const int64_t *v, int n)
{
    array_next(a);
    array_put(a, "{", 1);
    for (int k = 0; k < n; k++) {
        char number[24];
        int len = snprintf(number, sizeof number, "%s%" PRId64, k ? "," : "", v[k]);
        array_put(a, number, (size_t)len);
    }
    array_put(a, "}", 1);
}

void gc_pg_array_int64(gc_pg_array_t *a, int64_t value)
{
    char number[24];
    int len = snprintf(number, sizeof number, "%" PRId64, value);
    array_next(a);
    array_put(a, number, (size_t)len);
}

const char *gc_pg_array_end(gc_pg_array_t *a)
{
    if (!a->len)
        array_put(a, "{", 1);
    array_put(a, "}", 1);
    return a->failed ? NULL : a->text;
}

void gc_pg_array_free(gc_pg_array_t *a)
{
    free(a->text);
    *a = (gc_pg_array_t){0};
}
