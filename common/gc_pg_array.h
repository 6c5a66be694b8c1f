/* gc_pg_array: PostgreSQL array literals built up in memory, to pass a whole batch as one
 * parameter (a value, never SQL text). */
#ifndef GC_PG_ARRAY_H
#define GC_PG_ARRAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Each element is added with one of the calls below, one kind per array: gc_pg_array_text adds
 * a text element, double-quoted with " and \ escaped, so any text goes through as it is (NULL
 * adds a NULL); gc_pg_array_int64 adds a number ({1,2,3}); gc_pg_array_int64s adds a row of
 * numbers, making the array two-dimensional ({{1,0},{0,2}}: every row must have the same
 * length). Start from {0}; gc_pg_array_end closes it once, gc_pg_array_free frees it. */
typedef struct {
    char *text;
    size_t len, cap;
    bool failed; /* out of memory */
} gc_pg_array_t;
void gc_pg_array_text(gc_pg_array_t *a, const char *value);
void gc_pg_array_int64s(gc_pg_array_t *a, const int64_t *v, int n);
/* A number element of a one-dimensional array ({1,2,3}). */
void gc_pg_array_int64(gc_pg_array_t *a, int64_t value);

/* The finished literal ("{}" when empty), or NULL when memory ran out while building it. */
const char *gc_pg_array_end(gc_pg_array_t *a);
void gc_pg_array_free(gc_pg_array_t *a);

#endif
