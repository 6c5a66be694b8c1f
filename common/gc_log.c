/* gc_log: line-oriented logging to stdout (docker-compose and journald collect stdout). */
#include "gc_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *log_program = "gridcase";
static FILE *log_out; /* stdout for daemons, stderr for gridctl */
static int log_threshold; /* index into severities: lines below it are dropped */
static const char *const severities[] = {"info", "warn", "error"};

bool gc_log_set_level(const char *name)
{
    for (int i = 0; i < 3; i++)
        if (name && strcmp(name, severities[i]) == 0) {
            log_threshold = i;
            return true;
        }
    return false;
}

void gc_log_init(const char *program, bool to_stderr)
{
    log_program = program;
    log_out = to_stderr ? stderr : stdout;
    setvbuf(log_out, NULL, _IOLBF, 0); /* each line reaches the collector when it is written */
}

static void log_line(int level, const char *fmt, va_list ap)
{
    if (level < log_threshold)
        return;
    const char *severity = severities[level];
    struct timespec ts;
    struct tm tm;
    char when[32];
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
    FILE *out = log_out ? log_out : stdout;
    flockfile(out);
    fprintf(out, "%s.%03ldZ %s %s ", when, ts.tv_nsec / 1000000, log_program, severity);
    vfprintf(out, fmt, ap);
    fputc('\n', out);
    funlockfile(out);
}

#define GC_LOG_DEFINE(name, severity)      \
    void name(const char *fmt, ...)        \
    {                                      \
        va_list ap;                        \
        va_start(ap, fmt);                 \
        log_line(severity, fmt, ap);       \
        va_end(ap);                        \
    }

GC_LOG_DEFINE(gc_log_info, 0)
GC_LOG_DEFINE(gc_log_warn, 1)
GC_LOG_DEFINE(gc_log_error, 2)
