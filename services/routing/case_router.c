/* case_router: routing decisions and deliveries, in the consumer's transaction. */
#include "case_router.h"

#include "gc_case.h"
#include "gc_log.h"
#include "gc_names.h"
#include "gc_pg.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The departments of the best-matching rules for (category, area, level), lead first: the
 * rule is gc_best_rules (deploy/schema/functions/routing.sql). */
static PGresult *match_rules(PGconn *db, const char *category, const char *area, const char *level)
{
    const char *params[] = {category, area, level};
    return gc_pg_query(db, "match routing rules",
                       "SELECT department, is_lead FROM gc_best_rules($1, $2, $3) ORDER BY ord",
                       3, params);
}

/* Queues one delivery for a department under its next delivery seq. */
static bool deliver(PGconn *db, const char *case_id, const char *department, const char *reason,
                    const char *is_lead, const char *note)
{
    const char *params[] = {department, case_id, reason, is_lead, note};
    return gc_pg_run(db, "queue delivery",
                     "WITH s AS (UPDATE department_delivery_state SET last_seq = last_seq + 1 "
                     "  WHERE department = $1 RETURNING last_seq) "
                     "INSERT INTO deliveries (department, seq, case_id, reason, is_lead, note, "
                     "  created_at) SELECT $1, s.last_seq, $2, $3, $4, $5, gc_now() FROM s",
                     5, params);
}

/* Sets the status and a fresh deadline for the case's current level. */
static bool start_clock(PGconn *db, const char *case_id, const char *status)
{
    const char *params[] = {case_id, status};
    return gc_pg_run(db, "start clock",
                     "UPDATE cases SET status = $2, updated_at = gc_now(), "
                     "deadline_at = gc_deadline(category, level) WHERE id = $1",
                     2, params);
}

static bool append(PGconn *db, const char *case_id, const char *kind, const char *department,
                   const char *note)
{
    const char *params[] = {case_id, kind, department, note};
    return gc_pg_run(db, "append event",
                     "SELECT gc_append_event($1, $2, $3, 'routing', $4)", 4, params);
}

/* Assigns the departments of the matching rule for the case's level and appends one ROUTED
 * event for each department new to the case (delivering it). The rule's lead becomes the only
 * lead: after an escalation the new level's lead takes over (e.g. the district planning bureau
 * for confirmed illegal construction) and the former lead stays on as a co-handler.
 * *assigned counts the departments new to the case. */
static bool assign_by_rules(PGconn *db, const char *case_id, const gc_case_row_t *c,
                            const char *reason, const char *note, int *assigned)
{
    PGresult *rules = match_rules(db, c->category, c->area, gc_level_name(c->level));
    bool ok = gc_pg_ok(rules);
    *assigned = 0;
    for (int i = 0; ok && i < PQntuples(rules); i++) {
        const char *dept = PQgetvalue(rules, i, 0), *lead = PQgetvalue(rules, i, 1);
        const char *params[] = {case_id, dept, lead};
        if (strcmp(lead, "t") == 0)
            ok = gc_pg_run(db, "demote former lead",
                           "UPDATE case_assignments SET is_lead = false "
                           "WHERE case_id = $1 AND department <> $2 AND is_lead",
                           2, params);
        PGresult *ins = gc_pg_query(db, "assign",
                                    "INSERT INTO case_assignments (case_id, department, is_lead) "
                                    "VALUES ($1, $2, $3) ON CONFLICT (case_id, department) DO "
                                    "UPDATE SET is_lead = EXCLUDED.is_lead, active = true "
                                    "RETURNING (xmax = 0)",
                                    3, params);
        ok = ok && gc_pg_ok(ins) && PQntuples(ins) == 1;
        bool fresh = ok && strcmp(PQgetvalue(ins, 0, 0), "t") == 0;
        PQclear(ins);
        if (fresh) {
            ok = deliver(db, case_id, dept, reason, lead, note)
                 && append(db, case_id, "routed", dept, note);
            ++*assigned;
        }
    }
    PQclear(rules);
    return ok;
}

/* Delivers the case again to every active department on it (reopen, escalation). */
static bool redeliver(PGconn *db, const char *case_id, const char *reason, const char *note,
                      bool lead_only)
{
    const char *params[] = {case_id, lead_only ? "t" : "f"};
    PGresult *res = gc_pg_query(db, "departments on case",
                                "SELECT department, is_lead FROM case_assignments "
                                "WHERE case_id = $1 AND active AND (is_lead OR NOT $2)",
                                2, params);
    bool ok = gc_pg_ok(res);
    for (int i = 0; ok && i < PQntuples(res); i++)
        ok = deliver(db, case_id, PQgetvalue(res, i, 0), reason, PQgetvalue(res, i, 1), note);
    PQclear(res);
    return ok;
}

/* New cases are routed in runs, one statement for a run instead of ~6 round trips per case:
 * gc_route_new_cases() (deploy/schema/functions/routing.sql: set-based, taking the event
 * stream lock last) starts at the
 * SUBMITTED event the consumer has reached and routes, in log order, the case of every SUBMITTED
 * event up to the first event it must leave to the C code below (a reopen, an escalation, a
 * withdrawal...), so each case still sees its events in order. It may run past the end of the
 * consumer's batch; those SUBMITTED events are then skipped here (below), or, after a restart,
 * find their case no longer 'submitted' in the database and do nothing.
 *
 * routed_through: the last SUBMITTED event the current transaction has routed. The consumer
 * calls apply with strictly increasing seqs within a transaction and across committed ones; a
 * seq at or below the last one seen means the previous transaction was rolled back and the
 * batch is being applied again, so what it routed is gone and the memory is dropped. A memory
 * left from a committed transaction stays right: those cases are routed for good. (One
 * consumer per process, and the consumer's ctx is not ours to set: plain statics.) */
#define ROUTE_RUN_MAX 256 /* events read per statement: bounds one statement's work */
static uint64_t routed_through, last_seen;

static bool route_run(PGconn *db, const gc_event_t *ev)
{
    if (ev->seq <= last_seen)
        routed_through = 0; /* a batch applied again after a rollback */
    last_seen = ev->seq;
    if (ev->seq <= routed_through)
        return true; /* routed by the run that started at an earlier SUBMITTED event */
    char from[32], limit[16];
    snprintf(from, sizeof from, "%" PRIu64, ev->seq);
    snprintf(limit, sizeof limit, "%d", ROUTE_RUN_MAX);
    const char *params[] = {from, limit};
    PGresult *res = gc_pg_query_prepared(db, "gc_route_new_cases", 2, params);
    bool ok = gc_pg_ok(res);
    if (ok && PQntuples(res) == 0) { /* the event at ev->seq is SUBMITTED: cannot happen */
        gc_log_error("routing: no SUBMITTED event at seq %" PRIu64 " in the log", ev->seq);
        ok = false;
    }
    for (int i = 0; ok && i < PQntuples(res); i++) {
        const char *ref = PQgetvalue(res, i, 1), *area = PQgetvalue(res, i, 2);
        const char *outcome = PQgetvalue(res, i, 3);
        if (strcmp(outcome, "routed") == 0)
            gc_log_info("case %s routed to %s department(s)", ref, PQgetvalue(res, i, 4));
        else if (strcmp(outcome, "triage_no_grid") == 0)
            gc_log_info("case %s has no grid: sent to the triage queue of %s", ref, area);
        else if (strcmp(outcome, "triage_no_rule") == 0)
            gc_log_info("case %s: no routing rule, sent to the street's triage queue", ref);
        routed_through = strtoull(PQgetvalue(res, i, 0), NULL, 10);
    }
    PQclear(res);
    return ok;
}

static bool route_escalated(PGconn *db, const char *case_id, const gc_case_row_t *c,
                            const char *note)
{
    if (!gc_lifecycle_clock_runs(c->status))
        return true;
    /* a case no department held (triage) becomes routed if the new level has a rule: set it
     * first so the ROUTED events carry it, and put it back if no department is added */
    bool unrouted = gc_lifecycle_unrouted(c->status);
    const char *status[] = {case_id, gc_status_name(c->status)};
    int assigned;
    /* tell the departments already on the case first, then add the new level's departments */
    if (!redeliver(db, case_id, "escalated", note, false)
        || (unrouted && !gc_pg_run(db, "routed", "UPDATE cases SET status = 'routed' WHERE id = $1",
                                   1, status))
        || !assign_by_rules(db, case_id, c, "escalated", note, &assigned)
        || (unrouted && !assigned
            && !gc_pg_run(db, "still unrouted", "UPDATE cases SET status = $2 WHERE id = $1", 2,
                          status)))
        return false;
    gc_log_info("case %s escalated to %s: %d new department(s)", c->ref,
                gc_level_name(c->level), assigned);
    return true;
}

/* The street corrected the category of a triaged case: route it by the new one. Departments
 * that had returned it are forgotten, so the corrected category may send it back to them. */
static bool route_recategorized(PGconn *db, const char *case_id, const gc_case_row_t *c)
{
    if (c->status != GRIDCASE__CASE_STATUS__CASE_STATUS_TRIAGE)
        return true;
    const char *params[] = {case_id};
    int assigned;
    if (!gc_pg_run(db, "forget returns",
                   "DELETE FROM case_assignments WHERE case_id = $1 AND NOT active", 1, params)
        || !start_clock(db, case_id, "routed")
        || !assign_by_rules(db, case_id, c, "new", "category corrected", &assigned))
        return false;
    if (assigned) {
        gc_log_info("case %s re-routed by its corrected category %s", c->ref, c->category);
        return true;
    }
    return start_clock(db, case_id, "triage")
           && append(db, case_id, "triaged", "", "no routing rule for the corrected category");
}

/* The leader of the case's level resolved it on the spot, or a joint meeting closed it: tell
 * its departments (every active one: an escalated case may have gained some) to stop, and
 * release them. */
static bool withdraw(PGconn *db, const char *case_id, const gc_case_row_t *c, const char *why)
{
    const char *params[] = {case_id};
    gc_log_info("case %s %s: withdrawn from its departments", c->ref, why);
    return redeliver(db, case_id, "withdrawn", why, false)
           && gc_pg_run(db, "release departments",
                        "UPDATE case_assignments SET active = false WHERE case_id = $1", 1,
                        params);
}

/* A joint meeting gave the department joint enforcement (joint_meeting.c in intake wrote the
 * assignment): deliver the case to it. */
static bool deliver_joint(PGconn *db, const char *case_id, const gc_case_row_t *c,
                          const char *department)
{
    if (!gc_lifecycle_clock_runs(c->status))
        return true; /* closed or resolved meanwhile */
    const char *params[] = {case_id, department};
    PGresult *res = gc_pg_query(db, "joint assignment",
                                "SELECT is_lead FROM case_assignments "
                                "WHERE case_id = $1 AND department = $2 AND active",
                                2, params);
    bool ok = gc_pg_ok(res);
    if (ok && PQntuples(res) == 1) {
        gc_log_info("case %s: joint enforcement by %s", c->ref, department);
        ok = deliver(db, case_id, department, "joint_meeting", PQgetvalue(res, 0, 0),
                     "assigned by the street's joint meeting")
             && append(db, case_id, "routed", department, "joint meeting");
    }
    PQclear(res);
    return ok;
}

void case_router_register(void)
{
    gc_pg_register("gc_route_new_cases",
                   "SELECT event_seq, case_ref, case_area, outcome, departments_added "
                   "FROM gc_route_new_cases($1, $2)",
                   2);
}

/* The kinds of event routing acts on; every other event is passed over in the database
 * (case_router_kinds), half of the log under load being routing's own ROUTED events. */
static const int acted_on[] = {GRIDCASE__EVENT_KIND__EVENT_KIND_SUBMITTED,
                               GRIDCASE__EVENT_KIND__EVENT_KIND_REOPENED,
                               GRIDCASE__EVENT_KIND__EVENT_KIND_ESCALATED,
                               GRIDCASE__EVENT_KIND__EVENT_KIND_RESOLVED_ON_SPOT,
                               GRIDCASE__EVENT_KIND__EVENT_KIND_RECATEGORIZED,
                               GRIDCASE__EVENT_KIND__EVENT_KIND_JOINT_ASSIGNED,
                               GRIDCASE__EVENT_KIND__EVENT_KIND_MEETING_DECIDED};
#define ACTED_ON (sizeof acted_on / sizeof acted_on[0])

const char *case_router_kinds(void)
{
    static char kinds[256];
    if (!*kinds) {
        size_t used = 0;
        for (size_t i = 0; i < ACTED_ON && used < sizeof kinds; i++)
            used += (size_t)snprintf(kinds + used, sizeof kinds - used, "%c%s", i ? ',' : '{',
                                     gc_event_kind_name(acted_on[i]));
        if (used + 2 > sizeof kinds)
            return NULL; /* cannot happen: the names are short; NULL reads every event */
        strcpy(kinds + used, "}");
    }
    return kinds;
}

bool case_router_wants(const gc_event_t *ev)
{
    size_t i = 0;
    while (i < ACTED_ON && acted_on[i] != ev->kind)
        i++;
    /* a meeting's decision only when it closed the case */
    return i < ACTED_ON
           && (ev->kind != GRIDCASE__EVENT_KIND__EVENT_KIND_MEETING_DECIDED
               || ev->status == GRIDCASE__CASE_STATUS__CASE_STATUS_CLOSED);
}

bool case_router_locks_late(const gc_event_t *ev)
{
    return ev->kind == GRIDCASE__EVENT_KIND__EVENT_KIND_SUBMITTED;
}

bool case_router_apply(PGconn *db, const gc_event_t *ev, void *ctx)
{
    (void)ctx;
    if (!case_router_wants(ev))
        return true;
    if (ev->kind == GRIDCASE__EVENT_KIND__EVENT_KIND_SUBMITTED)
        return route_run(db, ev);
    gc_case_row_t c;
    int found = gc_case_lock(db, ev->case_ref, &c);
    if (found <= 0)
        return found == 0; /* cases are never deleted; 0 would be a bug, not a retry */
    char case_id[32];
    snprintf(case_id, sizeof case_id, "%" PRId64, c.id);
    switch (ev->kind) {
    case GRIDCASE__EVENT_KIND__EVENT_KIND_RESOLVED_ON_SPOT: {
        /* the event's level is the one whose leader settled it: tell the departments who */
        char why[64];
        snprintf(why, sizeof why, "resolved on the spot by the %s",
                 gc_level_name(ev->level) ? gc_level_name(ev->level) : "grid");
        return withdraw(db, case_id, &c, why);
    }
    case GRIDCASE__EVENT_KIND__EVENT_KIND_MEETING_DECIDED:
        return withdraw(db, case_id, &c, "closed by the street's joint meeting");
    case GRIDCASE__EVENT_KIND__EVENT_KIND_JOINT_ASSIGNED:
        return deliver_joint(db, case_id, &c, ev->department);
    case GRIDCASE__EVENT_KIND__EVENT_KIND_RECATEGORIZED:
        return route_recategorized(db, case_id, &c);
    case GRIDCASE__EVENT_KIND__EVENT_KIND_REOPENED:
        if (!gc_lifecycle_clock_runs(c.status))
            return true; /* resolved again meanwhile */
        gc_log_info("case %s reopened: back to its lead department", c.ref);
        /* the reopen itself restarted the deadline (gc_case_apply) */
        return redeliver(db, case_id, "reopened", ev->note, true)
               && append(db, case_id, "routed", "", "reopened: delivered again");
    default:
        return route_escalated(db, case_id, &c, ev->note);
    }
}
