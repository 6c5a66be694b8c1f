/* gc_case: SQL for creating and changing cases. Every change appends its event through
 * gc_append_event() in the same transaction (see deploy/migrations/0001_foundation.up.sql). */
#include "gc_case.h"

#include "gc_names.h"
#include "gc_pg.h"
#include "gc_text.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool valid_phone(const char *s)
{
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || *s == '+' || *s == '-' || *s == ' '))
            return false;
    return true;
}

int gc_case_check_submit(const Gridcase__SubmitCase *s, const char **why)
{
    const int bad = GRIDCASE__ERROR_CODE__ERROR_CODE_INVALID_ARGUMENT;
    struct {
        const char *value;
        size_t max;
        bool required;
        const char *why;
    } fields[] = {
        {s->idempotency_key, GC_CASE_MAX_KEY, true, "idempotency_key is required (1-128 bytes UTF-8)"},
        {s->category, GC_CASE_MAX_CODE, true, "category is required (a category code)"},
        {s->grid, GC_CASE_MAX_CODE, true, "grid is required (a grid area code)"},
        {s->description, GC_CASE_MAX_TEXT, true, "description is required (at most 4000 bytes UTF-8)"},
        {s->address, GC_CASE_MAX_ADDRESS, false, "address is at most 500 bytes UTF-8"},
        {s->reporter_name, GC_CASE_MAX_NAME, false, "reporter_name is at most 100 bytes UTF-8"},
        {s->reporter_phone, GC_CASE_MAX_PHONE, false, "reporter_phone is at most 32 bytes"},
    };
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        bool ok = fields[i].required ? gc_text_present(fields[i].value, fields[i].max)
                                     : gc_text_valid(fields[i].value, fields[i].max);
        if (!ok) {
            *why = fields[i].why;
            return bad;
        }
    }
    if (s->reporter_phone && !valid_phone(s->reporter_phone)) {
        *why = "reporter_phone may hold only digits, '+', '-' and spaces";
        return bad;
    }
    if (s->location && (!isfinite(s->location->lon) || !isfinite(s->location->lat)
                        || fabs(s->location->lon) > 180 || fabs(s->location->lat) > 90)) {
        *why = "location must be WGS84 degrees: lon in [-180, 180], lat in [-90, 90]";
        return bad;
    }
    if (s->source != GRIDCASE__SOURCE__SOURCE_UNSPECIFIED && !gc_source_name(s->source)) {
        *why = "unknown source";
        return bad;
    }
    return 0;
}

static void copy(char *dst, size_t size, const char *src)
{
    snprintf(dst, size, "%s", src);
}

/* Which of grid and category exist; the grid must be a grid, not a higher area. */
static bool check_references(PGconn *db, const Gridcase__SubmitCase *s, gc_submit_result_t *out)
{
    const char *params[] = {s->grid, s->category};
    PGresult *res = gc_pg_query(db, "check grid and category",
                                "SELECT (SELECT level FROM areas WHERE code = $1), "
                                "EXISTS (SELECT 1 FROM categories WHERE code = $2)",
                                2, params);
    if (!gc_pg_ok(res)) {
        PQclear(res);
        return false;
    }
    if (strcmp(PQgetvalue(res, 0, 0), "grid") != 0) {
        out->error = GRIDCASE__ERROR_CODE__ERROR_CODE_UNKNOWN_GRID;
        out->why = PQgetisnull(res, 0, 0) ? "no area has this code"
                                          : "this area is not a grid; name one of its grids";
    } else if (strcmp(PQgetvalue(res, 0, 1), "t") != 0) {
        out->error = GRIDCASE__ERROR_CODE__ERROR_CODE_UNKNOWN_CATEGORY;
        out->why = "no category has this code (see gridctl categories)";
    }
    PQclear(res);
    return true;
}

bool gc_case_submit(PGconn *db, const Gridcase__SubmitCase *s, gc_submit_result_t *out)
{
    memset(out, 0, sizeof *out);
    if (!check_references(db, s, out))
        return false;
    if (out->error)
        return true;

    char lon[40] = "", lat[40] = "";
    if (s->location) {
        snprintf(lon, sizeof lon, "%.9g", s->location->lon);
        snprintf(lat, sizeof lat, "%.9g", s->location->lat);
    }
    const char *source = gc_source_name(s->source) ? gc_source_name(s->source) : "resident";
    const char *params[] = {s->idempotency_key, s->category, s->grid, s->description,
                            s->location ? lon : NULL, s->location ? lat : NULL,
                            s->address ? s->address : "", source,
                            s->reporter_name ? s->reporter_name : "",
                            s->reporter_phone ? s->reporter_phone : ""};
    PGresult *res = gc_pg_query(
        db, "insert case",
        "INSERT INTO cases (idempotency_key, category, grid, description, lon, lat, address, "
        "source, reporter_name, reporter_phone, created_at, updated_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, gc_now(), gc_now()) "
        "ON CONFLICT (idempotency_key) DO NOTHING RETURNING id, ref, grid",
        10, params);
    if (!gc_pg_ok(res)) {
        PQclear(res);
        return false;
    }
    if (PQntuples(res) == 0) { /* the key was used before: the same case, nothing new */
        PQclear(res);
        res = gc_pg_query(db, "find case by key",
                          "SELECT id, ref, grid FROM cases WHERE idempotency_key = $1", 1, params);
        if (!gc_pg_ok(res) || PQntuples(res) != 1) {
            PQclear(res);
            return false;
        }
        out->already_known = true;
    }
    copy(out->ref, sizeof out->ref, PQgetvalue(res, 0, 1));
    copy(out->grid, sizeof out->grid, PQgetvalue(res, 0, 2));
    bool ok = true;
    if (!out->already_known) {
        const char *ev[] = {PQgetvalue(res, 0, 0), source};
        ok = gc_pg_run(db, "append submitted",
                       "SELECT gc_append_event($1, 'submitted', NULL, $2, NULL)", 2, ev);
    }
    PQclear(res);
    return ok;
}

int gc_case_lock(PGconn *db, const char *ref, gc_case_row_t *row)
{
    const char *params[] = {ref};
    PGresult *res = gc_pg_query(db, "lock case",
                                "SELECT id, ref, grid, category, status, level FROM cases "
                                "WHERE ref = $1 FOR UPDATE",
                                1, params);
    if (!gc_pg_ok(res)) {
        PQclear(res);
        return -1;
    }
    int found = PQntuples(res) == 1;
    if (found) {
        row->id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
        copy(row->ref, sizeof row->ref, PQgetvalue(res, 0, 1));
        copy(row->grid, sizeof row->grid, PQgetvalue(res, 0, 2));
        copy(row->category, sizeof row->category, PQgetvalue(res, 0, 3));
        row->status = gc_status_value(PQgetvalue(res, 0, 4));
        row->level = gc_level_value(PQgetvalue(res, 0, 5));
    }
    PQclear(res);
    return found;
}

bool gc_case_apply(PGconn *db, const gc_case_row_t *row, const gc_transition_t *t,
                   const char *department, const char *actor, const char *note)
{
    char id[32];
    snprintf(id, sizeof id, "%" PRId64, row->id);
    const char *status = gc_status_name(t->next_status);
    const char *kind = gc_event_kind_name(t->event_kind);
    const char *update[] = {id, status, gc_lifecycle_clock_runs(t->next_status) ? "t" : "f"};
    const char *append[] = {id, kind, department, actor, note};
    /* a stopped clock has no deadline; a restarted one (reopen) gets a fresh one at once */
    return gc_pg_run(db, "update case",
                     "UPDATE cases SET status = $2, updated_at = gc_now(), "
                     "closed_at = CASE WHEN $2 = 'closed' THEN gc_now() END, "
                     "deadline_at = CASE WHEN $3 THEN coalesce(deadline_at, "
                     "gc_deadline(category, level)) END WHERE id = $1",
                     3, update)
           && gc_pg_run(db, "append event", "SELECT gc_append_event($1, $2, $3, $4, $5)", 5,
                        append);
}
