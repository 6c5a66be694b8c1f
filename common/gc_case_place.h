/* gc_case_place: which area holds a submission: the grid it names, else the area whose
 * boundary holds its location, else the street office it names. */
#ifndef GC_CASE_PLACE_H
#define GC_CASE_PLACE_H

#include "gc_case_check.h"
#include "gc_geo.h"
#include "intake.pb-c.h"

/* Where a submission belongs, or why it belongs nowhere. */
typedef struct {
    int error;       /* Gridcase__ErrorCode, 0 when placed */
    const char *why; /* for an error */
    char area[GC_CASE_MAX_CODE + 1]; /* the grid, or the street whose triage queue takes it */
    char grid[GC_CASE_MAX_CODE + 1]; /* the area when it is a grid, else "" */
    int level;                       /* Gridcase__Level of the area */
} gc_place_t;

/* The area of a submission, or a refusal: a grid that is not one, a location outside the
 * district, a street that is not a street office's. areas: the district's boundaries. */
gc_place_t gc_case_place(const gc_area_index_t *areas, const Gridcase__SubmitCase *s);

#endif
