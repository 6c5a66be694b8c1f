/* gc_log: one line per event on stdout, in logfmt (default) or JSON lines, with the keys
 *   ts (UTC, ISO 8601, ms), level (info|warn|error), daemon (e.g. gc-intake), msg
 * e.g. ts=2026-11-28T08:00:00.123Z level=info daemon=gc-intake msg="ready: ..."
 * Never pass personal data (reporter names, phones) to these functions. */
#ifndef GC_LOG_H
#define GC_LOG_H

#include <stdbool.h>

/* Daemons log to stdout; command-line tools to stderr, keeping stdout for results. */
void gc_log_init(const char *program, bool to_stderr);
/* Drops lines below the named severity ("info", "warn" or "error"); false for another name. */
bool gc_log_set_level(const char *name);
/* "logfmt" or "json"; false for another name. */
bool gc_log_set_format(const char *name);
void gc_log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void gc_log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void gc_log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
