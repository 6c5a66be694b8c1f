/* joint_meeting: a street joint meeting's (联席会议) decision on a case on its agenda: joint
 * enforcement by named departments, a new deadline, or closing it. Runs inside intake's batch
 * transaction with the case row locked; a refusal leaves *error / *why set and the caller rolls
 * the request back. */
#ifndef JOINT_MEETING_H
#define JOINT_MEETING_H

#include "gc_case.h"
#include "intake.pb-c.h"

#include <libpq-fe.h>
#include <stdbool.h>

#define JOINT_MEETING_MAX_DEPARTMENTS 10
#define JOINT_MEETING_MAX_DEADLINE_MS 253402300799999LL /* 9999-12-31T23:59:59.999Z */

/* Applies a MEETING_OUTCOME command that gc_lifecycle_meeting allowed as t. False when the
 * database failed. */
bool joint_meeting_decide(PGconn *db, const gc_case_row_t *c, const gc_transition_t *t,
                          const Gridcase__CaseCommand *cmd, int *error, const char **why);

#endif
