/* gridctl apikey: the api_keys of the client applications that post through the Open311
 * gateway (gc-open311). Only each key's SHA-256 is stored (open311_api_keys): `add` prints the
 * key once, and it cannot be shown again. */
#include "gridctl.h"

#include "gc_pg.h"

#include <stdio.h>
#include <string.h>

/* apikey add NAME: a new random key (32 bytes from /dev/urandom, 64 hex characters) for the
 * application NAME, printed on stdout. A name is used once: revoked or not, it is refused. */
static int apikey_add(const gc_config_t *cfg, const char *name)
{
    unsigned char raw[32];
    char key[65];
    FILE *f = fopen("/dev/urandom", "rb");
    bool got = f && fread(raw, 1, sizeof raw, f) == sizeof raw;
    if (f)
        fclose(f);
    if (!got)
        return gridctl_fail("cannot read /dev/urandom");
    for (size_t i = 0; i < sizeof raw; i++)
        snprintf(key + 2 * i, 3, "%02x", raw[i]);
    PGconn *db = gridctl_db(cfg);
    if (!db)
        return 1;
    const char *params[] = {name, key};
    PGresult *res = gc_pg_query(db, "add api key",
                                "INSERT INTO open311_api_keys (name, key_sha256) VALUES "
                                "($1, encode(sha256(convert_to($2, 'UTF8')), 'hex'))",
                                2, params);
    int rc = 0;
    if (gc_pg_ok(res))
        puts(key);
    else if (strcmp(gc_pg_sqlstate(res), "23505") == 0)
        rc = gridctl_fail("apikey %s exists already (a name is used once; hint: gridctl apikey "
                          "list)",
                          name);
    else if (strcmp(gc_pg_sqlstate(res), "23514") == 0)
        rc = gridctl_fail("apikey name '%s': 1-64 of a-z 0-9 _ . - starting with a letter or "
                          "digit",
                          name);
    else
        rc = gridctl_fail("apikey %s not added: %s", name, PQresultErrorMessage(res));
    PQclear(res);
    PQfinish(db);
    return rc;
}

/* apikey revoke NAME: the gateway refuses the key from its next request. */
static int apikey_revoke(const gc_config_t *cfg, const char *name)
{
    PGconn *db = gridctl_db(cfg);
    if (!db)
        return 1;
    const char *params[] = {name};
    PGresult *res = gc_pg_query(db, "revoke api key",
                                "UPDATE open311_api_keys SET revoked_at = now() "
                                "WHERE name = $1 AND revoked_at IS NULL",
                                1, params);
    int rc = 1;
    if (gc_pg_ok(res) && strcmp(PQcmdTuples(res), "1") != 0)
        gridctl_fail("no api key %s in use (hint: gridctl apikey list)", name);
    else if (gc_pg_ok(res))
        rc = 0;
    PQclear(res);
    PQfinish(db);
    return rc;
}

static int apikey_list(const gc_config_t *cfg, bool json)
{
    PGconn *db = gridctl_db(cfg);
    if (!db)
        return 1;
    PGresult *res = gc_pg_query(db, "list api keys",
                                "SELECT name, to_char(created_at AT TIME ZONE 'UTC', "
                                "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), coalesce(to_char(revoked_at "
                                "AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '') "
                                "FROM open311_api_keys ORDER BY name",
                                0, NULL);
    int rc = gc_pg_ok(res) ? 0 : 1;
    json_t *all = json ? json_array() : NULL;
    for (int r = 0; rc == 0 && r < PQntuples(res); r++) {
        const char *revoked = PQgetvalue(res, r, 2);
        if (json)
            json_array_append_new(all, json_pack("{s:s, s:s, s:s?}", "name",
                                                 PQgetvalue(res, r, 0), "created_at",
                                                 PQgetvalue(res, r, 1), "revoked_at",
                                                 *revoked ? revoked : NULL));
        else
            printf("%-24s added %s%s%s\n", PQgetvalue(res, r, 0), PQgetvalue(res, r, 1),
                   *revoked ? ", revoked " : "", revoked);
    }
    if (all)
        gridctl_print_json(all);
    PQclear(res);
    PQfinish(db);
    return rc;
}

int cmd_apikey_add(const gc_config_t *cfg, const args_t *a)
{
    return apikey_add(cfg, a->positional[0]);
}

int cmd_apikey_revoke(const gc_config_t *cfg, const args_t *a)
{
    return apikey_revoke(cfg, a->positional[0]);
}

int cmd_apikey_list(const gc_config_t *cfg, const args_t *a)
{
    return apikey_list(cfg, args_has(a, "--json"));
}
