/* gridctl migrate, gridctl clock: schema and the test clock. */
#include "gridctl.h"

#include "gc_pg.h"
#include "migrate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cmd_migrate(const gc_config_t *cfg, const args_t *a)
{
    (void)a;
    /* at start-up (docker-compose) the database may still be starting: wait up to 30 s */
    PGconn *db = gridctl_db_wait(cfg, 30);
    if (!db)
        return 1;
    char err[4096];
    bool ok = migrate_run(db, cfg->schema_dir, err, sizeof err);
    PQfinish(db);
    return ok ? 0 : gridctl_fail("migrate: %s", err);
}

/* The gridcase clock (table clock, function gc_now()) lets tests and the demo pass deadlines
 * without waiting. Moving it in production would corrupt deadlines, so it needs GC_TEST_CLOCK=1.
 * seconds: move forward that much; at: move forward to that time (already checked by
 * gridctl_parse_time); neither: show it. */
static int clock_cmd(const gc_config_t *cfg, const char *verb, long seconds, const char *at)
{
    if (seconds || at) {
        const char *env = getenv("GC_TEST_CLOCK");
        if (!env || strcmp(env, "1") != 0)
            return gridctl_fail("clock %s is for tests and demos: set GC_TEST_CLOCK=1", verb);
    }
    PGconn *db = gridctl_db(cfg);
    if (!db)
        return 1;
    char s[32];
    snprintf(s, sizeof s, "%ld", seconds);
    const char *params[] = {s, at};
    if (at && gridctl_district_time(db) && !gridctl_time_exists(db, at)) {
        PQfinish(db); /* the shape was right, the date was not (02-30) */
        return gridctl_time_fail("clock set", at);
    }
    /* set: move forward to a time of the district (deadlines already set stay valid only if
     * time never runs backwards) */
    PGresult *res = gridctl_district_time(db)
                        ? gc_pg_query(db, "clock",
                                      "UPDATE clock SET offset_seconds = offset_seconds + CASE "
                                      "WHEN $2::timestamptz IS NULL THEN $1::bigint ELSE "
                                      "ceil(extract(epoch FROM $2::timestamptz - gc_now()))::bigint "
                                      "END WHERE $2::timestamptz IS NULL OR $2::timestamptz > gc_now() "
                                      "RETURNING offset_seconds, "
                                      "to_char(gc_now(), 'YYYY-MM-DD HH24:MI:SS TZH:TZM')",
                                      2, params)
                        : NULL;
    int rc = 1;
    if (gc_pg_ok(res) && PQntuples(res) == 1) {
        printf("offset %s s, gridcase time %s\n", PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1));
        rc = 0;
    } else {
        rc = gridctl_fail("clock: %s", gc_pg_ok(res) ? "the clock only moves forward"
                                                     : PQresultErrorMessage(res));
    }
    PQclear(res);
    PQfinish(db);
    return rc;
}

int cmd_clock_show(const gc_config_t *cfg, const args_t *a)
{
    (void)a;
    return clock_cmd(cfg, "show", 0, NULL);
}

int cmd_clock_advance(const gc_config_t *cfg, const args_t *a)
{
    long seconds = 0;
    if (!gc_config_parse_long(a->positional[0], 1, 10L * 365 * 86400, &seconds))
        return args_usage_fail(a, "SECONDS must be an integer from 1 to 315360000, not '%s'",
                               a->positional[0]);
    return clock_cmd(cfg, "advance", seconds, NULL);
}

int cmd_clock_set(const gc_config_t *cfg, const args_t *a)
{
    if (!gridctl_time_valid(a->positional[0]))
        return gridctl_time_fail("clock set", a->positional[0]);
    return clock_cmd(cfg, "set", 0, a->positional[0]);
}

/* gridctl role-login ROLE [--password-file FILE]: lets a daemon's database role (or the
 * dashboards') log in, with the password in FILE (a docker-compose secret) or, on a local
 * cluster with trust authentication, with none. */
int cmd_role_login(const gc_config_t *cfg, const args_t *a)
{
    char password[1024] = "";
    const char *file = args_get(a, "--password-file");
    if (file) {
        FILE *f = fopen(file, "r");
        if (!f)
            return gridctl_fail("%s: cannot read", file);
        size_t n = fread(password, 1, sizeof password - 1, f);
        fclose(f);
        /* trailing newline and spaces dropped, exactly as the daemons read NAME_FILE */
        while (n > 0 && (password[n - 1] == '\n' || password[n - 1] == '\r' || password[n - 1] == ' '))
            n--;
        password[n] = '\0';
        if (!n)
            return gridctl_fail("%s is empty", file);
    }
    PGconn *db = gridctl_db_wait(cfg, 30);
    if (!db)
        return 1;
    const char *params[] = {a->positional[0], password};
    PGresult *res = gc_pg_query(db, "role login", "SELECT gc_set_login($1, $2)", 2, params);
    int rc = gc_pg_ok(res) ? 0 : gridctl_fail("role-login: %s", PQresultErrorMessage(res));
    PQclear(res);
    PQfinish(db);
    return rc;
}
