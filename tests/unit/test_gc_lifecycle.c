/* Unit tests for common/gc_lifecycle: the case state machine.
 * Every (command, status, level, acting level, has_note) combination and every (department action, status,
 * lead/co-handler, has_note) combination is checked against the rules written out below, which
 * restate the comments in gc_lifecycle.h and proto/{common,intake,dept}.proto; a short table
 * of hand-written cases pins the most important rows explicitly. Also gc_lifecycle_clock_runs
 * and gc_lifecycle_can_rise. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>

#include "common.pb-c.h"
#include "dept.pb-c.h"
#include "gc_lifecycle.h"
#include "gc_names.h"
#include "intake.pb-c.h"

#include <string.h>

/* short names */
enum {
    SUBMITTED = GRIDCASE__CASE_STATUS__CASE_STATUS_SUBMITTED,
    ROUTED = GRIDCASE__CASE_STATUS__CASE_STATUS_ROUTED,
    TRIAGE = GRIDCASE__CASE_STATUS__CASE_STATUS_TRIAGE,
    ACCEPTED = GRIDCASE__CASE_STATUS__CASE_STATUS_ACCEPTED,
    IN_PROGRESS = GRIDCASE__CASE_STATUS__CASE_STATUS_IN_PROGRESS,
    RESOLVED = GRIDCASE__CASE_STATUS__CASE_STATUS_RESOLVED,
    CLOSED = GRIDCASE__CASE_STATUS__CASE_STATUS_CLOSED,
    GRID_TASK = GRIDCASE__CASE_STATUS__CASE_STATUS_GRID_TASK,

    GRID = GRIDCASE__LEVEL__LEVEL_GRID,
    COMMUNITY = GRIDCASE__LEVEL__LEVEL_COMMUNITY,
    STREET = GRIDCASE__LEVEL__LEVEL_STREET,
    DISTRICT = GRIDCASE__LEVEL__LEVEL_DISTRICT,
    UNSPECIFIED_LEVEL = GRIDCASE__LEVEL__LEVEL_UNSPECIFIED,

    C_NOTE = GRIDCASE__COMMAND_KIND__COMMAND_KIND_NOTE,
    C_RESOLVE_ON_SPOT = GRIDCASE__COMMAND_KIND__COMMAND_KIND_RESOLVE_ON_SPOT,
    C_VERIFY = GRIDCASE__COMMAND_KIND__COMMAND_KIND_VERIFY,
    C_REOPEN = GRIDCASE__COMMAND_KIND__COMMAND_KIND_REOPEN,
    C_REQUEST_ESCALATION = GRIDCASE__COMMAND_KIND__COMMAND_KIND_REQUEST_ESCALATION,
    C_SET_CATEGORY = GRIDCASE__COMMAND_KIND__COMMAND_KIND_SET_CATEGORY,

    A_ACCEPT = GRIDCASE__DEPT_ACTION_KIND__DEPT_ACTION_KIND_ACCEPT,
    A_PROGRESS = GRIDCASE__DEPT_ACTION_KIND__DEPT_ACTION_KIND_PROGRESS,
    A_RESOLVE = GRIDCASE__DEPT_ACTION_KIND__DEPT_ACTION_KIND_RESOLVE,
    A_RETURN = GRIDCASE__DEPT_ACTION_KIND__DEPT_ACTION_KIND_RETURN,
    A_REQUEST_EXTENSION = GRIDCASE__DEPT_ACTION_KIND__DEPT_ACTION_KIND_REQUEST_EXTENSION,

    M_ASSIGN_JOINT = GRIDCASE__MEETING_OUTCOME__MEETING_OUTCOME_ASSIGN_JOINT,
    M_NEW_DEADLINE = GRIDCASE__MEETING_OUTCOME__MEETING_OUTCOME_NEW_DEADLINE,
    M_CLOSE = GRIDCASE__MEETING_OUTCOME__MEETING_OUTCOME_CLOSE,

    E_NOTED = GRIDCASE__EVENT_KIND__EVENT_KIND_NOTED,
    E_RESOLVED_ON_SPOT = GRIDCASE__EVENT_KIND__EVENT_KIND_RESOLVED_ON_SPOT,
    E_VERIFIED = GRIDCASE__EVENT_KIND__EVENT_KIND_VERIFIED,
    E_REOPENED = GRIDCASE__EVENT_KIND__EVENT_KIND_REOPENED,
    E_ESCALATION_REQUESTED = GRIDCASE__EVENT_KIND__EVENT_KIND_ESCALATION_REQUESTED,
    E_RECATEGORIZED = GRIDCASE__EVENT_KIND__EVENT_KIND_RECATEGORIZED,
    E_ACCEPTED = GRIDCASE__EVENT_KIND__EVENT_KIND_ACCEPTED,
    E_PROGRESS = GRIDCASE__EVENT_KIND__EVENT_KIND_PROGRESS,
    E_RESOLVED = GRIDCASE__EVENT_KIND__EVENT_KIND_RESOLVED,
    E_RETURNED = GRIDCASE__EVENT_KIND__EVENT_KIND_RETURNED,
    E_MEETING_DECIDED = GRIDCASE__EVENT_KIND__EVENT_KIND_MEETING_DECIDED,
    E_EXTENSION_REQUESTED = GRIDCASE__EVENT_KIND__EVENT_KIND_EXTENSION_REQUESTED,
    E_EXTENSION_GRANTED = GRIDCASE__EVENT_KIND__EVENT_KIND_EXTENSION_GRANTED,
    E_EXTENSION_REFUSED = GRIDCASE__EVENT_KIND__EVENT_KIND_EXTENSION_REFUSED,

    OK = 0,
    BAD_ARG = GRIDCASE__ERROR_CODE__ERROR_CODE_INVALID_ARGUMENT,
    BAD_STATE = GRIDCASE__ERROR_CODE__ERROR_CODE_INVALID_STATE,
};

static const int statuses[] = {SUBMITTED, ROUTED,   TRIAGE, ACCEPTED,
                               IN_PROGRESS, RESOLVED, CLOSED, GRID_TASK};
static const int levels[] = {GRID, COMMUNITY, STREET, DISTRICT};
/* the level whose leader acts: also none given (the grid) and values no release defines */
static const int acting_levels[] = {UNSPECIFIED_LEVEL, GRID, COMMUNITY, STREET, DISTRICT,
                                    DISTRICT + 1, -1};
#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

typedef struct {
    int error;
    int next_status;
    int event_kind;
} outcome_t;

static outcome_t ok(int next_status, int event_kind)
{
    return (outcome_t){OK, next_status, event_kind};
}

static outcome_t no(int error)
{
    return (outcome_t){error, 0, 0};
}

/* The rules, restated. A missing reason is an argument error and is reported before the state
 * check; every other refusal is INVALID_STATE. */
static bool clock_runs(int status)
{
    return status == SUBMITTED || status == ROUTED || status == TRIAGE || status == ACCEPTED
           || status == IN_PROGRESS || status == GRID_TASK;
}

static outcome_t expected_command(int command, int status, int level, int acting, bool has_note)
{
    switch (command) {
    case C_NOTE: /* a note in any status, with text; nothing changes */
        return has_note ? ok(status, E_NOTED) : no(BAD_ARG);
    case C_RESOLVE_ON_SPOT: /* by the leader of the case's own level (none given: the grid),
                             * only before a department accepted it; above the grid, with a note */
        if (acting == UNSPECIFIED_LEVEL)
            acting = GRID;
        if (acting < GRID || acting > DISTRICT || (acting != GRID && !has_note))
            return no(BAD_ARG);
        return (status == SUBMITTED || status == TRIAGE || status == ROUTED || status == GRID_TASK)
                       && level == acting
                   ? ok(CLOSED, E_RESOLVED_ON_SPOT)
                   : no(BAD_STATE);
    case C_VERIFY: /* the grid accepts a department's resolution */
        return status == RESOLVED ? ok(CLOSED, E_VERIFIED) : no(BAD_STATE);
    case C_REOPEN: /* the grid rejects it, with a reason: back to the department */
        if (!has_note)
            return no(BAD_ARG);
        return status == RESOLVED ? ok(ROUTED, E_REOPENED) : no(BAD_STATE);
    case C_REQUEST_ESCALATION: /* with a reason, while open, never past the district */
        if (!has_note)
            return no(BAD_ARG);
        return clock_runs(status) && level != DISTRICT ? ok(status, E_ESCALATION_REQUESTED)
                                                       : no(BAD_STATE);
    case C_SET_CATEGORY: /* only in the street's triage queue; routing then re-routes it */
        return status == TRIAGE ? ok(TRIAGE, E_RECATEGORIZED) : no(BAD_STATE);
    default:
        return no(BAD_ARG);
    }
}

static outcome_t expected_dept(int action, int status, bool is_lead, bool has_note)
{
    bool in_hand = status == ROUTED || status == ACCEPTED || status == IN_PROGRESS;
    switch (action) {
    case A_ACCEPT:
        if (is_lead)
            return status == ROUTED ? ok(ACCEPTED, E_ACCEPTED) : no(BAD_STATE);
        return in_hand ? ok(status, E_ACCEPTED) : no(BAD_STATE);
    case A_PROGRESS:
        return in_hand ? ok(is_lead ? IN_PROGRESS : status, E_PROGRESS) : no(BAD_STATE);
    case A_RESOLVE:
        return in_hand ? ok(is_lead ? RESOLVED : status, E_RESOLVED) : no(BAD_STATE);
    case A_RETURN: /* "not ours", with a reason; the lead's return goes to the street's triage */
        if (!has_note)
            return no(BAD_ARG);
        return in_hand ? ok(is_lead ? TRIAGE : status, E_RETURNED) : no(BAD_STATE);
    case A_REQUEST_EXTENSION: /* with a reason, by the lead, while the case is in hand */
        if (!has_note)
            return no(BAD_ARG);
        return in_hand && is_lead ? ok(status, E_EXTENSION_REQUESTED) : no(BAD_STATE);
    default:
        return no(BAD_ARG);
    }
}

/* A street joint meeting decides on open cases at the street only; closing needs a reason;
 * joint enforcement hands a case no department held to the departments. */
static outcome_t expected_meeting(int outcome, int status, int level, bool has_note)
{
    if (!clock_runs(status) || level != STREET)
        return no(BAD_STATE);
    bool unrouted = status == SUBMITTED || status == TRIAGE || status == GRID_TASK;
    switch (outcome) {
    case M_ASSIGN_JOINT:
        return ok(unrouted ? ROUTED : status, E_MEETING_DECIDED);
    case M_NEW_DEADLINE:
        return ok(status, E_MEETING_DECIDED);
    case M_CLOSE:
        return has_note ? ok(CLOSED, E_MEETING_DECIDED) : no(BAD_ARG);
    default:
        return no(BAD_ARG);
    }
}

static void check(const char *what, gc_transition_t got, outcome_t want)
{
    if (got.error != want.error || got.next_status != want.next_status
        || got.event_kind != want.event_kind)
        fail_msg("%s: got error=%d status=%d event=%d, want error=%d status=%d event=%d", what,
                 got.error, got.next_status, got.event_kind, want.error, want.next_status,
                 want.event_kind);
    /* a refusal explains itself; an allowed transition has no explanation */
    if (want.error)
        assert_non_null(got.why);
    else
        assert_null(got.why);
}

/* ---- hand-written rows ------------------------------------------------------------------- */

static void test_command_key_rows(void **state)
{
    (void)state;
    /* acting: the level whose leader acts (RESOLVE_ON_SPOT only); G for the other commands */
    enum { U = UNSPECIFIED_LEVEL, G = GRID };
    static const struct {
        int command, status, level, acting;
        bool note;
        int error, next_status, event_kind;
    } rows[] = {
        /* 小事不出网格: the grid leader closes it on the spot, with or without a note */
        {C_RESOLVE_ON_SPOT, SUBMITTED, GRID, U, false, OK, CLOSED, E_RESOLVED_ON_SPOT},
        {C_RESOLVE_ON_SPOT, SUBMITTED, GRID, GRID, false, OK, CLOSED, E_RESOLVED_ON_SPOT},
        {C_RESOLVE_ON_SPOT, ROUTED, GRID, U, false, OK, CLOSED, E_RESOLVED_ON_SPOT},
        {C_RESOLVE_ON_SPOT, GRID_TASK, GRID, GRID, true, OK, CLOSED, E_RESOLVED_ON_SPOT},
        {C_RESOLVE_ON_SPOT, ACCEPTED, GRID, U, false, BAD_STATE, 0, 0},
        {C_RESOLVE_ON_SPOT, IN_PROGRESS, GRID, U, false, BAD_STATE, 0, 0},
        {C_RESOLVE_ON_SPOT, SUBMITTED, COMMUNITY, U, false, BAD_STATE, 0, 0},
        {C_RESOLVE_ON_SPOT, RESOLVED, GRID, U, false, BAD_STATE, 0, 0},
        {C_RESOLVE_ON_SPOT, CLOSED, GRID, U, true, BAD_STATE, 0, 0},
        /* 小事不出社区, 大事不出街道: each level's leader closes what is open at its level */
        {C_RESOLVE_ON_SPOT, TRIAGE, COMMUNITY, COMMUNITY, true, OK, CLOSED, E_RESOLVED_ON_SPOT},
        {C_RESOLVE_ON_SPOT, ROUTED, COMMUNITY, COMMUNITY, true, OK, CLOSED, E_RESOLVED_ON_SPOT},
        {C_RESOLVE_ON_SPOT, ROUTED, STREET, STREET, true, OK, CLOSED, E_RESOLVED_ON_SPOT},
        {C_RESOLVE_ON_SPOT, TRIAGE, DISTRICT, DISTRICT, true, OK, CLOSED, E_RESOLVED_ON_SPOT},
        /* above the grid the note saying how is required; checked before the state */
        {C_RESOLVE_ON_SPOT, TRIAGE, COMMUNITY, COMMUNITY, false, BAD_ARG, 0, 0},
        {C_RESOLVE_ON_SPOT, ROUTED, STREET, STREET, false, BAD_ARG, 0, 0},
        {C_RESOLVE_ON_SPOT, ACCEPTED, STREET, STREET, false, BAD_ARG, 0, 0},
        /* a lower level's leader no longer owns it */
        {C_RESOLVE_ON_SPOT, TRIAGE, COMMUNITY, GRID, true, BAD_STATE, 0, 0},
        {C_RESOLVE_ON_SPOT, ROUTED, STREET, COMMUNITY, true, BAD_STATE, 0, 0},
        {C_RESOLVE_ON_SPOT, ROUTED, DISTRICT, STREET, true, BAD_STATE, 0, 0},
        /* a higher level's leader must have it escalated first */
        {C_RESOLVE_ON_SPOT, TRIAGE, GRID, COMMUNITY, true, BAD_STATE, 0, 0},
        {C_RESOLVE_ON_SPOT, ROUTED, COMMUNITY, STREET, true, BAD_STATE, 0, 0},
        {C_RESOLVE_ON_SPOT, ROUTED, GRID, DISTRICT, true, BAD_STATE, 0, 0},
        /* an accepted case stays with its department at any level */
        {C_RESOLVE_ON_SPOT, ACCEPTED, STREET, STREET, true, BAD_STATE, 0, 0},
        {C_RESOLVE_ON_SPOT, IN_PROGRESS, COMMUNITY, COMMUNITY, true, BAD_STATE, 0, 0},
        /* a level no release defines */
        {C_RESOLVE_ON_SPOT, ROUTED, GRID, DISTRICT + 1, true, BAD_ARG, 0, 0},
        {C_VERIFY, RESOLVED, STREET, G, false, OK, CLOSED, E_VERIFIED},
        {C_VERIFY, IN_PROGRESS, GRID, G, false, BAD_STATE, 0, 0},
        {C_VERIFY, CLOSED, GRID, G, false, BAD_STATE, 0, 0},
        {C_REOPEN, RESOLVED, GRID, G, true, OK, ROUTED, E_REOPENED},
        {C_REOPEN, RESOLVED, GRID, G, false, BAD_ARG, 0, 0},
        {C_REOPEN, CLOSED, GRID, G, true, BAD_STATE, 0, 0},
        {C_REQUEST_ESCALATION, ACCEPTED, COMMUNITY, G, true, OK, ACCEPTED, E_ESCALATION_REQUESTED},
        {C_REQUEST_ESCALATION, ACCEPTED, COMMUNITY, G, false, BAD_ARG, 0, 0},
        {C_REQUEST_ESCALATION, ROUTED, DISTRICT, G, true, BAD_STATE, 0, 0},
        {C_REQUEST_ESCALATION, RESOLVED, GRID, G, true, BAD_STATE, 0, 0},
        {C_NOTE, CLOSED, DISTRICT, G, true, OK, CLOSED, E_NOTED},
        {C_NOTE, ROUTED, GRID, G, false, BAD_ARG, 0, 0},
        {GRIDCASE__COMMAND_KIND__COMMAND_KIND_UNSPECIFIED, ROUTED, GRID, G, true, BAD_ARG, 0, 0},
    };
    for (int i = 0; i < N(rows); i++) {
        char what[64];
        snprintf(what, sizeof what, "row %d", i);
        check(what,
              gc_lifecycle_command(rows[i].command, rows[i].status, rows[i].level, rows[i].acting,
                                   rows[i].note),
              (outcome_t){rows[i].error, rows[i].next_status, rows[i].event_kind});
    }
}

static void test_dept_key_rows(void **state)
{
    (void)state;
    static const struct {
        int action, status;
        bool lead, note;
        int error, next_status, event_kind;
    } rows[] = {
        {A_ACCEPT, ROUTED, true, false, OK, ACCEPTED, E_ACCEPTED},
        {A_ACCEPT, ACCEPTED, true, false, BAD_STATE, 0, 0},   /* lead accepts only from routed */
        {A_ACCEPT, IN_PROGRESS, true, false, BAD_STATE, 0, 0},
        {A_ACCEPT, ACCEPTED, false, false, OK, ACCEPTED, E_ACCEPTED}, /* co-handler: no change */
        {A_PROGRESS, ACCEPTED, true, false, OK, IN_PROGRESS, E_PROGRESS},
        {A_PROGRESS, ROUTED, false, false, OK, ROUTED, E_PROGRESS},
        {A_RESOLVE, IN_PROGRESS, true, false, OK, RESOLVED, E_RESOLVED},
        {A_RESOLVE, IN_PROGRESS, false, false, OK, IN_PROGRESS, E_RESOLVED},
        {A_RESOLVE, RESOLVED, true, false, BAD_STATE, 0, 0},
        {A_RESOLVE, TRIAGE, true, false, BAD_STATE, 0, 0},
        {A_RETURN, ROUTED, true, true, OK, TRIAGE, E_RETURNED},
        {A_RETURN, ROUTED, false, true, OK, ROUTED, E_RETURNED},
        {A_RETURN, ROUTED, true, false, BAD_ARG, 0, 0},
        {A_RETURN, CLOSED, true, true, BAD_STATE, 0, 0},
        {A_PROGRESS, SUBMITTED, true, false, BAD_STATE, 0, 0},
        {GRIDCASE__DEPT_ACTION_KIND__DEPT_ACTION_KIND_UNSPECIFIED, ROUTED, true, true, BAD_ARG, 0,
         0},
    };
    for (int i = 0; i < N(rows); i++) {
        char what[64];
        snprintf(what, sizeof what, "row %d", i);
        check(what,
              gc_lifecycle_dept_action(rows[i].action, rows[i].status, rows[i].lead,
                                       rows[i].note),
              (outcome_t){rows[i].error, rows[i].next_status, rows[i].event_kind});
    }
}

/* A leader refused a case open at another level is told both levels, and which leader can act:
 * the case's own, or (for a leader above it) the way up, escalation. */
static void test_spot_refusal_names_both_levels(void **state)
{
    (void)state;
    for (int a = 0; a < N(levels); a++)
        for (int l = 0; l < N(levels); l++) {
            if (levels[a] == levels[l])
                continue;
            gc_transition_t t =
                gc_lifecycle_command(C_RESOLVE_ON_SPOT, ROUTED, levels[l], levels[a], true);
            char acting[32], owner[48];
            snprintf(acting, sizeof acting, "a %s's leader", gc_level_name(levels[a]));
            snprintf(owner, sizeof owner, "the case is %sat the %s",
                     levels[a] > levels[l] ? "still " : "", gc_level_name(levels[l]));
            assert_int_equal(t.error, BAD_STATE);
            if (!strstr(t.why, acting) || !strstr(t.why, owner))
                fail_msg("acting %d, case at %d: '%s' should name '%s' and '%s'", levels[a],
                         levels[l], t.why, acting, owner);
            if (levels[a] > levels[l])
                assert_non_null(strstr(t.why, "escalate it to the"));
            else
                assert_non_null(strstr(t.why, "'s leader can"));
        }
    gc_transition_t t = gc_lifecycle_command(C_RESOLVE_ON_SPOT, TRIAGE, STREET, STREET, false);
    assert_int_equal(t.error, BAD_ARG);
    assert_string_equal(t.why, "settling a case on the spot above the grid needs a note saying how");
}

/* ---- every combination ------------------------------------------------------------------- */

static void test_every_command(void **state)
{
    (void)state;
    /* every value of the proto enum (0 = UNSPECIFIED among them) plus one past the end */
    const ProtobufCEnumDescriptor *d = &gridcase__command_kind__descriptor;
    assert_int_equal(d->n_values, 9);
    int checked = 0;
    for (unsigned c = 0; c <= d->n_values; c++) {
        int command = c < d->n_values ? d->values[c].value : 99;
        for (int s = 0; s < N(statuses); s++)
            for (int l = 0; l < N(levels); l++)
                for (int a = 0; a < N(acting_levels); a++)
                    for (int note = 0; note <= 1; note++) {
                        char what[128];
                        snprintf(what, sizeof what,
                                 "command %d status %d level %d acting %d note %d", command,
                                 statuses[s], levels[l], acting_levels[a], note);
                        check(what,
                              gc_lifecycle_command(command, statuses[s], levels[l],
                                                   acting_levels[a], note),
                              expected_command(command, statuses[s], levels[l],
                                               acting_levels[a], note));
                        checked++;
                    }
    }
    assert_int_equal(checked, 10 * N(statuses) * 4 * N(acting_levels) * 2);
}

static void test_every_meeting_outcome(void **state)
{
    (void)state;
    const ProtobufCEnumDescriptor *d = &gridcase__meeting_outcome__descriptor;
    assert_int_equal(d->n_values, 4);
    for (unsigned o = 0; o <= d->n_values; o++) {
        int outcome = o < d->n_values ? d->values[o].value : 99;
        for (int s = 0; s < N(statuses); s++)
            for (int l = 0; l < N(levels); l++)
                for (int note = 0; note <= 1; note++) {
                    char what[128];
                    snprintf(what, sizeof what, "outcome %d status %d level %d note %d",
                             outcome, statuses[s], levels[l], note);
                    check(what, gc_lifecycle_meeting(outcome, statuses[s], levels[l], note),
                          expected_meeting(outcome, statuses[s], levels[l], note));
                }
    }
}

static void test_every_extension_decision(void **state)
{
    (void)state;
    for (int s = 0; s < N(statuses); s++)
        for (int grant = 0; grant <= 1; grant++) {
            char what[64];
            snprintf(what, sizeof what, "status %d grant %d", statuses[s], grant);
            check(what, gc_lifecycle_extension_decision(grant, statuses[s]),
                  clock_runs(statuses[s])
                      ? ok(statuses[s], grant ? E_EXTENSION_GRANTED : E_EXTENSION_REFUSED)
                      : no(BAD_STATE));
        }
}

static void test_every_dept_action(void **state)
{
    (void)state;
    const ProtobufCEnumDescriptor *d = &gridcase__dept_action_kind__descriptor;
    assert_int_equal(d->n_values, 6);
    for (unsigned a = 0; a <= d->n_values; a++) {
        int action = a < d->n_values ? d->values[a].value : 99;
        for (int s = 0; s < N(statuses); s++)
            for (int lead = 0; lead <= 1; lead++)
                for (int note = 0; note <= 1; note++) {
                    char what[128];
                    snprintf(what, sizeof what, "action %d status %d lead %d note %d", action,
                             statuses[s], lead, note);
                    gc_transition_t t = gc_lifecycle_dept_action(action, statuses[s], lead, note);
                    check(what, t, expected_dept(action, statuses[s], lead, note));
                    /* a co-handler never moves the case */
                    if (!lead && t.error == 0)
                        assert_int_equal(t.next_status, statuses[s]);
                }
    }
}

/* ---- helpers ----------------------------------------------------------------------------- */

static void test_clock_runs(void **state)
{
    (void)state;
    assert_true(gc_lifecycle_clock_runs(SUBMITTED));
    assert_true(gc_lifecycle_clock_runs(ROUTED));
    assert_true(gc_lifecycle_clock_runs(TRIAGE));
    assert_true(gc_lifecycle_clock_runs(ACCEPTED));
    assert_true(gc_lifecycle_clock_runs(IN_PROGRESS));
    assert_true(gc_lifecycle_clock_runs(GRID_TASK)); /* the grid leader's task has a deadline */
    assert_false(gc_lifecycle_clock_runs(RESOLVED));
    assert_false(gc_lifecycle_clock_runs(CLOSED));
    assert_false(gc_lifecycle_clock_runs(GRIDCASE__CASE_STATUS__CASE_STATUS_UNSPECIFIED));
    assert_false(gc_lifecycle_clock_runs(GRID_TASK + 1));
    assert_false(gc_lifecycle_clock_runs(-1));
}

static void test_can_rise(void **state)
{
    (void)state;
    assert_true(gc_lifecycle_can_rise(GRID));
    assert_true(gc_lifecycle_can_rise(COMMUNITY));
    assert_true(gc_lifecycle_can_rise(STREET));
    assert_false(gc_lifecycle_can_rise(DISTRICT));
    assert_false(gc_lifecycle_can_rise(GRIDCASE__LEVEL__LEVEL_UNSPECIFIED));
    assert_false(gc_lifecycle_can_rise(DISTRICT + 1));
    assert_false(gc_lifecycle_can_rise(-1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_command_key_rows),
        cmocka_unit_test(test_dept_key_rows),
        cmocka_unit_test(test_spot_refusal_names_both_levels),
        cmocka_unit_test(test_every_command),
        cmocka_unit_test(test_every_dept_action),
        cmocka_unit_test(test_every_meeting_outcome),
        cmocka_unit_test(test_every_extension_decision),
        cmocka_unit_test(test_clock_runs),
        cmocka_unit_test(test_can_rise),
    };
    return cmocka_run_group_tests_name("gc_lifecycle", tests, NULL, NULL);
}
