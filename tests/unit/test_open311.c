/* Unit tests for gc-open311's parsers and writer (services/open311/open311_parse.c,
 * open311_write.c): paths and format suffixes, form-encoded and JSON bodies (with what must be
 * refused), comma lists, W3C datetimes, numbers, and the XML writer's escaping and shape. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "open311_parse.h"
#include "open311_write.h"

static void test_paths(void **state)
{
    (void)state;
    open311_path_t p;
    open311_path("/open311/v2/services.json", &p);
    assert_int_equal(p.what, OPEN311_SERVICES);
    assert_int_equal(p.format, OPEN311_JSON);
    assert_false(p.bad_format);
    open311_path("/open311/v2/requests", &p); /* no suffix: XML, the spec's default */
    assert_int_equal(p.what, OPEN311_REQUESTS);
    assert_int_equal(p.format, OPEN311_XML);
    open311_path("/open311/v2/requests/GC-00000042.xml", &p);
    assert_int_equal(p.what, OPEN311_REQUEST);
    assert_string_equal(p.id, "GC-00000042");
    open311_path("/open311/v2/services/drain_cover.json", &p);
    assert_int_equal(p.what, OPEN311_SERVICE);
    assert_string_equal(p.id, "drain_cover");
    open311_path("/open311/v2/discovery.json", &p);
    assert_int_equal(p.what, OPEN311_DISCOVERY);
    open311_path("/open311/v2/requests.csv", &p);
    assert_int_equal(p.what, OPEN311_REQUESTS);
    assert_true(p.bad_format);
    open311_path("/open311/v2/requests/GC-1.html", &p);
    assert_true(p.bad_format);
    /* what names nothing */
    const char *none[] = {"/", "/open311/v2/", "/open311/v2/other.json", "/open311/v1/services.json",
                          "/open311/v2/requests/.json", "/open311/v2/requests/a/b.json",
                          "/open311/v2/cases/1.json", "/open311/v2/servicesx.json"};
    for (size_t i = 0; i < sizeof none / sizeof none[0]; i++) {
        open311_path(none[i], &p);
        assert_int_equal(p.what, OPEN311_NOT_FOUND);
    }
    char long_id[200] = "/open311/v2/requests/";
    memset(long_id + strlen(long_id), 'x', OPEN311_MAX_ID + 1);
    open311_path(long_id, &p);
    assert_int_equal(p.what, OPEN311_NOT_FOUND);
}

static void test_form(void **state)
{
    (void)state;
    open311_params_t p;
    const char *body = "api_key=k1&description=%E4%BA%95%E7%9B%96+%E7%A0%B4%E6%8D%9F&lat=34.7"
                       "&empty=&flag&&api_key=second";
    assert_int_equal(open311_form_parse(body, strlen(body), &p), OPEN311_PARSE_OK);
    assert_string_equal(open311_param(&p, "api_key"), "k1"); /* the first wins */
    assert_string_equal(open311_param(&p, "description"), "井盖 破损");
    assert_string_equal(open311_param(&p, "empty"), "");
    assert_string_equal(open311_param(&p, "flag"), "");
    assert_null(open311_param(&p, "long"));
    open311_params_free(&p);
    assert_int_equal(open311_form_parse("", 0, &p), OPEN311_PARSE_OK);
    assert_int_equal(p.count, 0);
    open311_params_free(&p);
    /* refused: bad escapes, NUL, invalid UTF-8, an empty key */
    const char *bad[] = {"a=%ZZ", "a=%4", "a=%", "a=%00", "a=%FF%FE", "a=%C0%AF", "=v",
                         "a=%ED%A0%80"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(open311_form_parse(bad[i], strlen(bad[i]), &p), OPEN311_PARSE_MALFORMED);
    /* the length is what counts, not a NUL inside */
    assert_int_equal(open311_form_parse("a=b\0c", 5, &p), OPEN311_PARSE_MALFORMED);
}

static void test_json(void **state)
{
    (void)state;
    open311_params_t p;
    const char *body = "{\"api_key\": \"k\", \"lat\": 34.75, \"n\": 3, \"b\": true, \"x\": null, "
                       "\"description\": \"路灯\\n不亮\", \"attribute\": {\"a\": 1}}";
    assert_int_equal(open311_json_parse(body, strlen(body), &p), OPEN311_PARSE_OK);
    assert_string_equal(open311_param(&p, "api_key"), "k");
    assert_true(strtod(open311_param(&p, "lat"), NULL) == 34.75);
    assert_string_equal(open311_param(&p, "n"), "3");
    assert_string_equal(open311_param(&p, "b"), "true");
    assert_null(open311_param(&p, "x"));         /* null is left out */
    assert_null(open311_param(&p, "attribute")); /* skipped: no service has attributes */
    assert_string_equal(open311_param(&p, "description"), "路灯\n不亮");
    open311_params_free(&p);
    const char *bad[] = {"", "[]", "\"x\"", "{", "{\"a\": [1]}", "{\"a\": {\"b\": 1}}",
                         "{\"a\": 1, \"a\": 2}", "{\"a\": \"\\u0000\"}", "{\"a\": \"\xff\"}",
                         "{\"a\": 1} x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(open311_json_parse(bad[i], strlen(bad[i]), &p), OPEN311_PARSE_MALFORMED);
}

static void test_list(void **state)
{
    (void)state;
    char buf[128];
    const char *items[4];
    assert_int_equal(open311_list("GC-1, GC-2 ,GC-3", buf, items, 4), 3);
    assert_string_equal(items[0], "GC-1");
    assert_string_equal(items[1], "GC-2");
    assert_string_equal(items[2], "GC-3");
    assert_int_equal(open311_list("a", buf, items, 4), 1);
    assert_int_equal(open311_list("", buf, items, 4), -1);
    assert_int_equal(open311_list("a,,b", buf, items, 4), -1);
    assert_int_equal(open311_list("a,", buf, items, 4), -1);
    assert_int_equal(open311_list("a,b,c,d,e", buf, items, 4), -1); /* more than max */
}

static void test_datetime(void **state)
{
    (void)state;
    const char *good[] = {"2026-12-01", "2026-12-01T08:30", "2026-12-01T08:30:15",
                          "2026-12-01T08:30:15Z", "2026-12-01T08:30:15+08:00",
                          "2026-12-01T08:30:15.123-05:30", "2024-02-29T00:00:00Z"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        assert_true(open311_datetime(good[i]));
    const char *bad[] = {"", "yesterday", "2026-13-01", "2026-02-30", "2025-02-29",
                         "2026-12-01T24:00", "2026-12-01T08:60", "2026-12-01 08:30",
                         "2026-12-01T08:30:15+0800", "2026-12-01T08:30:15Zx",
                         "2026-12-01T08:30:15.", "1969-12-31", "2026-12-1", "2026-12-01T08:30:15+15:00"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(open311_datetime(bad[i]));
}

static void test_number(void **state)
{
    (void)state;
    double v;
    assert_true(open311_number("34.778", &v));
    assert_true(v == 34.778);
    assert_true(open311_number("-1e-3", &v));
    assert_false(open311_number("", &v));
    assert_false(open311_number("nan", &v));
    assert_false(open311_number("inf", &v));
    assert_false(open311_number("0x10", &v));
    assert_false(open311_number(" 1", &v));
    assert_false(open311_number("1e999", &v));
    assert_false(open311_number("1.2.3", &v));
}

static void test_xml_writer(void **state)
{
    (void)state;
    json_t *doc = json_pack("[{s:s, s:n, s:b, s:f, s:[s,s]}]", "text", "a<b>&\"c'\x01\x1f\td",
                            "none", "flag", 1, "num", 34.5, "formats", "x", "y");
    size_t len;
    char *xml = open311_render(doc, OPEN311_XML, "things", "thing", &len);
    assert_non_null(xml);
    assert_int_equal(strlen(xml), len);
    assert_string_equal(xml, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<things><thing>"
                             "<text>a&lt;b&gt;&amp;&quot;c&apos;\td</text><none/>"
                             "<flag>true</flag><num>34.5000000</num>"
                             "<formats><format>x</format><format>y</format></formats>"
                             "</thing></things>\n");
    free(xml);
    char *json = open311_render(doc, OPEN311_JSON, "things", "thing", &len);
    assert_non_null(json);
    assert_non_null(strstr(json, "\"none\":null"));
    free(json);
    json_decref(doc);
    char *err = open311_render_error(OPEN311_JSON, 403, "api_key: unknown", &len);
    assert_string_equal(err, "[{\"code\":403,\"description\":\"api_key: unknown\"}]");
    free(err);
    err = open311_render_error(OPEN311_XML, 404, "x", &len);
    assert_non_null(strstr(err, "<errors><error><code>404</code><description>x</description>"
                                "</error></errors>"));
    free(err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_paths),    cmocka_unit_test(test_form),
        cmocka_unit_test(test_json),     cmocka_unit_test(test_list),
        cmocka_unit_test(test_datetime), cmocka_unit_test(test_number),
        cmocka_unit_test(test_xml_writer),
    };
    return cmocka_run_group_tests_name("open311", tests, NULL, NULL);
}
