/* gridctl dept: a department's client. `listen` subscribes and prints each routed case as it
 * arrives, acknowledging it; the other verbs act on a case. */
#include "client.h"
#include "gridctl.h"

#include "dept.pb-c.h"
#include "gc_clock.h"
#include "gc_dept_client.h"
#include "gc_curve.h"
#include "gc_pg.h"
#include "gc_msg.h"
#include "gc_names.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define REPLY_TIMEOUT_MS 5000

/* The department's key file: --key FILE, else GC_DEPT_KEYS_DIR/DEPT.key. */
static void key_path(const gc_config_t *cfg, const args_t *a, const char *dept, char *out,
                     size_t size)
{
    if (args_get(a, "--key"))
        snprintf(out, size, "%s", args_get(a, "--key"));
    else
        snprintf(out, size, "%s/%s.key", cfg->dept_keys_dir, dept);
}

/* How long routing may take to accept the key before gridctl says why it has not. A handshake
 * on loopback takes milliseconds; this leaves room for a loaded machine. */
#define VERDICT_MS 3000

/* Routing knows a department by its key alone (the name typed is only where the key file is):
 * a key that is another department's would silently act as that department. When the database
 * is reachable (a department's workstation may have none), checks that DEPT exists and warns
 * when the key is not its own. False (exit 2) only for a department that does not exist. */
static bool check_key(const gc_config_t *cfg, const char *dept, const char *path)
{
    gc_curve_keys_t keys;
    char err[1200];
    /* a missing or bad file: connect_as says so; the department is checked all the same */
    const char *public_key = gc_curve_load(path, &keys, err, sizeof err) ? keys.public_key : "";
    const char *keywords[] = {"dbname", "connect_timeout", NULL};
    const char *values[] = {cfg->pg_dsn, "2", NULL};
    PGconn *db = PQconnectdbParams(keywords, values, 1);
    const char *params[] = {dept, public_key};
    PGresult *res = PQstatus(db) == CONNECTION_OK
                        ? PQexecParams(db,
                                       "SELECT EXISTS (SELECT 1 FROM departments WHERE code = $1), "
                                       "(SELECT code FROM departments WHERE public_key = $2), "
                                       "(SELECT string_agg(code, ', ' ORDER BY code) FROM departments)",
                                       2, NULL, params, NULL, NULL, 0)
                        : NULL;
    bool ok = true;
    if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1) {
        const char *holder = PQgetisnull(res, 0, 1) ? NULL : PQgetvalue(res, 0, 1);
        if (strcmp(PQgetvalue(res, 0, 0), "t") != 0) {
            ok = false;
            fprintf(stderr, "gridctl: no department '%s'; the departments: %s\n", dept,
                    PQgetvalue(res, 0, 2));
        } else if (!*public_key) {
            /* nothing to compare */
        } else if (!holder) {
            fprintf(stderr,
                    "gridctl: warning: the key in %s is no department's: routing will refuse it "
                    "(register it: gridctl dept register %s --key %s)\n",
                    path, dept, path);
        } else if (strcmp(holder, dept) != 0) {
            fprintf(stderr,
                    "gridctl: warning: the key in %s is %s's, not %s's: routing will take you "
                    "for %s (%s's key: %s/%s.key)\n",
                    path, holder, dept, holder, dept, cfg->dept_keys_dir, dept);
        }
    }
    PQclear(res);
    PQfinish(db);
    return ok;
}

/* A client of routing's department socket, with DEPT's key. NULL after a message (*rc: the exit
 * status). */
static gc_dept_client_t *connect_as(const gc_config_t *cfg, const args_t *a, const char *dept,
                                    int *rc)
{
    char path[1024], err[1200];
    key_path(cfg, a, dept, path, sizeof path);
    *rc = 2;
    if (!check_key(cfg, dept, path))
        return NULL;
    *rc = 1;
    /* the usual first mistake: a shell without the stack's settings */
    if (!*cfg->dept_server_key) {
        gridctl_fail("GC_DEPT_SERVER_KEY is not set: it is routing's public key (on the local "
                     "stack `. var/env` sets it; is the stack up? `make up`)");
        return NULL;
    }
    if (access(path, R_OK) != 0) {
        gridctl_fail("no key file %s for %s (--key FILE, or GC_DEPT_KEYS_DIR/%s.key: on the local "
                     "stack `. var/env` sets GC_DEPT_KEYS_DIR; a new pair: gridctl dept keygen %s)",
                     path, dept, dept, dept);
        return NULL;
    }
    gc_dept_client_t *client =
        gc_dept_client_new(cfg->dept_url, cfg->dept_server_key, path, err, sizeof err);
    if (!client)
        gridctl_fail("%s (keys: gridctl dept keygen %s; GC_DEPT_SERVER_KEY)", err, dept);
    return client;
}

/* Says why routing does not answer, when the connection shows it. */
static int connection_fail(const gc_config_t *cfg, gc_monitor_state_t state, const char *dept)
{
    char why[512];
    gridctl_fail("%s", gc_monitor_explain(state, "routing", cfg->dept_url, why, sizeof why));
    if (state == GC_MONITOR_AUTH_REFUSED)
        fprintf(stderr, "gridctl: routing knows each department by its public key "
                        "(gridctl departments shows which have one; on a local stack: gridctl "
                        "dept register %s)\n", dept);
    else if (state == GC_MONITOR_HANDSHAKE_FAILED)
        fprintf(stderr, "gridctl: GC_DEPT_SERVER_KEY is routing's public key (var/env on a local "
                        "stack; the .pub beside routing's key file)\n");
    return 1;
}

static void print_delivery(const Gridcase__DeptDelivery *d, bool json)
{
    const char *reason = gc_delivery_reason_name(d->reason);
    if (json) {
        json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:I, s:s}", "seq",
                              (json_int_t)d->seq, "case_ref", d->case_ref, "reason",
                              reason ? reason : "", "category", d->category, "area", d->area,
                              "level", gc_level_name(d->level) ? gc_level_name(d->level) : "",
                              "description", d->description, "lead", d->lead, "deadline_ms",
                              (json_int_t)d->deadline_ms, "note", d->note);
        gridctl_print_json(o);
    } else {
        printf("#%llu %s %s %s area %s level %s%s: %s\n", (unsigned long long)d->seq,
               d->case_ref, reason ? reason : "?", d->category, d->area,
               gc_level_name(d->level) ? gc_level_name(d->level) : "?", d->lead ? " (lead)" : "",
               d->description);
    }
    fflush(stdout);
}

/* Prints each delivery as it arrives and acknowledges it once printed. */
int cmd_dept_listen(const gc_config_t *cfg, const args_t *a)
{
    const char *dept = a->positional[0];
    long after = 0, count = 0, timeout = 0;
    if ((args_get(a, "--after") && !gc_config_parse_long(args_get(a, "--after"), 0, 1L << 62, &after))
        || (args_get(a, "--count") && !gc_config_parse_long(args_get(a, "--count"), 1, 1L << 30, &count))
        || (args_get(a, "--timeout") && !gc_config_parse_long(args_get(a, "--timeout"), 1, 86400 * 365, &timeout)))
        return args_usage_fail(a, "--after, --count and --timeout take whole numbers");
    int rc = 0;
    gc_dept_client_t *client = connect_as(cfg, a, dept, &rc);
    if (!client)
        return rc;
    gc_dept_client_subscribe(client, (uint64_t)after, !args_get(a, "--after"), 100);
    long start = gc_clock_monotonic_ms(), received = 0;
    bool accepted = false, told = false; /* routing accepted the key once; said it is slow */
    while (!count || received < count) {
        long left = timeout ? timeout * 1000 - (gc_clock_monotonic_ms() - start) : 1000;
        /* a refused key or a silent routing would otherwise look like no cases. Refused, a
         * broken handshake or nobody at the address is an answer: stop. Connected without an
         * answer yet is a busy routing (catching up, or waiting for its database): say so once
         * and wait, up to --timeout. */
        gc_monitor_state_t state = gc_dept_client_connection(client);
        accepted |= state == GC_MONITOR_READY;
        bool late = !accepted && gc_clock_monotonic_ms() - start >= VERDICT_MS;
        if (state == GC_MONITOR_AUTH_REFUSED || state == GC_MONITOR_HANDSHAKE_FAILED
            || (late && state == GC_MONITOR_UNREACHABLE)
            || (!accepted && left <= 0)) {
            rc = connection_fail(cfg, state, dept);
            break;
        }
        if (late && !told) {
            char why[512];
            fprintf(stderr, "gridctl: %s; still waiting\n",
                    gc_monitor_explain(state, "routing", cfg->dept_url, why, sizeof why));
            told = true;
        }
        if (left <= 0) {
            rc = count ? gridctl_fail("timed out after %ld of %ld deliveries", received, count) : 0;
            break;
        }
        Gridcase__DeptServerMsg *m;
        char err[300];
        int wait = accepted ? 1000 : 100; /* until accepted, look at the connection often */
        int got = gc_dept_client_next(client, left > wait ? wait : (int)left, &m, err, sizeof err);
        if (got < 0) {
            rc = gridctl_fail("routing refused: %s", err);
            break;
        }
        if (got == 0)
            continue;
        print_delivery(m->delivery, args_has(a, "--json"));
        gc_dept_client_ack(client, m->delivery->seq); /* printed: taken */
        gridcase__dept_server_msg__free_unpacked(m, NULL);
        received++;
    }
    gc_dept_client_destroy(&client);
    return rc;
}

/* dept keygen DEPT [--out FILE]: a department's key pair; prints the public key for the
 * reference data. dept server-keygen FILE: routing's key pair. */
int cmd_dept_keygen(const gc_config_t *cfg, const args_t *a)
{
    gc_curve_keys_t keys;
    char path[1024], err[1200];
    const char *name = a->positional[0];
    if (strcmp(a->cmd->name, "dept server-keygen") == 0)
        snprintf(path, sizeof path, "%s", name);
    else if (args_get(a, "--out"))
        snprintf(path, sizeof path, "%s", args_get(a, "--out"));
    else
        key_path(cfg, a, name, path, sizeof path);
    if (!gc_curve_generate(path, &keys, err, sizeof err))
        return gridctl_fail("%s", err);
    puts(keys.public_key);
    return 0;
}

/* dept register DEPT [--key FILE]: stores the public key of DEPT's key file in the database
 * (for local stacks and tests). */
int cmd_dept_register(const gc_config_t *cfg, const args_t *a)
{
    gc_curve_keys_t keys;
    char path[1024], err[1200];
    const char *name = a->positional[0];
    key_path(cfg, a, name, path, sizeof path);
    if (!gc_curve_load(path, &keys, err, sizeof err))
        return gridctl_fail("%s", err);
    PGconn *db = gridctl_db(cfg);
    if (!db)
        return 1;
    const char *params[] = {name, keys.public_key};
    PGresult *res = gc_pg_query(db, "register key",
                                "UPDATE departments SET public_key = $2 WHERE code = $1", 2, params);
    int rc = 1;
    if (gc_pg_ok(res) && strcmp(PQcmdTuples(res), "1") != 0) {
        gridctl_fail("no department %s (gridctl departments lists them)", name);
    } else if (gc_pg_ok(res)) {
        puts(keys.public_key);
        rc = 0;
    }
    PQclear(res);
    PQfinish(db);
    return rc;
}

/* dept accept|progress|resolve|return|extend REF, dept inspect: a department acts. */
int cmd_dept_act(const gc_config_t *cfg, const args_t *a)
{
    static const char *const verbs[] = {"", "accept", "progress", "resolve", "return", "extend"};
    const char *verb = gridctl_verb(a->cmd);
    bool inspect = strcmp(verb, "inspect") == 0;
    int kind = 0;
    for (int k = 1; k <= 5; k++)
        if (strcmp(verb, verbs[k]) == 0)
            kind = k;
    long hours = 0;
    if (kind == GRIDCASE__DEPT_ACTION_KIND__DEPT_ACTION_KIND_REQUEST_EXTENSION
        && !gc_config_parse_long(args_get(a, "--hours"), 1, 720, &hours))
        return args_usage_fail(a, "--hours takes whole hours from 1 to 720");
    /* the acting department: --dept, or GC_DEPARTMENT for a department's own workstation */
    const char *dept = args_get(a, "--dept") ? args_get(a, "--dept") : getenv("GC_DEPARTMENT");
    if (!dept || !*dept)
        return args_usage_fail(a, "name the acting department: --dept DEPT or GC_DEPARTMENT");
    int rc;
    gc_dept_client_t *client = connect_as(cfg, a, dept, &rc);
    if (!client)
        return rc;
    char err[300], ref[32] = "";
    if (inspect) { /* two-way reporting: a problem the department found on inspection */
        char key[33];
        client_token(key);
        Gridcase__SubmitCase s = GRIDCASE__SUBMIT_CASE__INIT;
        s.idempotency_key = (char *)(args_get(a, "--report-key") ? args_get(a, "--report-key") : key);
        s.category = (char *)args_get(a, "--category");
        s.grid = (char *)args_get(a, "--grid");
        s.description = (char *)args_get(a, "--desc");
        rc = gc_dept_client_inspect(client, &s, REPLY_TIMEOUT_MS, ref, sizeof ref, err,
                                    sizeof err);
    } else if (kind == GRIDCASE__DEPT_ACTION_KIND__DEPT_ACTION_KIND_REQUEST_EXTENSION) {
        snprintf(ref, sizeof ref, "%s", a->positional[0]);
        rc = gc_dept_client_request_extension(client, a->positional[0], (uint32_t)hours,
                                              args_get(a, "--note"), REPLY_TIMEOUT_MS, err,
                                              sizeof err);
    } else {
        snprintf(ref, sizeof ref, "%s", a->positional[0]);
        rc = gc_dept_client_act(client, a->positional[0], kind, args_get(a, "--note"),
                                REPLY_TIMEOUT_MS, err, sizeof err);
    }
    gc_monitor_state_t state = gc_dept_client_connection(client);
    gc_dept_client_destroy(&client);
    if (rc != 0 && state != GC_MONITOR_READY) /* no reply, and the connection says why */
        return connection_fail(cfg, state, dept);
    if (rc != 0)
        return gridctl_fail("refused: %s", err);
    puts(ref);
    return 0;
}
