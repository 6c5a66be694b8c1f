/* gc_case: the case store. Creating a case and moving it through the lifecycle, each change
 * with its event row in the caller's transaction. Used by intake (people), routing
 * (departments) and escalation. The checks on a submission's fields before it gets here are
 * gc_case_check.h; where a submission belongs, gc_case_place.h. */
#ifndef GC_CASE_H
#define GC_CASE_H

#include "gc_case_check.h"
#include "gc_geo.h"
#include "gc_lifecycle.h"
#include "intake.pb-c.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct {
    int64_t id;
    char ref[32];
    char area[GC_CASE_MAX_CODE + 1];
    char category[GC_CASE_MAX_CODE + 1];
    int status; /* Gridcase__CaseStatus */
    int level;  /* Gridcase__Level */
} gc_case_row_t;

typedef struct {
    int error;       /* Gridcase__ErrorCode, 0 on success */
    const char *why; /* for an error */
    char ref[32];
    char grid[GC_CASE_MAX_CODE + 1]; /* "" when no grid holds the case */
    char area[GC_CASE_MAX_CODE + 1]; /* the grid, or the street/district whose triage has it */
    char duplicate_of[32];           /* an open case of the same kind nearby, or "" */
    bool already_known;
    char why_buf[200];               /* a refusal that names a case */
} gc_submit_result_t;

/* Registers the prepared statements of this module (call once before connecting). */
void gc_case_register(void);

/* Stores a submission checked by gc_case_check_submit (or finds the case its idempotency key
 * already made, when the key was first used for the same request: IDEMPOTENCY_CONFLICT when it
 * was used for another, see request_digest in gc_case.c) and appends the SUBMITTED event. The case's area comes from gc_case_place: its
 * grid, else its location (areas: the district's boundaries), else its street. A department's
 * report (source DEPARTMENT) becomes a task for the grid's leader. Refusals (unknown grid or
 * category, outside the district...) are reported in out->error with nothing written. A
 * submission naming the person who reported it is checked by the rules first
 * (gc_report_permitted, deploy/schema/functions/rights.sql; application: the sending
 * application, NULL on a plain socket): NOT_PERMITTED naming the rule, or the submitted event in
 * the person's and application's name. Returns false only when the database failed. */
bool gc_case_submit(PGconn *db, const gc_area_index_t *areas, const Gridcase__SubmitCase *s,
                    const char *application, gc_submit_result_t *out);

/* Stores n checked submissions, none made from a diary entry, with one call of the database
 * function gc_submit_cases (deploy/schema/functions/intake.sql): one round trip and one advance
 * of the event counter for them all. out[i] receives exactly what gc_case_submit would give for
 * s[i] with the submissions stored one after the other in this order: a refusal
 * (placing the case, checked here before the database as gc_case_submit does, or an unknown
 * category), or the case: already_known for a key seen before (also earlier in the same batch;
 * refused with IDEMPOTENCY_CONFLICT when that was another request), its possible duplicate (also one stored earlier in the batch). Returns false when the database
 * call failed (out is then meaningless): the caller rolls back to a savepoint taken before it. */
bool gc_case_submit_batch(PGconn *db, const gc_area_index_t *areas, int n,
                          const Gridcase__SubmitCase *const *s, gc_submit_result_t *const *out);

/* Stores a checked diary entry; *id is its number. Refusals in *error and *why. False when the
 * database failed. */
bool gc_case_add_diary(PGconn *db, const gc_area_index_t *areas, const Gridcase__DiaryEntry *d,
                       uint64_t *id, int *error, const char **why);

/* Finds a case by reference and locks its row. 1 found, 0 unknown, -1 database failure. */
int gc_case_lock(PGconn *db, const char *ref, gc_case_row_t *row);

/* Changes a locked case's category and writes "old -> new" into note. 1 done, 0 unknown
 * category, -1 database failure. */
int gc_case_set_category(PGconn *db, const gc_case_row_t *row, const char *category, char *note,
                         size_t notelen);

/* Moves the case to t->next_status and appends t->event_kind with department, actor and note
 * (each may be NULL). Closing stops the clock; reopening restarts it. False on failure. */
bool gc_case_apply(PGconn *db, const gc_case_row_t *row, const gc_transition_t *t,
                   const char *department, const char *actor, const char *note);

#endif
