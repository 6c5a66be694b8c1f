/* gc_event: reading the case event log (case_events joined with cases) and turning a row into
 * the CaseEvent wire message. The log is the truth; the ZeroMQ stream only rings the bell. */
#ifndef GC_EVENT_H
#define GC_EVENT_H

#include "events.pb-c.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

/* One event row. Strings point into the PGresult it was read from. */
typedef struct {
    uint64_t seq;
    int64_t case_id;
    const char *case_ref;
    int kind;      /* Gridcase__EventKind */
    int64_t at_ms;
    const char *area;       /* the case's grid, or its street when no grid holds it */
    const char *category;
    int level;     /* Gridcase__Level after the event */
    int status;    /* Gridcase__CaseStatus after the event */
    const char *department;
    const char *actor;
    const char *note;
    int source;    /* Gridcase__Source of the case */
    const char *leader_area; /* the area whose leader must act, or "" (see events.proto) */
    int64_t created_ms;      /* when the case was reported (Unix ms, gridcase clock) */
    const char *reported_on; /* that moment's local date in the district, YYYY-MM-DD */
} gc_event_t;

/* Registers gc_event_load's statement (gc_pg_register): every daemon that reads the log calls
 * it once before it connects. The readers (intake's publisher, routing, escalation, stats) each
 * read every event: the statement is parsed once per connection, and the function it calls
 * (gc_event_rows, deploy/schema/functions/events.sql) is planned once per connection, not once
 * per batch. */
void gc_event_register(void);

/* Reads up to limit events with seq > after, in seq order. NULL on failure (logged). */
PGresult *gc_event_load(PGconn *db, uint64_t after, int limit);

/* The same for the events of some kinds only (kinds: a text array literal of event_kind names,
 * e.g. "{escalation_requested}") with after < seq <= upto, where upto came from
 * gc_event_last_seq before: the others are passed over in the database. */
PGresult *gc_event_load_kinds(PGconn *db, uint64_t after, uint64_t upto, int limit,
                              const char *kinds);

void gc_event_from_row(const PGresult *res, int row, gc_event_t *ev);

/* Fills msg (initialised here) from ev; msg's strings borrow ev's. */
void gc_event_to_proto(const gc_event_t *ev, Gridcase__CaseEvent *msg);

/* Begins a transaction that will append events: takes the event stream's counter lock first,
 * before any case row, so that writers always lock in one order and cannot deadlock. Writers
 * are serialised from here to commit; keep these transactions short. */
bool gc_event_begin_writer(PGconn *db);

/* Takes the event stream's counter lock inside an open transaction (see above). */
bool gc_event_lock_stream(PGconn *db);

/* The highest seq in the log (0 when empty), or -1 on failure. Every event up to it is
 * committed and visible to the statements after this one: an event's seq is taken from the
 * counter row in the transaction that appends it, which holds the row until it commits. */
int64_t gc_event_last_seq(PGconn *db);

#endif
