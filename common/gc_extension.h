/* gc_extension: deadline extensions (延期). A case's lead department asks for more handling
 * hours at the case's current level, with a reason; that level's leader grants or refuses. One
 * request per case waits for a decision at a time; an escalation lapses it (the new level's
 * leader decides afresh). Each function runs inside the caller's writer transaction, with the
 * case row locked (gc_case_lock), and appends the case's event. */
#ifndef GC_EXTENSION_H
#define GC_EXTENSION_H

#include "gc_case.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#define GC_EXTENSION_MAX_HOURS 720

/* Records department's request for hours more (1..GC_EXTENSION_MAX_HOURS). The caller has
 * checked that the department leads the case (gc_lifecycle_dept_action). Refusals in *error /
 * *why with nothing written. False when the database failed. */
bool gc_extension_request(PGconn *db, const gc_case_row_t *c, const char *department,
                          uint32_t hours, const char *reason, int *error, const char **why);

/* The leader's decision on the waiting request: a grant moves the deadline by the hours asked
 * (working hours when the category counts them). Refusals in *error / *why. False when the
 * database failed. */
bool gc_extension_decide(PGconn *db, const gc_case_row_t *c, bool grant, const char *actor,
                         const char *note, int *error, const char **why);

#endif
