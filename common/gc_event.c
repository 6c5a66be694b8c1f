/* gc_event: event rows to structs to wire messages. */
#include "gc_event.h"

#include "gc_names.h"
#include "gc_pg.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

/* The columns gc_event_from_row reads, in order, come from gc_event_rows
 * (deploy/schema/functions/events.sql): a PL/pgSQL function, so that PostgreSQL keeps its plan
 * for the session. */
void gc_event_register(void)
{
    gc_pg_register("gc_load_events", "SELECT * FROM gc_event_rows($1, $2)", 2);
    gc_pg_register("gc_load_events_of", "SELECT * FROM gc_event_rows($1, $2, $3, $4)", 4);
}

PGresult *gc_event_load(PGconn *db, uint64_t after, int limit)
{
    char a[32], l[16];
    snprintf(a, sizeof a, "%" PRIu64, after);
    snprintf(l, sizeof l, "%d", limit);
    const char *params[] = {a, l};
    PGresult *res = gc_pg_query_prepared(db, "gc_load_events", 2, params);
    if (!gc_pg_ok(res)) {
        PQclear(res);
        return NULL;
    }
    return res;
}

PGresult *gc_event_load_kinds(PGconn *db, uint64_t after, uint64_t upto, int limit,
                              const char *kinds)
{
    char a[32], l[16], u[32];
    snprintf(a, sizeof a, "%" PRIu64, after);
    snprintf(l, sizeof l, "%d", limit);
    snprintf(u, sizeof u, "%" PRIu64, upto);
    const char *params[] = {a, l, u, kinds};
    PGresult *res = gc_pg_query_prepared(db, "gc_load_events_of", 4, params);
    if (!gc_pg_ok(res)) {
        PQclear(res);
        return NULL;
    }
    return res;
}

void gc_event_from_row(const PGresult *res, int row, gc_event_t *ev)
{
    ev->seq = strtoull(PQgetvalue(res, row, 0), NULL, 10);
    ev->case_id = strtoll(PQgetvalue(res, row, 1), NULL, 10);
    ev->case_ref = PQgetvalue(res, row, 2);
    ev->kind = gc_event_kind_value(PQgetvalue(res, row, 3));
    ev->at_ms = strtoll(PQgetvalue(res, row, 4), NULL, 10);
    ev->area = PQgetvalue(res, row, 5);
    ev->category = PQgetvalue(res, row, 6);
    ev->level = gc_level_value(PQgetvalue(res, row, 7));
    ev->status = gc_status_value(PQgetvalue(res, row, 8));
    ev->department = PQgetvalue(res, row, 9);
    ev->actor = PQgetvalue(res, row, 10);
    ev->note = PQgetvalue(res, row, 11);
    ev->source = gc_source_value(PQgetvalue(res, row, 12));
    ev->leader_area = PQgetvalue(res, row, 13);
    ev->created_ms = strtoll(PQgetvalue(res, row, 14), NULL, 10);
    ev->reported_on = PQgetvalue(res, row, 15);
}

void gc_event_to_proto(const gc_event_t *ev, Gridcase__CaseEvent *msg)
{
    gridcase__case_event__init(msg);
    msg->seq = ev->seq;
    msg->case_ref = (char *)ev->case_ref;
    msg->kind = (Gridcase__EventKind)ev->kind;
    msg->at_ms = ev->at_ms;
    msg->area = (char *)ev->area;
    msg->category = (char *)ev->category;
    msg->level = (Gridcase__Level)ev->level;
    msg->status = (Gridcase__CaseStatus)ev->status;
    msg->department = (char *)ev->department;
    msg->actor = (char *)ev->actor;
    msg->note = (char *)ev->note;
    msg->source = (Gridcase__Source)ev->source;
    msg->leader_area = (char *)ev->leader_area;
}

bool gc_event_lock_stream(PGconn *db)
{
    return gc_pg_run(db, "lock event stream", "SELECT gc_lock_event_stream()", 0, NULL);
}

bool gc_event_begin_writer(PGconn *db)
{
    if (!gc_pg_begin(db))
        return false;
    if (gc_event_lock_stream(db))
        return true;
    gc_pg_rollback(db);
    return false;
}

int64_t gc_event_last_seq(PGconn *db)
{
    PGresult *res = gc_pg_query(db, "last event seq",
                                "SELECT last_seq FROM event_streams WHERE stream = 'case'", 0, NULL);
    int64_t seq = gc_pg_ok(res) && PQntuples(res) == 1 ? strtoll(PQgetvalue(res, 0, 0), NULL, 10)
                                                        : -1;
    PQclear(res);
    return seq;
}
