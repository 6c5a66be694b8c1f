/* gc_geo: ray casting over rings, and an in-memory index of the district's areas. */
#include "gc_geo.h"

#include "gc_log.h"
#include "gc_names.h"
#include "gc_pg.h"
#include "common.pb-c.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

bool gc_geo_ring_contains(const double *ring, int n, double lon, double lat)
{
    bool inside = false;
    for (int i = 0, j = n - 1; i < n; j = i++) {
        double xi = ring[2 * i], yi = ring[2 * i + 1], xj = ring[2 * j], yj = ring[2 * j + 1];
        if ((yi > lat) != (yj > lat) && lon < (xj - xi) * (lat - yi) / (yj - yi) + xi)
            inside = !inside;
    }
    return inside;
}

typedef struct {
    char *code;
    int level;
    double *ring; /* NULL when the area has no boundary */
    int npoints;
    double min_lon, min_lat, max_lon, max_lat;
} area_t;

static int by_code(const void *a, const void *b);

struct gc_area_index {
    area_t *areas;
    int count;
};

static bool parse_ring(area_t *a, const char *text)
{
    json_t *b = json_loads(text, 0, NULL);
    size_t n = json_is_array(b) ? json_array_size(b) : 0;
    a->ring = n >= 3 ? malloc(2 * n * sizeof(double)) : NULL;
    for (size_t i = 0; a->ring && i < n; i++) {
        json_t *pt = json_array_get(b, i);
        double lon = json_number_value(json_array_get(pt, 0));
        double lat = json_number_value(json_array_get(pt, 1));
        a->ring[2 * i] = lon;
        a->ring[2 * i + 1] = lat;
        if (i == 0 || lon < a->min_lon)
            a->min_lon = lon;
        if (i == 0 || lon > a->max_lon)
            a->max_lon = lon;
        if (i == 0 || lat < a->min_lat)
            a->min_lat = lat;
        if (i == 0 || lat > a->max_lat)
            a->max_lat = lat;
    }
    a->npoints = a->ring ? (int)n : 0;
    json_decref(b);
    return a->ring != NULL;
}

gc_area_index_t *gc_area_index_load(PGconn *db)
{
    PGresult *res = gc_pg_query(db, "load areas", "SELECT code, level, boundary FROM areas", 0,
                                NULL);
    if (!gc_pg_ok(res)) {
        PQclear(res);
        return NULL;
    }
    gc_area_index_t *self = calloc(1, sizeof *self);
    self->count = PQntuples(res);
    self->areas = calloc((size_t)self->count + 1, sizeof(area_t));
    for (int i = 0; i < self->count; i++) {
        area_t *a = &self->areas[i];
        a->code = strdup(PQgetvalue(res, i, 0));
        a->level = gc_level_value(PQgetvalue(res, i, 1));
        if (!PQgetisnull(res, i, 2) && !parse_ring(a, PQgetvalue(res, i, 2)))
            gc_log_warn("area %s: boundary is not a ring of [lon, lat] points; ignored", a->code);
    }
    PQclear(res);
    qsort(self->areas, (size_t)self->count, sizeof(area_t), by_code); /* for bsearch by code */
    return self;
}

void gc_area_index_destroy(gc_area_index_t **self)
{
    if (!*self)
        return;
    for (int i = 0; i < (*self)->count; i++) {
        free((*self)->areas[i].code);
        free((*self)->areas[i].ring);
    }
    free((*self)->areas);
    free(*self);
    *self = NULL;
}

static const area_t *find_at_level(const gc_area_index_t *self, int level, double lon, double lat)
{
    for (int i = 0; i < self->count; i++) {
        const area_t *a = &self->areas[i];
        if (a->level == level && a->ring && lon >= a->min_lon && lon <= a->max_lon
            && lat >= a->min_lat && lat <= a->max_lat
            && gc_geo_ring_contains(a->ring, a->npoints, lon, lat))
            return a;
    }
    return NULL;
}

const char *gc_area_index_locate(const gc_area_index_t *self, double lon, double lat, int *level)
{
    /* a grid if one holds the point; else the street, whose triage queue takes the case */
    static const int levels[] = {GRIDCASE__LEVEL__LEVEL_GRID, GRIDCASE__LEVEL__LEVEL_STREET,
                                 GRIDCASE__LEVEL__LEVEL_DISTRICT};
    for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++) {
        const area_t *a = find_at_level(self, levels[i], lon, lat);
        if (a) {
            *level = a->level;
            return a->code;
        }
    }
    *level = 0;
    return NULL;
}

static int by_code(const void *a, const void *b)
{
    return strcmp(((const area_t *)a)->code, ((const area_t *)b)->code);
}

int gc_area_index_level(const gc_area_index_t *self, const char *code)
{
    area_t key = {.code = (char *)code};
    const area_t *a = bsearch(&key, self->areas, (size_t)self->count, sizeof key, by_code);
    return a ? a->level : 0;
}
