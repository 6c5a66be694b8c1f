/* gc-load: keeps many requests in flight on one socket, so that intake batches hold commands on
 * several cases at once and department actions race them. Used to show that concurrent writers
 * never deadlock and that every request gets a success reply.
 *   gc-load notes INTAKE_URL N REF...           N NOTE commands, spread over the cases
 *   gc-load progress DEPT_URL DEPT N REF...     N PROGRESS actions by DEPT
 *   gc-load submit INTAKE_URL N GRID CATEGORY   N new cases (keys gc-load-PID-I) in GRID
 * Prints "MODE: sent S replies R ok K failed F" and the elapsed time on stderr; exit 0 only
 * when every request succeeded. */
#include "dept.pb-c.h"
#include "gc_clock.h"
#include "gc_config.h"
#include "gc_curve.h"
#include "gc_msg.h"
#include "intake.pb-c.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define IN_FLIGHT 200

static void send_submit(void *s, const char *grid, const char *category, const char *rid)
{
    char key[64];
    snprintf(key, sizeof key, "gc-load-%d-%s", (int)getpid(), rid);
    Gridcase__IntakeRequest r = GRIDCASE__INTAKE_REQUEST__INIT;
    Gridcase__SubmitCase c = GRIDCASE__SUBMIT_CASE__INIT;
    c.idempotency_key = key;
    c.category = (char *)category;
    c.grid = (char *)grid;
    c.description = "gc-load";
    c.source = GRIDCASE__SOURCE__SOURCE_RESIDENT;
    r.request_id = (char *)rid;
    r.body_case = GRIDCASE__INTAKE_REQUEST__BODY_SUBMIT;
    r.submit = &c;
    gc_msg_send_frame(s, "", 0, true, 0);
    gc_msg_send_proto(s, &r.base, 0);
}

static void send_one(void *s, bool notes, const char *dept, const char *ref, const char *rid)
{
    if (notes) {
        Gridcase__IntakeRequest r = GRIDCASE__INTAKE_REQUEST__INIT;
        Gridcase__CaseCommand c = GRIDCASE__CASE_COMMAND__INIT;
        c.case_ref = (char *)ref;
        c.kind = GRIDCASE__COMMAND_KIND__COMMAND_KIND_NOTE;
        c.note = "gc-load";
        c.actor = "gc-load";
        r.request_id = (char *)rid;
        r.body_case = GRIDCASE__INTAKE_REQUEST__BODY_COMMAND;
        r.command = &c;
        gc_msg_send_frame(s, "", 0, true, 0);
        gc_msg_send_proto(s, &r.base, 0);
    } else {
        Gridcase__DeptClientMsg m = GRIDCASE__DEPT_CLIENT_MSG__INIT;
        Gridcase__DeptAction a = GRIDCASE__DEPT_ACTION__INIT;
        a.request_id = (char *)rid;
        a.case_ref = (char *)ref;
        a.kind = GRIDCASE__DEPT_ACTION_KIND__DEPT_ACTION_KIND_PROGRESS;
        a.note = "gc-load";
        a.department = (char *)dept;
        m.body_case = GRIDCASE__DEPT_CLIENT_MSG__BODY_ACTION;
        m.action = &a;
        gc_msg_send_proto(s, &m.base, 0);
    }
}

/* True when the reply in the last frame is a success; prints the first few failures. */
static bool reply_ok(bool notes, const void *data, size_t size, int failed)
{
    const char *message = NULL;
    bool ok = false;
    if (notes) {
        Gridcase__IntakeReply *r = gridcase__intake_reply__unpack(NULL, size, data);
        ok = r && r->result_case == GRIDCASE__INTAKE_REPLY__RESULT_ACCEPTED;
        if (r && !ok && failed < 3)
            fprintf(stderr, "gc-load: refused: %s\n", r->error ? r->error->message : "?");
        if (r)
            gridcase__intake_reply__free_unpacked(r, NULL);
    } else {
        Gridcase__DeptServerMsg *r = gridcase__dept_server_msg__unpack(NULL, size, data);
        ok = r && r->body_case == GRIDCASE__DEPT_SERVER_MSG__BODY_REPLY && !r->reply->error;
        if (r && !ok && r->body_case == GRIDCASE__DEPT_SERVER_MSG__BODY_REPLY)
            message = r->reply->error->message;
        if (message && failed < 3)
            fprintf(stderr, "gc-load: refused: %s\n", message);
        if (r)
            gridcase__dept_server_msg__free_unpacked(r, NULL);
    }
    return ok;
}

int main(int argc, char **argv)
{
    bool submit = argc == 6 && strcmp(argv[1], "submit") == 0;
    bool notes = submit || (argc >= 5 && strcmp(argv[1], "notes") == 0);
    bool progress = argc >= 6 && strcmp(argv[1], "progress") == 0;
    if (!notes && !progress) {
        fprintf(stderr, "usage: gc-load notes INTAKE_URL N REF... | "
                        "gc-load progress DEPT_URL DEPT N REF... | "
                        "gc-load submit INTAKE_URL N GRID CATEGORY\n");
        return 2;
    }
    const char *dept = progress ? argv[3] : NULL;
    int n = atoi(argv[notes ? 3 : 4]);
    char **refs = argv + (notes ? 4 : 5);
    int nrefs = argc - (notes ? 4 : 5);
    void *ctx = zmq_ctx_new();
    gc_config_t cfg;
    char err[1200], path[1024];
    gc_config_load(&cfg, err, sizeof err);
    /* the department socket: DEPT's key (GC_DEPT_KEYS_DIR); intake: GC_CLIENT_KEY_FILE's when
     * GC_INTAKE_SERVER_KEY says intake runs CurveZMQ */
    snprintf(path, sizeof path, "%s/%s.key", cfg.dept_keys_dir, dept ? dept : "");
    void *s = gc_curve_connect(ctx, ZMQ_DEALER, argv[2],
                               progress ? cfg.dept_server_key : cfg.intake_server_key,
                               progress ? path : cfg.client_key_file, 0, err, sizeof err);
    if (!s) {
        fprintf(stderr, "gc-load: %s\n", err);
        return 2;
    }
    int sent = 0, replies = 0, ok = 0;
    long start = gc_clock_monotonic_ms();
    while (replies < n) {
        for (; sent < n && sent - replies < IN_FLIGHT; sent++) {
            char rid[24];
            snprintf(rid, sizeof rid, "r%d", sent);
            if (submit)
                send_submit(s, argv[4], argv[5], rid);
            else
                send_one(s, notes, dept, refs[sent % nrefs], rid);
        }
        zmq_pollitem_t item = {s, 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&item, 1, 10000) <= 0) {
            fprintf(stderr, "gc-load: no reply for 10 s\n");
            break;
        }
        gc_frames_t f;
        if (gc_frames_recv(s, &f, 0) != 0)
            break;
        ok += reply_ok(notes, gc_frames_data(&f, f.count - 1), gc_frames_size(&f, f.count - 1),
                       replies - ok);
        replies++;
        gc_frames_close(&f);
    }
    printf("%s: sent %d replies %d ok %d failed %d\n", argv[1], sent, replies, ok, replies - ok);
    fprintf(stderr, "gc-load: %s: %d requests in %ld ms\n", argv[1], replies,
            gc_clock_monotonic_ms() - start);
    zmq_close(s);
    zmq_ctx_term(ctx);
    return ok == n ? 0 : 1;
}
