/* gc_geo: which area of the district a point lies in. Point-in-polygon over the boundaries of
 * the reference data (lon/lat rings), with bounding boxes to skip most polygons. */
#ifndef GC_GEO_H
#define GC_GEO_H

#include <libpq-fe.h>
#include <stdbool.h>

/* True when (lon, lat) lies inside the ring of n points (xy pairs: lon0, lat0, lon1, ...).
 * Even-odd rule; the ring need not repeat its first point. */
bool gc_geo_ring_contains(const double *ring, int n, double lon, double lat);

typedef struct gc_area_index gc_area_index_t;

/* Loads every area that has a boundary. NULL on a database failure (logged). */
gc_area_index_t *gc_area_index_load(PGconn *db);
void gc_area_index_destroy(gc_area_index_t **self);

/* Where a case at this point belongs: the grid containing it; else the street whose outline
 * contains it (its triage queue); else the district. Returns the area's code and sets *level
 * (Gridcase__Level); NULL when the point is outside the district. The string lives as long as
 * the index. */
const char *gc_area_index_locate(const gc_area_index_t *self, double lon, double lat, int *level);

/* The level of an area code, 0 when the code is unknown. */
int gc_area_index_level(const gc_area_index_t *self, const char *code);

#endif
