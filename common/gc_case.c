/* gc_case: SQL for creating and changing cases. Every change appends its event through the
 * database function gc_append_event (deploy/schema/functions/events.sql) in the same
 * transaction. */
#include "gc_case.h"

#include "gc_case_place.h"
#include "gc_log.h"
#include "gc_names.h"
#include "gc_pg.h"
#include "gc_pg_array.h"

#include <inttypes.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The statements on intake's hot path, prepared once per connection (gc_pg_register).
 * SQL_INSERT_CASE stores one submission, linked to its possible duplicate (the rule is
 * gc_possible_duplicate, deploy/schema/functions/intake.sql, which gc_submit_cases uses too;
 * PostgreSQL inlines it, so the prepared statement's generic plan keeps each look-up on its
 * index). */
#define SQL_INSERT_CASE                                                                        \
    "INSERT INTO cases AS c (idempotency_key, category, area_code, level, status, description, " \
    "lon, lat, address, source, reporter_name, reporter_phone, created_at, updated_at, "       \
    "deadline_at, duplicate_of, request_digest) "                                              \
    "SELECT $1::text, $2::text, $3::text, $4::text, $5::text, $6::text, $7::float8, $8::float8, " \
    "$9::text, $10::text, $11::text, $12::text, gc_now(), gc_now(), "                          \
    "CASE WHEN $5 = 'grid_task' THEN gc_deadline($2, $4) END, "                               \
    "(SELECT t.id FROM gc_possible_duplicate($2, $3, $7::float8, $8::float8, gc_now()) t), "   \
    "decode($13::text, 'hex') "                                                                \
    "WHERE EXISTS (SELECT 1 FROM categories WHERE code = $2) "                                 \
    "ON CONFLICT (idempotency_key) DO NOTHING "                                                \
    "RETURNING c.id, c.ref, c.area_code, (SELECT d.ref FROM cases d WHERE d.id = c.duplicate_of)"
/* The case a key made, and whether it was made by another request (a digest that differs; a case
 * stored without one matches any). */
#define SQL_FIND_BY_KEY                                                                        \
    "SELECT c.id, c.ref, c.area_code, d.ref, "                                                 \
    "coalesce(c.request_digest <> decode($2::text, 'hex'), false) "                            \
    "FROM cases c LEFT JOIN cases d ON d.id = c.duplicate_of WHERE c.idempotency_key = $1"
/* FOR NO KEY UPDATE: writers still exclude each other, but a case being inserted that names
 * this one as its possible duplicate (the foreign key's KEY SHARE lock) does not wait for it,
 * nor it for that insert: gc_submit_cases inserts a batch's cases before it takes the event
 * stream lock, and FOR UPDATE here could deadlock with it. Nothing changes a case's id. */
#define SQL_LOCK_CASE                                                                          \
    "SELECT id, ref, area_code, category, status, level FROM cases WHERE ref = $1 "            \
    "FOR NO KEY UPDATE"
#define SQL_UPDATE_CASE                                                                        \
    "UPDATE cases SET status = $2, updated_at = gc_now(), "                                    \
    "closed_at = CASE WHEN $2 = 'closed' THEN gc_now() END, "                                  \
    "deadline_at = CASE WHEN $3 THEN coalesce(deadline_at, gc_deadline(category, level)) END " \
    "WHERE id = $1"
#define SQL_APPEND_EVENT "SELECT gc_append_event($1, $2, $3, $4, $5)"
/* A batch of submissions in one round trip (gc_submit_cases,
 * deploy/schema/functions/intake.sql): the parameters of SQL_INSERT_CASE, each an array with
 * one element per submission. */
#define SQL_SUBMIT_CASES                                                                       \
    "SELECT ord, case_id, case_ref, case_area, duplicate_ref, already_known, unknown_category, " \
    "key_conflict FROM gc_submit_cases($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) " \
    "ORDER BY ord"
#define SUBMIT_PARAMS 13

void gc_case_register(void)
{
    gc_pg_register("gc_insert_case", SQL_INSERT_CASE, SUBMIT_PARAMS);
    gc_pg_register("gc_find_case_by_key", SQL_FIND_BY_KEY, 2);
    gc_pg_register("gc_lock_case", SQL_LOCK_CASE, 1);
    gc_pg_register("gc_update_case", SQL_UPDATE_CASE, 3);
    gc_pg_register("gc_append_event", SQL_APPEND_EVENT, 5);
    gc_pg_register("gc_submit_cases", SQL_SUBMIT_CASES, SUBMIT_PARAMS);
}

static void copy(char *dst, size_t size, const char *src)
{
    snprintf(dst, size, "%s", src);
}

/* For a case made from a diary entry: the entry's grid and note, unless the case gives its own;
 * refuses an unknown entry or one already turned into a case. */
static bool from_diary(PGconn *db, Gridcase__SubmitCase *s, char *grid, char *note,
                       gc_submit_result_t *out)
{
    char id[32];
    snprintf(id, sizeof id, "%" PRIu64, (uint64_t)s->from_diary_entry);
    const char *params[] = {id};
    PGresult *res = gc_pg_query(db, "diary entry",
                                "SELECT grid, note, case_id IS NOT NULL FROM grid_diary "
                                "WHERE id = $1 FOR UPDATE",
                                1, params);
    if (!gc_pg_ok(res)) {
        PQclear(res);
        return false;
    }
    if (PQntuples(res) != 1) {
        out->error = GRIDCASE__ERROR_CODE__ERROR_CODE_INVALID_ARGUMENT;
        out->why = "no diary entry has this number";
    } else if (strcmp(PQgetvalue(res, 0, 2), "t") == 0) {
        out->error = GRIDCASE__ERROR_CODE__ERROR_CODE_INVALID_STATE;
        out->why = "this diary entry is already a case";
    } else {
        copy(grid, GC_CASE_MAX_CODE + 1, PQgetvalue(res, 0, 0));
        copy(note, GC_CASE_MAX_TEXT + 1, PQgetvalue(res, 0, 1));
        if (!(s->grid && *s->grid) && !s->location && !(s->street && *s->street))
            s->grid = grid;
        if (!(s->description && *s->description))
            s->description = note;
    }
    PQclear(res);
    return true;
}

/* The text of a submission's coordinates and its request digest, for SQL_INSERT_CASE and
 * gc_submit_cases. */
typedef struct {
    char lon[40], lat[40];
    char digest[2 * SHA256_DIGEST_LENGTH + 1];
} coords_t;

/* What makes two submissions with one idempotency key "the same request": the SHA-256 of the
 * SubmitCase as intake decoded it, packed again by protobuf-c with the key left out. protobuf-c
 * packs fields in field-number order and leaves out proto3 fields at their zero value, so the
 * digest is that of the values, whatever order or encoding the client's library chose: every
 * field counts (category, grid, street, location, description, address, source, reporter,
 * diary entry), also one this release does not know. The request_id is outside SubmitCase and
 * never counts. One pack and one hash of at most a few KB per submission. Writes "" when
 * memory runs out (no digest: the key is then taken as the same request, as before digests). */
static void request_digest(const Gridcase__SubmitCase *in, char *hex)
{
    Gridcase__SubmitCase s = *in;
    s.idempotency_key = (char *)"";
    hex[0] = '\0';
    size_t size = gridcase__submit_case__get_packed_size(&s);
    uint8_t *buf = malloc(size ? size : 1);
    unsigned char md[SHA256_DIGEST_LENGTH];
    unsigned int mdlen = 0;
    if (buf && gridcase__submit_case__pack(&s, buf) == size
        && EVP_Digest(buf, size, md, &mdlen, EVP_sha256(), NULL) && mdlen == sizeof md)
        for (unsigned i = 0; i < mdlen; i++)
            snprintf(hex + 2 * i, 3, "%02x", md[i]);
    free(buf);
}

/* The parameters of SQL_INSERT_CASE for a placed submission (out->area, level), in its order. */
/* The area of a submission (gc_case_place) into its result; returns its level. */
static int place(const gc_area_index_t *areas, const Gridcase__SubmitCase *s,
                 gc_submit_result_t *out)
{
    gc_place_t p = gc_case_place(areas, s);
    out->error = p.error;
    out->why = p.why;
    snprintf(out->area, sizeof out->area, "%s", p.area);
    snprintf(out->grid, sizeof out->grid, "%s", p.grid);
    return p.level;
}

/* in: the submission as it arrived (its digest); s: the same with what a diary entry filled in. */
static void submit_params(const Gridcase__SubmitCase *in, const Gridcase__SubmitCase *s,
                          const gc_submit_result_t *out, int level, coords_t *xy,
                          const char *params[SUBMIT_PARAMS])
{
    request_digest(in, xy->digest);
    if (s->location) {
        snprintf(xy->lon, sizeof xy->lon, "%.9g", s->location->lon);
        snprintf(xy->lat, sizeof xy->lat, "%.9g", s->location->lat);
    }
    const char *source = gc_source_name(s->source) ? gc_source_name(s->source) : "resident";
    /* two-way reporting: what a department found on inspection is a task for the grid leader */
    bool grid_task = s->source == GRIDCASE__SOURCE__SOURCE_DEPARTMENT
                     && level == GRIDCASE__LEVEL__LEVEL_GRID;
    const char *p[SUBMIT_PARAMS] = {
        s->idempotency_key, s->category, out->area, gc_level_name(level),
        grid_task ? "grid_task" : "submitted", s->description,
        s->location ? xy->lon : NULL, s->location ? xy->lat : NULL,
        s->address ? s->address : "", source, s->reporter_name ? s->reporter_name : "",
        s->reporter_phone ? s->reporter_phone : "", xy->digest[0] ? xy->digest : NULL};
    memcpy(params, p, sizeof p);
}

/* The stored (or already known) case from a result row: columns col (ref), col + 1 (area) and
 * col + 2 (its possible duplicate's ref, or NULL). */
static void take_case(const gc_area_index_t *areas, const PGresult *res, int row, int col,
                      gc_submit_result_t *out)
{
    copy(out->ref, sizeof out->ref, PQgetvalue(res, row, col));
    copy(out->area, sizeof out->area, PQgetvalue(res, row, col + 1));
    copy(out->duplicate_of, sizeof out->duplicate_of, PQgetvalue(res, row, col + 2));
    out->grid[0] = '\0';
    if (gc_area_index_level(areas, out->area) == GRIDCASE__LEVEL__LEVEL_GRID)
        copy(out->grid, sizeof out->grid, out->area);
}

static void unknown_category(gc_submit_result_t *out)
{
    out->error = GRIDCASE__ERROR_CODE__ERROR_CODE_UNKNOWN_CATEGORY;
    out->why = "no category has this code (see gridctl categories)";
}

/* The key made case ref for another request: refused, nothing stored, the first case untouched. */
static void key_conflict(gc_submit_result_t *out, const char *ref)
{
    out->error = GRIDCASE__ERROR_CODE__ERROR_CODE_IDEMPOTENCY_CONFLICT;
    snprintf(out->why_buf, sizeof out->why_buf,
             "idempotency_key was first used for a different request (case %s): a retry must "
             "send the same fields again; a new report needs a new key",
             ref);
    out->why = out->why_buf;
    out->ref[0] = out->area[0] = out->grid[0] = out->duplicate_of[0] = '\0';
}

/* Whether the submission may name its reporter (gc_report_permitted): 1 refused (out->error),
 * 0 permitted (the transaction's next events marked as the person's), -1 the database failed. */
static int report_refused(PGconn *db, const Gridcase__SubmitCase *s, int level,
                          const char *application, gc_submit_result_t *out)
{
    const char *params[] = {out->area, gc_level_name(level), s->person, application};
    PGresult *res = gc_pg_query(db, "report permitted",
                                "SELECT gc_report_permitted($1, $2, $3, $4)", 4, params);
    int refused = gc_pg_ok(res) ? !PQgetisnull(res, 0, 0) : -1;
    if (refused == 1) {
        copy(out->why_buf, sizeof out->why_buf, PQgetvalue(res, 0, 0));
        out->error = GRIDCASE__ERROR_CODE__ERROR_CODE_NOT_PERMITTED;
        out->why = out->why_buf;
    }
    PQclear(res);
    return refused;
}

bool gc_case_submit(PGconn *db, const gc_area_index_t *areas, const Gridcase__SubmitCase *in,
                    const char *application, gc_submit_result_t *out)
{
    memset(out, 0, sizeof *out);
    Gridcase__SubmitCase s = *in; /* a diary entry may fill in grid and description */
    char diary_grid[GC_CASE_MAX_CODE + 1], diary_note[GC_CASE_MAX_TEXT + 1];
    if (s.from_diary_entry && !from_diary(db, &s, diary_grid, diary_note, out))
        return false;
    int level = 0;
    if (!out->error)
        level = place(areas, &s, out);
    bool named = s.person && *s.person;
    if (!out->error && named && report_refused(db, &s, level, application, out) < 0)
        return false;
    if (out->error)
        return true;

    coords_t xy;
    const char *params[SUBMIT_PARAMS];
    submit_params(in, &s, out, level, &xy, params);
    PGresult *res = gc_pg_query_prepared(db, "gc_insert_case", SUBMIT_PARAMS, params);
    if (!gc_pg_ok(res)) {
        PQclear(res);
        return false;
    }
    if (PQntuples(res) == 0) { /* the key was used before, or the category does not exist */
        PQclear(res);
        const char *key[] = {params[0], params[SUBMIT_PARAMS - 1]};
        res = gc_pg_query_prepared(db, "gc_find_case_by_key", 2, key);
        if (!gc_pg_ok(res)) {
            PQclear(res);
            return false;
        }
        if (PQntuples(res) == 0) {
            PQclear(res);
            unknown_category(out);
            return true;
        }
        if (strcmp(PQgetvalue(res, 0, 4), "t") == 0) {
            key_conflict(out, PQgetvalue(res, 0, 1));
            PQclear(res);
            return true;
        }
        out->already_known = true; /* the same case, nothing new */
    }
    take_case(areas, res, 0, 1, out);
    bool ok = true;
    if (!out->already_known) {
        const char *ev[] = {PQgetvalue(res, 0, 0), "submitted", NULL, params[9],
                            out->duplicate_of[0] ? "possible duplicate" : NULL};
        ok = gc_pg_run_prepared(db, "gc_append_event", 5, ev);
        if (ok && s.from_diary_entry) {
            char entry[32];
            snprintf(entry, sizeof entry, "%" PRIu64, (uint64_t)s.from_diary_entry);
            const char *link[] = {entry, PQgetvalue(res, 0, 0)};
            ok = gc_pg_run(db, "link diary entry",
                           "UPDATE grid_diary SET case_id = $2 WHERE id = $1", 2, link);
        }
    }
    PQclear(res);
    /* the reporter's marks end with this submission: later requests in the transaction are
     * someone else's */
    return ok && (!named || gc_pg_run(db, "person marks",
                                      "SELECT set_config('gridcase.person', '', true), "
                                      "set_config('gridcase.application', '', true)",
                                      0, NULL));
}

bool gc_case_submit_batch(PGconn *db, const gc_area_index_t *areas, int n,
                          const Gridcase__SubmitCase *const *s, gc_submit_result_t *const *out)
{
    gc_pg_array_t arrays[SUBMIT_PARAMS] = {0}; /* text arrays: NULL elements, quoting */
    int *which = malloc(sizeof *which * (size_t)(n > 0 ? n : 1)); /* array element -> s[i] */
    int m = 0;
    for (int i = 0; which && i < n; i++) {
        memset(out[i], 0, sizeof *out[i]);
        int level = 0;
        level = place(areas, s[i], out[i]); /* refused here: not sent */
        if (out[i]->error)
            continue;
        coords_t xy;
        const char *params[SUBMIT_PARAMS];
        submit_params(s[i], s[i], out[i], level, &xy, params);
        for (int k = 0; k < SUBMIT_PARAMS; k++)
            gc_pg_array_text(&arrays[k], params[k]);
        which[m++] = i;
    }
    bool ok = which != NULL;
    const char *params[SUBMIT_PARAMS];
    for (int k = 0; k < SUBMIT_PARAMS; k++) {
        params[k] = gc_pg_array_end(&arrays[k]);
        ok = ok && params[k];
    }
    if (!ok)
        gc_log_error("gc_submit_cases: out of memory for %d submissions", n);
    if (ok && m > 0) {
        PGresult *res = gc_pg_query_prepared(db, "gc_submit_cases", SUBMIT_PARAMS, params);
        ok = gc_pg_ok(res);
        for (int r = 0; ok && r < m; r++) {
            /* one row per submission, in the arrays' order (ord) */
            if (PQntuples(res) != m || atoi(PQgetvalue(res, r, 0)) != r + 1) {
                gc_log_error("gc_submit_cases: %d rows for %d submissions", PQntuples(res), m);
                ok = false;
            } else if (strcmp(PQgetvalue(res, r, 6), "t") == 0) {
                unknown_category(out[which[r]]);
            } else if (strcmp(PQgetvalue(res, r, 7), "t") == 0) {
                key_conflict(out[which[r]], PQgetvalue(res, r, 2));
            } else {
                take_case(areas, res, r, 2, out[which[r]]);
                out[which[r]]->already_known = strcmp(PQgetvalue(res, r, 5), "t") == 0;
            }
        }
        PQclear(res);
    }
    for (int k = 0; k < SUBMIT_PARAMS; k++)
        gc_pg_array_free(&arrays[k]);
    free(which);
    return ok;
}

bool gc_case_add_diary(PGconn *db, const gc_area_index_t *areas, const Gridcase__DiaryEntry *d,
                       uint64_t *id, int *error, const char **why)
{
    *error = 0;
    if (gc_area_index_level(areas, d->grid) != GRIDCASE__LEVEL__LEVEL_GRID) {
        *error = GRIDCASE__ERROR_CODE__ERROR_CODE_UNKNOWN_GRID;
        *why = "no grid has this code";
        return true;
    }
    const char *params[] = {d->grid, d->visited_on, d->author ? d->author : "", d->note};
    PGresult *res = gc_pg_query(db, "add diary entry",
                                "INSERT INTO grid_diary (grid, visited_on, author, note, "
                                "created_at) VALUES ($1, $2, $3, $4, gc_now()) RETURNING id",
                                4, params);
    bool ok = gc_pg_ok(res) && PQntuples(res) == 1;
    if (ok)
        *id = strtoull(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return ok;
}

int gc_case_lock(PGconn *db, const char *ref, gc_case_row_t *row)
{
    const char *params[] = {ref};
    PGresult *res = gc_pg_query_prepared(db, "gc_lock_case", 1, params);
    if (!gc_pg_ok(res)) {
        PQclear(res);
        return -1;
    }
    int found = PQntuples(res) == 1;
    if (found) {
        row->id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
        copy(row->ref, sizeof row->ref, PQgetvalue(res, 0, 1));
        copy(row->area, sizeof row->area, PQgetvalue(res, 0, 2));
        copy(row->category, sizeof row->category, PQgetvalue(res, 0, 3));
        row->status = gc_status_value(PQgetvalue(res, 0, 4));
        row->level = gc_level_value(PQgetvalue(res, 0, 5));
    }
    PQclear(res);
    return found;
}

int gc_case_set_category(PGconn *db, const gc_case_row_t *row, const char *category, char *note,
                         size_t notelen)
{
    char id[32];
    snprintf(id, sizeof id, "%" PRId64, row->id);
    const char *params[] = {id, category};
    PGresult *res = gc_pg_query(db, "set category",
                                "UPDATE cases SET category = $2, updated_at = gc_now() "
                                "WHERE id = $1 AND EXISTS (SELECT 1 FROM categories WHERE code = $2)",
                                2, params);
    int done = !gc_pg_ok(res) ? -1 : strcmp(PQcmdTuples(res), "1") == 0;
    PQclear(res);
    if (done == 1)
        snprintf(note, notelen, "%s -> %s", row->category, category);
    return done;
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
    return gc_pg_run_prepared(db, "gc_update_case", 3, update)
           && gc_pg_run_prepared(db, "gc_append_event", 5, append);
}
