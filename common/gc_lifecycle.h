/* gc_lifecycle: the case state machine. Which command or department action applies to a case in
 * which status, and what status and event follow. Pure functions: no I/O. */
#ifndef GC_LIFECYCLE_H
#define GC_LIFECYCLE_H

#include <stdbool.h>

/* The outcome of a transition check. error is a Gridcase__ErrorCode, 0 when allowed. */
typedef struct {
    int error;
    int next_status; /* Gridcase__CaseStatus */
    int event_kind;  /* Gridcase__EventKind */
    const char *why; /* for an error: a sentence for the caller */
} gc_transition_t;

/* A person's command (Gridcase__CommandKind) on a case in status at level. has_note tells
 * whether a reason was given (required for REOPEN, REQUEST_ESCALATION and NOTE, and for
 * RESOLVE_ON_SPOT above the grid). acting_level (Gridcase__Level) is the level whose leader
 * acts, read by RESOLVE_ON_SPOT only: it must be the case's level (UNSPECIFIED = the grid). */
gc_transition_t gc_lifecycle_command(int command, int status, int level, int acting_level,
                                     bool has_note);

/* A department's action (Gridcase__DeptActionKind). Only the lead department moves the case's
 * status; a co-handler's action is recorded on the timeline and leaves the status alone. */
gc_transition_t gc_lifecycle_dept_action(int action, int status, bool is_lead, bool has_note);

/* A street joint meeting's decision (Gridcase__MeetingOutcome) on a case. Only a case open at
 * the street is on an agenda; closing needs a reason; assigning joint enforcement puts a case
 * no department held (triage, grid task) into the departments' hands. */
gc_transition_t gc_lifecycle_meeting(int outcome, int status, int level, bool has_note);

/* The level leader's decision on a pending extension request of an open case. */
gc_transition_t gc_lifecycle_extension_decision(bool grant, int status);

/* True while the handling clock runs: the case waits on someone at its level. */
bool gc_lifecycle_clock_runs(int status);

/* True while no department holds the case: new, in triage, or a task for the grid. */
bool gc_lifecycle_unrouted(int status);

/* True when a case at this level can still go up (grid, community, street): the district is
 * the top. Which level is next is decided where the case moves, gc_next_level
 * (deploy/schema/functions/escalation.sql). */
bool gc_lifecycle_can_rise(int level);

#endif
