/* stats_round: what one publishing round reads, in one read-only snapshot of the database (so
 * every figure, the windows and the fold's cursor agree): the current windows, the areas and
 * departments, and the views of deploy/schema/functions/statistics_views.sql. Every result is
 * sorted by its first column (area or department code, byte order), so the publisher and the
 * Prometheus renderer walk them side by side. */
#ifndef STATS_ROUND_H
#define STATS_ROUND_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#define STATS_WINDOWS 4 /* today, month, year, all: in StatsWindow order */

typedef struct {
    PGresult *now;          /* per current window: kind, start, now (ms), cursor, district */
    PGresult *areas;        /* code, name, level, parent_code, leader_name */
    PGresult *figures;      /* stats_area_current */
    PGresult *categories;   /* stats_area_category_current, then by category */
    PGresult *backlog;      /* stats_area_backlog, then by status */
    PGresult *departments;  /* code, name */
    PGresult *dept_figures; /* stats_department_current */
    PGresult *dept_backlog; /* stats_department_backlog */
    PGresult *consumers;    /* consumer, lag: the log's last event minus the consumer's cursor */
    const char *start[STATS_WINDOWS]; /* each window's first day, YYYY-MM-DD */
    int64_t at_ms;
    const char *district;   /* the district's code: the department topics' prefix */
    uint64_t event_seq;     /* the fold's cursor: the figures include the log up to here */
    uint64_t log_end;       /* the last event in the log */
    long backlog_took_ms;   /* how long reading the backlogs took */
} stats_round_t;

/* Reads a round, with the two backlogs when with_backlog (they read the open cases: the
 * publisher reads them less often); false (and nothing to clear) when the database failed. */
bool stats_round_read(stats_round_t *r, PGconn *db, bool with_backlog);
void stats_round_clear(stats_round_t *r);

/* 0..3 for "day", "month", "year", "all"; -1 otherwise. */
int stats_round_window(const char *kind);

/* The rows [*first, *last) of r whose first column is key, searching from *cursor (rows sorted
 * by it, keys asked for in the same order); *cursor moves past them. */
void stats_round_rows(const PGresult *r, int *cursor, const char *key, int *first, int *last);

/* The first field of the stream's messages that a view has no column for (stats_fill_missing
 * over every message filled from a view), or NULL. Checked once, when gc-stats starts. */
const char *stats_round_check(PGconn *db);

#endif
