/* load_cpu: how much CPU each daemon and PostgreSQL used during a measured window (from
 * /proc/PID/stat), to see which stage limits throughput. PostgreSQL is the postmaster and its
 * children: backends alive now, plus those it has reaped (its cutime/cstime). The whole
 * machine's busy time (/proc/stat) says how much went to other work on a shared machine. */
#include "load.h"

#include "gc_clock.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* utime + stime (+ cutime + cstime) of one process, in clock ticks; ppid in *ppid. */
static long long ticks_of(int pid, bool reaped, int *ppid)
{
    char path[64], line[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    char *fields = fgets(line, sizeof line, f) ? strrchr(line, ')') : NULL;
    fclose(f);
    long long ut = 0, st = 0, cut = 0, cst = 0;
    int parent = 0;
    /* after "pid (comm)": state ppid pgrp session tty tpgid flags minflt cminflt majflt
     * cmajflt utime stime cutime cstime */
    if (!fields || sscanf(fields + 2, "%*c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lld %lld %lld %lld",
                          &parent, &ut, &st, &cut, &cst) != 5)
        return 0;
    if (ppid)
        *ppid = parent;
    return ut + st + (reaped ? cut + cst : 0);
}

/* The live children of pid. */
static long long children_ticks(int pid)
{
    long long sum = 0;
    DIR *d = opendir("/proc");
    for (struct dirent *e; d && (e = readdir(d)) != NULL;) {
        int child = atoi(e->d_name), ppid = 0;
        if (child <= 0)
            continue;
        long long t = ticks_of(child, false, &ppid);
        if (ppid == pid)
            sum += t;
    }
    if (d)
        closedir(d);
    return sum;
}

/* Non-idle ticks of all CPUs together. */
static long long machine_busy_ticks(void)
{
    long long user = 0, nice = 0, sys = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
    FILE *f = fopen("/proc/stat", "r");
    if (!f)
        return 0;
    int n = fscanf(f, "cpu %lld %lld %lld %lld %lld %lld %lld %lld", &user, &nice, &sys, &idle,
                   &iowait, &irq, &softirq, &steal);
    fclose(f);
    return n == 8 ? user + nice + sys + irq + softirq + steal : 0;
}

bool bench_cpu_watch(bench_t *b, const char *spec)
{
    char copy[512];
    snprintf(copy, sizeof copy, "%s", spec);
    for (char *save = NULL, *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(w, '=');
        if (!eq || b->nprocs == BENCH_MAX_PROCS)
            return false;
        bench_proc_t *p = &b->procs[b->nprocs++];
        *eq = '\0';
        snprintf(p->name, sizeof p->name, "%s", w);
        p->with_children = eq[1] == '+';
        p->pid = atoi(eq + 1 + p->with_children);
    }
    return true;
}

void bench_cpu_mark(const bench_t *b, bench_cpu_t *m)
{
    m->at_us = gc_clock_monotonic_us();
    for (int i = 0; i < b->nprocs; i++) {
        const bench_proc_t *p = &b->procs[i];
        m->ticks[i] = ticks_of(p->pid, p->with_children, NULL)
                      + (p->with_children ? children_ticks(p->pid) : 0);
    }
    m->machine = machine_busy_ticks();
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    m->self_s = (double)u.ru_utime.tv_sec + u.ru_utime.tv_usec / 1e6 + (double)u.ru_stime.tv_sec
                + u.ru_stime.tv_usec / 1e6;
}

json_t *bench_cpu_json(const bench_t *b, const bench_cpu_t *from, const bench_cpu_t *to)
{
    double wall = (to->at_us - from->at_us) / 1e6, hz = (double)sysconf(_SC_CLK_TCK);
    json_t *o = json_object();
    if (wall <= 0)
        return o;
    for (int i = 0; i < b->nprocs; i++)
        json_object_set_new(o, b->procs[i].name,
                            json_real(100.0 * (double)(to->ticks[i] - from->ticks[i]) / hz / wall));
    json_object_set_new(o, "bench_client", json_real(100.0 * (to->self_s - from->self_s) / wall));
    json_object_set_new(o, "machine", json_real(100.0 * (double)(to->machine - from->machine) / hz / wall));
    return o;
}
