/* stats_publisher: figures from stats_figures, summed over categories per area. */
#include "stats_publisher.h"

#include "gc_msg.h"
#include "gc_names.h"
#include "gc_pg.h"
#include "stats.pb-c.h"
#include "stats_fold.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CATEGORIES 256

struct stats_publisher {
    void *pub;
    json_t *seq_by_area; /* area code -> last snapshot seq (a hash map) */
};

stats_publisher_t *stats_publisher_new(void *pub)
{
    stats_publisher_t *self = calloc(1, sizeof *self);
    if (self) {
        self->pub = pub;
        self->seq_by_area = json_object();
    }
    return self;
}

void stats_publisher_destroy(stats_publisher_t **self)
{
    if (*self) {
        json_decref((*self)->seq_by_area);
        free(*self);
        *self = NULL;
    }
}

static uint64_t next_seq(stats_publisher_t *self, const char *area)
{
    json_t *v = json_object_get(self->seq_by_area, area);
    uint64_t seq = (v ? (uint64_t)json_integer_value(v) : 0) + 1;
    json_object_set_new(self->seq_by_area, area, json_integer((json_int_t)seq));
    return seq;
}

static uint64_t u64(const PGresult *res, int row, int col)
{
    return strtoull(PQgetvalue(res, row, col), NULL, 10);
}

bool stats_publisher_publish(stats_publisher_t *self, PGconn *db)
{
    /* one snapshot of the database: figures, per-category rows and the cursor agree */
    PGresult *areas = NULL, *cats = NULL;
    bool ok = gc_pg_run(db, "snapshot", "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, NULL);
    if (ok) {
        areas = gc_pg_query(
            db, "area figures",
            "SELECT a.code, a.name, a.level, "
            "(extract(epoch FROM gc_now()) * 1000)::bigint, "
            "(SELECT last_seq FROM consumer_cursors WHERE consumer = 'stats'), "
            "coalesce(sum(f.cases_total), 0), coalesce(sum(f.cases_closed), 0), "
            "coalesce(sum(f.closed_at_grid), 0), coalesce(sum(f.closed_at_community), 0), "
            "coalesce(sum(f.closed_at_street), 0), coalesce(sum(f.closed_at_district), 0), "
            "coalesce(sum(f.resolved_on_spot), 0), coalesce(sum(f.escalations), 0), "
            "coalesce(sum(f.reopened), 0), coalesce(sum(f.returned), 0), "
            "coalesce(sum(f.supervised), 0), coalesce(sum(f.extended), 0) "
            "FROM areas a LEFT JOIN stats_figures f ON f.area_code = a.code "
            "GROUP BY a.code ORDER BY a.code COLLATE \"C\"",
            0, NULL);
        cats = gc_pg_query(db, "category figures",
                           "SELECT area_code, category, cases_total, cases_closed "
                           "FROM stats_figures ORDER BY area_code COLLATE \"C\", category",
                           0, NULL);
        ok = gc_pg_ok(areas) && gc_pg_ok(cats);
    }
    gc_pg_rollback(db);
    int c = 0, ncats = ok ? PQntuples(cats) : 0;
    for (int i = 0; ok && i < PQntuples(areas); i++) {
        const char *code = PQgetvalue(areas, i, 0);
        stats_delta_t f;
        int64_t *v = &f.cases_total;
        for (int k = 0; k < STATS_FIGURES; k++)
            v[k] = (int64_t)u64(areas, i, 5 + k);
        stats_rates_t r = stats_fold_rates(&f);

        Gridcase__StatsSnapshot s = GRIDCASE__STATS_SNAPSHOT__INIT;
        s.seq = next_seq(self, code);
        s.area = (char *)code;
        s.area_name = PQgetvalue(areas, i, 1);
        s.level = (Gridcase__Level)gc_level_value(PQgetvalue(areas, i, 2));
        s.at_ms = strtoll(PQgetvalue(areas, i, 3), NULL, 10);
        s.event_seq = u64(areas, i, 4);
        s.cases_total = (uint64_t)f.cases_total;
        s.cases_closed = (uint64_t)f.cases_closed;
        s.cases_open = (uint64_t)(f.cases_total - f.cases_closed);
        s.closed_at_grid = (uint64_t)f.closed_at_grid;
        s.closed_at_community = (uint64_t)f.closed_at_community;
        s.closed_at_street = (uint64_t)f.closed_at_street;
        s.closed_at_district = (uint64_t)f.closed_at_district;
        s.resolved_on_spot = (uint64_t)f.resolved_on_spot;
        s.escalations = (uint64_t)f.escalations;
        s.reopened = (uint64_t)f.reopened;
        s.returned = (uint64_t)f.returned;
        s.supervised = (uint64_t)f.supervised;
        s.extended = (uint64_t)f.extended;
        s.closure_rate = r.closure;
        s.closed_in_grid_rate = r.in_grid;
        s.closed_in_community_rate = r.in_community;
        s.closed_in_street_rate = r.in_street;

        /* both result sets are ordered by area code (bytewise, like strcmp): walk them together */
        Gridcase__CategoryFigures figs[MAX_CATEGORIES], *ptrs[MAX_CATEGORIES];
        while (c < ncats && strcmp(PQgetvalue(cats, c, 0), code) < 0)
            c++;
        for (; c < ncats && strcmp(PQgetvalue(cats, c, 0), code) == 0; c++) {
            if (s.n_categories == MAX_CATEGORIES)
                continue;
            Gridcase__CategoryFigures *g = &figs[s.n_categories];
            gridcase__category_figures__init(g);
            g->category = PQgetvalue(cats, c, 1);
            g->total = u64(cats, c, 2);
            g->closed = u64(cats, c, 3);
            ptrs[s.n_categories++] = g;
        }
        s.categories = ptrs;
        gc_msg_send_frame(self->pub, code, strlen(code), true, ZMQ_DONTWAIT);
        gc_msg_send_proto(self->pub, &s.base, ZMQ_DONTWAIT);
    }
    PQclear(areas);
    PQclear(cats);
    return ok;
}
