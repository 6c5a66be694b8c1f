/* gridctl keygen and gridctl client: the CurveZMQ keys of the servers and of the clients that
 * may use intake, the event stream and the stats stream (the table socket_clients).
 * Departments' keys are managed by gridctl dept (departments.public_key). */
#include "gridctl.h"

#include "gc_curve.h"
#include "gc_pg.h"

#include <stdio.h>
#include <string.h>

/* keygen FILE: a new key pair; the secret key goes to FILE (0600, never overwritten) and the
 * public key to stdout, for the clients' GC_*_SERVER_KEY. */
int cmd_keygen(const gc_config_t *cfg, const args_t *a)
{
    (void)cfg;
    gc_curve_keys_t keys;
    char err[1200];
    if (!gc_curve_generate(a->positional[0], &keys, err, sizeof err))
        return gridctl_fail("%s", err);
    puts(keys.public_key);
    return 0;
}

/* The sockets list "intake,events" as a PostgreSQL array literal "{intake,events}", checked
 * word by word so a typo is named instead of failing a constraint. */
static bool sockets_array(const char *list, char *out, size_t size)
{
    static const char *const known[] = {"intake", "events", "stats"};
    char copy[64];
    if (strlen(list) >= sizeof copy || !*list) {
        gridctl_fail("--sockets takes a comma-separated list of intake, events, stats");
        return false;
    }
    snprintf(copy, sizeof copy, "%s", list);
    size_t used = (size_t)snprintf(out, size, "{");
    char *save = NULL;
    for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
        bool ok = false;
        for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
            ok |= strcmp(w, known[i]) == 0;
        if (!ok) {
            gridctl_fail("--sockets: unknown socket '%s' (intake, events, stats)", w);
            return false;
        }
        used += (size_t)snprintf(out + used, size - used, "%s%s", used > 1 ? "," : "", w);
    }
    snprintf(out + used, size - used, "}");
    return true;
}

/* A comma-separated list as a PostgreSQL array literal, words checked against known (NULL: any
 * area code of digits), e.g. "submissions,diary" -> "{submissions,diary}". */
static bool words_array(const char *option, const char *list, const char *const *known, size_t n,
                        char *out, size_t size)
{
    size_t used = (size_t)snprintf(out, size, "{");
    const char *p = list;
    while (*p) {
        size_t len = strcspn(p, ",");
        bool ok = len > 0 && len < 64 && !known;
        for (size_t i = 0; known && i < n; i++)
            ok |= strlen(known[i]) == len && strncmp(p, known[i], len) == 0;
        for (size_t i = 0; !known && ok && i < len; i++)
            ok = p[i] >= '0' && p[i] <= '9';
        if (!ok || used + len + 2 >= size) {
            gridctl_fail("%s: '%.*s' is not one of the words it takes", option, (int)len, p);
            return false;
        }
        used += (size_t)snprintf(out + used, size - used, "%s%.*s", used > 1 ? "," : "",
                                 (int)len, p);
        p += len + (p[len] == ',');
    }
    snprintf(out + used, size - used, "}");
    return used > 1 || (gridctl_fail("%s: an empty list", option), false);
}

/* client add NAME --sockets LIST [--key FILE] [--may LIST] [--areas LIST]: registers the key in
 * FILE (made first when FILE does not exist) for those sockets, with what it may send on the
 * intake socket and for which areas; adding a name again replaces its key, sockets and scope. */
int cmd_client_add(const gc_config_t *cfg, const args_t *a)
{
    const char *name = a->positional[0];
    const char *path = args_get(a, "--key"), *list = args_get(a, "--sockets");
    static const char *const kinds[] = {"submissions", "commands", "diary"};
    const char *may = args_get(a, "--may"), *areas = args_get(a, "--areas");
    char sockets[128], err[1200], may_send[64] = "{submissions,commands,diary}", in[4096];
    if (!sockets_array(list, sockets, sizeof sockets)
        || (may && !words_array("--may", may, kinds, 3, may_send, sizeof may_send))
        || (areas && !words_array("--areas", areas, NULL, 0, in, sizeof in)))
        return 1;
    gc_curve_keys_t keys;
    FILE *exists = fopen(path, "r");
    if (exists)
        fclose(exists);
    if (!(exists ? gc_curve_load(path, &keys, err, sizeof err)
                 : gc_curve_generate(path, &keys, err, sizeof err)))
        return gridctl_fail("%s", err);
    PGconn *db = gridctl_db(cfg);
    if (!db)
        return 1;
    const char *params[] = {name, keys.public_key, sockets, may_send, areas ? in : NULL};
    PGresult *res = gc_pg_query(db, "add client",
                                "INSERT INTO socket_clients (name, public_key, sockets, may_send, "
                                "areas) VALUES ($1, $2, $3::text[], $4::text[], $5::text[]) "
                                "ON CONFLICT (name) DO UPDATE SET public_key = "
                                "EXCLUDED.public_key, sockets = EXCLUDED.sockets, may_send = "
                                "EXCLUDED.may_send, areas = EXCLUDED.areas",
                                5, params);
    int rc = gc_pg_ok(res) ? 0 : 1;
    if (rc == 0)
        puts(keys.public_key);
    else
        gridctl_fail("client %s not added: %s", name, PQerrorMessage(db));
    PQclear(res);
    PQfinish(db);
    return rc;
}

int cmd_client_remove(const gc_config_t *cfg, const args_t *a)
{
    const char *name = a->positional[0];
    PGconn *db = gridctl_db(cfg);
    if (!db)
        return 1;
    const char *params[] = {name};
    PGresult *res = gc_pg_query(db, "remove client",
                                "DELETE FROM socket_clients WHERE name = $1", 1, params);
    int rc = 1;
    if (gc_pg_ok(res) && strcmp(PQcmdTuples(res), "1") != 0)
        gridctl_fail("no client %s", name);
    else if (gc_pg_ok(res))
        rc = 0;
    PQclear(res);
    PQfinish(db);
    return rc;
}

int cmd_client_list(const gc_config_t *cfg, const args_t *a)
{
    bool json = args_has(a, "--json");
    PGconn *db = gridctl_db(cfg);
    if (!db)
        return 1;
    PGresult *res = gc_pg_query(db, "list clients",
                                "SELECT name, public_key, array_to_string(sockets, ','), "
                                "to_char(created_at AT TIME ZONE 'UTC', "
                                "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
                                "array_to_string(may_send, ','), "
                                "coalesce(array_to_string(areas, ','), 'all') "
                                "FROM socket_clients ORDER BY name",
                                0, NULL);
    int rc = gc_pg_ok(res) ? 0 : 1;
    json_t *all = json ? json_array() : NULL;
    for (int r = 0; rc == 0 && r < PQntuples(res); r++) {
        if (json)
            json_array_append_new(all, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "name",
                                                 PQgetvalue(res, r, 0), "public_key",
                                                 PQgetvalue(res, r, 1), "sockets",
                                                 PQgetvalue(res, r, 2), "created_at",
                                                 PQgetvalue(res, r, 3), "may_send",
                                                 PQgetvalue(res, r, 4), "areas",
                                                 PQgetvalue(res, r, 5)));
        else
            printf("%-24s %s %s may send %s in %s\n", PQgetvalue(res, r, 0),
                   PQgetvalue(res, r, 1), PQgetvalue(res, r, 2), PQgetvalue(res, r, 4),
                   PQgetvalue(res, r, 5));
    }
    if (all)
        gridctl_print_json(all);
    PQclear(res);
    PQfinish(db);
    return rc;
}

