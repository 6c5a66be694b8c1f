/* stats_round: the reads of a publishing round. */
#include "stats_round.h"

#include "gc_clock.h"
#include "gc_pg.h"
#include "stats.pb-c.h"
#include "stats_fill.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int stats_round_window(const char *kind)
{
    static const char *const kinds[STATS_WINDOWS] = {"day", "month", "year", "all"};
    for (int w = 0; w < STATS_WINDOWS; w++)
        if (strcmp(kind, kinds[w]) == 0)
            return w;
    return -1;
}

void stats_round_rows(const PGresult *r, int *cursor, const char *key, int *first, int *last)
{
    int n = PQntuples(r), i = *cursor;
    while (i < n && strcmp(PQgetvalue(r, i, 0), key) < 0)
        i++;
    *first = i;
    while (i < n && strcmp(PQgetvalue(r, i, 0), key) == 0)
        i++;
    *last = *cursor = i;
}

void stats_round_clear(stats_round_t *r)
{
    PQclear(r->now), PQclear(r->areas), PQclear(r->figures), PQclear(r->categories);
    PQclear(r->backlog), PQclear(r->departments), PQclear(r->dept_figures);
    PQclear(r->dept_backlog), PQclear(r->consumers);
    memset(r, 0, sizeof *r);
}

/* byte order, the order of strcmp in stats_round_rows */
#define BY(column) " ORDER BY " column " COLLATE \"C\""

bool stats_round_read(stats_round_t *r, PGconn *db, bool with_backlog)
{
    memset(r, 0, sizeof *r);
    bool ok = gc_pg_run(db, "round", "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, NULL);
    if (ok) {
        r->now = gc_pg_query(db, "current windows",
                             "SELECT w.window_kind, to_char(w.window_start, 'YYYY-MM-DD'), "
                             "(extract(epoch FROM gc_now()) * 1000)::bigint, "
                             "(SELECT last_seq FROM consumer_cursors WHERE consumer = 'stats'), "
                             "coalesce((SELECT code FROM areas WHERE parent_code IS NULL "
                             "  ORDER BY code LIMIT 1), ''), "
                             "(SELECT last_seq FROM event_streams WHERE stream = 'case') "
                             "FROM gc_stats_current_windows() w",
                             0, NULL);
        r->areas = gc_pg_query(db, "areas",
                               "SELECT code, name, level, coalesce(parent_code, ''), leader_name "
                               "FROM areas" BY("code"), 0, NULL);
        r->figures = gc_pg_query(db, "area figures", "SELECT * FROM stats_area_current" BY("area_code"),
                                 0, NULL);
        r->categories = gc_pg_query(db, "category figures",
                                    "SELECT * FROM stats_area_category_current" BY("area_code")
                                    ", category COLLATE \"C\"",
                                    0, NULL);
        long started = gc_clock_monotonic_ms();
        if (with_backlog)
            r->backlog = gc_pg_query(db, "backlog",
                                     "SELECT * FROM stats_area_backlog" BY("area_code") ", status",
                                     0, NULL);
        r->departments = gc_pg_query(db, "departments",
                                     "SELECT code, name FROM departments" BY("code"), 0, NULL);
        r->dept_figures = gc_pg_query(db, "department figures",
                                      "SELECT * FROM stats_department_current" BY("department"), 0, NULL);
        if (with_backlog)
            r->dept_backlog = gc_pg_query(db, "department backlog",
                                          "SELECT * FROM stats_department_backlog" BY("department"),
                                          0, NULL);
        r->backlog_took_ms = gc_clock_monotonic_ms() - started;
        /* every consumer of the event log, as far behind as this snapshot sees it: a daemon
         * that is down or stuck falls behind while events come in (a few rows: no cost) */
        r->consumers = gc_pg_query(db, "consumer lag",
                                   "SELECT c.consumer, s.last_seq - c.last_seq "
                                   "FROM consumer_cursors c, event_streams s "
                                   "WHERE s.stream = 'case'" BY("c.consumer"),
                                   0, NULL);
        ok = gc_pg_ok(r->now) && PQntuples(r->now) == STATS_WINDOWS && gc_pg_ok(r->areas)
             && gc_pg_ok(r->figures) && gc_pg_ok(r->categories) && gc_pg_ok(r->departments)
             && gc_pg_ok(r->dept_figures) && gc_pg_ok(r->consumers)
             && (!with_backlog || (gc_pg_ok(r->backlog) && gc_pg_ok(r->dept_backlog)));
    }
    gc_pg_rollback(db);
    if (!ok) {
        stats_round_clear(r);
        return false;
    }
    for (int w = 0; w < STATS_WINDOWS; w++) {
        int i = stats_round_window(PQgetvalue(r->now, w, 0));
        if (i >= 0)
            r->start[i] = PQgetvalue(r->now, w, 1);
    }
    r->at_ms = strtoll(PQgetvalue(r->now, 0, 2), NULL, 10);
    r->event_seq = strtoull(PQgetvalue(r->now, 0, 3), NULL, 10);
    r->district = PQgetvalue(r->now, 0, 4);
    r->log_end = strtoull(PQgetvalue(r->now, 0, 5), NULL, 10);
    return true;
}

const char *stats_round_check(PGconn *db)
{
    static char missing[200];
    stats_round_t r;
    if (!stats_round_read(&r, db, false))
        return NULL; /* the database failed: the rounds will say so */
    /* the backlogs' columns only: reading them whole takes seconds with a million open cases */
    r.backlog = gc_pg_query(db, "backlog columns", "SELECT * FROM stats_area_backlog LIMIT 0", 0,
                            NULL);
    r.dept_backlog = gc_pg_query(db, "department backlog columns",
                                 "SELECT * FROM stats_department_backlog LIMIT 0", 0, NULL);
    if (!gc_pg_ok(r.backlog) || !gc_pg_ok(r.dept_backlog)) {
        stats_round_clear(&r);
        return NULL;
    }
    struct {
        const ProtobufCMessageDescriptor *d;
        const PGresult *rows;
        const char *prefix, *view;
    } checks[] = {
        {&gridcase__figures__descriptor, r.figures, "", "stats_area_current"},
        {&gridcase__leader_figures__descriptor, r.figures, "leader_", "stats_area_current"},
        {&gridcase__category_window_figures__descriptor, r.categories, "",
         "stats_area_category_current"},
        {&gridcase__backlog__descriptor, r.backlog, "", "stats_area_backlog"},
        {&gridcase__status_count__descriptor, r.backlog, "", "stats_area_backlog"},
        {&gridcase__department_figures__descriptor, r.dept_figures, "",
         "stats_department_current"},
        {&gridcase__department_backlog__descriptor, r.dept_backlog, "",
         "stats_department_backlog"},
    };
    const char *found = NULL;
    for (size_t i = 0; !found && i < sizeof checks / sizeof checks[0]; i++) {
        const char *field = stats_fill_missing(checks[i].d, checks[i].rows, checks[i].prefix);
        if (field) {
            snprintf(missing, sizeof missing, "%s.%s (no column %s%s in %s)", checks[i].d->name,
                     field, checks[i].prefix, field, checks[i].view);
            found = missing;
        }
    }
    stats_round_clear(&r);
    return found;
}
