/* gc_case_place: which area holds a submission: the grid it names, else the area whose
 * boundary holds its location, else the street office it names. */
#ifndef GC_CASE_PLACE_H
#define GC_CASE_PLACE_H

#include "gc_case.h"
#include "gc_geo.h"

/* Sets out->area (and out->grid when that area is a grid) and *level (Gridcase__Level), or a
 * refusal in out->error and out->why: a grid that is not one, a location outside the district,
 * a street that is not a street office's. areas: the district's boundaries. */
void gc_case_place(const gc_area_index_t *areas, const Gridcase__SubmitCase *s,
                   gc_submit_result_t *out, int *level);

#endif
