/* gridctl people and gridctl rules: the district's people (never their phones: this prints to
 * terminals and logs) and the rules table that intake enforces for their commands. */
#include "gridctl.h"

#include "gc_pg.h"

#include <stdio.h>

/* Prints the rows of a query as text columns, or as JSON objects named by the columns. */
static int print_rows(const gc_config_t *cfg, const args_t *a, const char *sql, int n,
                      const char *const *params)
{
    PGconn *db = gridctl_db(cfg);
    if (!db)
        return 1;
    PGresult *res = gc_pg_query(db, "query", sql, n, params);
    int rc = gc_pg_ok(res) ? 0 : 1;
    json_t *all = args_has(a, "--json") ? json_array() : NULL;
    for (int r = 0; rc == 0 && r < PQntuples(res); r++) {
        json_t *row = all ? json_object() : NULL;
        for (int c = 0; c < PQnfields(res); c++) {
            if (row)
                json_object_set_new(row, PQfname(res, c), json_string(PQgetvalue(res, r, c)));
            else
                printf("%s%s", c ? "  " : "", PQgetvalue(res, r, c));
        }
        if (row)
            json_array_append_new(all, row);
        else
            printf("\n");
    }
    if (all) {
        gridctl_print_json(all);
    }
    PQclear(res);
    PQfinish(db);
    return rc;
}

int cmd_people(const gc_config_t *cfg, const args_t *a)
{
    const char *params[] = {args_get(a, "--area") ? args_get(a, "--area") : ""};
    return print_rows(cfg, a,
                      "SELECT code, name, role, area_code AS area, "
                      "CASE WHEN retired_at IS NULL THEN 'active' ELSE 'retired' END AS state "
                      "FROM people WHERE left(area_code, length($1)) = $1 "
                      "ORDER BY area_code, role, code",
                      1, params);
}

int cmd_rules(const gc_config_t *cfg, const args_t *a)
{
    return print_rows(cfg, a,
                      "SELECT command, role, place, gc_rule_place_words(place) AS meaning "
                      "FROM command_rules ORDER BY command, role, place",
                      0, NULL);
}
