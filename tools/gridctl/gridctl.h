/* gridctl: the command-line tool for district staff, departments and scripts.
 * Each cmd_*.c file holds one group of commands; this header holds what they share. */
#ifndef GRIDCTL_H
#define GRIDCTL_H

#include "gc_config.h"

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>

#define ARGS_MAX 24
#define OPTIONS_MAX 14

/* One --option of a command. The same table parses the command line and writes the help, so
 * the two cannot drift apart. */
typedef struct {
    const char *name;  /* "--note" */
    const char *value; /* what it takes, as shown in the help ("TEXT"); NULL for a flag */
    const char *about; /* one line */
    bool required;     /* the parser refuses the command without it */
} gridctl_option_t;

typedef struct gridctl_command gridctl_command_t;

/* Parsed command line of one command: positionals and --options. */
typedef struct {
    const gridctl_command_t *cmd;
    const char *positional[ARGS_MAX];
    int npositional;
    const char *name[ARGS_MAX];
    const char *value[ARGS_MAX]; /* NULL for a flag */
    int noptions;
} args_t;

typedef int gridctl_run_t(const gc_config_t *cfg, const args_t *a);

/* A command: "show", or a group's verb ("dept listen"). */
struct gridctl_command {
    const char *name;
    const char *group;     /* heading in `gridctl help` */
    const char *arguments; /* the positionals as shown ("REF"), "" for none */
    int min_args, max_args;
    const char *synopsis;  /* how the options combine, when brackets do not say it; or NULL */
    const char *about;     /* what it does; the first line is the summary in `gridctl help` */
    gridctl_run_t *run;
    gridctl_option_t options[OPTIONS_MAX];
};

/* Every command, ending with an entry whose name is NULL. */
extern const gridctl_command_t gridctl_commands[];

/* The command named by argv[0] (and argv[1] for a group's verb); *used says how many words
 * named it. NULL when there is none. */
const gridctl_command_t *gridctl_command_find(int argc, char **argv, int *used);
/* Prints the command's help (usage, what it does, every option) on out. */
void gridctl_command_help(const gridctl_command_t *cmd, FILE *out);
/* Prints the one-line usage of the command on out. */
void gridctl_command_usage(const gridctl_command_t *cmd, FILE *out);
/* The help of every command whose name starts with prefix ("" for all, "dept" for a group);
 * false when none does. */
bool gridctl_help(const char *prefix, bool whole, FILE *out);
/* True when the command line asks for help (--help or -h where an option may stand). */
bool gridctl_wants_help(const gridctl_command_t *cmd, int argc, char **argv);

/* Parses argv (after the command's name) against the command's options and its count of
 * positionals. Prints what is wrong with the usage and returns false on an unknown option, a
 * missing value, a missing required option or a wrong count of arguments. */
bool args_parse(const gridctl_command_t *cmd, int argc, char **argv, args_t *out);
const char *args_get(const args_t *a, const char *name); /* NULL when absent */
bool args_has(const args_t *a, const char *name);
/* Prints "gridctl CMD: message", the command's usage and where its help is; returns the exit
 * status 2 (a mistake in the command line). */
int args_usage_fail(const args_t *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prints "gridctl: message" on stderr and returns the exit status 1. */
int gridctl_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Connects to the database named by GC_PG_DSN; NULL (after a message) when unreachable. */
PGconn *gridctl_db(const gc_config_t *cfg);
/* The same, retrying once a second for up to wait_seconds while the server is starting. */
PGconn *gridctl_db_wait(const gc_config_t *cfg, int wait_seconds);

/* Sets the session's time zone to the district's, so times are read and shown in local time.
 * False (after a message) on failure. */
bool gridctl_district_time(PGconn *db);

/* True when text is a time gridctl accepts (gridctl help times): 'YYYY-MM-DD HH:MM[:SS]' in
 * district time, or ISO 8601 with an offset. Words PostgreSQL would take ('tomorrow', 'now')
 * are not: they mean something else at every run. */
bool gridctl_time_valid(const char *text);
/* True when the time text (gridctl_time_valid) exists, e.g. not '2026-02-30 10:00'. */
bool gridctl_time_exists(PGconn *db, const char *text);
/* Prints why text is not a time, with the formats accepted; returns the exit status 2. */
int gridctl_time_fail(const char *what, const char *text);

/* Prints a JSON value on stdout, one line, keys in insertion order, and frees it. */
void gridctl_print_json(json_t *value);

/* The commands (gridctl_commands in commands.c names each). Each returns the exit status. */
gridctl_run_t cmd_migrate, cmd_clock_show, cmd_clock_advance, cmd_clock_set, cmd_role_login,
    cmd_import, cmd_submit, cmd_diary_add, cmd_diary_list, cmd_case_command, cmd_show, cmd_list,
    cmd_reference, cmd_dept_listen, cmd_dept_act, cmd_dept_keygen, cmd_dept_register,
    cmd_stats, cmd_events, cmd_agenda, cmd_keygen, cmd_client_add, cmd_client_remove,
    cmd_client_list, cmd_apikey_add, cmd_apikey_revoke, cmd_apikey_list, cmd_people, cmd_rules;

/* The verb of a group's command: "listen" for "dept listen", the name itself otherwise. */
const char *gridctl_verb(const gridctl_command_t *cmd);

#endif
