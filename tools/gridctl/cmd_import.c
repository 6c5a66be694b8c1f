/* gridctl import FILE: loads the district's reference data (format: README.md, "Reference
 * data") in one transaction. Idempotent: areas, departments and categories are upserted (never
 * deleted: cases refer to them); the routing rules are replaced as a whole. */
#include "gridctl.h"

#include "gc_case.h"
#include "gc_pg.h"

#include <stdio.h>
#include <string.h>

static const char *const level_by_depth[] = {"district", "street", "community", "grid"};

typedef struct {
    PGconn *db;
    char where[256]; /* what was being imported when it failed */
    int areas, departments, categories, rules, calendar_entries, people;
} import_t;

static const char *str(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static bool run(import_t *im, const char *sql, int n, const char *const *params)
{
    return gc_pg_run(im->db, im->where, sql, n, params);
}

static bool valid_boundary(json_t *b)
{
    if (!json_is_array(b) || json_array_size(b) < 3)
        return false;
    size_t i;
    json_t *pt;
    json_array_foreach(b, i, pt)
    {
        if (!json_is_array(pt) || json_array_size(pt) != 2 || !json_is_number(json_array_get(pt, 0))
            || !json_is_number(json_array_get(pt, 1)))
            return false;
    }
    return true;
}

/* An area's people: upserted by code (a person may move to another area); "retired": true
 * retires them from the import's time on, never deleting them (the timeline names them). The
 * phone is kept for the district's own use only. */
static bool import_people(import_t *im, json_t *list, const char *area)
{
    size_t i;
    json_t *p;
    json_array_foreach(list, i, p)
    {
        const char *code = str(p, "code"), *name = str(p, "name"), *role = str(p, "role"),
                   *phone = str(p, "phone");
        snprintf(im->where, sizeof im->where, "person %s of area %s", code ? code : "(no code)",
                 area);
        if (!code || !*code || !name || !role)
            return gridctl_fail("%s: needs \"code\", \"name\" and \"role\" (leader, "
                                "grid_worker, community_staff, volunteer, meeting_office)",
                                im->where),
                   false;
        const char *params[] = {code, area, role, name, phone ? phone : "",
                                json_is_true(json_object_get(p, "retired")) ? "t" : "f"};
        if (!run(im,
                 "INSERT INTO people (code, area_code, role, name, phone, retired_at) "
                 "VALUES ($1, $2, $3, $4, $5, CASE WHEN $6::boolean THEN now() END) "
                 "ON CONFLICT (code) DO UPDATE SET area_code = $2, role = $3, name = $4, "
                 "phone = $5, retired_at = CASE WHEN $6::boolean "
                 "THEN coalesce(people.retired_at, now()) END",
                 6, params))
            return false;
        im->people++;
    }
    return true;
}

static bool import_area(import_t *im, json_t *node, const char *parent, int depth)
{
    const char *code = str(node, "code"), *name = str(node, "name");
    snprintf(im->where, sizeof im->where, "area %s", code ? code : "(no code)");
    if (!code || !*code || strlen(code) > GC_CASE_MAX_CODE || !name || depth > 3) {
        gridctl_fail("%s: needs \"code\" (at most 64 bytes) and \"name\"; the tree has four "
                     "levels", im->where);
        return false;
    }
    json_t *leader = json_object_get(node, "leader");
    json_t *boundary = json_object_get(node, "boundary");
    if (boundary && !valid_boundary(boundary)) {
        gridctl_fail("%s: boundary must be an array of at least 3 [lon, lat] pairs", im->where);
        return false;
    }
    char *bjson = boundary ? json_dumps(boundary, JSON_COMPACT) : NULL;
    const char *lname = leader ? str(leader, "name") : NULL;
    const char *lphone = leader ? str(leader, "phone") : NULL;
    const char *params[] = {code, parent, level_by_depth[depth], name, lname ? lname : "",
                            lphone ? lphone : "", bjson};
    bool ok = run(im,
                  "INSERT INTO areas (code, parent_code, level, name, leader_name, leader_phone, "
                  "boundary) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (code) DO UPDATE SET "
                  "parent_code = $2, level = $3, name = $4, leader_name = $5, leader_phone = $6, "
                  "boundary = $7",
                  7, params);
    free(bjson);
    im->areas++;
    ok = ok && import_people(im, json_object_get(node, "people"), code);
    json_t *children = json_object_get(node, "children");
    size_t i;
    json_t *child;
    json_array_foreach(children, i, child)
    {
        if (!ok)
            break;
        ok = import_area(im, child, code, depth + 1);
    }
    return ok;
}

static bool import_departments(import_t *im, json_t *list)
{
    size_t i;
    json_t *d;
    json_array_foreach(list, i, d)
    {
        const char *code = str(d, "code"), *name = str(d, "name"), *key = str(d, "public_key");
        snprintf(im->where, sizeof im->where, "department %s", code ? code : "(no code)");
        if (!code || !*code || !name)
            return gridctl_fail("%s: needs \"code\" and \"name\"", im->where), false;
        /* a key registered with `gridctl dept register` stays unless the file names one */
        const char *params[] = {code, name, key};
        if (!run(im,
                 "INSERT INTO departments (code, name, public_key) VALUES ($1, $2, "
                 "coalesce($3, '')) ON CONFLICT (code) DO UPDATE SET name = $2, "
                 "public_key = coalesce($3, departments.public_key)",
                 3, params)
            || !run(im,
                    "INSERT INTO department_delivery_state (department) VALUES ($1) "
                    "ON CONFLICT DO NOTHING",
                    1, params))
            return false;
        im->departments++;
    }
    return true;
}

static bool import_categories(import_t *im, json_t *list)
{
    size_t i;
    json_t *c;
    json_array_foreach(list, i, c)
    {
        const char *code = str(c, "code"), *name = str(c, "name"), *urgency = str(c, "urgency");
        bool working = json_is_true(json_object_get(c, "working_hours"));
        json_t *hours = json_object_get(c, "handling_hours");
        snprintf(im->where, sizeof im->where, "category %s", code ? code : "(no code)");
        char h[4][24];
        const char *const keys[] = {"grid", "community", "street", "district"};
        bool hours_ok = json_is_object(hours);
        for (int k = 0; hours_ok && k < 4; k++) {
            json_t *v = json_object_get(hours, keys[k]);
            hours_ok = json_is_integer(v) && json_integer_value(v) > 0;
            if (hours_ok)
                snprintf(h[k], sizeof h[k], "%lld", (long long)json_integer_value(v));
        }
        if (!code || !*code || !name || !hours_ok)
            return gridctl_fail("%s: needs \"code\", \"name\" and positive integer "
                                "\"handling_hours\" for grid, community, street and district",
                                im->where),
                   false;
        const char *params[] = {code, name, urgency ? urgency : "normal", h[0], h[1], h[2], h[3],
                                working ? "t" : "f"};
        if (!run(im,
                 "INSERT INTO categories (code, name, urgency, hours_grid, hours_community, "
                 "hours_street, hours_district, working_hours) "
                 "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
                 "ON CONFLICT (code) DO UPDATE SET name = $2, urgency = $3, hours_grid = $4, "
                 "hours_community = $5, hours_street = $6, hours_district = $7, "
                 "working_hours = $8",
                 8, params))
            return false;
        im->categories++;
    }
    return true;
}

static bool insert_rule(import_t *im, const char *category, const char *area, const char *level,
                        const char *dept, bool lead)
{
    const char *params[] = {category, area, level, dept, lead ? "t" : "f"};
    im->rules++;
    return run(im,
               "INSERT INTO routing_rules (category, area_code, level, department, is_lead) "
               "VALUES ($1, $2, $3, $4, $5)",
               5, params);
}

static bool import_rules(import_t *im, json_t *list)
{
    if (!list)
        return true; /* a file without "routing_rules" leaves the rules as they are */
    if (!run(im, "DELETE FROM routing_rules", 0, NULL))
        return false;
    size_t i, j;
    json_t *r, *co;
    json_array_foreach(list, i, r)
    {
        const char *category = str(r, "category"), *area = str(r, "area");
        const char *level = str(r, "level"), *lead = str(r, "lead");
        snprintf(im->where, sizeof im->where, "routing rule #%zu (%s)", i + 1,
                 category ? category : "no category");
        if (!category || !area || !lead)
            return gridctl_fail("%s: needs \"category\", \"area\" and \"lead\"", im->where), false;
        if (!insert_rule(im, category, area, level, lead, true))
            return false;
        json_array_foreach(json_object_get(r, "co"), j, co)
        {
            if (!json_is_string(co) || !insert_rule(im, category, area, level,
                                                    json_string_value(co), false))
                return false;
        }
    }
    return true;
}

/* "working_hours": [{"days": [1, 2, 3, 4, 5], "periods": [["09:00", "12:00"], ...]}, ...] */
static bool import_working_hours(import_t *im, json_t *list)
{
    size_t i, j, k;
    json_t *entry, *day, *period;
    json_array_foreach(list, i, entry)
    {
        snprintf(im->where, sizeof im->where, "calendar working_hours #%zu", i + 1);
        json_t *days = json_object_get(entry, "days"), *periods = json_object_get(entry, "periods");
        if (!json_is_array(days) || !json_is_array(periods))
            return gridctl_fail("%s: needs \"days\" (1 = Monday .. 7) and \"periods\" "
                                "([[\"09:00\", \"12:00\"], ...])", im->where),
                   false;
        json_array_foreach(days, j, day) json_array_foreach(periods, k, period)
        {
            char d[8];
            snprintf(d, sizeof d, "%lld", (long long)json_integer_value(day));
            const char *params[] = {d, json_string_value(json_array_get(period, 0)),
                                    json_string_value(json_array_get(period, 1))};
            if (!json_is_integer(day) || !params[1] || !params[2])
                return gridctl_fail("%s: days are integers, periods pairs of \"HH:MM\"",
                                    im->where),
                       false;
            if (!run(im, "INSERT INTO working_hours (weekday, starts, ends) VALUES ($1, $2, $3)",
                     3, params))
                return false;
            im->calendar_entries++;
        }
    }
    return true;
}

/* "holidays": [{"date": "2026-10-01", "name": "国庆节"}, ...] and "working_days" (调休):
 * [{"date": "2026-09-27", "name": "...", "hours_of": 1}, ...] */
static bool import_days(import_t *im, json_t *list, bool working)
{
    size_t i;
    json_t *d;
    json_array_foreach(list, i, d)
    {
        const char *date = str(d, "date"), *name = str(d, "name");
        json_t *of = json_object_get(d, "hours_of");
        snprintf(im->where, sizeof im->where, "calendar %s %s", working ? "working day" : "holiday",
                 date ? date : "(no date)");
        char hours_of[8];
        snprintf(hours_of, sizeof hours_of, "%lld", json_is_integer(of) ? (long long)json_integer_value(of) : 1LL);
        const char *params[] = {date, working ? "t" : "f", hours_of, name ? name : ""};
        if (!date)
            return gridctl_fail("%s: needs \"date\" (YYYY-MM-DD)", im->where), false;
        if (!run(im,
                 "INSERT INTO calendar_days (day, working, hours_of, name) "
                 "VALUES ($1, $2, $3, $4)",
                 4, params))
            return false;
        im->calendar_entries++;
    }
    return true;
}

/* "calendar" replaces the working calendar as a whole; a file without one leaves it alone.
 * "time_zone" (an IANA name) is the district's local time. */
static bool import_calendar(import_t *im, json_t *root)
{
    const char *tz = str(root, "time_zone");
    snprintf(im->where, sizeof im->where, "time_zone %s", tz ? tz : "");
    const char *tzp[] = {tz};
    if (tz) {
        PGresult *known = gc_pg_query(im->db, im->where,
                                      "SELECT 1 FROM pg_timezone_names WHERE name = $1", 1, tzp);
        bool ok = gc_pg_ok(known), found = ok && PQntuples(known) == 1;
        PQclear(known);
        if (ok && !found)
            gridctl_fail("%s: not a time zone name PostgreSQL knows (e.g. Asia/Shanghai)",
                         im->where);
        if (!found || !run(im, "UPDATE district_settings SET time_zone = $1", 1, tzp))
            return false;
    }
    json_t *cal = json_object_get(root, "calendar");
    if (!cal)
        return true;
    snprintf(im->where, sizeof im->where, "calendar");
    return run(im, "DELETE FROM working_hours", 0, NULL)
           && run(im, "DELETE FROM calendar_days", 0, NULL)
           && import_working_hours(im, json_object_get(cal, "working_hours"))
           && import_days(im, json_object_get(cal, "holidays"), false)
           && import_days(im, json_object_get(cal, "working_days"), true);
}

int cmd_import(const gc_config_t *cfg, const args_t *a)
{
    json_error_t jerr;
    json_t *root = json_load_file(a->positional[0], 0, &jerr);
    if (!root)
        return gridctl_fail("%s:%d:%d: %s", a->positional[0], jerr.line, jerr.column, jerr.text);
    import_t im = {.db = gridctl_db(cfg)};
    if (!im.db) {
        json_decref(root);
        return 1;
    }
    bool ok = json_is_object(json_object_get(root, "district"))
              || (gridctl_fail("%s: no \"district\" object", a->positional[0]), false);
    ok = ok && gc_pg_begin(im.db)
         && import_area(&im, json_object_get(root, "district"), NULL, 0)
         && import_departments(&im, json_object_get(root, "departments"))
         && import_categories(&im, json_object_get(root, "categories"))
         && import_rules(&im, json_object_get(root, "routing_rules"))
         && import_calendar(&im, root)
         /* tell intake to reload its areas (delivered on commit) */
         && gc_pg_run(im.db, "notify", "SELECT pg_notify('gc_reference', '')", 0, NULL)
         && gc_pg_commit(im.db);
    if (ok)
        printf("imported %d areas, %d departments, %d categories, %d routing rule entries, "
               "%d calendar entries, %d people\n",
               im.areas, im.departments, im.categories, im.rules, im.calendar_entries,
               im.people);
    else
        gridctl_fail("import failed at %s; nothing was changed", im.where);
    gc_pg_rollback(im.db);
    PQfinish(im.db);
    json_decref(root);
    return ok ? 0 : 1;
}
