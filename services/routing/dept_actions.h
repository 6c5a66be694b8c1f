/* dept_actions: what departments do to cases on the department socket: accept, progress,
 * resolve, return, extension requests (a DeptAction on a case the department holds) and
 * inspection reports (a new case, a task for the grid's leader). Each runs in its own
 * transaction under the event stream lock and is answered with a DeptReply after commit. */
#ifndef DEPT_ACTIONS_H
#define DEPT_ACTIONS_H

#include "dept.pb-c.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

/* Runs an action (a) or an inspection report (report: a NULL) from the connection with routing
 * id id, whose department field the caller has set from its CURVE key, and replies on router.
 * request_id and case_ref are echoed in the reply. error and why: dept_decode's verdict on its
 * fields (error 0: may go to the database). False when the database failed. */
bool dept_actions_handle(void *router, PGconn *db, const void *id, size_t size,
                         const char *request_id, const char *case_ref,
                         const Gridcase__DeptAction *a, const Gridcase__InspectionReport *report,
                         int error, const char *why);

#endif
