/* Unit tests for common/gc_config: gc_config_parse_long (valid, negative, range edges, junk,
 * empty, overflow) and gc_config_load against the environment (defaults, overrides, empty
 * variables falling back to the default, bad integers refused with the variable's name). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gc_config.h"

/* what gc_config adds to a DSN that does not set them (gc_config.c, liveness) */
#define LIVENESS                                                                               \
    " connect_timeout=2 keepalives_idle=2 keepalives_interval=1 keepalives_count=2"           \
    " tcp_user_timeout=3000 target_session_attrs=read-write"

/* ---- gc_config_parse_long ---------------------------------------------------------------- */

static void test_parse_valid(void **state)
{
    (void)state;
    long v = -1;
    assert_true(gc_config_parse_long("1000", 10, 3600000, &v));
    assert_int_equal(v, 1000);
    assert_true(gc_config_parse_long("0", 0, 5, &v));
    assert_int_equal(v, 0);
}

static void test_parse_negative(void **state)
{
    (void)state;
    long v = 0;
    assert_true(gc_config_parse_long("-42", -100, 100, &v));
    assert_int_equal(v, -42);
    v = 7;
    assert_false(gc_config_parse_long("-1", 0, 100, &v));
    assert_int_equal(v, 7); /* untouched on failure */
}

static void test_parse_range_edges(void **state)
{
    (void)state;
    long v = 0;
    assert_true(gc_config_parse_long("10", 10, 3600000, &v));
    assert_int_equal(v, 10);
    assert_true(gc_config_parse_long("3600000", 10, 3600000, &v));
    assert_int_equal(v, 3600000);
    v = 123;
    assert_false(gc_config_parse_long("9", 10, 3600000, &v));
    assert_false(gc_config_parse_long("3600001", 10, 3600000, &v));
    assert_int_equal(v, 123);
    /* the full range of long */
    assert_true(gc_config_parse_long("9223372036854775807", LONG_MIN, LONG_MAX, &v));
    assert_true(v == LONG_MAX);
}

static void test_parse_junk(void **state)
{
    (void)state;
    long v = 55;
    assert_false(gc_config_parse_long("12x", 0, 1000, &v));
    assert_false(gc_config_parse_long("x12", 0, 1000, &v));
    assert_false(gc_config_parse_long("12 ", 0, 1000, &v));
    assert_false(gc_config_parse_long("1.5", 0, 1000, &v));
    assert_false(gc_config_parse_long("abc", 0, 1000, &v));
    assert_false(gc_config_parse_long("-", 0, 1000, &v));
    assert_int_equal(v, 55);
}

static void test_parse_empty(void **state)
{
    (void)state;
    long v = 55;
    assert_false(gc_config_parse_long("", 0, 1000, &v));
    assert_int_equal(v, 55);
}

static void test_parse_overflow(void **state)
{
    (void)state;
    long v = 55;
    /* strtol clamps to LONG_MAX / LONG_MIN with ERANGE: must not be taken as a value */
    assert_false(gc_config_parse_long("99999999999999999999", LONG_MIN, LONG_MAX, &v));
    assert_false(gc_config_parse_long("-99999999999999999999", LONG_MIN, LONG_MAX, &v));
    assert_int_equal(v, 55);
}

/* ---- gc_config_load ---------------------------------------------------------------------- */

static const char *const all_vars[] = {
    "GC_PG_DSN",         "GC_PG_TIMEOUT_MS",      "GC_INTAKE_BIND",        "GC_INTAKE_URL",        "GC_EVENTS_BIND",
    "GC_EVENTS_URL",     "GC_DEPT_BIND",          "GC_DEPT_URL",          "GC_STATS_BIND",
    "GC_STATS_URL",      "GC_SCHEMA_DIR",         "GC_ESCALATION_TICK_MS", "GC_STATS_INTERVAL_MS",
    "GC_MAX_MESSAGE_BYTES", "GC_ESCALATION_BATCH", "GC_PG_PASSWORD", "GC_PG_PASSWORD_FILE",
    "GC_PG_DSN_FILE", "GC_METRICS_AREA_LEVEL", "LOG_LEVEL", "LOG_FORMAT", "GC_HEALTH_FILE",
};

/* Every load test starts and ends with no GC_* setting in the environment. */
static int clear_env(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof all_vars / sizeof all_vars[0]; i++)
        unsetenv(all_vars[i]);
    return 0;
}

static void test_load_defaults(void **state)
{
    (void)state;
    gc_config_t cfg;
    char err[256] = "";
    assert_true(gc_config_load(&cfg, err, sizeof err));
    assert_string_equal(cfg.pg_dsn, "dbname=gridcase" LIVENESS);
    assert_int_equal(cfg.pg_timeout_ms, 0); /* each daemon's own */
    assert_string_equal(cfg.intake_bind, "tcp://*:7101");
    assert_string_equal(cfg.intake_url, "tcp://127.0.0.1:7101");
    assert_string_equal(cfg.events_bind, "tcp://*:7102");
    assert_string_equal(cfg.events_url, "tcp://127.0.0.1:7102");
    assert_string_equal(cfg.dept_bind, "tcp://*:7103");
    assert_string_equal(cfg.dept_url, "tcp://127.0.0.1:7103");
    assert_string_equal(cfg.stats_bind, "tcp://*:7104");
    assert_string_equal(cfg.stats_url, "tcp://127.0.0.1:7104");
    assert_string_equal(cfg.schema_dir, "deploy/schema");
    assert_int_equal(cfg.escalation_tick_ms, 1000);
    assert_int_equal(cfg.stats_interval_ms, 1000);
    assert_int_equal(cfg.max_message_bytes, 65536);
    assert_int_equal(cfg.escalation_batch, 1000);
}

static void test_load_override(void **state)
{
    (void)state;
    setenv("GC_INTAKE_URL", "tcp://10.0.0.5:9101", 1);
    setenv("GC_PG_DSN", "host=db dbname=gc_test", 1);
    setenv("GC_ESCALATION_TICK_MS", "250", 1);
    setenv("GC_MAX_MESSAGE_BYTES", "1024", 1);
    gc_config_t cfg;
    char err[256] = "";
    assert_true(gc_config_load(&cfg, err, sizeof err));
    assert_string_equal(cfg.intake_url, "tcp://10.0.0.5:9101");
    assert_string_equal(cfg.pg_dsn, "host=db dbname=gc_test" LIVENESS);
    assert_int_equal(cfg.escalation_tick_ms, 250);
    assert_int_equal(cfg.max_message_bytes, 1024);
    /* the others keep their defaults */
    assert_string_equal(cfg.events_url, "tcp://127.0.0.1:7102");
    assert_int_equal(cfg.stats_interval_ms, 1000);
}

static void test_load_empty_falls_back(void **state)
{
    (void)state;
    setenv("GC_INTAKE_URL", "", 1);
    setenv("GC_ESCALATION_TICK_MS", "", 1);
    gc_config_t cfg;
    char err[256] = "";
    assert_true(gc_config_load(&cfg, err, sizeof err));
    assert_string_equal(cfg.intake_url, "tcp://127.0.0.1:7101");
    assert_int_equal(cfg.escalation_tick_ms, 1000);
}

static void expect_refused(const char *var, const char *value)
{
    clear_env(NULL);
    setenv(var, value, 1);
    gc_config_t cfg;
    char err[256] = "";
    assert_false(gc_config_load(&cfg, err, sizeof err));
    assert_non_null(strstr(err, var));
    assert_non_null(strstr(err, value));
}

static void test_load_bad_tick_refused(void **state)
{
    (void)state;
    expect_refused("GC_ESCALATION_TICK_MS", "abc");
    expect_refused("GC_ESCALATION_TICK_MS", "5"); /* below the minimum of 10 */
    expect_refused("GC_ESCALATION_TICK_MS", "3600001");
    expect_refused("GC_ESCALATION_TICK_MS", "99999999999999999999");
}

static void test_load_bad_other_integers_refused(void **state)
{
    (void)state;
    expect_refused("GC_STATS_INTERVAL_MS", "0");
    expect_refused("GC_MAX_MESSAGE_BYTES", "1023");
    expect_refused("GC_MAX_MESSAGE_BYTES", "64k");
    expect_refused("GC_ESCALATION_BATCH", "0");
    expect_refused("GC_ESCALATION_BATCH", "100001");
}

static void test_load_err_names_the_bad_variable_only(void **state)
{
    (void)state;
    setenv("GC_ESCALATION_TICK_MS", "500", 1);
    setenv("GC_STATS_INTERVAL_MS", "fast", 1);
    gc_config_t cfg;
    char err[256] = "";
    assert_false(gc_config_load(&cfg, err, sizeof err));
    assert_non_null(strstr(err, "GC_STATS_INTERVAL_MS"));
    assert_null(strstr(err, "GC_ESCALATION_TICK_MS"));
}

/* A secret from a file (docker-compose secrets): trailing newline removed, quoted into the DSN. */
static void test_password_file_joins_the_dsn(void **state)
{
    (void)state;
    char path[] = "/tmp/gc-config-test-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "s3cr'et\\x\n", 10), 10);
    close(fd);
    setenv("GC_PG_DSN", "host=db dbname=gridcase user=gridcase_intake", 1);
    setenv("GC_PG_PASSWORD_FILE", path, 1);
    gc_config_t cfg;
    char err[256] = "";
    assert_true(gc_config_load(&cfg, err, sizeof err));
    assert_string_equal(cfg.pg_dsn,
                        "host=db dbname=gridcase user=gridcase_intake" LIVENESS
                        " password='s3cr\\'et\\\\x'");
    /* both the value and its file: refused, naming both */
    setenv("GC_PG_PASSWORD", "other", 1);
    assert_false(gc_config_load(&cfg, err, sizeof err));
    assert_non_null(strstr(err, "GC_PG_PASSWORD_FILE"));
    unsetenv("GC_PG_PASSWORD");
    unlink(path);
    /* a file that is not there: refused with the reason */
    assert_false(gc_config_load(&cfg, err, sizeof err));
    assert_non_null(strstr(err, path));
}

/* The liveness settings a DSN sets itself stay as given, once; several hosts need one port or
 * one per host; a URI is left alone. */
static void test_dsn_liveness_and_hosts(void **state)
{
    (void)state;
    gc_config_t cfg;
    char err[256] = "";
    setenv("GC_PG_DSN", "host=a,b port=5432 connect_timeout=10 target_session_attrs=any", 1);
    assert_true(gc_config_load(&cfg, err, sizeof err));
    assert_string_equal(cfg.pg_dsn, "host=a,b port=5432 connect_timeout=10 target_session_attrs=any"
                                    " keepalives_idle=2 keepalives_interval=1 keepalives_count=2"
                                    " tcp_user_timeout=3000");
    setenv("GC_PG_DSN", "host=a,b port=5432,5433", 1);
    assert_true(gc_config_load(&cfg, err, sizeof err));
    setenv("GC_PG_DSN", "host=a,b,c port=5432,5433", 1);
    assert_false(gc_config_load(&cfg, err, sizeof err));
    assert_non_null(strstr(err, "GC_PG_DSN names 3 host(s) and 2 ports"));
    setenv("GC_PG_DSN", "postgresql://db1,db2/gridcase?target_session_attrs=read-write", 1);
    assert_true(gc_config_load(&cfg, err, sizeof err));
    assert_string_equal(cfg.pg_dsn, "postgresql://db1,db2/gridcase?target_session_attrs=read-write");
    setenv("GC_PG_TIMEOUT_MS", "250", 1);
    assert_true(gc_config_load(&cfg, err, sizeof err));
    assert_int_equal(cfg.pg_timeout_ms, 250);
    expect_refused("GC_PG_TIMEOUT_MS", "-1");
}

static void test_words_refused(void **state)
{
    (void)state;
    expect_refused("LOG_LEVEL", "debug");
    expect_refused("LOG_FORMAT", "xml");
    expect_refused("GC_METRICS_AREA_LEVEL", "province");
    clear_env(NULL);
    setenv("LOG_FORMAT", "json", 1);
    gc_config_t cfg;
    char err[256] = "";
    assert_true(gc_config_load(&cfg, err, sizeof err));
    assert_string_equal(cfg.log_format, "json");
    assert_string_equal(cfg.log_level, "info");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_valid),
        cmocka_unit_test(test_parse_negative),
        cmocka_unit_test(test_parse_range_edges),
        cmocka_unit_test(test_parse_junk),
        cmocka_unit_test(test_parse_empty),
        cmocka_unit_test(test_parse_overflow),
        cmocka_unit_test_setup_teardown(test_load_defaults, clear_env, clear_env),
        cmocka_unit_test_setup_teardown(test_load_override, clear_env, clear_env),
        cmocka_unit_test_setup_teardown(test_load_empty_falls_back, clear_env, clear_env),
        cmocka_unit_test_setup_teardown(test_load_bad_tick_refused, clear_env, clear_env),
        cmocka_unit_test_setup_teardown(test_load_bad_other_integers_refused, clear_env, clear_env),
        cmocka_unit_test_setup_teardown(test_load_err_names_the_bad_variable_only, clear_env, clear_env),
        cmocka_unit_test_setup_teardown(test_password_file_joins_the_dsn, clear_env, clear_env),
        cmocka_unit_test_setup_teardown(test_words_refused, clear_env, clear_env),
        cmocka_unit_test_setup_teardown(test_dsn_liveness_and_hosts, clear_env, clear_env),
    };
    return cmocka_run_group_tests_name("gc_config", tests, NULL, NULL);
}
