/* Unit tests for services/board/board_store: what the board's views hold and when a feed is told
 * of a change. Views of a small tree (district, street, two grids), the path and the children;
 * "unknown area" only once a whole round of the stream was seen (a board that joined mid-round
 * cannot tell); a round that repeats the figures moves no generation, a changed figure does;
 * the heartbeat's liveness. The HTTP side runs in tests/integration/t_board.sh and the page in
 * a real browser (tests/board). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <string.h>

#include "board_store.h"

static uint64_t stream_seq;

/* An area snapshot with one window whose reported count is given. */
static void put_area(board_store_t *store, const char *code, const char *parent,
                     Gridcase__Level level, uint64_t reported)
{
    Gridcase__Figures figures = GRIDCASE__FIGURES__INIT;
    figures.reported = reported;
    Gridcase__WindowFigures window = GRIDCASE__WINDOW_FIGURES__INIT;
    window.window = GRIDCASE__STATS_WINDOW__STATS_WINDOW_ALL;
    window.figures = &figures;
    Gridcase__WindowFigures *windows[] = {&window};
    Gridcase__StatsSnapshot s = GRIDCASE__STATS_SNAPSHOT__INIT;
    s.area = (char *)code;
    s.area_name = (char *)code;
    s.parent = (char *)parent;
    s.level = level;
    s.seq = s.stream_seq = ++stream_seq; /* moves every round, as the stream's do */
    s.at_ms = (int64_t)stream_seq * 1000;
    s.n_windows = 1;
    s.windows = windows;
    board_store_put_area(store, &s);
}

static void put_department(board_store_t *store, const char *code)
{
    Gridcase__DepartmentSnapshot d = GRIDCASE__DEPARTMENT_SNAPSHOT__INIT;
    d.department = (char *)code;
    d.department_name = (char *)code;
    d.stream_seq = ++stream_seq;
    board_store_put_department(store, &d);
}

static void heartbeat(board_store_t *store, uint32_t areas, uint32_t departments)
{
    Gridcase__StatsHeartbeat h = GRIDCASE__STATS_HEARTBEAT__INIT;
    h.stream_seq = ++stream_seq;
    h.areas = areas;
    h.departments = departments;
    board_store_put_heartbeat(store, &h);
}

/* A whole round of the tree; grid 41010102 reports `reported` cases. */
static void round_of(board_store_t *store, uint64_t reported)
{
    put_area(store, "4101", "", GRIDCASE__LEVEL__LEVEL_DISTRICT, reported);
    put_area(store, "410101", "4101", GRIDCASE__LEVEL__LEVEL_STREET, reported);
    put_area(store, "41010101", "410101", GRIDCASE__LEVEL__LEVEL_GRID, 0);
    put_area(store, "41010102", "410101", GRIDCASE__LEVEL__LEVEL_GRID, reported);
    put_department(store, "municipal");
    heartbeat(store, 4, 1);
}

/* The view of code, parsed; its status and generation. */
static json_t *view(board_store_t *store, const char *code, unsigned *status, uint64_t *gen)
{
    char *text = board_store_view(store, code, gen, status);
    assert_non_null(text);
    json_t *v = json_loads(text, 0, NULL);
    free(text);
    assert_non_null(v);
    return v;
}

static const char *error_code(json_t *v)
{
    return json_string_value(json_object_get(json_object_get(v, "error"), "code"));
}

static void test_no_area_is_unknown_before_a_whole_round(void **state)
{
    (void)state;
    board_store_t *store = board_store_new();
    unsigned status;
    uint64_t gen;
    json_t *v = view(store, NULL, &status, &gen);
    assert_int_equal(status, 503);
    assert_string_equal(error_code(v), "no_figures_yet");
    json_decref(v);
    /* joined mid-round: one area, then a heartbeat counting four */
    put_area(store, "41010101", "410101", GRIDCASE__LEVEL__LEVEL_GRID, 0);
    heartbeat(store, 4, 1);
    v = view(store, "9999", &status, &gen);
    assert_int_equal(status, 503);
    json_decref(v);
    round_of(store, 1);
    v = view(store, "9999", &status, &gen);
    assert_int_equal(status, 404);
    assert_string_equal(error_code(v), "unknown_area");
    assert_string_equal(json_string_value(json_object_get(json_object_get(v, "error"), "area")),
                        "9999");
    json_decref(v);
    board_store_destroy(&store);
    assert_null(store);
}

static void test_a_view_has_the_path_the_children_and_the_departments(void **state)
{
    (void)state;
    board_store_t *store = board_store_new();
    round_of(store, 3);
    unsigned status;
    uint64_t gen;
    json_t *v = view(store, NULL, &status, &gen); /* the district by default */
    assert_int_equal(status, 200);
    assert_string_equal(json_string_value(json_object_get(json_object_get(v, "area"), "area")), "4101");
    assert_int_equal(json_array_size(json_object_get(v, "path")), 1);
    assert_int_equal(json_array_size(json_object_get(v, "children")), 1);
    assert_int_equal(json_array_size(json_object_get(v, "departments")), 1);
    assert_false(json_is_true(json_object_get(v, "stale")));
    json_decref(v);

    v = view(store, "41010102", &status, &gen);
    assert_int_equal(status, 200);
    json_t *path = json_object_get(v, "path");
    assert_int_equal(json_array_size(path), 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(path, 0), "area")), "4101");
    assert_string_equal(json_string_value(json_object_get(json_array_get(path, 1), "level")), "street");
    assert_string_equal(json_string_value(json_object_get(json_array_get(path, 2), "area")), "41010102");
    assert_int_equal(json_array_size(json_object_get(v, "children")), 0); /* a grid */
    json_decref(v);

    v = view(store, "410101", &status, &gen);
    json_t *children = json_object_get(v, "children");
    assert_int_equal(json_array_size(children), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(children, 0), "area")), "41010101");
    assert_string_equal(json_string_value(json_object_get(json_array_get(children, 1), "parent")), "410101");
    json_decref(v);
    board_store_destroy(&store);
}

static void test_only_a_changed_figure_moves_the_generation(void **state)
{
    (void)state;
    board_store_t *store = board_store_new();
    round_of(store, 3);
    unsigned status;
    uint64_t before, after, other;
    json_decref(view(store, "410101", &status, &before));
    json_decref(view(store, "41010101", &status, &other));
    round_of(store, 3); /* the same figures, new seq and times */
    json_decref(view(store, "410101", &status, &after));
    assert_int_equal(after, before);
    round_of(store, 4); /* a case reported in grid 41010102 */
    json_decref(view(store, "410101", &status, &after));
    assert_true(after > before);
    /* the other grid's own view did not change */
    json_decref(view(store, "41010101", &status, &before));
    assert_int_equal(before, other);

    /* a waiter learns of the change and of each heartbeat */
    uint64_t gen = 0, beats = 0;
    board_store_wait(store, &gen, &beats, 0);
    assert_true(gen >= after);
    assert_int_equal(beats, 3); /* three rounds */
    char *text = board_store_heartbeat(store, &beats);
    assert_non_null(text);
    assert_int_equal(beats, 3); /* three rounds */
    free(text);
    board_store_status_t s = board_store_status(store);
    assert_true(s.live);
    assert_int_equal(s.areas, 4);
    assert_int_equal(s.departments, 1);
    board_store_stop(store);
    assert_true(board_store_stopping(store));
    board_store_destroy(&store);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_area_is_unknown_before_a_whole_round),
        cmocka_unit_test(test_a_view_has_the_path_the_children_and_the_departments),
        cmocka_unit_test(test_only_a_changed_figure_moves_the_generation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
