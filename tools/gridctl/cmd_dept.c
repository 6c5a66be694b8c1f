/* gridctl dept: a department's client. `listen` subscribes and prints each routed case as it
 * arrives, acknowledging it; the other verbs act on a case. */
#include "client.h"
#include "gridctl.h"

#include "dept.pb-c.h"
#include "gc_clock.h"
#include "gc_curve.h"
#include "gc_pg.h"
#include "gc_msg.h"
#include "gc_names.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RESUBSCRIBE_MS 2000 /* keepalive: a restarted routing daemon learns us again */

/* The department's key file: --key FILE, else GC_DEPT_KEYS_DIR/DEPT.key. */
static void key_path(const gc_config_t *cfg, const args_t *a, const char *dept, char *out,
                     size_t size)
{
    if (args_get(a, "--key"))
        snprintf(out, size, "%s", args_get(a, "--key"));
    else
        snprintf(out, size, "%s/%s.key", cfg->dept_keys_dir, dept);
}

/* A DEALER socket to routing, authenticated with the department's CURVE key. NULL (after a
 * message) when the keys are missing. */
static void *dept_socket(void *ctx, const gc_config_t *cfg, const args_t *a, const char *dept)
{
    char path[1024], err[1200];
    gc_curve_keys_t keys;
    key_path(cfg, a, dept, path, sizeof path);
    if (!gc_curve_load(path, &keys, err, sizeof err)) {
        gridctl_fail("%s (make one with gridctl dept keygen %s)", err, dept);
        return NULL;
    }
    if (strlen(cfg->dept_server_key) != 40) {
        gridctl_fail("GC_DEPT_SERVER_KEY must hold routing's CURVE public key (40 characters)");
        return NULL;
    }
    void *s = gc_msg_socket_new(ctx, ZMQ_DEALER, 16 * 1024 * 1024);
    /* a refused handshake leaves the socket without a peer: a send must not block forever */
    int send_timeout_ms = 1000;
    if (s)
        zmq_setsockopt(s, ZMQ_SNDTIMEO, &send_timeout_ms, sizeof send_timeout_ms);
    if (s && (!gc_curve_client(s, &keys, cfg->dept_server_key) || !gc_msg_attach(s, cfg->dept_url, false))) {
        gridctl_fail("cannot connect to routing at %s", cfg->dept_url);
        return NULL;
    }
    return s;
}

static int send_client_msg(void *s, Gridcase__DeptClientMsg *m)
{
    return gc_msg_send_proto(s, &m->base, 0);
}

static void subscribe(void *s, const char *dept, uint64_t after, bool from_acked)
{
    Gridcase__DeptClientMsg m = GRIDCASE__DEPT_CLIENT_MSG__INIT;
    Gridcase__DeptSubscribe sub = GRIDCASE__DEPT_SUBSCRIBE__INIT;
    sub.department = (char *)dept;
    sub.after_seq = after;
    sub.credit = 100;
    sub.from_acked = from_acked;
    m.body_case = GRIDCASE__DEPT_CLIENT_MSG__BODY_SUBSCRIBE;
    m.subscribe = &sub;
    send_client_msg(s, &m);
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
        printf("#%llu %s %s %s grid %s level %s%s: %s\n", (unsigned long long)d->seq, d->case_ref,
               reason ? reason : "?", d->category, d->area,
               gc_level_name(d->level) ? gc_level_name(d->level) : "?", d->lead ? " (lead)" : "",
               d->description);
    }
    fflush(stdout);
}

static int listen_cmd(const gc_config_t *cfg, const char *dept, const args_t *a)
{
    long after = 0, count = 0, timeout = 0;
    if ((args_get(a, "--after") && !gc_config_parse_long(args_get(a, "--after"), 0, 1L << 62, &after))
        || (args_get(a, "--count") && !gc_config_parse_long(args_get(a, "--count"), 1, 1L << 30, &count))
        || (args_get(a, "--timeout") && !gc_config_parse_long(args_get(a, "--timeout"), 1, 86400 * 365, &timeout)))
        return gridctl_fail("--after, --count and --timeout take non-negative integers");
    bool json = args_has(a, "--json");
    void *ctx = zmq_ctx_new();
    void *s = dept_socket(ctx, cfg, a, dept);
    if (!s) {
        zmq_ctx_term(ctx);
        return 1;
    }
    uint64_t have = (uint64_t)after;
    bool from_acked = !args_get(a, "--after");
    subscribe(s, dept, have, from_acked);
    long start = gc_clock_monotonic_ms(), last_heard = start, received = 0;
    int rc = 0;
    while (!count || received < count) {
        if (timeout && gc_clock_monotonic_ms() - start >= timeout * 1000) {
            rc = count ? gridctl_fail("timed out after %ld of %ld deliveries", received, count) : 0;
            break;
        }
        zmq_pollitem_t item = {s, 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&item, 1, 200) < 0)
            break;
        if (gc_clock_monotonic_ms() - last_heard >= RESUBSCRIBE_MS) {
            subscribe(s, dept, have, from_acked && have == 0);
            last_heard = gc_clock_monotonic_ms();
        }
        if (!(item.revents & ZMQ_POLLIN))
            continue;
        gc_frames_t f;
        if (gc_frames_recv(s, &f, 0) != 0)
            break;
        Gridcase__DeptServerMsg *m =
            f.count == 1 ? gridcase__dept_server_msg__unpack(NULL, gc_frames_size(&f, 0),
                                                             gc_frames_data(&f, 0))
                         : NULL;
        gc_frames_close(&f);
        last_heard = gc_clock_monotonic_ms();
        if (m && m->body_case == GRIDCASE__DEPT_SERVER_MSG__BODY_DELIVERY) {
            if (m->delivery->seq > have) { /* a resend after reconnect may repeat: skip it */
                print_delivery(m->delivery, json);
                have = m->delivery->seq;
                received++;
            }
            Gridcase__DeptClientMsg ack = GRIDCASE__DEPT_CLIENT_MSG__INIT;
            Gridcase__DeptAck body = GRIDCASE__DEPT_ACK__INIT;
            body.up_to_seq = have;
            ack.body_case = GRIDCASE__DEPT_CLIENT_MSG__BODY_ACK;
            ack.ack = &body;
            send_client_msg(s, &ack);
        } else if (m && m->body_case == GRIDCASE__DEPT_SERVER_MSG__BODY_ERROR) {
            rc = gridctl_fail("routing refused: %s", m->error->message);
            gridcase__dept_server_msg__free_unpacked(m, NULL);
            break;
        }
        if (m)
            gridcase__dept_server_msg__free_unpacked(m, NULL);
    }
    zmq_close(s);
    zmq_ctx_term(ctx);
    return rc;
}

/* keygen DEPT [--out FILE]: a department's key pair; prints the public key for the reference
 * data. server-keygen FILE: routing's key pair. register DEPT [--key FILE]: stores the public
 * key of DEPT's key file in the database (for local stacks and tests). */
static int keys_cmd(const gc_config_t *cfg, const char *verb, const char *name, const args_t *a)
{
    gc_curve_keys_t keys;
    char path[1024], err[1200];
    if (strcmp(verb, "register") != 0) {
        if (strcmp(verb, "server-keygen") == 0)
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
        gridctl_fail("no department %s", name);
    } else if (gc_pg_ok(res)) {
        puts(keys.public_key);
        rc = 0;
    }
    PQclear(res);
    PQfinish(db);
    return rc;
}

/* Sends one action or inspection report and waits for its reply. */
static int request(const gc_config_t *cfg, const args_t *a, const char *dept,
                   Gridcase__DeptClientMsg *m, const char *request_id)
{
    void *ctx = zmq_ctx_new();
    void *s = dept_socket(ctx, cfg, a, dept);
    if (!s) {
        zmq_ctx_term(ctx);
        return 1;
    }
    int rc = -1; /* no reply yet */
    if (s && send_client_msg(s, m) == 0) {
        zmq_pollitem_t item = {s, 0, ZMQ_POLLIN, 0};
        while (zmq_poll(&item, 1, 5000) > 0) {
            gc_frames_t f;
            if (gc_frames_recv(s, &f, 0) != 0)
                break;
            Gridcase__DeptServerMsg *r =
                f.count == 1 ? gridcase__dept_server_msg__unpack(NULL, gc_frames_size(&f, 0),
                                                                 gc_frames_data(&f, 0))
                             : NULL;
            gc_frames_close(&f);
            bool mine = r && r->body_case == GRIDCASE__DEPT_SERVER_MSG__BODY_REPLY
                        && strcmp(r->reply->request_id, request_id) == 0;
            if (mine && r->reply->error)
                rc = gridctl_fail("refused: %s", r->reply->error->message);
            else if (mine) {
                puts(r->reply->case_ref);
                rc = 0;
            } else if (r && r->body_case == GRIDCASE__DEPT_SERVER_MSG__BODY_ERROR) {
                rc = gridctl_fail("refused: %s", r->error->message);
                mine = true;
            }
            if (r)
                gridcase__dept_server_msg__free_unpacked(r, NULL);
            if (mine)
                break;
        }
    }
    if (s)
        zmq_close(s);
    zmq_ctx_term(ctx);
    if (rc < 0)
        rc = gridctl_fail("no reply from routing at %s (GC_DEPT_URL)", cfg->dept_url);
    return rc;
}

int cmd_dept(const gc_config_t *cfg, int argc, char **argv)
{
    static const char *const valued[] = {"--after", "--count", "--timeout", "--dept", "--note",
                                         "--category", "--grid", "--desc", "--key",
                                         "--report-key", "--out", NULL};
    static const char *const flags[] = {"--json", NULL};
    static const char *const verbs[] = {"", "accept", "progress", "resolve", "return"};
    args_t a;
    if (!args_parse(argc, argv, valued, flags, &a))
        return 1;
    const char *verb = a.npositional ? a.positional[0] : "";
    if (strcmp(verb, "listen") == 0 && a.npositional == 2)
        return listen_cmd(cfg, a.positional[1], &a);
    if ((strcmp(verb, "keygen") == 0 || strcmp(verb, "server-keygen") == 0
         || strcmp(verb, "register") == 0)
        && a.npositional == 2)
        return keys_cmd(cfg, verb, a.positional[1], &a);

    char request_id[33];
    client_token(request_id);
    Gridcase__DeptClientMsg m = GRIDCASE__DEPT_CLIENT_MSG__INIT;
    /* the acting department: --dept, or GC_DEPARTMENT for a department's own workstation */
    const char *dept = args_get(&a, "--dept") ? args_get(&a, "--dept") : getenv("GC_DEPARTMENT");
    if (dept && !*dept)
        dept = NULL;
    if (strcmp(verb, "inspect") == 0 && a.npositional == 1 && dept) {
        /* two-way reporting: a problem the department found on inspection */
        char key[33];
        client_token(key);
        Gridcase__InspectionReport report = GRIDCASE__INSPECTION_REPORT__INIT;
        Gridcase__SubmitCase s = GRIDCASE__SUBMIT_CASE__INIT;
        s.idempotency_key = (char *)(args_get(&a, "--report-key") ? args_get(&a, "--report-key")
                                                                   : key);
        s.category = (char *)args_get(&a, "--category");
        s.grid = (char *)args_get(&a, "--grid");
        s.description = (char *)args_get(&a, "--desc");
        report.request_id = request_id;
        report.department = (char *)dept;
        report.report = &s;
        m.body_case = GRIDCASE__DEPT_CLIENT_MSG__BODY_INSPECTION;
        m.inspection = &report;
        return request(cfg, &a, dept, &m, request_id);
    }
    for (int k = 1; k <= 4; k++) {
        if (strcmp(verb, verbs[k]) != 0 || a.npositional != 2 || !dept)
            continue;
        Gridcase__DeptAction action = GRIDCASE__DEPT_ACTION__INIT;
        action.request_id = request_id;
        action.case_ref = (char *)a.positional[1];
        action.kind = (Gridcase__DeptActionKind)k;
        action.note = (char *)(args_get(&a, "--note") ? args_get(&a, "--note") : "");
        action.department = (char *)dept;
        m.body_case = GRIDCASE__DEPT_CLIENT_MSG__BODY_ACTION;
        m.action = &action;
        return request(cfg, &a, dept, &m, request_id);
    }
    return gridctl_fail("usage: gridctl dept keygen DEPT [--out FILE] | server-keygen FILE | "
                        "register DEPT [--key FILE]\n       gridctl dept listen DEPT [--after SEQ] "
                        "[--count N] [--timeout SEC] [--json]\n       gridctl dept accept|progress|resolve|return REF --dept "
                        "DEPT (or GC_DEPARTMENT) [--note TEXT]\n       gridctl dept inspect --dept DEPT --category C "
                        "--grid G --desc TEXT");
}
