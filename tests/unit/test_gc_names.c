/* Unit tests for common/gc_names: the database words for the protocol enums.
 * Round trips for every value of level, status, source, event kind and delivery reason against
 * the generated protobuf-c enums; unknown names give 0, out-of-range values give NULL; and a
 * walk over each generated enum descriptor so that a value added to a .proto file without a
 * database name (or with the table out of order) makes this test fail. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ctype.h>
#include <string.h>

#include "common.pb-c.h"
#include "dept.pb-c.h"
#include "gc_names.h"

typedef struct {
    int value;
    const char *name;
} pair_t;

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void check_pairs(const pair_t *pairs, size_t n, const char *(*name_of)(int),
                        int (*value_of)(const char *))
{
    for (size_t i = 0; i < n; i++) {
        const char *name = name_of(pairs[i].value);
        assert_non_null(name);
        assert_string_equal(name, pairs[i].name);
        assert_int_equal(value_of(pairs[i].name), pairs[i].value);
    }
}

static void test_level_round_trip(void **state)
{
    (void)state;
    static const pair_t pairs[] = {
        {GRIDCASE__LEVEL__LEVEL_GRID, "grid"},
        {GRIDCASE__LEVEL__LEVEL_COMMUNITY, "community"},
        {GRIDCASE__LEVEL__LEVEL_STREET, "street"},
        {GRIDCASE__LEVEL__LEVEL_DISTRICT, "district"},
    };
    check_pairs(pairs, N(pairs), gc_level_name, gc_level_value);
}

static void test_status_round_trip(void **state)
{
    (void)state;
    static const pair_t pairs[] = {
        {GRIDCASE__CASE_STATUS__CASE_STATUS_SUBMITTED, "submitted"},
        {GRIDCASE__CASE_STATUS__CASE_STATUS_ROUTED, "routed"},
        {GRIDCASE__CASE_STATUS__CASE_STATUS_TRIAGE, "triage"},
        {GRIDCASE__CASE_STATUS__CASE_STATUS_ACCEPTED, "accepted"},
        {GRIDCASE__CASE_STATUS__CASE_STATUS_IN_PROGRESS, "in_progress"},
        {GRIDCASE__CASE_STATUS__CASE_STATUS_RESOLVED, "resolved"},
        {GRIDCASE__CASE_STATUS__CASE_STATUS_CLOSED, "closed"},
        {GRIDCASE__CASE_STATUS__CASE_STATUS_GRID_TASK, "grid_task"},
    };
    check_pairs(pairs, N(pairs), gc_status_name, gc_status_value);
}

static void test_source_round_trip(void **state)
{
    (void)state;
    static const pair_t pairs[] = {
        {GRIDCASE__SOURCE__SOURCE_RESIDENT, "resident"},
        {GRIDCASE__SOURCE__SOURCE_GRID_WORKER, "grid_worker"},
        {GRIDCASE__SOURCE__SOURCE_VOLUNTEER, "volunteer"},
        {GRIDCASE__SOURCE__SOURCE_DEPARTMENT, "department"},
        {GRIDCASE__SOURCE__SOURCE_HOTLINE, "hotline"},
    };
    check_pairs(pairs, N(pairs), gc_source_name, gc_source_value);
}

static void test_event_kind_round_trip(void **state)
{
    (void)state;
    static const pair_t pairs[] = {
        {GRIDCASE__EVENT_KIND__EVENT_KIND_SUBMITTED, "submitted"},
        {GRIDCASE__EVENT_KIND__EVENT_KIND_ROUTED, "routed"},
        {GRIDCASE__EVENT_KIND__EVENT_KIND_TRIAGED, "triaged"},
        {GRIDCASE__EVENT_KIND__EVENT_KIND_ACCEPTED, "accepted"},
        {GRIDCASE__EVENT_KIND__EVENT_KIND_PROGRESS, "progress"},
        {GRIDCASE__EVENT_KIND__EVENT_KIND_RESOLVED, "resolved"},
        {GRIDCASE__EVENT_KIND__EVENT_KIND_RETURNED, "returned"},
        {GRIDCASE__EVENT_KIND__EVENT_KIND_NOTED, "noted"},
        {GRIDCASE__EVENT_KIND__EVENT_KIND_RESOLVED_ON_SPOT, "resolved_on_spot"},
        {GRIDCASE__EVENT_KIND__EVENT_KIND_VERIFIED, "verified"},
        {GRIDCASE__EVENT_KIND__EVENT_KIND_REOPENED, "reopened"},
        {GRIDCASE__EVENT_KIND__EVENT_KIND_ESCALATION_REQUESTED, "escalation_requested"},
        {GRIDCASE__EVENT_KIND__EVENT_KIND_ESCALATED, "escalated"},
        {GRIDCASE__EVENT_KIND__EVENT_KIND_RECATEGORIZED, "recategorized"},
        {GRIDCASE__EVENT_KIND__EVENT_KIND_SUPERVISED, "supervised"},
        {GRIDCASE__EVENT_KIND__EVENT_KIND_MEETING_DECIDED, "meeting_decided"},
        {GRIDCASE__EVENT_KIND__EVENT_KIND_JOINT_ASSIGNED, "joint_assigned"},
        {GRIDCASE__EVENT_KIND__EVENT_KIND_EXTENSION_REQUESTED, "extension_requested"},
        {GRIDCASE__EVENT_KIND__EVENT_KIND_EXTENSION_GRANTED, "extension_granted"},
        {GRIDCASE__EVENT_KIND__EVENT_KIND_EXTENSION_REFUSED, "extension_refused"},
    };
    check_pairs(pairs, N(pairs), gc_event_kind_name, gc_event_kind_value);
}

static void test_delivery_reason_round_trip(void **state)
{
    (void)state;
    static const pair_t pairs[] = {
        {GRIDCASE__DELIVERY_REASON__DELIVERY_REASON_NEW, "new"},
        {GRIDCASE__DELIVERY_REASON__DELIVERY_REASON_REOPENED, "reopened"},
        {GRIDCASE__DELIVERY_REASON__DELIVERY_REASON_ESCALATED, "escalated"},
        {GRIDCASE__DELIVERY_REASON__DELIVERY_REASON_WITHDRAWN, "withdrawn"},
        {GRIDCASE__DELIVERY_REASON__DELIVERY_REASON_JOINT_MEETING, "joint_meeting"},
    };
    check_pairs(pairs, N(pairs), gc_delivery_reason_name, gc_delivery_reason_value);
}

static void test_unknown_name_is_zero(void **state)
{
    (void)state;
    assert_int_equal(gc_level_value("province"), 0);
    assert_int_equal(gc_level_value("Grid"), 0); /* names are case-sensitive */
    assert_int_equal(gc_level_value(""), 0);
    assert_int_equal(gc_level_value(NULL), 0);
    assert_int_equal(gc_status_value("open"), 0);
    assert_int_equal(gc_status_value("in progress"), 0);
    assert_int_equal(gc_status_value(NULL), 0);
    assert_int_equal(gc_source_value("email"), 0);
    assert_int_equal(gc_source_value(NULL), 0);
    assert_int_equal(gc_event_kind_value("deleted"), 0);
    assert_int_equal(gc_event_kind_value("resolved_on_spot "), 0);
    assert_int_equal(gc_event_kind_value(NULL), 0);
    assert_int_equal(gc_delivery_reason_value("returned"), 0);
    assert_int_equal(gc_delivery_reason_value(NULL), 0);
}

static void test_out_of_range_is_null(void **state)
{
    (void)state;
    /* 0 is UNSPECIFIED: it has no database word */
    assert_null(gc_level_name(0));
    assert_null(gc_status_name(0));
    assert_null(gc_source_name(0));
    assert_null(gc_event_kind_name(0));
    assert_null(gc_delivery_reason_name(0));
    /* one past the last value, negative, huge */
    assert_null(gc_level_name(GRIDCASE__LEVEL__LEVEL_DISTRICT + 1));
    assert_null(gc_status_name(GRIDCASE__CASE_STATUS__CASE_STATUS_GRID_TASK + 1));
    assert_null(gc_source_name(GRIDCASE__SOURCE__SOURCE_HOTLINE + 1));
    assert_null(gc_event_kind_name(GRIDCASE__EVENT_KIND__EVENT_KIND_EXTENSION_REFUSED + 1));
    assert_null(
        gc_delivery_reason_name(GRIDCASE__DELIVERY_REASON__DELIVERY_REASON_JOINT_MEETING + 1));
    assert_null(gc_level_name(-1));
    assert_null(gc_status_name(-1));
    assert_null(gc_source_name(-1));
    assert_null(gc_event_kind_name(-1));
    assert_null(gc_delivery_reason_name(-1));
    assert_null(gc_event_kind_name(1 << 30));
}

/* Every value of the proto enum (but UNSPECIFIED) has a database word, the word maps back to
 * the value, and the word is the proto value name without its prefix, in lower case
 * (EVENT_KIND_RESOLVED_ON_SPOT -> "resolved_on_spot"); one past the largest value has none. */
static void check_descriptor(const ProtobufCEnumDescriptor *d, const char *prefix,
                             const char *(*name_of)(int), int (*value_of)(const char *))
{
    size_t plen = strlen(prefix);
    int largest = 0;
    int named = 0;
    for (unsigned i = 0; i < d->n_values; i++) {
        const ProtobufCEnumValue *v = &d->values[i];
        if (v->value == 0)
            continue;
        const char *name = name_of(v->value);
        if (!name)
            fail_msg("%s value %s (%d) has no database name", d->name, v->name, v->value);
        assert_int_equal(value_of(name), v->value);

        char expected[64];
        assert_true(strncmp(v->name, prefix, plen) == 0);
        size_t k = 0;
        for (const char *p = v->name + plen; *p && k + 1 < sizeof expected; p++)
            expected[k++] = (char)tolower((unsigned char)*p);
        expected[k] = '\0';
        assert_string_equal(name, expected);

        if (v->value > largest)
            largest = v->value;
        named++;
    }
    assert_true(named > 0);
    assert_null(name_of(largest + 1));
}

static void test_every_proto_value_has_a_name(void **state)
{
    (void)state;
    check_descriptor(&gridcase__level__descriptor, "LEVEL_", gc_level_name, gc_level_value);
    check_descriptor(&gridcase__case_status__descriptor, "CASE_STATUS_", gc_status_name,
                     gc_status_value);
    check_descriptor(&gridcase__source__descriptor, "SOURCE_", gc_source_name, gc_source_value);
    check_descriptor(&gridcase__event_kind__descriptor, "EVENT_KIND_", gc_event_kind_name,
                     gc_event_kind_value);
    check_descriptor(&gridcase__delivery_reason__descriptor, "DELIVERY_REASON_",
                     gc_delivery_reason_name, gc_delivery_reason_value);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_level_round_trip),
        cmocka_unit_test(test_status_round_trip),
        cmocka_unit_test(test_source_round_trip),
        cmocka_unit_test(test_event_kind_round_trip),
        cmocka_unit_test(test_delivery_reason_round_trip),
        cmocka_unit_test(test_unknown_name_is_zero),
        cmocka_unit_test(test_out_of_range_is_null),
        cmocka_unit_test(test_every_proto_value_has_a_name),
    };
    return cmocka_run_group_tests_name("gc_names", tests, NULL, NULL);
}
