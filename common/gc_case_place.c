/* gc_case_place: a look-up in the district's area index, in memory: no database. */
#include "gc_case_place.h"

#include <stdio.h>

gc_place_t gc_case_place(const gc_area_index_t *areas, const Gridcase__SubmitCase *s)
{
    gc_place_t out = {0};
    int *level = &out.level;
    const char *area;
    if (s->grid && *s->grid) {
        *level = gc_area_index_level(areas, s->grid);
        if (*level != GRIDCASE__LEVEL__LEVEL_GRID) {
            out.error = GRIDCASE__ERROR_CODE__ERROR_CODE_UNKNOWN_GRID;
            out.why = *level ? "this area is not a grid; name one of its grids"
                              : "no area has this code";
            return out;
        }
        area = s->grid;
    } else if (s->location) {
        area = gc_area_index_locate(areas, s->location->lon, s->location->lat, level);
        if (!area) {
            out.error = GRIDCASE__ERROR_CODE__ERROR_CODE_OUTSIDE_DISTRICT;
            out.why = "the location is outside the district";
            return out;
        }
    } else {
        *level = gc_area_index_level(areas, s->street);
        if (*level != GRIDCASE__LEVEL__LEVEL_STREET) {
            out.error = GRIDCASE__ERROR_CODE__ERROR_CODE_INVALID_ARGUMENT;
            out.why = "street must be a street office's area code";
            return out;
        }
        area = s->street;
    }
    snprintf(out.area, sizeof out.area, "%s", area);
    if (*level == GRIDCASE__LEVEL__LEVEL_GRID)
        snprintf(out.grid, sizeof out.grid, "%s", out.area);
    return out;
}
