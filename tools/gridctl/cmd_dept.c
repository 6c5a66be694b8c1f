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

/* A client of routing's department socket, with DEPT's key. NULL after a message. */
static gc_dept_client_t *connect_as(const gc_config_t *cfg, const args_t *a, const char *dept)
{
    char path[1024], err[1200];
    key_path(cfg, a, dept, path, sizeof path);
    gc_dept_client_t *client =
        gc_dept_client_new(cfg->dept_url, cfg->dept_server_key, path, err, sizeof err);
    if (!client)
        gridctl_fail("%s (keys: gridctl dept keygen %s; GC_DEPT_SERVER_KEY)", err, dept);
    return client;
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
    gc_dept_client_t *client = connect_as(cfg, a, dept);
    if (!client)
        return 1;
    gc_dept_client_subscribe(client, (uint64_t)after, !args_get(a, "--after"), 100);
    long start = gc_clock_monotonic_ms(), received = 0;
    int rc = 0;
    while (!count || received < count) {
        long left = timeout ? timeout * 1000 - (gc_clock_monotonic_ms() - start) : 1000;
        if (left <= 0) {
            rc = count ? gridctl_fail("timed out after %ld of %ld deliveries", received, count) : 0;
            break;
        }
        Gridcase__DeptServerMsg *m;
        char err[300];
        int got = gc_dept_client_next(client, left > 1000 ? 1000 : (int)left, &m, err, sizeof err);
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
    gc_dept_client_t *client = connect_as(cfg, a, dept);
    if (!client)
        return 1;
    char err[300], ref[32] = "";
    int rc;
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
    gc_dept_client_destroy(&client);
    if (rc != 0)
        return gridctl_fail("refused: %s", err);
    puts(ref);
    return 0;
}
