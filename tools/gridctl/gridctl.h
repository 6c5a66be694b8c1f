/* gridctl: the command-line tool for district staff, departments and scripts.
 * Each cmd_*.c file holds one group of commands; this header holds what they share. */
#ifndef GRIDCTL_H
#define GRIDCTL_H

#include "gc_config.h"

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>

#define ARGS_MAX 24

/* Parsed command line of one command: positionals and --options. */
typedef struct {
    const char *positional[ARGS_MAX];
    int npositional;
    const char *name[ARGS_MAX];
    const char *value[ARGS_MAX]; /* NULL for a flag */
    int noptions;
} args_t;

/* Parses argv against the options a command accepts (valued: take a value; flags: do not).
 * Prints an error and returns false on an unknown option or a missing value. */
bool args_parse(int argc, char **argv, const char *const *valued, const char *const *flags,
                args_t *out);
const char *args_get(const args_t *a, const char *name); /* NULL when absent */
bool args_has(const args_t *a, const char *name);

/* Prints "gridctl: message" on stderr and returns the exit status 1. */
int gridctl_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Connects to the database named by GC_PG_DSN; NULL (after a message) when unreachable. */
PGconn *gridctl_db(const gc_config_t *cfg);
/* The same, retrying once a second for up to wait_seconds while the server is starting. */
PGconn *gridctl_db_wait(const gc_config_t *cfg, int wait_seconds);

/* Sets the session's time zone to the district's, so times are read and shown in local time.
 * False (after a message) on failure. */
bool gridctl_district_time(PGconn *db);

/* Prints a JSON value on stdout, one line, keys in insertion order, and frees it. */
void gridctl_print_json(json_t *value);

/* The command groups. Each returns the process exit status. */
int cmd_migrate(const gc_config_t *cfg, int argc, char **argv);
int cmd_clock(const gc_config_t *cfg, int argc, char **argv);
int cmd_role_login(const gc_config_t *cfg, int argc, char **argv);
int cmd_import(const gc_config_t *cfg, int argc, char **argv);
int cmd_submit(const gc_config_t *cfg, int argc, char **argv);
int cmd_diary(const gc_config_t *cfg, int argc, char **argv);
int cmd_case_command(const gc_config_t *cfg, const char *verb, int argc, char **argv);
int cmd_diary_list(const gc_config_t *cfg, int argc, char **argv);
int cmd_show(const gc_config_t *cfg, int argc, char **argv);
int cmd_list(const gc_config_t *cfg, int argc, char **argv);
int cmd_reference(const gc_config_t *cfg, const char *what, int argc, char **argv);
int cmd_dept(const gc_config_t *cfg, int argc, char **argv);
int cmd_stats(const gc_config_t *cfg, int argc, char **argv);
int cmd_events(const gc_config_t *cfg, int argc, char **argv);
int cmd_agenda(const gc_config_t *cfg, int argc, char **argv);
int cmd_keygen(const gc_config_t *cfg, int argc, char **argv);
int cmd_client(const gc_config_t *cfg, int argc, char **argv);

#endif
