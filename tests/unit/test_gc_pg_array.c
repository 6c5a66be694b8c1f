/* Unit tests for common/gc_pg_array's array literals (gc_pg_array_*), which carry a whole batch
 * as one parameter (gc-stats' fold: text[] scopes, categories and days, a 2-D bigint[] of
 * deltas). Checked against PostgreSQL's array input syntax: elements double-quoted, with a
 * backslash before " and before a backslash only, so commas, braces, spaces, the word NULL, ""
 * and any UTF-8 go through as text; a NULL pointer is a NULL element; rows of numbers make a
 * two-dimensional array; an empty array is {}. tests/integration/t_stats_batch.sh sends such
 * literals to PostgreSQL. gc_pg itself needs a server (tests/integration). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "gc_pg_array.h"

static void test_empty(void **state)
{
    (void)state;
    gc_pg_array_t a = {0};
    assert_string_equal(gc_pg_array_end(&a), "{}");
    gc_pg_array_free(&a);
    assert_null(a.text);
}

static void test_codes(void **state)
{
    (void)state;
    gc_pg_array_t a = {0};
    gc_pg_array_text(&a, "4101020301");
    gc_pg_array_text(&a, "street_light");
    gc_pg_array_text(&a, "2026-11-28");
    assert_string_equal(gc_pg_array_end(&a), "{\"4101020301\",\"street_light\",\"2026-11-28\"}");
    gc_pg_array_free(&a);
}

/* Inside double quotes PostgreSQL treats only " and \ specially: each gets a backslash. */
static void test_quotes_and_backslashes(void **state)
{
    (void)state;
    gc_pg_array_t a = {0};
    gc_pg_array_text(&a, "say \"hi\"");
    gc_pg_array_text(&a, "C:\\dir\\");
    gc_pg_array_text(&a, "\\\"");
    assert_string_equal(gc_pg_array_end(&a),
                        "{\"say \\\"hi\\\"\",\"C:\\\\dir\\\\\",\"\\\\\\\"\"}");
    gc_pg_array_free(&a);
}

/* Separators, braces, blanks and the word NULL are plain text once quoted. */
static void test_syntax_characters_stay_text(void **state)
{
    (void)state;
    gc_pg_array_t a = {0};
    gc_pg_array_text(&a, "a,b");
    gc_pg_array_text(&a, "{x}");
    gc_pg_array_text(&a, " padded ");
    gc_pg_array_text(&a, "NULL");
    gc_pg_array_text(&a, "");
    gc_pg_array_text(&a, "金水区");
    assert_string_equal(gc_pg_array_end(&a),
                        "{\"a,b\",\"{x}\",\" padded \",\"NULL\",\"\",\"金水区\"}");
    gc_pg_array_free(&a);
}

static void test_null_element(void **state)
{
    (void)state;
    gc_pg_array_t a = {0};
    gc_pg_array_text(&a, NULL);
    gc_pg_array_text(&a, "x");
    assert_string_equal(gc_pg_array_end(&a), "{NULL,\"x\"}");
    gc_pg_array_free(&a);
}

/* Rows of numbers: a two-dimensional array, one row per call, extremes included. */
static void test_rows_of_numbers(void **state)
{
    (void)state;
    gc_pg_array_t a = {0};
    const int64_t first[] = {1, 0, -3}, second[] = {INT64_MAX, INT64_MIN, 0};
    gc_pg_array_int64s(&a, first, 3);
    gc_pg_array_int64s(&a, second, 3);
    assert_string_equal(gc_pg_array_end(&a),
                        "{{1,0,-3},{9223372036854775807,-9223372036854775808,0}}");
    gc_pg_array_free(&a);

    gc_pg_array_int64s(&a, first, 1); /* one row: still two-dimensional, [1:1][1:1] */
    assert_string_equal(gc_pg_array_end(&a), "{{1}}");
    gc_pg_array_free(&a);

    gc_pg_array_int64(&a, 7); /* single numbers: one-dimensional */
    gc_pg_array_int64(&a, INT64_MIN);
    assert_string_equal(gc_pg_array_end(&a), "{7,-9223372036854775808}");
    gc_pg_array_free(&a);
}

/* Growth past the first allocation keeps every element (a batch of 500 entries of 28). */
static void test_large_batch(void **state)
{
    (void)state;
    gc_pg_array_t a = {0};
    int64_t row[28];
    for (int k = 0; k < 28; k++)
        row[k] = 1000000000000LL + k;
    for (int i = 0; i < 500; i++)
        gc_pg_array_int64s(&a, row, 28);
    const char *text = gc_pg_array_end(&a);
    assert_non_null(text);
    size_t rows = 0, commas = 0;
    for (const char *p = text; *p; p++) {
        rows += *p == '{';
        commas += *p == ',';
    }
    assert_int_equal(rows, 1 + 500);
    assert_int_equal(commas, 500 * 27 + 499);
    assert_int_equal(strlen(text), 2 + 500 * (2 + 28 * 13 + 27) + 499);
    assert_string_equal(text + strlen(text) - 5, "027}}");
    gc_pg_array_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_codes),
        cmocka_unit_test(test_quotes_and_backslashes),
        cmocka_unit_test(test_syntax_characters_stay_text),
        cmocka_unit_test(test_null_element),
        cmocka_unit_test(test_rows_of_numbers),
        cmocka_unit_test(test_large_batch),
    };
    return cmocka_run_group_tests_name("gc_pg", tests, NULL, NULL);
}
