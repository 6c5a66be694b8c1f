/* stats_fold: event -> delta -> upsert for every ancestor area. */
#include "stats_fold.h"

#include "gc_pg.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

bool stats_fold_delta(int kind, int level, int status, stats_delta_t *d)
{
    memset(d, 0, sizeof *d);
    if (kind == GRIDCASE__EVENT_KIND__EVENT_KIND_MEETING_DECIDED
        && status == GRIDCASE__CASE_STATUS__CASE_STATUS_CLOSED)
        kind = GRIDCASE__EVENT_KIND__EVENT_KIND_VERIFIED; /* closed by the street's meeting */
    switch (kind) {
    case GRIDCASE__EVENT_KIND__EVENT_KIND_SUBMITTED:
        d->cases_total = 1;
        break;
    case GRIDCASE__EVENT_KIND__EVENT_KIND_RESOLVED_ON_SPOT: /* closes the case at its grid */
    case GRIDCASE__EVENT_KIND__EVENT_KIND_VERIFIED:
        d->resolved_on_spot = kind == GRIDCASE__EVENT_KIND__EVENT_KIND_RESOLVED_ON_SPOT;
        d->cases_closed = 1;
        switch (level) {
        case GRIDCASE__LEVEL__LEVEL_GRID:
            d->closed_at_grid = 1;
            break;
        case GRIDCASE__LEVEL__LEVEL_COMMUNITY:
            d->closed_at_community = 1;
            break;
        case GRIDCASE__LEVEL__LEVEL_STREET:
            d->closed_at_street = 1;
            break;
        default:
            d->closed_at_district = 1;
        }
        break;
    case GRIDCASE__EVENT_KIND__EVENT_KIND_ESCALATED:
        d->escalations = 1;
        break;
    case GRIDCASE__EVENT_KIND__EVENT_KIND_REOPENED:
        d->reopened = 1;
        break;
    case GRIDCASE__EVENT_KIND__EVENT_KIND_RETURNED:
        d->returned = 1;
        break;
    case GRIDCASE__EVENT_KIND__EVENT_KIND_SUPERVISED:
        d->supervised = 1;
        break;
    case GRIDCASE__EVENT_KIND__EVENT_KIND_EXTENSION_GRANTED:
        d->extended = 1;
        break;
    default:
        return false;
    }
    return true;
}

static double percent(int64_t part, int64_t whole)
{
    return whole > 0 ? 100.0 * (double)part / (double)whole : 0.0;
}

stats_rates_t stats_fold_rates(const stats_delta_t *f)
{
    stats_rates_t r;
    r.closure = percent(f->cases_closed, f->cases_total);
    r.in_grid = percent(f->closed_at_grid, f->cases_closed);
    r.in_community = percent(f->closed_at_grid + f->closed_at_community, f->cases_closed);
    r.in_street = percent(f->closed_at_grid + f->closed_at_community + f->closed_at_street,
                          f->cases_closed);
    return r;
}

bool stats_fold_apply(PGconn *db, const gc_event_t *ev, void *ctx)
{
    (void)ctx;
    stats_delta_t d;
    if (!stats_fold_delta(ev->kind, ev->level, ev->status, &d))
        return true;
    const int64_t *v = &d.cases_total;
    char text[STATS_FIGURES][24];
    const char *params[2 + STATS_FIGURES] = {ev->area, ev->category};
    for (int i = 0; i < STATS_FIGURES; i++) {
        snprintf(text[i], sizeof text[i], "%" PRId64, v[i]);
        params[2 + i] = text[i];
    }
    /* the case's area and every area above it: the codes that are prefixes of its code */
    return gc_pg_run(
        db, "fold event",
        "INSERT INTO stats_figures AS f (area_code, category, cases_total, cases_closed, "
        "closed_at_grid, closed_at_community, closed_at_street, closed_at_district, "
        "resolved_on_spot, escalations, reopened, returned, supervised, extended) "
        "SELECT a.code, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14 FROM areas a "
        "WHERE a.code = ANY (ARRAY(SELECT left($1, n) FROM generate_series(1, length($1)) n)) "
        "ON CONFLICT (area_code, category) DO UPDATE SET "
        "cases_total = f.cases_total + EXCLUDED.cases_total, "
        "cases_closed = f.cases_closed + EXCLUDED.cases_closed, "
        "closed_at_grid = f.closed_at_grid + EXCLUDED.closed_at_grid, "
        "closed_at_community = f.closed_at_community + EXCLUDED.closed_at_community, "
        "closed_at_street = f.closed_at_street + EXCLUDED.closed_at_street, "
        "closed_at_district = f.closed_at_district + EXCLUDED.closed_at_district, "
        "resolved_on_spot = f.resolved_on_spot + EXCLUDED.resolved_on_spot, "
        "escalations = f.escalations + EXCLUDED.escalations, "
        "reopened = f.reopened + EXCLUDED.reopened, returned = f.returned + EXCLUDED.returned, "
        "supervised = f.supervised + EXCLUDED.supervised, "
        "extended = f.extended + EXCLUDED.extended",
        2 + STATS_FIGURES, params);
}
