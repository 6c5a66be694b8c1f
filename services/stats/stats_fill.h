/* stats_fill: a protobuf message of proto/stats.proto filled from one row of a view of
 * deploy/schema/functions/statistics_views.sql, field by field, by name: the field `closed`
 * from the column "closed". So a figure has one name in the stream and in the views, and the
 * stream carries exactly what the views define (rates, quantiles, the leader's row); gc-stats
 * computes no figure of its own.
 *
 * By field type:
 *   integer, double, string: the column of the field's name (NULL reads as 0 or "");
 *   an enum: the column's word, e.g. "grid" for LEVEL_GRID, "in_progress" for
 *     CASE_STATUS_IN_PROGRESS (unknown words read as 0);
 *   repeated integer: an array column ("{1,2,3}");
 *   Rate "<x>_of_<y>_rate": the column of that name is the percent; x and y are the
 *     numerator's and the denominator's columns; the field stays unset when the percent is
 *     NULL (the denominator is 0);
 *   Seconds "<f>": the columns <f>_cases, <f>_mean, <f>_median, <f>_p90; unset when
 *     <f>_cases is NULL (nothing measured).
 * Other message fields are left to the caller. A prefix, e.g. "leader_", is put before every
 * column name. */
#ifndef STATS_FILL_H
#define STATS_FILL_H

#include <libpq-fe.h>
#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>
#include <stddef.h>

/* The allocations of the messages filled for one snapshot, freed together once it is sent.
 * Start from {0}. */
typedef struct {
    void **items;
    size_t count, capacity;
    bool failed; /* an allocation failed: the snapshot is not sent */
} stats_arena_t;
void *stats_arena_alloc(stats_arena_t *a, size_t size);
void stats_arena_free(stats_arena_t *a);

/* Fills m from row `row` of r. */
void stats_fill(ProtobufCMessage *m, const PGresult *r, int row, const char *prefix,
                stats_arena_t *a);

/* Adds row `row`'s values to m's integer fields (a sum over rows); other fields untouched. */
void stats_fill_add(ProtobufCMessage *m, const PGresult *r, int row, const char *prefix);

/* The name of the first field of d that r has no column for (the columns named above), or
 * NULL when every field has its columns. Message fields of other types and repeated messages
 * are the caller's and not checked. A view that lost a column, or a field added to the .proto
 * without its column, is found when gc-stats starts. */
const char *stats_fill_missing(const ProtobufCMessageDescriptor *d, const PGresult *r,
                               const char *prefix);

#endif
