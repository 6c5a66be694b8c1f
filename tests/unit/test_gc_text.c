/* Unit tests for common/gc_text: gc_text_valid / gc_text_present.
 * Covers well-formed UTF-8 (ASCII, 2-, 3- and 4-byte sequences), the control-character rule
 * (\n and \t only), every ill-formed class RFC 3629 forbids (overlongs, surrogates, past
 * U+10FFFF, truncated and stray bytes), the max_bytes boundary, and NULL / "" handling.
 * Two tests at the end show bugs (C1 controls accepted; max_bytes == SIZE_MAX skips the check). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "gc_text.h"

#define BIG 4096

static void test_ascii(void **state)
{
    (void)state;
    assert_true(gc_text_valid("manhole cover broken at No. 12", BIG));
    assert_true(gc_text_present("x", BIG));
    assert_true(gc_text_valid(" !\"#$%&'()*+,-./0123456789:;<=>?@AZ[\\]^_`az{|}~", BIG));
}

static void test_chinese_three_byte(void **state)
{
    (void)state;
    const char *s = "石化路排水井盖破损"; /* 9 characters, 3 bytes each */
    assert_int_equal(strlen(s), 27);
    assert_true(gc_text_valid(s, BIG));
    assert_true(gc_text_present(s, BIG));
    /* mixed with ASCII and a 2-byte character (é = C3 A9) */
    assert_true(gc_text_valid("映月路 No.7 café", BIG));
    /* the edges of the 3-byte range: U+0800 and U+FFFF; around the surrogates */
    assert_true(gc_text_valid("\xe0\xa0\x80", BIG));
    assert_true(gc_text_valid("\xef\xbf\xbf", BIG));
    assert_true(gc_text_valid("\xed\x9f\xbf", BIG)); /* U+D7FF */
    assert_true(gc_text_valid("\xee\x80\x80", BIG)); /* U+E000 */
}

static void test_four_byte_emoji(void **state)
{
    (void)state;
    assert_true(gc_text_valid("井盖 \xf0\x9f\x98\x80 broken", BIG)); /* U+1F600 */
    assert_true(gc_text_valid("\xf0\x90\x80\x80", BIG));           /* U+10000 */
    assert_true(gc_text_valid("\xf4\x8f\xbf\xbf", BIG));           /* U+10FFFF */
}

static void test_newline_and_tab_allowed(void **state)
{
    (void)state;
    assert_true(gc_text_valid("line one\nline two", BIG));
    assert_true(gc_text_valid("col1\tcol2", BIG));
    assert_true(gc_text_present("\n", BIG));
}

static void test_other_control_chars_refused(void **state)
{
    (void)state;
    assert_false(gc_text_valid("a\x01z", BIG));
    assert_false(gc_text_valid("a\x7fz", BIG));
    assert_false(gc_text_valid("a\rz", BIG));
    assert_false(gc_text_valid("\x1b[31mred", BIG));
    assert_false(gc_text_present("\x01", BIG));
    /* every C0 control other than \t and \n */
    for (int c = 1; c < 0x20; c++) {
        char s[4] = {'a', (char)c, 'z', '\0'};
        if (c == '\n' || c == '\t')
            assert_true(gc_text_valid(s, BIG));
        else
            assert_false(gc_text_valid(s, BIG));
    }
}

static void test_overlong_encodings_refused(void **state)
{
    (void)state;
    assert_false(gc_text_valid("\xc0\x80", BIG));         /* NUL in 2 bytes */
    assert_false(gc_text_valid("\xc1\xbf", BIG));         /* U+007F in 2 bytes */
    assert_false(gc_text_valid("\xe0\x80\x80", BIG));     /* NUL in 3 bytes */
    assert_false(gc_text_valid("\xe0\x9f\xbf", BIG));     /* U+07FF in 3 bytes */
    assert_false(gc_text_valid("\xf0\x80\x80\x80", BIG)); /* NUL in 4 bytes */
    assert_false(gc_text_valid("\xf0\x8f\xbf\xbf", BIG)); /* U+FFFF in 4 bytes */
    assert_false(gc_text_valid("ok\xc0\xafok", BIG));     /* overlong '/' mid-string */
}

static void test_surrogates_refused(void **state)
{
    (void)state;
    assert_false(gc_text_valid("\xed\xa0\x80", BIG)); /* U+D800 */
    assert_false(gc_text_valid("\xed\xbf\xbf", BIG)); /* U+DFFF */
    /* a CESU-8 surrogate pair for U+1F600 */
    assert_false(gc_text_valid("\xed\xa0\xbd\xed\xb8\x80", BIG));
}

static void test_beyond_u10ffff_refused(void **state)
{
    (void)state;
    assert_false(gc_text_valid("\xf4\x90\x80\x80", BIG)); /* U+110000 */
    assert_false(gc_text_valid("\xf5\x80\x80\x80", BIG));
    assert_false(gc_text_valid("\xf7\xbf\xbf\xbf", BIG));
    assert_false(gc_text_valid("\xf8\x88\x80\x80\x80", BIG)); /* old 5-byte form */
    assert_false(gc_text_valid("\xff", BIG));
    assert_false(gc_text_valid("\xfe", BIG));
}

static void test_truncated_sequences_refused(void **state)
{
    (void)state;
    assert_false(gc_text_valid("abc\xe7", BIG));
    assert_false(gc_text_valid("abc\xe7\x9f", BIG));       /* 石 = E7 9F B3, cut */
    assert_false(gc_text_valid("abc\xf0\x9f\x98", BIG));   /* emoji cut after 3 of 4 */
    assert_false(gc_text_valid("abc\xc3", BIG));
    /* a lead byte followed by something that is not a continuation byte */
    assert_false(gc_text_valid("\xe7\x9f" "A", BIG));
    assert_false(gc_text_valid("\xc3" "A", BIG));
}

static void test_lone_continuation_refused(void **state)
{
    (void)state;
    assert_false(gc_text_valid("\x80", BIG));
    assert_false(gc_text_valid("abc\xbf", BIG));
    assert_false(gc_text_valid("石\xb3", BIG)); /* one continuation too many */
}

static void test_max_bytes_boundary(void **state)
{
    (void)state;
    assert_true(gc_text_valid("abcde", 5));
    assert_false(gc_text_valid("abcdef", 5));
    assert_true(gc_text_present("abcde", 5));
    assert_false(gc_text_present("abcdef", 5));

    /* the limit is in bytes, not characters: 9 Chinese characters are 27 bytes */
    const char *s = "石化路排水井盖破损";
    assert_true(gc_text_valid(s, 27));
    assert_false(gc_text_valid(s, 26));

    /* a long string: exactly max ok, max + 1 refused */
    char buf[1002];
    memset(buf, 'a', 1001);
    buf[1001] = '\0';
    assert_false(gc_text_valid(buf, 1000));
    buf[1000] = '\0';
    assert_true(gc_text_valid(buf, 1000));
    assert_false(gc_text_valid(buf, 999));

    /* max 0: only the empty string fits */
    assert_true(gc_text_valid("", 0));
    assert_false(gc_text_valid("a", 0));
}

/* BUG (common/gc_text.c:12): gc_text.h promises "no control characters other than \n and \t",
 * but only C0 controls and DEL are refused; the C1 controls U+0080..U+009F (Unicode category Cc,
 * encoded C2 80..C2 9F) pass, e.g. U+0085 NEL (a line break to many log readers) and U+009B CSI
 * (starts a terminal escape sequence). */
static void test_c1_control_chars_refused(void **state)
{
    (void)state;
    assert_true(gc_text_valid("a\xc2\xa0z", BIG)); /* U+00A0 no-break space: not a control */
    assert_false(gc_text_valid("a\xc2\x80z", BIG)); /* U+0080 */
    assert_false(gc_text_valid("a\xc2\x85z", BIG)); /* U+0085 NEL */
    assert_false(gc_text_valid("\xc2\x9b" "2J", BIG)); /* U+009B CSI */
    assert_false(gc_text_valid("a\xc2\x9fz", BIG)); /* U+009F */
}

/* BUG (common/gc_text.c:50): with max_bytes == SIZE_MAX ("no limit"), max_bytes + 1 wraps to 0,
 * strnlen returns 0 and every string is accepted without being checked at all. */
static void test_size_max_limit_still_validates(void **state)
{
    (void)state;
    assert_true(gc_text_valid("石化路", SIZE_MAX));
    assert_false(gc_text_valid("\xff", SIZE_MAX));
    assert_false(gc_text_valid("a\x01z", SIZE_MAX));
    assert_false(gc_text_valid("\xed\xa0\x80", SIZE_MAX));
}

static void test_null_and_empty(void **state)
{
    (void)state;
    assert_true(gc_text_valid(NULL, BIG));
    assert_false(gc_text_present(NULL, BIG));
    assert_true(gc_text_valid("", BIG));
    assert_false(gc_text_present("", BIG));
}

/* gc_text_explain: what is wrong and where, in bytes from 0; nothing for valid text. */
static void test_explain_says_what_and_where(void **state)
{
    (void)state;
    char buf[100] = "untouched";
    assert_false(gc_text_explain("井盖破损\n第二行\t", BIG, buf, sizeof buf));
    assert_false(gc_text_explain(NULL, BIG, buf, sizeof buf));
    assert_false(gc_text_explain("", BIG, buf, sizeof buf));
    assert_string_equal(buf, "untouched");

    assert_true(gc_text_explain("\xff\xfe", BIG, buf, sizeof buf));
    assert_string_equal(buf, "is not valid UTF-8 at byte 0");
    assert_true(gc_text_explain("井盖\xe4\xba", BIG, buf, sizeof buf)); /* cut after 6 bytes */
    assert_string_equal(buf, "is not valid UTF-8 at byte 6");
    assert_true(gc_text_explain("ab\xc0\xaf" "cd", BIG, buf, sizeof buf)); /* overlong '/' */
    assert_string_equal(buf, "is not valid UTF-8 at byte 2");
    assert_true(gc_text_explain("x\xed\xa0\x80", BIG, buf, sizeof buf)); /* a surrogate */
    assert_string_equal(buf, "is not valid UTF-8 at byte 1");

    assert_true(gc_text_explain("路灯不亮\a", BIG, buf, sizeof buf));
    assert_string_equal(buf, "contains control character U+0007 at byte 12");
    assert_true(gc_text_explain("\x1b[2J", BIG, buf, sizeof buf));
    assert_string_equal(buf, "contains control character U+001B at byte 0");
    assert_true(gc_text_explain("ok\x7f", BIG, buf, sizeof buf));
    assert_string_equal(buf, "contains control character U+007F at byte 2");
    assert_true(gc_text_explain("a\xc2\x85", BIG, buf, sizeof buf)); /* NEL, a C1 control */
    assert_string_equal(buf, "contains control character U+0085 at byte 1");
    /* the first problem only */
    assert_true(gc_text_explain("a\x01\xff", BIG, buf, sizeof buf));
    assert_string_equal(buf, "contains control character U+0001 at byte 1");

    assert_true(gc_text_explain("abcde", 4, buf, sizeof buf));
    assert_string_equal(buf, "is longer than 4 bytes");
    assert_false(gc_text_explain("abcd", 4, buf, sizeof buf));
    /* every refusal of gc_text_valid is explained, and nothing it accepts */
    const char *samples[] = {"a", "\x80", "\t", "\r", "井", "\xf4\x90\x80\x80", "\xc2\xa0", "abcdef"};
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++)
        assert_int_equal(gc_text_explain(samples[i], 5, buf, sizeof buf),
                         !gc_text_valid(samples[i], 5));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ascii),
        cmocka_unit_test(test_chinese_three_byte),
        cmocka_unit_test(test_four_byte_emoji),
        cmocka_unit_test(test_newline_and_tab_allowed),
        cmocka_unit_test(test_other_control_chars_refused),
        cmocka_unit_test(test_overlong_encodings_refused),
        cmocka_unit_test(test_surrogates_refused),
        cmocka_unit_test(test_beyond_u10ffff_refused),
        cmocka_unit_test(test_truncated_sequences_refused),
        cmocka_unit_test(test_lone_continuation_refused),
        cmocka_unit_test(test_max_bytes_boundary),
        cmocka_unit_test(test_null_and_empty),
        cmocka_unit_test(test_c1_control_chars_refused),
        cmocka_unit_test(test_size_max_limit_still_validates),
        cmocka_unit_test(test_explain_says_what_and_where),
    };
    return cmocka_run_group_tests_name("gc_text", tests, NULL, NULL);
}
