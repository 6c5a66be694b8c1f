/* case_router: consumes the case event log and decides which departments get each case.
 * New cases are routed by the rules (most specific area wins, level-specific over any-level);
 * reopened cases go back to their departments; escalated cases are routed again for the new
 * level and the departments already on them are told. A case no rule matches goes to the
 * street's triage queue. Each delivery gets the department's next delivery sequence number. */
#ifndef CASE_ROUTER_H
#define CASE_ROUTER_H

#include "gc_event.h"

#include <libpq-fe.h>
#include <stdbool.h>

/* Registers routing's statements (gc_pg_register); call once before connecting. */
void case_router_register(void);

/* gc_consumer_wants_fn: the events routing acts on. */
bool case_router_wants(const gc_event_t *ev);

/* The kinds case_router_wants accepts, as gc_consumer_t.kinds ("{submitted,...}"). */
const char *case_router_kinds(void);

/* gc_consumer_locks_late_fn: new cases (SUBMITTED), routed by gc_route_new_cases, which takes
 * the event stream lock after their case rows (gc_route_run, deploy/schema/functions/routing.sql). */
bool case_router_locks_late(const gc_event_t *ev);

/* gc_consumer_apply_fn for the "routing" consumer; ctx unused. */
bool case_router_apply(PGconn *db, const gc_event_t *ev, void *ctx);

#endif
