/* gc_log: line-oriented logging to stdout (docker-compose and journald collect stdout). */
#include "gc_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

static const char *log_program = "gridcase";
static FILE *log_out; /* stdout for daemons, stderr for gridctl */

void gc_log_init(const char *program, bool to_stderr)
{
    log_program = program;
    log_out = to_stderr ? stderr : stdout;
    setvbuf(log_out, NULL, _IOLBF, 0); /* each line reaches the collector when it is written */
}

static void log_line(const char *severity, const char *fmt, va_list ap)
{
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

GC_LOG_DEFINE(gc_log_info, "info")
GC_LOG_DEFINE(gc_log_warn, "warn")
GC_LOG_DEFINE(gc_log_error, "error")
