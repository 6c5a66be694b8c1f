/* gc_log: line-oriented logging to stdout (docker-compose and journald collect stdout). */
#include "gc_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *log_program = "gridcase";
static FILE *log_out; /* stdout for daemons, stderr for gridctl */
static int log_threshold; /* index into severities: lines below it are dropped */
static bool log_json;     /* JSON lines instead of logfmt */
static const char *const severities[] = {"info", "warn", "error"};

bool gc_log_set_format(const char *name)
{
    if (!name || (strcmp(name, "logfmt") != 0 && strcmp(name, "json") != 0))
        return false;
    log_json = strcmp(name, "json") == 0;
    return true;
}

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

/* The message with ", \ and control characters escaped: valid inside a logfmt quoted value
 * and a JSON string alike. */
static void escape(const char *in, FILE *out)
{
    for (const unsigned char *c = (const unsigned char *)in; *c; c++) {
        if (*c == '"' || *c == '\\')
            fprintf(out, "\\%c", *c);
        else if (*c == '\n')
            fputs("\\n", out);
        else if (*c < 0x20)
            fprintf(out, "\\u%04x", *c);
        else
            fputc(*c, out);
    }
}

static void log_line(int level, const char *fmt, va_list ap)
{
    if (level < log_threshold)
        return;
    char msg[4096];
    vsnprintf(msg, sizeof msg, fmt, ap);
    struct timespec ts;
    struct tm tm;
    char when[32];
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
    FILE *out = log_out ? log_out : stdout;
    flockfile(out);
    if (log_json)
        fprintf(out, "{\"ts\":\"%s.%03ldZ\",\"level\":\"%s\",\"daemon\":\"%s\",\"msg\":\"", when,
                ts.tv_nsec / 1000000, severities[level], log_program);
    else
        fprintf(out, "ts=%s.%03ldZ level=%s daemon=%s msg=\"", when, ts.tv_nsec / 1000000,
                severities[level], log_program);
    escape(msg, out);
    fputs(log_json ? "\"}\n" : "\"\n", out);
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
