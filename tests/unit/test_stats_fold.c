/* Unit tests for services/stats/stats_fold: the pure parts of the statistics fold, held to the
 * definitions of docs/STATISTICS.md. stats_fold_area_delta and stats_fold_dept_delta for every
 * event kind (with and without an earlier missed deadline), the time-to-close buckets, and
 * stats_fold_rates, including the brief's community figure (65 disputes, nearly all settled
 * inside the grid), the median estimate and zero divisors. The batch writer needs PostgreSQL
 * and is covered by tests/integration/t_stats.sh and t_stats_batch.sh. */
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
    ROUTED = GRIDCASE__CASE_STATUS__CASE_STATUS_ROUTED,
    RESOLVED = GRIDCASE__CASE_STATUS__CASE_STATUS_RESOLVED,
    CLOSED = GRIDCASE__CASE_STATUS__CASE_STATUS_CLOSED,
    E_SUBMITTED = GRIDCASE__EVENT_KIND__EVENT_KIND_SUBMITTED,
    E_ROUTED = GRIDCASE__EVENT_KIND__EVENT_KIND_ROUTED,
    E_RESOLVED = GRIDCASE__EVENT_KIND__EVENT_KIND_RESOLVED,
    E_RETURNED = GRIDCASE__EVENT_KIND__EVENT_KIND_RETURNED,
    E_ON_SPOT = GRIDCASE__EVENT_KIND__EVENT_KIND_RESOLVED_ON_SPOT,
    E_VERIFIED = GRIDCASE__EVENT_KIND__EVENT_KIND_VERIFIED,
    E_REOPENED = GRIDCASE__EVENT_KIND__EVENT_KIND_REOPENED,
    E_ESCALATED = GRIDCASE__EVENT_KIND__EVENT_KIND_ESCALATED,
    E_SUPERVISED = GRIDCASE__EVENT_KIND__EVENT_KIND_SUPERVISED,
    E_MEETING = GRIDCASE__EVENT_KIND__EVENT_KIND_MEETING_DECIDED,
    E_GRANTED = GRIDCASE__EVENT_KIND__EVENT_KIND_EXTENSION_GRANTED,
};

static const stats_history_t on_time = {false, "", -1};
static const stats_history_t was_overdue = {true, "", -1};

/* An event of a case reported at t = 1,000,000 s; `after` seconds later. */
static gc_event_t event(int kind, int level, int status, const char *actor, const char *dept,
                        int64_t after)
{
    gc_event_t ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = kind;
    ev.level = level;
    ev.status = status;
    ev.actor = actor;
    ev.department = dept;
    ev.area = "4101010101";
    ev.category = "drain_cover";
    ev.reported_on = "2026-11-28";
    ev.created_ms = 1000000000;
    ev.at_ms = ev.created_ms + after * 1000;
    return ev;
}

/* The area delta, starting from garbage so the test sees whether the fold clears it. */
static stats_area_delta_t area(const gc_event_t *ev, const stats_history_t *h, bool *moved)
{
    stats_area_delta_t d;
    memset(&d, 0x5a, sizeof d);
    *moved = stats_fold_area_delta(ev, h, &d);
    return d;
}

static void assert_area(const stats_area_delta_t *got, const stats_area_delta_t *want)
{
    const int64_t *g = &got->reported, *w = &want->reported;
    for (int k = 0; k < STATS_AREA_FIGURES; k++)
        if (g[k] != w[k])
            fail_msg("figure %d = %lld, want %lld", k, (long long)g[k], (long long)w[k]);
}

/* gc_stats_add_batch() takes each entry's deltas as one row in the column order of
 * stats_area_windows. */
static void test_layout_matches_the_columns(void **state)
{
    (void)state;
    assert_int_equal(STATS_AREA_FIGURES, 19 + STATS_TTC_BUCKETS);
    assert_int_equal(offsetof(stats_area_delta_t, reported), 0);
    assert_int_equal(offsetof(stats_area_delta_t, close_seconds), 18 * sizeof(int64_t));
    assert_int_equal(offsetof(stats_area_delta_t, ttc), 19 * sizeof(int64_t));
    assert_int_equal(STATS_DEPT_FIGURES, 6);
    assert_int_equal(offsetof(stats_dept_delta_t, extended), 5 * sizeof(int64_t));
}

static void test_reported(void **state)
{
    (void)state;
    bool moved;
    gc_event_t ev = event(E_SUBMITTED, GRID, GRIDCASE__CASE_STATUS__CASE_STATUS_SUBMITTED,
                          "resident", "", 0);
    stats_area_delta_t d = area(&ev, &on_time, &moved);
    assert_true(moved);
    assert_area(&d, &(stats_area_delta_t){.reported = 1});
}

/* Closing: the level owning the case, due and on time unless a deadline was missed before,
 * the time to close in its bucket. */
static void test_closures(void **state)
{
    (void)state;
    bool moved;
    gc_event_t spot = event(E_ON_SPOT, GRID, CLOSED, "grid-leader", "", 600);
    stats_area_delta_t d = area(&spot, &on_time, &moved);
    assert_true(moved);
    stats_area_delta_t want = {.closed = 1, .closed_at_grid = 1, .resolved_on_spot = 1,
                               .due = 1, .closed_on_time = 1, .close_seconds = 600};
    want.ttc[0] = 1; /* <= 15 min */
    assert_area(&d, &want);

    gc_event_t verified = event(E_VERIFIED, STREET, CLOSED, "grid-leader", "", 2 * 86400);
    d = area(&verified, &was_overdue, &moved);
    stats_area_delta_t late = {.closed = 1, .closed_at_street = 1, .close_seconds = 2 * 86400};
    late.ttc[5] = 1; /* (1 d, 3 d] */
    assert_area(&d, &late); /* due already counted at the first missed deadline */

    gc_event_t meeting = event(E_MEETING, STREET, CLOSED, "joint-meeting", "", 86400);
    d = area(&meeting, &on_time, &moved);
    assert_true(moved);
    assert_int_equal(d.closed_at_street, 1);
    assert_int_equal(d.ttc[4], 1); /* exactly 1 d: the (8 h, 1 d] bucket */

    gc_event_t decided = event(E_MEETING, STREET, ROUTED, "joint-meeting", "", 86400);
    d = area(&decided, &on_time, &moved);
    assert_false(moved); /* joint enforcement or a new deadline moves no figure */
    assert_area(&d, &(stats_area_delta_t){0});

    gc_event_t later = event(E_VERIFIED, DISTRICT, CLOSED, "grid-leader", "", 90 * 86400);
    d = area(&later, &on_time, &moved);
    assert_int_equal(d.closed_at_district, 1);
    assert_int_equal(d.ttc[STATS_TTC_BUCKETS - 1], 1); /* above 30 days */
}

/* An overdue escalation counts the case overdue and due once; a requested one does not. */
static void test_escalations(void **state)
{
    (void)state;
    bool moved;
    gc_event_t overdue = event(E_ESCALATED, COMMUNITY, ROUTED, "escalation", "", 7200);
    assert_true(stats_fold_is_overdue(&overdue));
    stats_area_delta_t d = area(&overdue, &on_time, &moved);
    assert_area(&d, &(stats_area_delta_t){.escalated_to_community = 1, .missed_deadline = 1, .due = 1});

    gc_event_t again = event(E_ESCALATED, STREET, ROUTED, "escalation", "", 9 * 3600);
    d = area(&again, &was_overdue, &moved);
    assert_area(&d, &(stats_area_delta_t){.escalated_to_street = 1});

    gc_event_t asked = event(E_ESCALATED, DISTRICT, ROUTED, "grid-leader:4101010101", "", 60);
    assert_false(stats_fold_is_overdue(&asked));
    d = area(&asked, &on_time, &moved);
    assert_area(&d, &(stats_area_delta_t){.escalated_to_district = 1});

    gc_event_t flagged = event(E_SUPERVISED, DISTRICT, ROUTED, "escalation", "", 99999);
    d = area(&flagged, &on_time, &moved);
    assert_area(&d, &(stats_area_delta_t){.supervised = 1, .missed_deadline = 1, .due = 1});
}

static void test_department_work(void **state)
{
    (void)state;
    bool moved;
    gc_event_t lead = event(E_RESOLVED, GRID, RESOLVED, "municipal", "municipal", 3600);
    stats_area_delta_t d = area(&lead, &on_time, &moved);
    assert_area(&d, &(stats_area_delta_t){.resolved = 1});
    gc_event_t co = event(E_RESOLVED, GRID, ROUTED, "planning", "planning", 3600);
    d = area(&co, &on_time, &moved);
    assert_false(moved); /* a co-handler's resolution does not resolve the case */

    gc_event_t ret = event(E_RETURNED, GRID, GRIDCASE__CASE_STATUS__CASE_STATUS_TRIAGE,
                           "police", "police", 60);
    assert_area((d = area(&ret, &on_time, &moved), &d), &(stats_area_delta_t){.misrouted = 1});
    gc_event_t reopen = event(E_REOPENED, GRID, ROUTED, "grid-leader", "", 7200);
    assert_area((d = area(&reopen, &on_time, &moved), &d), &(stats_area_delta_t){.reopened = 1});
    gc_event_t granted = event(E_GRANTED, GRID, ROUTED, "grid-leader", "municipal", 60);
    assert_area((d = area(&granted, &on_time, &moved), &d), &(stats_area_delta_t){.extended = 1});
}

static void test_department_deltas(void **state)
{
    (void)state;
    stats_dept_delta_t d;
    const char *dept;
    gc_event_t routed = event(E_ROUTED, GRID, ROUTED, "routing", "municipal", 1);
    assert_true(stats_fold_dept_delta(&routed, &on_time, &dept, &d));
    assert_string_equal(dept, "municipal");
    assert_int_equal(d.handled, 1);
    assert_true(stats_fold_needs_history(&routed));
    gc_event_t redelivered = event(E_ROUTED, GRID, ROUTED, "routing", "", 1);
    assert_false(stats_fold_dept_delta(&redelivered, &on_time, &dept, &d));
    /* delivered again (a joint meeting naming the lead it had): handled once, not twice */
    stats_history_t had_it = {false, "", 1000000000};
    gc_event_t again = event(E_ROUTED, STREET, ROUTED, "routing", "municipal", 86400);
    assert_false(stats_fold_dept_delta(&again, &had_it, &dept, &d));

    gc_event_t resolved = event(E_RESOLVED, GRID, RESOLVED, "municipal", "municipal", 1);
    assert_true(stats_fold_dept_delta(&resolved, &on_time, &dept, &d));
    assert_true(d.resolved == 1 && d.resolved_on_time == 1);
    assert_true(stats_fold_dept_delta(&resolved, &was_overdue, &dept, &d));
    assert_true(d.resolved == 1 && d.resolved_on_time == 0);

    /* a reopen counts against the department whose resolution was rejected */
    stats_history_t h = {false, "sanitation", -1};
    gc_event_t reopen = event(E_REOPENED, GRID, ROUTED, "grid-leader", "", 1);
    assert_true(stats_fold_dept_delta(&reopen, &h, &dept, &d));
    assert_string_equal(dept, "sanitation");
    assert_int_equal(d.reopened, 1);

    gc_event_t ret = event(E_RETURNED, GRID, ROUTED, "police", "police", 1);
    assert_true(stats_fold_dept_delta(&ret, &on_time, &dept, &d) && d.misrouted == 1);
    gc_event_t granted = event(E_GRANTED, GRID, ROUTED, "leader", "municipal", 1);
    assert_true(stats_fold_dept_delta(&granted, &on_time, &dept, &d) && d.extended == 1);
    gc_event_t submitted = event(E_SUBMITTED, GRID, ROUTED, "resident", "", 0);
    assert_false(stats_fold_dept_delta(&submitted, &on_time, &dept, &d));
}

/* Every event kind not named above moves no area figure. */
static void test_other_kinds_move_nothing(void **state)
{
    (void)state;
    const ProtobufCEnumDescriptor *desc = &gridcase__event_kind__descriptor;
    int others = 0;
    for (unsigned i = 0; i <= desc->n_values; i++) {
        int kind = i < desc->n_values ? desc->values[i].value : 999;
        switch (kind) {
        case E_SUBMITTED:
        case E_RESOLVED:
        case E_RETURNED:
        case E_ON_SPOT:
        case E_VERIFIED:
        case E_REOPENED:
        case E_ESCALATED:
        case E_SUPERVISED:
        case E_MEETING:
        case E_GRANTED:
            continue;
        }
        bool moved = true;
        gc_event_t ev = event(kind, GRID, ROUTED, "x", "dept", 1);
        stats_area_delta_t d = area(&ev, &on_time, &moved);
        assert_false(moved);
        assert_area(&d, &(stats_area_delta_t){0});
        others++;
    }
    /* UNSPECIFIED, ROUTED, TRIAGED, ACCEPTED, PROGRESS, NOTED, ESCALATION_REQUESTED,
     * RECATEGORIZED, JOINT_ASSIGNED, EXTENSION_REQUESTED, EXTENSION_REFUSED and 999 */
    assert_int_equal(others, 12);
}

static void add(stats_area_delta_t *sum, int kind, int level, int status, const char *actor,
                const stats_history_t *h, int64_t after)
{
    stats_area_delta_t d;
    gc_event_t ev = event(kind, level, status, actor, "", after);
    stats_fold_area_delta(&ev, h, &d);
    int64_t *s = &sum->reported;
    const int64_t *v = &d.reported;
    for (int i = 0; i < STATS_AREA_FIGURES; i++)
        s[i] += v[i];
}

/* The brief: one community found and settled 65 disputes, nearly all inside the grid. Folded
 * from events: 40 settled on the spot in 10 minutes, 23 verified at the grid after a day,
 * 1 overdue case closed at the community and 1 at the street. The rates over these counts are
 * the views' (tests/sql/t_stats_views.sql). */
static void test_brief_figure_counts(void **state)
{
    (void)state;
    stats_area_delta_t f = {0};
    for (int i = 0; i < 65; i++)
        add(&f, E_SUBMITTED, GRID, ROUTED, "resident", &on_time, 0);
    for (int i = 0; i < 40; i++)
        add(&f, E_ON_SPOT, GRID, CLOSED, "grid-leader", &on_time, 600);
    for (int i = 0; i < 23; i++)
        add(&f, E_VERIFIED, GRID, CLOSED, "grid-leader", &on_time, 86400);
    add(&f, E_ESCALATED, COMMUNITY, ROUTED, "escalation", &on_time, 3600);
    add(&f, E_VERIFIED, COMMUNITY, CLOSED, "grid-leader", &was_overdue, 5 * 86400);
    add(&f, E_ESCALATED, COMMUNITY, ROUTED, "escalation", &on_time, 3600);
    add(&f, E_ESCALATED, STREET, ROUTED, "escalation", &was_overdue, 7200);
    add(&f, E_VERIFIED, STREET, CLOSED, "grid-leader", &was_overdue, 6 * 86400);

    assert_int_equal(f.reported, 65);
    assert_int_equal(f.closed, 65);
    assert_int_equal(f.due, 65);
    assert_int_equal(f.missed_deadline, 2);
    assert_int_equal(f.closed_on_time, 63);
    assert_int_equal(f.resolved_on_spot, 40);
    assert_int_equal(f.closed_at_grid, 63);
    assert_int_equal(f.closed_at_community, 1);
    assert_int_equal(f.closed_at_street, 1);
    assert_int_equal(f.close_seconds, 40 * 600 + 23 * 86400 + 5 * 86400 + 6 * 86400);
}

/* Durations: a closure measures its case's time since the report, for its area; a department's
 * acceptance and lead resolution measure the time since its last delivery, for it. */
static void test_durations(void **state)
{
    (void)state;
    stats_duration_t t;
    gc_event_t closed = event(E_VERIFIED, GRID, CLOSED, "grid-leader", "", 86400);
    assert_true(stats_fold_duration(&closed, &on_time, &t));
    assert_string_equal(t.subject, "4101010101");
    assert_string_equal(t.measure, "close");
    assert_int_equal(t.seconds, 86400);

    stats_history_t delivered = {false, "", 1000000000 + 600 * 1000};
    gc_event_t accepted = event(GRIDCASE__EVENT_KIND__EVENT_KIND_ACCEPTED, GRID, GRIDCASE__CASE_STATUS__CASE_STATUS_ACCEPTED, "municipal", "municipal", 900);
    assert_true(stats_fold_needs_history(&accepted));
    assert_true(stats_fold_duration(&accepted, &delivered, &t));
    assert_string_equal(t.subject, "municipal");
    assert_string_equal(t.measure, "accept");
    assert_int_equal(t.seconds, 300);

    gc_event_t resolved = event(E_RESOLVED, GRID, RESOLVED, "municipal", "municipal", 4200);
    assert_true(stats_fold_duration(&resolved, &delivered, &t));
    assert_string_equal(t.measure, "resolve");
    assert_int_equal(t.seconds, 3600);

    /* a co-handler's resolution leaves the status alone: not the department's resolution */
    gc_event_t co = event(E_RESOLVED, GRID, ROUTED, "police", "police", 4200);
    assert_false(stats_fold_duration(&co, &delivered, &t));
    /* no delivery before it: nothing measured */
    assert_false(stats_fold_duration(&accepted, &on_time, &t));
    /* a clock that stepped back measures 0, never a negative time */
    stats_history_t later = {false, "", 1000000000 + 5000 * 1000};
    assert_true(stats_fold_duration(&resolved, &later, &t));
    assert_int_equal(t.seconds, 0);
    gc_event_t noted = event(GRIDCASE__EVENT_KIND__EVENT_KIND_NOTED, GRID, ROUTED, "x", "", 10);
    assert_false(stats_fold_duration(&noted, &delivered, &t));
}

/* A case's figures replayed for a correction of its category: reported, routed to municipal,
 * returned ("not ours": misrouted), past a deadline, then delivered to police, resolved by it
 * and reopened; each event's delta with the history it needed at the time. */
static void test_case_figures(void **state)
{
    (void)state;
    gc_event_t ev[] = {
        event(E_SUBMITTED, GRID, ROUTED, "resident", "", 0),
        event(E_ROUTED, GRID, ROUTED, "routing", "municipal", 1),
        event(E_RETURNED, GRID, GRIDCASE__CASE_STATUS__CASE_STATUS_TRIAGE, "municipal", "municipal", 60),
        event(E_ESCALATED, COMMUNITY, GRIDCASE__CASE_STATUS__CASE_STATUS_TRIAGE, "escalation", "", 3600),
        event(E_ROUTED, COMMUNITY, ROUTED, "routing", "police", 4000),
        event(E_ROUTED, COMMUNITY, ROUTED, "routing", "police", 4100), /* again: not handled twice */
        event(E_RESOLVED, COMMUNITY, RESOLVED, "police", "police", 5000),
        event(E_REOPENED, COMMUNITY, ROUTED, "grid-leader", "", 6000),
    };
    stats_case_figures_t f;
    assert_true(stats_fold_case_figures(ev, sizeof ev / sizeof ev[0], &f));
    assert_area(&f.area, &(stats_area_delta_t){.reported = 1, .misrouted = 1,
                                                .escalated_to_community = 1,
                                                .missed_deadline = 1, .due = 1, .resolved = 1,
                                                .reopened = 1});
    assert_int_equal(f.ndepartments, 2);
    assert_string_equal(f.departments[0].code, "municipal");
    assert_true(f.departments[0].figures.handled == 1 && f.departments[0].figures.misrouted == 1);
    assert_string_equal(f.departments[1].code, "police");
    stats_dept_delta_t *police = &f.departments[1].figures;
    /* resolved after the missed deadline: not on time; the reopen counts against police */
    assert_true(police->handled == 1 && police->resolved == 1 && police->resolved_on_time == 0
                && police->reopened == 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout_matches_the_columns),
        cmocka_unit_test(test_reported),
        cmocka_unit_test(test_closures),
        cmocka_unit_test(test_escalations),
        cmocka_unit_test(test_department_work),
        cmocka_unit_test(test_department_deltas),
        cmocka_unit_test(test_other_kinds_move_nothing),
        cmocka_unit_test(test_brief_figure_counts),
        cmocka_unit_test(test_durations),
        cmocka_unit_test(test_case_figures),
    };
    return cmocka_run_group_tests_name("stats_fold", tests, NULL, NULL);
}
