/* gc_geo: point-in-polygon over lon/lat rings, as used to file a case under the grid that holds
 * its location. (The area index itself is exercised against PostgreSQL in t_intake.sh.) */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "gc_geo.h"

/* 映月路社区第五网格 in the demo district: an axis-aligned rectangle */
static const double grid5[] = {113.7346, 34.7314, 113.74, 34.7314, 113.74, 34.7342, 113.7346, 34.7342};

/* an L-shaped (concave) ring: the notch at the top right is outside */
static const double ell[] = {0, 0, 4, 0, 4, 2, 2, 2, 2, 4, 0, 4};

static void test_rectangle(void **state)
{
    (void)state;
    assert_true(gc_geo_ring_contains(grid5, 4, 113.737, 34.733));
    assert_false(gc_geo_ring_contains(grid5, 4, 113.737, 34.735));  /* north of it */
    assert_false(gc_geo_ring_contains(grid5, 4, 113.7345, 34.733)); /* just west */
    assert_false(gc_geo_ring_contains(grid5, 4, 113.7401, 34.733)); /* just east */
}

static void test_concave(void **state)
{
    (void)state;
    assert_true(gc_geo_ring_contains(ell, 6, 1, 1));
    assert_true(gc_geo_ring_contains(ell, 6, 1, 3));
    assert_true(gc_geo_ring_contains(ell, 6, 3, 1));
    assert_false(gc_geo_ring_contains(ell, 6, 3, 3)); /* in the notch */
    assert_false(gc_geo_ring_contains(ell, 6, -1, 1));
    assert_false(gc_geo_ring_contains(ell, 6, 5, 5));
}

static void test_shared_edge_belongs_to_one_side(void **state)
{
    (void)state;
    /* two grids sharing the edge lon = 1: a point on it lands in exactly one of them */
    const double west[] = {0, 0, 1, 0, 1, 1, 0, 1};
    const double east[] = {1, 0, 2, 0, 2, 1, 1, 1};
    int hits = gc_geo_ring_contains(west, 4, 1, 0.5) + gc_geo_ring_contains(east, 4, 1, 0.5);
    assert_int_equal(hits, 1);
}

static void test_degenerate(void **state)
{
    (void)state;
    const double line[] = {0, 0, 1, 1};
    assert_false(gc_geo_ring_contains(line, 2, 0.5, 0.5));
    assert_false(gc_geo_ring_contains(line, 0, 0.5, 0.5));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rectangle),
        cmocka_unit_test(test_concave),
        cmocka_unit_test(test_shared_edge_belongs_to_one_side),
        cmocka_unit_test(test_degenerate),
    };
    return cmocka_run_group_tests_name("gc_geo", tests, NULL, NULL);
}
