/* gridctl show, list, areas, departments, categories: read-only views of the database.
 * The --json shapes are documented in README.md ("gridctl --json") and tests rely on them. */
#include "gridctl.h"

#include "gc_names.h"
#include "gc_pg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A time column: in the format given as parameter $n (time_format) */
#define TIME(col, n) "to_char(" col ", $" #n ")"

/* The session's time zone and the format TIME columns use: ISO 8601 in UTC for JSON (scripts
 * rely on it), the district's local time with its offset for people. */
static const char *time_format(PGconn *db, bool json)
{
    if (json)
        return gc_pg_run(db, "time zone", "SET TIME ZONE 'UTC'", 0, NULL)
                   ? "YYYY-MM-DD\"T\"HH24:MI:SS\"Z\""
                   : NULL;
    return gridctl_district_time(db) ? "YYYY-MM-DD HH24:MI TZH:TZM" : NULL;
}

/* Builds an object from one row. types has one letter per column: s string, i integer,
 * f float, b boolean; NULL values become JSON null. */
static json_t *row_object(const PGresult *res, int row, const char *types)
{
    json_t *o = json_object();
    for (int c = 0; types[c]; c++) {
        const char *v = PQgetvalue(res, row, c);
        json_t *j;
        if (PQgetisnull(res, row, c))
            j = json_null();
        else if (types[c] == 'i')
            j = json_integer(strtoll(v, NULL, 10));
        else if (types[c] == 'f')
            j = json_real(strtod(v, NULL));
        else if (types[c] == 'b')
            j = json_boolean(strcmp(v, "t") == 0);
        else
            j = json_string(v);
        json_object_set_new(o, PQfname(res, c), j);
    }
    return o;
}

static json_t *rows_array(const PGresult *res, const char *types)
{
    json_t *a = json_array();
    for (int r = 0; r < PQntuples(res); r++)
        json_array_append_new(a, row_object(res, r, types));
    return a;
}

/* Runs a query and returns its rows as an array, or NULL after printing the error. */
static json_t *query_rows(PGconn *db, const char *sql, int n, const char *const *params,
                          const char *types)
{
    PGresult *res = gc_pg_query(db, "query", sql, n, params);
    json_t *rows = gc_pg_ok(res) ? rows_array(res, types) : NULL;
    PQclear(res);
    return rows;
}

/* Connects, runs one query and disconnects: the rows, or NULL after printing the error.
 * params[n - 1] is set to the time format (time_format): the query's TIME columns name $n. */
static json_t *fetch_rows(const gc_config_t *cfg, const args_t *a, const char *sql, int n,
                          const char **params, const char *types)
{
    PGconn *db = gridctl_db(cfg);
    if (!db)
        return NULL;
    params[n - 1] = time_format(db, args_has(a, "--json"));
    json_t *rows = params[n - 1] ? query_rows(db, sql, n, params, types) : NULL;
    PQfinish(db);
    return rows;
}

/* True when code names an area (of that level, unless level is NULL); else prints the valid
 * ones: every area down to the streets (grids and communities are too many to name here). */
static bool known_area(PGconn *db, const char *option, const char *code, const char *level)
{
    const char *params[] = {code, level};
    PGresult *res = gc_pg_query(
        db, "areas",
        "SELECT EXISTS (SELECT 1 FROM areas WHERE code = $1 AND ($2::text IS NULL OR level = $2)), "
        "(SELECT string_agg(code || ' ' || name, ', ' ORDER BY code) FROM areas "
        " WHERE level IN ('district', 'street') AND ($2::text IS NULL OR level = $2))",
        2, params);
    bool ok = gc_pg_ok(res) && PQntuples(res) == 1;
    bool known = ok && strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    if (ok && !known)
        gridctl_fail("%s: no %s '%s'; the district and its streets: %s (gridctl areas lists "
                     "every area)",
                     option, level ? level : "area", code, PQgetvalue(res, 0, 1));
    PQclear(res);
    return known;
}

/* With --json, prints the rows (and frees them) and returns true. */
static bool printed_as_json(const args_t *a, json_t *rows)
{
    if (!args_has(a, "--json"))
        return false;
    gridctl_print_json(rows);
    return true;
}

static const char *text_of(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : "-";
}

int cmd_show(const gc_config_t *cfg, const args_t *a)
{
    PGconn *db = gridctl_db(cfg);
    if (!db)
        return 1;
    const char *ref[] = {a->positional[0], time_format(db, args_has(a, "--json"))};
    if (!ref[1]) {
        PQfinish(db);
        return 1;
    }
    json_t *cases = query_rows(
        db,
        "SELECT ref, category, area_code AS area, level, status, description, address, lon, lat, "
        "source, "
        "reporter_name, reporter_phone, " TIME("created_at", 2) " AS created_at, "
        TIME("updated_at", 2) " AS updated_at, " TIME("deadline_at", 2) " AS deadline_at, "
        TIME("closed_at", 2) " AS closed_at, (SELECT d.ref FROM cases d WHERE d.id = c.duplicate_of) "
        "AS duplicate_of FROM cases c WHERE ref = $1",
        2, ref, "sssssssffssssssss");
    json_t *departments = query_rows(
        db,
        "SELECT a.department, a.is_lead AS lead, a.active FROM case_assignments a "
        "JOIN cases c ON c.id = a.case_id WHERE c.ref = $1 ORDER BY a.is_lead DESC, a.department",
        1, ref, "sbb");
    json_t *timeline = query_rows(
        db,
        "SELECT e.seq, " TIME("e.at", 2) " AS at, e.kind, e.level, e.status, e.department, "
        "e.actor, e.note, coalesce(e.person_code, '') AS person, coalesce(p.name, '') AS "
        "person_name, coalesce(p.role, '') AS person_role, coalesce(e.application, '') AS "
        "application FROM case_events e JOIN cases c ON c.id = e.case_id "
        "LEFT JOIN people p ON p.code = e.person_code WHERE c.ref = $1 ORDER BY e.seq",
        2, ref, "isssssssssss");
    PQfinish(db);
    int rc = 0;
    if (!cases || !departments || !timeline) {
        rc = 1;
    } else if (json_array_size(cases) != 1) {
        rc = gridctl_fail("no case %s (gridctl list shows the cases)", a->positional[0]);
    } else {
        json_t *c = json_incref(json_array_get(cases, 0));
        json_object_set_new(c, "departments", json_incref(departments));
        json_object_set_new(c, "timeline", json_incref(timeline));
        if (args_has(a, "--json")) {
            gridctl_print_json(c);
        } else {
            printf("%s  %s  %s  grid %s  level %s\n  %s\n", text_of(c, "ref"),
                   text_of(c, "status"), text_of(c, "category"), text_of(c, "area"),
                   text_of(c, "level"), text_of(c, "description"));
            printf("  reported %s by %s %s %s; deadline %s\n", text_of(c, "created_at"),
                   text_of(c, "source"), text_of(c, "reporter_name"),
                   text_of(c, "reporter_phone"), text_of(c, "deadline_at"));
            size_t i;
            json_t *e;
            json_array_foreach(departments, i, e)
                printf("  department %s%s%s\n", text_of(e, "department"),
                       json_is_true(json_object_get(e, "lead")) ? " (lead)" : "",
                       json_is_true(json_object_get(e, "active")) ? "" : " (returned)");
            json_array_foreach(timeline, i, e)
            {
                printf("  %s  #%lld %-20s %-9s %-11s %s %s %s", text_of(e, "at"),
                       (long long)json_integer_value(json_object_get(e, "seq")),
                       text_of(e, "kind"), text_of(e, "level"), text_of(e, "status"),
                       text_of(e, "department"), text_of(e, "actor"), text_of(e, "note"));
                if (*text_of(e, "person")) /* who acted, and through which application */
                    printf("  [%s, %s %s%s%s]", text_of(e, "person_name"),
                           text_of(e, "person_role"), text_of(e, "person"),
                           *text_of(e, "application") ? " via " : "",
                           text_of(e, "application"));
                printf("\n");
            }
            json_decref(c);
        }
    }
    json_decref(cases);
    json_decref(departments);
    json_decref(timeline);
    return rc;
}

int cmd_diary_list(const gc_config_t *cfg, const args_t *a)
{
    const char *params[] = {args_get(a, "--grid")};
    PGconn *db = gridctl_db(cfg);
    if (!db)
        return 1;
    json_t *rows = query_rows(db,
                              "SELECT d.id, d.grid, d.visited_on::text AS visited_on, d.author, "
                              "d.note, c.ref AS case_ref FROM grid_diary d LEFT JOIN cases c ON "
                              "c.id = d.case_id WHERE d.grid = $1 ORDER BY d.visited_on DESC, d.id "
                              "DESC",
                              1, params, "isssss");
    PQfinish(db);
    if (!rows)
        return 1;
    if (printed_as_json(a, rows))
        return 0;
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
        printf("#%lld %s %s: %s%s%s\n", (long long)json_integer_value(json_object_get(r, "id")),
               text_of(r, "visited_on"), text_of(r, "author"), text_of(r, "note"),
               json_is_string(json_object_get(r, "case_ref")) ? "  -> case " : "",
               json_is_string(json_object_get(r, "case_ref")) ? text_of(r, "case_ref") : "");
    json_decref(rows);
    return 0;
}

/* The valid words of an enum (gc_names), for an error: "grid, community, street, district" */
static const char *words(const char *(*name_of)(int), char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (int v = 1; name_of(v) && used < size; v++)
        used += (size_t)snprintf(out + used, size - used, "%s%s", v > 1 ? ", " : "", name_of(v));
    return out;
}

int cmd_list(const gc_config_t *cfg, const args_t *a)
{
    long limit = 1000;
    char valid[256];
    const char *status = args_get(a, "--status"), *level = args_get(a, "--level");
    const char *area = args_get(a, "--area");
    if (args_get(a, "--limit") && !gc_config_parse_long(args_get(a, "--limit"), 1, 1000000, &limit))
        return args_usage_fail(a, "--limit takes a whole number from 1 to 1000000");
    if (status && !gc_status_value(status))
        return args_usage_fail(a, "--status: no status '%s'; one of %s", status,
                               words(gc_status_name, valid, sizeof valid));
    if (level && !gc_level_value(level))
        return args_usage_fail(a, "--level: no level '%s'; one of %s", level,
                               words(gc_level_name, valid, sizeof valid));
    if (area) {
        PGconn *db = gridctl_db(cfg);
        bool known = db && known_area(db, "--area", area, NULL);
        PQfinish(db);
        if (!known)
            return db ? 2 : 1;
    }
    char lim[24];
    snprintf(lim, sizeof lim, "%ld", limit);
    const char *params[] = {status, area, lim, level, NULL};
    json_t *rows = fetch_rows(
        cfg, a,
        "SELECT ref, category, area_code AS area, level, status, " TIME("created_at", 5)
        " AS created_at, " TIME("deadline_at", 5) " AS deadline_at, description FROM cases "
        "WHERE ($1::text IS NULL OR status = $1) "
        "AND ($2::text IS NULL OR left(area_code, length($2)) = $2) "
        "AND ($4::text IS NULL OR level = $4) ORDER BY id LIMIT $3",
        5, params, "ssssssss");
    if (!rows)
        return 1;
    if (printed_as_json(a, rows))
        return 0;
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
        printf("%s  %-11s %-9s %-20s %s  due %s  %s\n", text_of(r, "ref"), text_of(r, "status"),
               text_of(r, "level"), text_of(r, "category"), text_of(r, "area"),
               text_of(r, "deadline_at"), text_of(r, "description"));
    json_decref(rows);
    return 0;
}

int cmd_reference(const gc_config_t *cfg, const args_t *a)
{
    const char *what = a->cmd->name;
    PGconn *db = gridctl_db(cfg);
    if (!db)
        return 1;
    json_t *rows;
    if (strcmp(what, "areas") == 0)
        rows = query_rows(db,
                          "SELECT code, parent_code AS parent, level, name, leader_name, "
                          "leader_phone, boundary IS NOT NULL AS has_boundary FROM areas "
                          "ORDER BY code",
                          0, NULL, "ssssssb");
    else if (strcmp(what, "departments") == 0)
        rows = query_rows(db,
                          "SELECT code, name, public_key <> '' AS has_key FROM departments "
                          "ORDER BY code",
                          0, NULL, "ssb");
    else
        rows = query_rows(
            db,
            "SELECT c.code, c.name, c.urgency, c.hours_grid, c.hours_community, c.hours_street, "
            "c.hours_district, coalesce((SELECT string_agg(DISTINCT r.department, ',' ORDER BY "
            "r.department) FROM routing_rules r WHERE r.category = c.code AND r.is_lead), '') AS "
            "lead_departments FROM categories c ORDER BY c.code",
            0, NULL, "sssiiiis");
    PQfinish(db);
    if (!rows)
        return 1;
    if (printed_as_json(a, rows))
        return 0;
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        if (strcmp(what, "areas") == 0) {
            int depth = strcmp(text_of(r, "level"), "district") == 0   ? 0
                        : strcmp(text_of(r, "level"), "street") == 0   ? 1
                        : strcmp(text_of(r, "level"), "community") == 0 ? 2
                                                                         : 3;
            printf("%*s%s %s  %s: %s %s\n", depth * 2, "", text_of(r, "code"), text_of(r, "name"),
                   text_of(r, "level"), text_of(r, "leader_name"), text_of(r, "leader_phone"));
        } else if (strcmp(what, "departments") == 0) {
            printf("%-14s %s%s\n", text_of(r, "code"), text_of(r, "name"),
                   json_is_true(json_object_get(r, "has_key")) ? "" : "  (no CURVE key yet)");
        } else {
            printf("%-20s %s  urgency %s, hours %lld/%lld/%lld/%lld, lead: %s\n",
                   text_of(r, "code"), text_of(r, "name"), text_of(r, "urgency"),
                   (long long)json_integer_value(json_object_get(r, "hours_grid")),
                   (long long)json_integer_value(json_object_get(r, "hours_community")),
                   (long long)json_integer_value(json_object_get(r, "hours_street")),
                   (long long)json_integer_value(json_object_get(r, "hours_district")),
                   text_of(r, "lead_departments"));
        }
    }
    json_decref(rows);
    return 0;
}

/* The street's joint-meeting agenda (联席会议): its open cases that reached the street (by
 * escalation) and have had no meeting decision since they arrived. */
int cmd_agenda(const gc_config_t *cfg, const args_t *a)
{
    PGconn *db = gridctl_db(cfg);
    bool known = db && known_area(db, "STREET", a->positional[0], "street");
    PQfinish(db);
    if (!known)
        return db ? 2 : 1;
    const char *params[] = {a->positional[0], NULL};
    json_t *rows = fetch_rows(
        cfg, a,
        "SELECT c.ref, c.category, c.area_code AS area, c.status, " TIME("r.at", 2) " AS reached_at, "
        "r.note AS why, " TIME("c.deadline_at", 2) " AS deadline_at, c.description "
        "FROM cases c CROSS JOIN LATERAL (SELECT e.seq, e.at, e.note FROM case_events e "
        "  WHERE e.case_id = c.id AND e.kind = 'escalated' AND e.level = 'street' "
        "  ORDER BY e.seq DESC LIMIT 1) r "
        "WHERE c.level = 'street' AND c.status NOT IN ('resolved', 'closed') "
        "AND left(c.area_code, length($1)) = $1 "
        "AND EXISTS (SELECT 1 FROM areas s WHERE s.code = $1 AND s.level = 'street') "
        "AND NOT EXISTS (SELECT 1 FROM case_events m WHERE m.case_id = c.id "
        "  AND m.kind = 'meeting_decided' AND m.seq > r.seq) "
        "ORDER BY r.seq",
        2, params, "ssssssss");
    if (!rows)
        return 1;
    if (printed_as_json(a, rows))
        return 0;
    size_t i;
    json_t *r;
    printf("joint meeting agenda of %s: %zu case(s)\n", a->positional[0], json_array_size(rows));
    json_array_foreach(rows, i, r)
        printf("%s  %-11s %-20s %s  reached %s (%s)  %s\n", text_of(r, "ref"),
               text_of(r, "status"), text_of(r, "category"), text_of(r, "area"),
               text_of(r, "reached_at"), text_of(r, "why"), text_of(r, "description"));
    json_decref(rows);
    return 0;
}
