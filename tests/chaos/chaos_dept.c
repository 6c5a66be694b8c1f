/* gc-chaos-dept: a department's client that keeps working while routing dies under it.
 *
 *   gc-chaos-dept DEPT SECONDS SEQS_FILE
 *
 * Connects as DEPT (GC_DEPT_URL, GC_DEPT_SERVER_KEY, key GC_DEPT_KEYS_DIR/DEPT.key), resumes
 * after its last acknowledged delivery, and for every case it leads accepts and resolves it,
 * retrying an action that got no reply (routing may have died: a retry of an action that did
 * take effect is refused as INVALID_STATE, never applied twice) until it learns the outcome.
 * Appends the seq of every delivery it takes to SEQS_FILE, then acknowledges it. Stops after
 * SECONDS, or at SIGTERM, and prints what it did; "outcomes unknown" counts the actions it gave
 * up on without ever learning whether they were applied (a reply lost for good). */
#include "gc_clock.h"
#include "gc_config.h"
#include "gc_dept_client.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stopping;
static void stop(int sig)
{
    (void)sig;
    stopping = 1;
}

/* An action, again while nobody answers, until the run ends: 0 done, else the last error (-1:
 * the outcome never learned). */
static int act(gc_dept_client_t *c, const char *ref, int kind, long end, long *retries)
{
    char err[300];
    int rc = -1;
    while (!stopping && gc_clock_monotonic_ms() < end) {
        rc = gc_dept_client_act(c, ref, kind, "chaos", 3000, err, sizeof err);
        if (rc != -1 && rc != GRIDCASE__ERROR_CODE__ERROR_CODE_UNAVAILABLE)
            return rc;
        ++*retries;
        nanosleep(&(struct timespec){0, 200000000}, NULL);
    }
    return rc;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: gc-chaos-dept DEPT SECONDS SEQS_FILE\n");
        return 2;
    }
    gc_config_t cfg;
    char err[1200], key[1024];
    if (!gc_config_load(&cfg, err, sizeof err)) {
        fprintf(stderr, "gc-chaos-dept: %s\n", err);
        return 2;
    }
    snprintf(key, sizeof key, "%s/%s.key", cfg.dept_keys_dir, argv[1]);
    FILE *seqs = fopen(argv[3], "a");
    gc_dept_client_t *c = gc_dept_client_new(cfg.dept_url, cfg.dept_server_key, key, err,
                                             sizeof err);
    if (!seqs || !c) {
        fprintf(stderr, "gc-chaos-dept: %s\n", err);
        return 2;
    }
    gc_dept_client_subscribe(c, 0, true, 50);
    long end = gc_clock_monotonic_ms() + atol(argv[2]) * 1000, taken = 0, resolved = 0,
         retries = 0, refused = 0, unknown = 0;
    signal(SIGTERM, stop);
    signal(SIGINT, stop);
    while (!stopping && gc_clock_monotonic_ms() < end) {
        Gridcase__DeptServerMsg *m = NULL;
        int got = gc_dept_client_next(c, 500, &m, err, sizeof err);
        if (got < 0) { /* refused: routing may be restarting with an old view; start afresh */
            gc_dept_client_destroy(&c);
            sleep(1);
            c = gc_dept_client_new(cfg.dept_url, cfg.dept_server_key, key, err, sizeof err);
            if (!c)
                return 2;
            gc_dept_client_subscribe(c, 0, true, 50);
            continue;
        }
        if (got == 0)
            continue;
        const Gridcase__DeptDelivery *d = m->delivery;
        bool work = d->lead && d->reason != GRIDCASE__DELIVERY_REASON__DELIVERY_REASON_WITHDRAWN;
        if (work) {
            /* accepting a case already in progress is refused: harmless */
            int rc = act(c, d->case_ref, GRIDCASE__DEPT_ACTION_KIND__DEPT_ACTION_KIND_ACCEPT,
                         end, &retries);
            unknown += rc == -1 || rc == GRIDCASE__ERROR_CODE__ERROR_CODE_UNAVAILABLE;
            rc = act(c, d->case_ref, GRIDCASE__DEPT_ACTION_KIND__DEPT_ACTION_KIND_RESOLVE, end,
                     &retries);
            unknown += rc == -1 || rc == GRIDCASE__ERROR_CODE__ERROR_CODE_UNAVAILABLE;
            resolved += rc == 0;
            refused += rc > 0 && rc != GRIDCASE__ERROR_CODE__ERROR_CODE_INVALID_STATE
                       && rc != GRIDCASE__ERROR_CODE__ERROR_CODE_UNAVAILABLE;
        }
        fprintf(seqs, "%llu %s\n", (unsigned long long)d->seq, d->case_ref);
        fflush(seqs);
        gc_dept_client_ack(c, d->seq);
        taken++;
        gridcase__dept_server_msg__free_unpacked(m, NULL);
    }
    printf("department %s: %ld deliveries taken, %ld resolved, %ld retries, %ld refused, "
           "%ld outcomes unknown\n",
           argv[1], taken, resolved, retries, refused, unknown);
    gc_dept_client_destroy(&c);
    fclose(seqs);
    return refused || unknown ? 1 : 0;
}
