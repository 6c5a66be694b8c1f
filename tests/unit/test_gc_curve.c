/* Unit tests for common/gc_curve's key files, in a temporary directory: gc_curve_generate writes
 * the secret key (0600, one line) and the public key beside it (X.key: X.pub, else FILE.pub;
 * 0644, one line of Z85 and a newline, whatever the umask), the .pub matches the key that
 * gc_curve_load derives from the secret, an existing .pub is replaced, and an existing secret key
 * is never overwritten (nor its .pub touched). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gc_curve.h"

static char dir[64];

static int make_dir(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/gc-curve-test-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int remove_dir(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void read_text(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t n = fread(buf, 1, len - 1, f);
    buf[n] = '\0';
    fclose(f);
}

static void test_public_path(void **state)
{
    (void)state;
    char out[256];
    gc_curve_public_path("var/keys/police.key", out, sizeof out);
    assert_string_equal(out, "var/keys/police.pub");
    gc_curve_public_path("secrets/client_board_key", out, sizeof out);
    assert_string_equal(out, "secrets/client_board_key.pub");
    gc_curve_public_path(".key", out, sizeof out); /* no name before the suffix */
    assert_string_equal(out, ".key.pub");
    gc_curve_public_path("a.keys", out, sizeof out);
    assert_string_equal(out, "a.keys.pub");
}

static void test_generate_writes_public_beside_secret(void **state)
{
    (void)state;
    char secret[128], pub[128], text[128], err[256];
    snprintf(secret, sizeof secret, "%s/municipal.key", dir);
    snprintf(pub, sizeof pub, "%s/municipal.pub", dir);
    mode_t old = umask(077); /* a strict umask must not make the public key private */
    gc_curve_keys_t keys, loaded;
    bool ok = gc_curve_generate(secret, &keys, err, sizeof err);
    umask(old);
    assert_true(ok);

    struct stat st;
    assert_int_equal(stat(secret, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(stat(pub, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);

    read_text(pub, text, sizeof text);
    assert_int_equal(strlen(text), 41);
    assert_int_equal(text[40], '\n');
    text[40] = '\0';
    assert_string_equal(text, keys.public_key);
    assert_true(gc_curve_load(secret, &loaded, err, sizeof err));
    assert_string_equal(loaded.public_key, text); /* the pair matches */
}

static void test_other_names_and_replacing(void **state)
{
    (void)state;
    char secret[128], pub[128], text[128], err[256];
    snprintf(secret, sizeof secret, "%s/client_board_key", dir);
    snprintf(pub, sizeof pub, "%s/client_board_key.pub", dir);
    FILE *f = fopen(pub, "w"); /* a stale .pub is replaced */
    assert_non_null(f);
    fputs("stale stale stale stale stale stale stale stale stale\n", f);
    fclose(f);
    gc_curve_keys_t keys, again;
    assert_true(gc_curve_generate(secret, &keys, err, sizeof err));
    read_text(pub, text, sizeof text);
    assert_int_equal(strlen(text), 41);
    assert_memory_equal(text, keys.public_key, 40);

    /* an existing secret key: refused, and its .pub left as it was */
    assert_false(gc_curve_generate(secret, &again, err, sizeof err));
    assert_non_null(strstr(err, "File exists"));
    read_text(pub, text, sizeof text);
    assert_memory_equal(text, keys.public_key, 40);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_public_path),
        cmocka_unit_test(test_generate_writes_public_beside_secret),
        cmocka_unit_test(test_other_names_and_replacing),
    };
    return cmocka_run_group_tests_name("gc_curve", tests, make_dir, remove_dir);
}
