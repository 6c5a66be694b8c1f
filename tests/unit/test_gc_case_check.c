/* Unit tests for common/gc_case_check: the sentences a refused submission, diary entry or text
 * field gets. A field that is there but wrong says what is wrong and where (invalid UTF-8, a
 * control character, too long), never that it is "required"; an empty required field says it is
 * required. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "gc_case_check.h"

static Gridcase__SubmitCase submission(const char *description)
{
    Gridcase__SubmitCase s = GRIDCASE__SUBMIT_CASE__INIT;
    s.idempotency_key = "k1";
    s.category = "drain_cover";
    s.grid = "4101010101";
    s.description = (char *)description;
    s.source = GRIDCASE__SOURCE__SOURCE_RESIDENT;
    return s;
}

static const char *refusal(const Gridcase__SubmitCase *s)
{
    static char buf[GC_CASE_WHY_SIZE];
    const char *why = NULL;
    int error = gc_case_check_submit(s, &why, buf);
    assert_int_equal(error, GRIDCASE__ERROR_CODE__ERROR_CODE_INVALID_ARGUMENT);
    assert_non_null(why);
    return why;
}

static void test_valid_submission_passes(void **state)
{
    (void)state;
    Gridcase__SubmitCase s = submission("井盖破损\n第二行");
    char buf[GC_CASE_WHY_SIZE];
    const char *why = NULL;
    assert_int_equal(gc_case_check_submit(&s, &why, buf), 0);
}

static void test_description_says_what_is_wrong(void **state)
{
    (void)state;
    Gridcase__SubmitCase s = submission("井盖\xe4\xba");
    assert_string_equal(refusal(&s), "description is not valid UTF-8 at byte 6");
    s = submission("路灯不亮\a");
    assert_string_equal(refusal(&s), "description contains control character U+0007 at byte 12 "
                                     "(newline and tab are the only control characters allowed)");
    char big[GC_CASE_MAX_TEXT + 2];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    s = submission(big);
    assert_string_equal(refusal(&s), "description is longer than 4000 bytes");
    s = submission("");
    assert_string_equal(refusal(&s), "description is required (at most 4000 bytes UTF-8)");
}

static void test_other_fields_name_themselves(void **state)
{
    (void)state;
    Gridcase__SubmitCase s = submission("ok");
    s.address = "航海路\x1b[2J";
    assert_string_equal(refusal(&s), "address contains control character U+001B at byte 9 "
                                     "(newline and tab are the only control characters allowed)");
    s = submission("ok");
    s.reporter_name = "\xff";
    assert_string_equal(refusal(&s), "reporter_name is not valid UTF-8 at byte 0");
    s = submission("ok");
    s.category = "";
    assert_string_equal(refusal(&s), "category is required (a category code)");
}

static void test_diary_and_single_fields(void **state)
{
    (void)state;
    char buf[GC_CASE_WHY_SIZE];
    const char *why = NULL;
    Gridcase__DiaryEntry d = GRIDCASE__DIARY_ENTRY__INIT;
    d.grid = "4101010101";
    d.visited_on = "2026-11-20";
    d.note = "走访\x01";
    assert_int_equal(gc_case_check_diary(&d, &why, buf),
                     GRIDCASE__ERROR_CODE__ERROR_CODE_INVALID_ARGUMENT);
    assert_string_equal(why, "note contains control character U+0001 at byte 6 "
                             "(newline and tab are the only control characters allowed)");
    assert_true(gc_case_check_text("actor", NULL, 100, false, NULL, &why, buf));
    assert_false(gc_case_check_text("case_ref", "", 32, true, NULL, &why, buf));
    assert_string_equal(why, "case_ref is required");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_submission_passes),
        cmocka_unit_test(test_description_says_what_is_wrong),
        cmocka_unit_test(test_other_fields_name_themselves),
        cmocka_unit_test(test_diary_and_single_fields),
    };
    return cmocka_run_group_tests_name("gc_case_check", tests, NULL, NULL);
}
