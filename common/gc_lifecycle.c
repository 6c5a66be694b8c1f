/* gc_lifecycle: transitions of a case. See proto/common.proto for the statuses. */
#include "gc_lifecycle.h"

#include "common.pb-c.h"
#include "dept.pb-c.h"
#include "intake.pb-c.h"

static gc_transition_t allow(int next_status, int event_kind)
{
    return (gc_transition_t){0, next_status, event_kind, NULL};
}

static gc_transition_t refuse(int error, const char *why)
{
    return (gc_transition_t){error, 0, 0, why};
}

bool gc_lifecycle_clock_runs(int status)
{
    switch (status) {
    case GRIDCASE__CASE_STATUS__CASE_STATUS_SUBMITTED:
    case GRIDCASE__CASE_STATUS__CASE_STATUS_ROUTED:
    case GRIDCASE__CASE_STATUS__CASE_STATUS_TRIAGE:
    case GRIDCASE__CASE_STATUS__CASE_STATUS_ACCEPTED:
    case GRIDCASE__CASE_STATUS__CASE_STATUS_IN_PROGRESS:
    case GRIDCASE__CASE_STATUS__CASE_STATUS_GRID_TASK:
        return true;
    default:
        return false;
    }
}

bool gc_lifecycle_can_rise(int level)
{
    return level >= GRIDCASE__LEVEL__LEVEL_GRID && level < GRIDCASE__LEVEL__LEVEL_DISTRICT;
}

/* Why a leader of one level may not settle on the spot a case open at another, indexed
 * [acting level][case's level]; the diagonal is allowed. A lower level's leader no longer owns
 * the case once it climbed; a higher level's has not been given it yet (escalation is how a
 * case reaches it, with its deadline and the departments of that level). */
#define TOO_LOW(actor, owner)                                                                   \
    "the case is at the " owner ": a " actor "'s leader cannot close it on the spot; its "     \
    owner "'s leader can"
#define TOO_HIGH(actor, owner)                                                                  \
    "the case is still at the " owner ": a " actor "'s leader cannot close it on the spot; "   \
    "escalate it to the " actor " first, or its " owner "'s leader closes it"
static const char *const spot_refusal[GRIDCASE__LEVEL__LEVEL_DISTRICT + 1]
                                     [GRIDCASE__LEVEL__LEVEL_DISTRICT + 1] = {
    [GRIDCASE__LEVEL__LEVEL_GRID] = {
        [GRIDCASE__LEVEL__LEVEL_COMMUNITY] = TOO_LOW("grid", "community"),
        [GRIDCASE__LEVEL__LEVEL_STREET] = TOO_LOW("grid", "street"),
        [GRIDCASE__LEVEL__LEVEL_DISTRICT] = TOO_LOW("grid", "district"),
    },
    [GRIDCASE__LEVEL__LEVEL_COMMUNITY] = {
        [GRIDCASE__LEVEL__LEVEL_GRID] = TOO_HIGH("community", "grid"),
        [GRIDCASE__LEVEL__LEVEL_STREET] = TOO_LOW("community", "street"),
        [GRIDCASE__LEVEL__LEVEL_DISTRICT] = TOO_LOW("community", "district"),
    },
    [GRIDCASE__LEVEL__LEVEL_STREET] = {
        [GRIDCASE__LEVEL__LEVEL_GRID] = TOO_HIGH("street", "grid"),
        [GRIDCASE__LEVEL__LEVEL_COMMUNITY] = TOO_HIGH("street", "community"),
        [GRIDCASE__LEVEL__LEVEL_DISTRICT] = TOO_LOW("street", "district"),
    },
    [GRIDCASE__LEVEL__LEVEL_DISTRICT] = {
        [GRIDCASE__LEVEL__LEVEL_GRID] = TOO_HIGH("district", "grid"),
        [GRIDCASE__LEVEL__LEVEL_COMMUNITY] = TOO_HIGH("district", "community"),
        [GRIDCASE__LEVEL__LEVEL_STREET] = TOO_HIGH("district", "street"),
    },
};

static bool known_level(int level)
{
    return level >= GRIDCASE__LEVEL__LEVEL_GRID && level <= GRIDCASE__LEVEL__LEVEL_DISTRICT;
}

/* 小事不出网格/社区, 大事不出街道: the leader of the level that owns the case settles it there,
 * and the RESOLVED_ON_SPOT event carries that level, so it counts as closed at that level. */
static gc_transition_t resolve_on_spot(int status, int level, int acting_level, bool has_note)
{
    const int invalid = GRIDCASE__ERROR_CODE__ERROR_CODE_INVALID_STATE;
    if (acting_level == GRIDCASE__LEVEL__LEVEL_UNSPECIFIED)
        acting_level = GRIDCASE__LEVEL__LEVEL_GRID; /* clients from before the field */
    if (!known_level(acting_level))
        return refuse(GRIDCASE__ERROR_CODE__ERROR_CODE_INVALID_ARGUMENT, "unknown level");
    /* the grid's clients have always closed without a note; above the grid the record of how
     * the dispute was settled is what the community or street answers for */
    if (acting_level != GRIDCASE__LEVEL__LEVEL_GRID && !has_note)
        return refuse(GRIDCASE__ERROR_CODE__ERROR_CODE_INVALID_ARGUMENT,
                      "settling a case on the spot above the grid needs a note saying how");
    /* not behind a department's back: once one accepted, the case's level verifies its work */
    if (status != GRIDCASE__CASE_STATUS__CASE_STATUS_SUBMITTED
        && status != GRIDCASE__CASE_STATUS__CASE_STATUS_TRIAGE
        && status != GRIDCASE__CASE_STATUS__CASE_STATUS_GRID_TASK
        && status != GRIDCASE__CASE_STATUS__CASE_STATUS_ROUTED)
        return refuse(invalid, "only a case no department has accepted can be resolved on "
                               "the spot");
    if (!known_level(level))
        return refuse(invalid, "the case has no level");
    if (acting_level != level)
        return refuse(invalid, spot_refusal[acting_level][level]);
    return allow(GRIDCASE__CASE_STATUS__CASE_STATUS_CLOSED,
                 GRIDCASE__EVENT_KIND__EVENT_KIND_RESOLVED_ON_SPOT);
}

gc_transition_t gc_lifecycle_command(int command, int status, int level, int acting_level,
                                     bool has_note)
{
    const int invalid = GRIDCASE__ERROR_CODE__ERROR_CODE_INVALID_STATE;
    const int need_note = GRIDCASE__ERROR_CODE__ERROR_CODE_INVALID_ARGUMENT;
    switch (command) {
    case GRIDCASE__COMMAND_KIND__COMMAND_KIND_NOTE:
        if (!has_note)
            return refuse(need_note, "a note needs text");
        return allow(status, GRIDCASE__EVENT_KIND__EVENT_KIND_NOTED);
    case GRIDCASE__COMMAND_KIND__COMMAND_KIND_RESOLVE_ON_SPOT:
        return resolve_on_spot(status, level, acting_level, has_note);
    case GRIDCASE__COMMAND_KIND__COMMAND_KIND_VERIFY:
        if (status != GRIDCASE__CASE_STATUS__CASE_STATUS_RESOLVED)
            return refuse(invalid, "only a resolved case can be verified");
        return allow(GRIDCASE__CASE_STATUS__CASE_STATUS_CLOSED,
                     GRIDCASE__EVENT_KIND__EVENT_KIND_VERIFIED);
    case GRIDCASE__COMMAND_KIND__COMMAND_KIND_REOPEN:
        if (!has_note)
            return refuse(need_note, "a reopen needs a reason");
        if (status != GRIDCASE__CASE_STATUS__CASE_STATUS_RESOLVED)
            return refuse(invalid, "only a resolved case can be reopened");
        return allow(GRIDCASE__CASE_STATUS__CASE_STATUS_ROUTED,
                     GRIDCASE__EVENT_KIND__EVENT_KIND_REOPENED);
    case GRIDCASE__COMMAND_KIND__COMMAND_KIND_REQUEST_ESCALATION:
        if (!has_note)
            return refuse(need_note, "an escalation request needs a reason");
        if (!gc_lifecycle_clock_runs(status))
            return refuse(invalid, "the case is already resolved or closed");
        if (!gc_lifecycle_can_rise(level))
            return refuse(invalid, "the case is already at the district");
        return allow(status, GRIDCASE__EVENT_KIND__EVENT_KIND_ESCALATION_REQUESTED);
    case GRIDCASE__COMMAND_KIND__COMMAND_KIND_MEETING_OUTCOME:   /* gc_lifecycle_meeting */
    case GRIDCASE__COMMAND_KIND__COMMAND_KIND_DECIDE_EXTENSION: /* ..._extension_decision */
        return refuse(GRIDCASE__ERROR_CODE__ERROR_CODE_INVALID_ARGUMENT,
                      "this command is decided with its own fields");
    case GRIDCASE__COMMAND_KIND__COMMAND_KIND_SET_CATEGORY:
        /* a case in the triage queue: no rule matched, or its department returned it */
        if (status != GRIDCASE__CASE_STATUS__CASE_STATUS_TRIAGE)
            return refuse(invalid, "only a case in the triage queue can change category");
        return allow(status, GRIDCASE__EVENT_KIND__EVENT_KIND_RECATEGORIZED);
    default:
        return refuse(GRIDCASE__ERROR_CODE__ERROR_CODE_INVALID_ARGUMENT, "unknown command");
    }
}

bool gc_lifecycle_unrouted(int status)
{
    return status == GRIDCASE__CASE_STATUS__CASE_STATUS_SUBMITTED
           || status == GRIDCASE__CASE_STATUS__CASE_STATUS_TRIAGE
           || status == GRIDCASE__CASE_STATUS__CASE_STATUS_GRID_TASK;
}

gc_transition_t gc_lifecycle_meeting(int outcome, int status, int level, bool has_note)
{
    const int invalid = GRIDCASE__ERROR_CODE__ERROR_CODE_INVALID_STATE;
    if (!gc_lifecycle_clock_runs(status))
        return refuse(invalid, "the case is already resolved or closed");
    if (level != GRIDCASE__LEVEL__LEVEL_STREET)
        return refuse(invalid, "only a case at the street is on a joint meeting's agenda");
    switch (outcome) {
    case GRIDCASE__MEETING_OUTCOME__MEETING_OUTCOME_ASSIGN_JOINT:
        return allow(gc_lifecycle_unrouted(status) ? GRIDCASE__CASE_STATUS__CASE_STATUS_ROUTED : status,
                     GRIDCASE__EVENT_KIND__EVENT_KIND_MEETING_DECIDED);
    case GRIDCASE__MEETING_OUTCOME__MEETING_OUTCOME_NEW_DEADLINE:
        return allow(status, GRIDCASE__EVENT_KIND__EVENT_KIND_MEETING_DECIDED);
    case GRIDCASE__MEETING_OUTCOME__MEETING_OUTCOME_CLOSE:
        if (!has_note)
            return refuse(GRIDCASE__ERROR_CODE__ERROR_CODE_INVALID_ARGUMENT,
                          "closing by a joint meeting needs a reason");
        return allow(GRIDCASE__CASE_STATUS__CASE_STATUS_CLOSED,
                     GRIDCASE__EVENT_KIND__EVENT_KIND_MEETING_DECIDED);
    default:
        return refuse(GRIDCASE__ERROR_CODE__ERROR_CODE_INVALID_ARGUMENT,
                      "unknown meeting outcome");
    }
}

gc_transition_t gc_lifecycle_extension_decision(bool grant, int status)
{
    if (!gc_lifecycle_clock_runs(status))
        return refuse(GRIDCASE__ERROR_CODE__ERROR_CODE_INVALID_STATE,
                      "the case is already resolved or closed");
    return allow(status, grant ? GRIDCASE__EVENT_KIND__EVENT_KIND_EXTENSION_GRANTED
                               : GRIDCASE__EVENT_KIND__EVENT_KIND_EXTENSION_REFUSED);
}

gc_transition_t gc_lifecycle_dept_action(int action, int status, bool is_lead, bool has_note)
{
    const int invalid = GRIDCASE__ERROR_CODE__ERROR_CODE_INVALID_STATE;
    bool in_hand = status == GRIDCASE__CASE_STATUS__CASE_STATUS_ROUTED
                   || status == GRIDCASE__CASE_STATUS__CASE_STATUS_ACCEPTED
                   || status == GRIDCASE__CASE_STATUS__CASE_STATUS_IN_PROGRESS;
    switch (action) {
    case GRIDCASE__DEPT_ACTION_KIND__DEPT_ACTION_KIND_ACCEPT:
        if (is_lead && status != GRIDCASE__CASE_STATUS__CASE_STATUS_ROUTED)
            return refuse(invalid, "only a newly routed case can be accepted");
        if (!in_hand)
            return refuse(invalid, "the case is not open with the departments");
        return allow(is_lead ? GRIDCASE__CASE_STATUS__CASE_STATUS_ACCEPTED : status,
                     GRIDCASE__EVENT_KIND__EVENT_KIND_ACCEPTED);
    case GRIDCASE__DEPT_ACTION_KIND__DEPT_ACTION_KIND_PROGRESS:
        if (!in_hand)
            return refuse(invalid, "the case is not open with the departments");
        return allow(is_lead ? GRIDCASE__CASE_STATUS__CASE_STATUS_IN_PROGRESS : status,
                     GRIDCASE__EVENT_KIND__EVENT_KIND_PROGRESS);
    case GRIDCASE__DEPT_ACTION_KIND__DEPT_ACTION_KIND_RESOLVE:
        if (!in_hand)
            return refuse(invalid, "the case is not open with the departments");
        return allow(is_lead ? GRIDCASE__CASE_STATUS__CASE_STATUS_RESOLVED : status,
                     GRIDCASE__EVENT_KIND__EVENT_KIND_RESOLVED);
    case GRIDCASE__DEPT_ACTION_KIND__DEPT_ACTION_KIND_RETURN:
        if (!has_note)
            return refuse(GRIDCASE__ERROR_CODE__ERROR_CODE_INVALID_ARGUMENT,
                          "a return needs a reason");
        if (!in_hand)
            return refuse(invalid, "the case is not open with the departments");
        /* the lead's return sends the case to the street's triage queue for a new category */
        return allow(is_lead ? GRIDCASE__CASE_STATUS__CASE_STATUS_TRIAGE : status,
                     GRIDCASE__EVENT_KIND__EVENT_KIND_RETURNED);
    case GRIDCASE__DEPT_ACTION_KIND__DEPT_ACTION_KIND_REQUEST_EXTENSION:
        if (!has_note)
            return refuse(GRIDCASE__ERROR_CODE__ERROR_CODE_INVALID_ARGUMENT,
                          "an extension request needs a reason");
        if (!in_hand)
            return refuse(invalid, "the case is not open with the departments");
        /* the deadline is the lead's to keep */
        if (!is_lead)
            return refuse(invalid, "only the lead department can ask for an extension");
        return allow(status, GRIDCASE__EVENT_KIND__EVENT_KIND_EXTENSION_REQUESTED);
    default:
        return refuse(GRIDCASE__ERROR_CODE__ERROR_CODE_INVALID_ARGUMENT, "unknown action");
    }
}
