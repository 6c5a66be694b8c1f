/* Unit tests for services/stats/stats_fold: the pure parts of the statistics fold.
 * stats_fold_delta for every event kind (which figures each one moves, at each level) and
 * stats_fold_rates, including the brief's community figure (65 disputes, nearly all settled
 * inside the grid) and zero divisors. stats_fold_apply needs PostgreSQL and is not covered. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "common.pb-c.h"
#include "stats_fold.h"

enum {
    GRID = GRIDCASE__LEVEL__LEVEL_GRID,
    COMMUNITY = GRIDCASE__LEVEL__LEVEL_COMMUNITY,
    STREET = GRIDCASE__LEVEL__LEVEL_STREET,
    DISTRICT = GRIDCASE__LEVEL__LEVEL_DISTRICT,
};

static const int all_levels[] = {GRID, COMMUNITY, STREET, DISTRICT};

/* cmocka 1.1's assert_float_equal works in float; rates are doubles. */
#define assert_rate(got, want)                                                            \
    do {                                                                                  \
        double got_ = (got), want_ = (want);                                              \
        if (!(got_ - want_ < 1e-9 && want_ - got_ < 1e-9))                                \
            fail_msg("%s = %.12f, want %.12f", #got, got_, want_);                        \
    } while (0)

/* A delta pre-filled with garbage, so the test sees whether stats_fold_delta clears it. */
static stats_delta_t fold_status(int kind, int level, int status, bool *moved)
{
    stats_delta_t d;
    memset(&d, 0x5a, sizeof d);
    *moved = stats_fold_delta(kind, level, status, &d);
    return d;
}

/* The same for an event after which the case is still with its departments. */
static stats_delta_t fold(int kind, int level, bool *moved)
{
    return fold_status(kind, level, GRIDCASE__CASE_STATUS__CASE_STATUS_ROUTED, moved);
}

static void assert_delta(const stats_delta_t *got, const stats_delta_t *want)
{
    assert_int_equal(got->cases_total, want->cases_total);
    assert_int_equal(got->cases_closed, want->cases_closed);
    assert_int_equal(got->closed_at_grid, want->closed_at_grid);
    assert_int_equal(got->closed_at_community, want->closed_at_community);
    assert_int_equal(got->closed_at_street, want->closed_at_street);
    assert_int_equal(got->closed_at_district, want->closed_at_district);
    assert_int_equal(got->resolved_on_spot, want->resolved_on_spot);
    assert_int_equal(got->escalations, want->escalations);
    assert_int_equal(got->reopened, want->reopened);
    assert_int_equal(got->returned, want->returned);
    assert_int_equal(got->supervised, want->supervised);
    assert_int_equal(got->extended, want->extended);
}

/* stats_fold_apply sends the delta as twelve consecutive int64 columns from cases_total. */
static void test_delta_layout_is_twelve_int64(void **state)
{
    (void)state;
    assert_int_equal(STATS_FIGURES, 12);
    assert_int_equal(sizeof(stats_delta_t), 12 * sizeof(int64_t));
    assert_int_equal(offsetof(stats_delta_t, cases_total), 0);
    assert_int_equal(offsetof(stats_delta_t, returned), 9 * sizeof(int64_t));
    assert_int_equal(offsetof(stats_delta_t, supervised), 10 * sizeof(int64_t));
    assert_int_equal(offsetof(stats_delta_t, extended), 11 * sizeof(int64_t));
}

static void test_submitted_counts_total(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof all_levels / sizeof all_levels[0]; i++) {
        bool moved;
        stats_delta_t d = fold(GRIDCASE__EVENT_KIND__EVENT_KIND_SUBMITTED, all_levels[i], &moved);
        assert_true(moved);
        assert_delta(&d, &(stats_delta_t){.cases_total = 1});
    }
}

static void test_resolved_on_spot_closes_at_grid(void **state)
{
    (void)state;
    bool moved;
    stats_delta_t d = fold(GRIDCASE__EVENT_KIND__EVENT_KIND_RESOLVED_ON_SPOT, GRID, &moved);
    assert_true(moved);
    assert_delta(&d, &(stats_delta_t){.cases_closed = 1, .closed_at_grid = 1,
                                      .resolved_on_spot = 1});
}

static void test_verified_closes_at_its_level(void **state)
{
    (void)state;
    const int kind = GRIDCASE__EVENT_KIND__EVENT_KIND_VERIFIED;
    bool moved;
    stats_delta_t d;

    d = fold(kind, GRID, &moved);
    assert_true(moved);
    assert_delta(&d, &(stats_delta_t){.cases_closed = 1, .closed_at_grid = 1});

    d = fold(kind, COMMUNITY, &moved);
    assert_true(moved);
    assert_delta(&d, &(stats_delta_t){.cases_closed = 1, .closed_at_community = 1});

    d = fold(kind, STREET, &moved);
    assert_true(moved);
    assert_delta(&d, &(stats_delta_t){.cases_closed = 1, .closed_at_street = 1});

    d = fold(kind, DISTRICT, &moved);
    assert_true(moved);
    assert_delta(&d, &(stats_delta_t){.cases_closed = 1, .closed_at_district = 1});
}

static void test_escalated_reopened_returned(void **state)
{
    (void)state;
    bool moved;
    stats_delta_t d;

    d = fold(GRIDCASE__EVENT_KIND__EVENT_KIND_ESCALATED, COMMUNITY, &moved);
    assert_true(moved);
    assert_delta(&d, &(stats_delta_t){.escalations = 1});

    d = fold(GRIDCASE__EVENT_KIND__EVENT_KIND_REOPENED, GRID, &moved);
    assert_true(moved);
    assert_delta(&d, &(stats_delta_t){.reopened = 1});

    d = fold(GRIDCASE__EVENT_KIND__EVENT_KIND_RETURNED, STREET, &moved);
    assert_true(moved);
    assert_delta(&d, &(stats_delta_t){.returned = 1});

    d = fold(GRIDCASE__EVENT_KIND__EVENT_KIND_SUPERVISED, DISTRICT, &moved);
    assert_true(moved);
    assert_delta(&d, &(stats_delta_t){.supervised = 1});

    d = fold(GRIDCASE__EVENT_KIND__EVENT_KIND_EXTENSION_GRANTED, COMMUNITY, &moved);
    assert_true(moved);
    assert_delta(&d, &(stats_delta_t){.extended = 1});
}

/* A street joint meeting that closes a case closes it at the street; its other decisions
 * (joint enforcement, a new deadline) move no figure. */
static void test_meeting_closure_counts_at_the_street(void **state)
{
    (void)state;
    bool moved;
    stats_delta_t d = fold_status(GRIDCASE__EVENT_KIND__EVENT_KIND_MEETING_DECIDED, STREET,
                                  GRIDCASE__CASE_STATUS__CASE_STATUS_CLOSED, &moved);
    assert_true(moved);
    assert_delta(&d, &(stats_delta_t){.cases_closed = 1, .closed_at_street = 1});
    d = fold_status(GRIDCASE__EVENT_KIND__EVENT_KIND_MEETING_DECIDED, STREET,
                    GRIDCASE__CASE_STATUS__CASE_STATUS_ACCEPTED, &moved);
    assert_false(moved);
    assert_delta(&d, &(stats_delta_t){0});
}

/* Every other event kind of the proto enum moves nothing: false and an all-zero delta. */
static void test_other_kinds_move_nothing(void **state)
{
    (void)state;
    const ProtobufCEnumDescriptor *desc = &gridcase__event_kind__descriptor;
    int others = 0;
    for (unsigned i = 0; i <= desc->n_values; i++) {
        int kind = i < desc->n_values ? desc->values[i].value : 999;
        switch (kind) {
        case GRIDCASE__EVENT_KIND__EVENT_KIND_SUBMITTED:
        case GRIDCASE__EVENT_KIND__EVENT_KIND_RESOLVED_ON_SPOT:
        case GRIDCASE__EVENT_KIND__EVENT_KIND_VERIFIED:
        case GRIDCASE__EVENT_KIND__EVENT_KIND_ESCALATED:
        case GRIDCASE__EVENT_KIND__EVENT_KIND_REOPENED:
        case GRIDCASE__EVENT_KIND__EVENT_KIND_RETURNED:
        case GRIDCASE__EVENT_KIND__EVENT_KIND_SUPERVISED:
        case GRIDCASE__EVENT_KIND__EVENT_KIND_EXTENSION_GRANTED:
            continue;
        }
        for (size_t l = 0; l < sizeof all_levels / sizeof all_levels[0]; l++) {
            bool moved = true;
            stats_delta_t d = fold(kind, all_levels[l], &moved);
            assert_false(moved);
            assert_delta(&d, &(stats_delta_t){0});
        }
        others++;
    }
    /* UNSPECIFIED, ROUTED, TRIAGED, ACCEPTED, PROGRESS, RESOLVED, NOTED,
     * ESCALATION_REQUESTED, RECATEGORIZED, MEETING_DECIDED (not closing), JOINT_ASSIGNED,
     * EXTENSION_REQUESTED, EXTENSION_REFUSED and the out-of-range 999 */
    assert_int_equal(others, 14);
}

static void add(stats_delta_t *sum, int kind, int level)
{
    stats_delta_t d;
    stats_fold_delta(kind, level, GRIDCASE__CASE_STATUS__CASE_STATUS_CLOSED, &d);
    int64_t *s = &sum->cases_total;
    const int64_t *v = &d.cases_total;
    for (int i = 0; i < STATS_FIGURES; i++)
        s[i] += v[i];
}

/* The brief: one community found and settled 65 disputes, nearly all inside the grid.
 * Folded from events: 63 closed at the grid (40 on the spot, 23 verified), 1 verified at the
 * community, 1 at the street. */
static void test_rates_brief_figure(void **state)
{
    (void)state;
    stats_delta_t f = {0};
    for (int i = 0; i < 65; i++)
        add(&f, GRIDCASE__EVENT_KIND__EVENT_KIND_SUBMITTED, GRID);
    for (int i = 0; i < 40; i++)
        add(&f, GRIDCASE__EVENT_KIND__EVENT_KIND_RESOLVED_ON_SPOT, GRID);
    for (int i = 0; i < 23; i++)
        add(&f, GRIDCASE__EVENT_KIND__EVENT_KIND_VERIFIED, GRID);
    add(&f, GRIDCASE__EVENT_KIND__EVENT_KIND_VERIFIED, COMMUNITY);
    add(&f, GRIDCASE__EVENT_KIND__EVENT_KIND_VERIFIED, STREET);

    assert_int_equal(f.cases_total, 65);
    assert_int_equal(f.cases_closed, 65);
    assert_int_equal(f.closed_at_grid, 63);
    assert_int_equal(f.closed_at_community, 1);
    assert_int_equal(f.closed_at_street, 1);
    assert_int_equal(f.closed_at_district, 0);
    assert_int_equal(f.resolved_on_spot, 40);

    stats_rates_t r = stats_fold_rates(&f);
    assert_rate(r.closure, 100.0);
    assert_rate(r.in_grid, 6300.0 / 65.0); /* 96.923...% */
    assert_true(r.in_grid > 96.92 && r.in_grid < 96.93);
    assert_rate(r.in_community, 6400.0 / 65.0); /* 98.461...% */
    assert_rate(r.in_street, 100.0);
}

static void test_rates_partial(void **state)
{
    (void)state;
    stats_delta_t f = {.cases_total = 80,
                       .cases_closed = 64,
                       .closed_at_grid = 16,
                       .closed_at_community = 16,
                       .closed_at_street = 16,
                       .closed_at_district = 16};
    stats_rates_t r = stats_fold_rates(&f);
    assert_rate(r.closure, 80.0);
    assert_rate(r.in_grid, 25.0);
    assert_rate(r.in_community, 50.0);
    assert_rate(r.in_street, 75.0);
}

static void test_rates_zero_divisors(void **state)
{
    (void)state;
    stats_rates_t r = stats_fold_rates(&(stats_delta_t){0});
    assert_rate(r.closure, 0.0);
    assert_rate(r.in_grid, 0.0);
    assert_rate(r.in_community, 0.0);
    assert_rate(r.in_street, 0.0);

    /* cases but none closed: closure 0, and the in_* rates (divided by closed) 0 too */
    r = stats_fold_rates(&(stats_delta_t){.cases_total = 12});
    assert_rate(r.closure, 0.0);
    assert_rate(r.in_grid, 0.0);
    assert_rate(r.in_community, 0.0);
    assert_rate(r.in_street, 0.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_delta_layout_is_twelve_int64),
        cmocka_unit_test(test_submitted_counts_total),
        cmocka_unit_test(test_resolved_on_spot_closes_at_grid),
        cmocka_unit_test(test_verified_closes_at_its_level),
        cmocka_unit_test(test_escalated_reopened_returned),
        cmocka_unit_test(test_meeting_closure_counts_at_the_street),
        cmocka_unit_test(test_other_kinds_move_nothing),
        cmocka_unit_test(test_rates_brief_figure),
        cmocka_unit_test(test_rates_partial),
        cmocka_unit_test(test_rates_zero_divisors),
    };
    return cmocka_run_group_tests_name("stats_fold", tests, NULL, NULL);
}
