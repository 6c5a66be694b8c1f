/* gridctl's commands: one table that both parses each command line (args_parse) and writes
 * every help text, so an option cannot be accepted without being documented, or the reverse. */
#include "gridctl.h"

#include <string.h>

#define JSON {"--json", NULL, "print JSON instead of text", false}
#define ACTOR {"--actor", "WHO", "who acts, for the timeline (default gridctl)", false}, \
    {"--as", "PERSON", "the person acting, by code (default GC_PERSON; gridctl people)", false}
#define DEPT_KEY {"--key", "FILE", "the department's key file (default GC_DEPT_KEYS_DIR/DEPT.key)", false}
#define ACTING {"--dept", "DEPT", "the acting department (default GC_DEPARTMENT)", false}

#define REF_ABOUT "\nREF is a case's reference, as submit printed it (gridctl list shows them)."

const gridctl_command_t gridctl_commands[] = {
    /* Reference data and schema */
    {"migrate", "Reference data and schema", "", 0, 0, NULL,
     "apply the database schema (deploy/schema, or GC_SCHEMA_DIR)\n"
     "Safe to run again: only what is missing is applied.",
     cmd_migrate, {{0}}},
    {"import", "Reference data and schema", "FILE", 1, 1, NULL,
     "load or update the district's reference data from a JSON file\n"
     "Areas, departments and categories are added or updated (never deleted); the routing "
     "rules and the calendar are replaced as a whole. The format is in README.md.",
     cmd_import, {{0}}},
    {"role-login", "Reference data and schema", "ROLE", 1, 1, NULL,
     "let a daemon's or the dashboards' database role log in\n"
     "ROLE is gridcase_intake, gridcase_routing, gridcase_escalation, gridcase_stats (the "
     "daemons) or gridcase_dashboard (read-only views for dashboards, e.g. Grafana).\n"
     "Without --password-file the role logs in without a password, which a cluster with "
     "trust authentication (the local stack) accepts.",
     cmd_role_login,
     {{"--password-file", "FILE", "the role's password, read from FILE (e.g. a secret)", false}}},
    {"areas", "Reference data and schema", "", 0, 0, NULL, "print the district's areas, as a tree",
     cmd_reference, {JSON}},
    {"departments", "Reference data and schema", "", 0, 0, NULL,
     "print the departments, and which have a CURVE key", cmd_reference, {JSON}},
    {"categories", "Reference data and schema", "", 0, 0, NULL,
     "print the case categories, their deadlines and lead departments", cmd_reference, {JSON}},
    {"people", "Reference data and schema", "", 0, 0, NULL,
     "print the district's people: code, name, role, area, active or retired\n"
     "Their phones stay in the database. Name a person in a command with --as CODE (or "
     "GC_PERSON).",
     cmd_people, {{"--area", "CODE", "only this area and below", false}, JSON}},
    {"rules", "Reference data and schema", "", 0, 0, NULL,
     "print who may send which person's command: one row per command, role and place\n"
     "Intake refuses any other with ERROR_CODE_NOT_PERMITTED, naming the rule.",
     cmd_rules, {JSON}},

    /* Keys */
    {"keygen", "CurveZMQ keys", "FILE", 1, 1, NULL,
     "make a server's key pair: the secret key to FILE, the public key printed\n"
     "The public key is what clients set as GC_INTAKE_SERVER_KEY or GC_STATS_SERVER_KEY. FILE "
     "is never overwritten.",
     cmd_keygen, {{0}}},
    {"client add", "CurveZMQ keys", "NAME", 1, 1, NULL,
     "let the key in FILE (made when missing) use those sockets; prints its public key\n"
     "Adding a name again replaces its key and sockets.",
     cmd_client_add,
     {{"--sockets", "LIST", "comma-separated: intake, events, stats", true},
      {"--key", "FILE", "the client's key file (made when missing)", true},
      {"--may", "LIST", "what it may send on intake: submissions, commands (people's), diary "
                        "(default all three)", false},
      {"--areas", "LIST", "comma-separated area codes it speaks for (default the district)",
       false}}},
    {"client remove", "CurveZMQ keys", "NAME", 1, 1, NULL, "take a client's key out",
     cmd_client_remove, {{0}}},
    {"client list", "CurveZMQ keys", "", 0, 0, NULL, "the clients and their sockets",
     cmd_client_list, {JSON}},
    {"apikey add", "CurveZMQ keys", "NAME", 1, 1, NULL,
     "an Open311 api_key for the application NAME (gc-open311); prints the key\n"
     "Only its SHA-256 is stored: keep what is printed, it cannot be shown again. NAME is 1-64 "
     "of a-z 0-9 _ . - starting with a letter.",
     cmd_apikey_add, {{0}}},
    {"apikey revoke", "CurveZMQ keys", "NAME", 1, 1, NULL,
     "revoke an application's Open311 api_key: the gateway refuses it from its next request",
     cmd_apikey_revoke, {{0}}},
    {"apikey list", "CurveZMQ keys", "", 0, 0, NULL, "the Open311 applications and their keys' state",
     cmd_apikey_list, {JSON}},

    /* Cases */
    {"submit", "Cases (through intake)", "", 0, 0,
     "--category C (--grid G | --lon X --lat Y | --street S --address A) --desc TEXT [options]",
     "report a case; prints the new case's reference\n"
     "Give the place as a grid code, a point, or a street and address. A resend with the same "
     "--key returns the same case instead of a second one.",
     cmd_submit,
     {{"--category", "C", "the kind of case (gridctl categories lists them)", true},
      {"--grid", "G", "the grid's code (gridctl areas lists them)", false},
      {"--lon", "X", "longitude, decimal degrees (with --lat)", false},
      {"--lat", "Y", "latitude, decimal degrees (with --lon)", false},
      {"--street", "S", "the street's code, with --address", false},
      {"--address", "TEXT", "the address, as the reporter gave it", false},
      {"--desc", "TEXT", "what is wrong (or --from-diary)", false},
      {"--from-diary", "ENTRY", "the grid worker's diary entry this case comes from", false},
      {"--key", "KEY", "idempotency key: a resend returns the same case (default random)", false},
      {"--source", "S", "resident (default), grid_worker, volunteer, department or hotline", false},
      {"--reporter", "NAME", "the reporter's name", false},
      {"--phone", "PHONE", "the reporter's phone", false},
      {"--as", "PERSON", "the grid worker, volunteer or staff who found it, by code (gridctl "
       "people); counted as their report", false}}},
    {"diary add", "Cases (through intake)", "", 0, 0, NULL,
     "record a grid worker's visit; prints the entry number", cmd_diary_add,
     {{"--grid", "G", "the grid visited", true},
      {"--note", "TEXT", "what was seen or done", true},
      {"--date", "YYYY-MM-DD", "the day of the visit (default today)", false},
      {"--author", "NAME", "the grid worker", false}}},
    {"diary list", "Cases (through intake)", "", 0, 0, NULL, "the grid's diary, newest first",
     cmd_diary_list, {{"--grid", "G", "the grid", true}, JSON}},
    {"verify", "Cases (through intake)", "REF", 1, 1, "REF --ok|--reopen [--note TEXT]",
     "the grid checks a resolved case: --ok closes it, --reopen sends it back" REF_ABOUT,
     cmd_case_command,
     {{"--ok", NULL, "the resolution holds: close the case", false},
      {"--reopen", NULL, "it does not: back to the department", false},
      {"--note", "TEXT", "what was found", false},
      ACTOR}},
    {"escalate", "Cases (through intake)", "REF", 1, 1, NULL,
     "this level cannot solve the case: ask the level above to take it" REF_ABOUT,
     cmd_case_command, {{"--reason", "TEXT", "why this level cannot solve it", true}, ACTOR}},
    {"spot", "Cases (through intake)", "REF", 1, 1, NULL,
     "the leader of a level settled the case on the spot\n"
     "Only the case's own level, and only while no department has accepted it; above the grid "
     "--note is required." REF_ABOUT,
     cmd_case_command,
     {{"--level", "L", "grid (default), community, street or district", false},
      {"--note", "TEXT", "how it was settled", false},
      ACTOR}},
    {"note", "Cases (through intake)", "REF", 1, 1, NULL, "add a note to the case's timeline" REF_ABOUT,
     cmd_case_command, {{"--note", "TEXT", "the note", true}, ACTOR}},
    {"set-category", "Cases (through intake)", "REF", 1, 1, NULL,
     "the street corrects a triaged case's category: it is routed again" REF_ABOUT,
     cmd_case_command,
     {{"--category", "C", "the right category", true}, {"--note", "TEXT", "why", false}, ACTOR}},
    {"extension", "Cases (through intake)", "REF", 1, 1, "REF --grant|--refuse [--note TEXT]",
     "the level's leader decides a department's request for more time" REF_ABOUT,
     cmd_case_command,
     {{"--grant", NULL, "grant it: the deadline moves", false},
      {"--refuse", NULL, "refuse it", false},
      {"--note", "TEXT", "why", false},
      ACTOR}},

    /* Street joint meetings */
    {"agenda", "Street joint meetings (联席会议)", "STREET", 1, 1, NULL,
     "the cases that reached the street and have no meeting decision yet", cmd_agenda, {JSON}},
    {"meeting", "Street joint meetings (联席会议)", "REF", 1, 1,
     "REF (--assign D1,D2 [--deadline T] | --deadline T | --close --reason TEXT)",
     "record a joint meeting's decision on a case\n"
     "--assign gives the case to departments for joint enforcement (the first leads); "
     "--deadline alone sets a new deadline; --close closes the case.\n"
     "T is a time of the district, e.g. '2026-12-01 17:00' (see gridctl help times)." REF_ABOUT,
     cmd_case_command,
     {{"--assign", "D1,D2", "departments for joint enforcement, the lead first", false},
      {"--deadline", "T", "the new deadline, district time ('YYYY-MM-DD HH:MM')", false},
      {"--close", NULL, "close the case (with --reason)", false},
      {"--reason", "TEXT", "why it is closed", false},
      ACTOR}},

    /* Reading */
    {"show", "Reading cases", "REF", 1, 1, NULL, "the case and its whole timeline" REF_ABOUT,
     cmd_show, {JSON}},
    {"list", "Reading cases", "", 0, 0, NULL, "the cases, oldest first", cmd_list,
     {{"--status", "S", "only this status (submitted, routed, triage, accepted, in_progress, "
                        "resolved, closed, grid_task)", false},
      {"--level", "L", "only cases at this level (grid, community, street, district)", false},
      {"--area", "CODE", "only cases in this area and below", false},
      {"--limit", "N", "at most N cases (default 1000)", false},
      JSON}},

    /* Departments */
    {"dept listen", "Departments (through routing)", "DEPT", 1, 1, NULL,
     "receive the cases routed to DEPT, print each and acknowledge it\n"
     "Says within seconds when routing refuses the key or does not answer.",
     cmd_dept_listen,
     {{"--after", "SEQ", "resume after this delivery (default: after the last acknowledged)",
       false},
      {"--count", "N", "stop after N deliveries", false},
      {"--timeout", "SEC", "stop after SEC seconds (an error when --count was not reached)", false},
      DEPT_KEY,
      JSON}},
    {"dept accept", "Departments (through routing)", "REF", 1, 1, NULL,
     "the department takes the case on" REF_ABOUT, cmd_dept_act,
     {ACTING, {"--note", "TEXT", "a note for the timeline", false}, DEPT_KEY}},
    {"dept progress", "Departments (through routing)", "REF", 1, 1, NULL,
     "the department reports progress" REF_ABOUT, cmd_dept_act,
     {ACTING, {"--note", "TEXT", "what was done", false}, DEPT_KEY}},
    {"dept resolve", "Departments (through routing)", "REF", 1, 1, NULL,
     "the department resolved the case; the grid verifies it" REF_ABOUT, cmd_dept_act,
     {ACTING, {"--note", "TEXT", "what was done", false}, DEPT_KEY}},
    {"dept return", "Departments (through routing)", "REF", 1, 1, NULL,
     "the case is not the department's: back to triage" REF_ABOUT, cmd_dept_act,
     {ACTING, {"--note", "TEXT", "why it is not ours", false}, DEPT_KEY}},
    {"dept extend", "Departments (through routing)", "REF", 1, 1, NULL,
     "the lead department asks the level's leader for more time" REF_ABOUT, cmd_dept_act,
     {ACTING,
      {"--hours", "N", "how many more working hours", true},
      {"--note", "REASON", "the reason more time is needed", true},
      DEPT_KEY}},
    {"dept inspect", "Departments (through routing)", "", 0, 0, NULL,
     "report a problem found on inspection; prints the new case's reference",
     cmd_dept_act,
     {ACTING,
      {"--category", "C", "the kind of case", true},
      {"--grid", "G", "the grid", true},
      {"--desc", "TEXT", "what is wrong", true},
      {"--report-key", "KEY", "idempotency key: a resend returns the same case", false},
      DEPT_KEY}},
    {"dept keygen", "Departments (through routing)", "DEPT", 1, 1, NULL,
     "make a department's key pair; prints its public key\n"
     "The public key goes into the reference data (departments[].public_key).\n"
     "The secret key goes to GC_DEPT_KEYS_DIR/DEPT.key (or --out) and is never overwritten.",
     cmd_dept_keygen, {{"--out", "FILE", "where the secret key goes", false}}},
    {"dept server-keygen", "Departments (through routing)", "FILE", 1, 1, NULL,
     "make routing's key pair: the secret key to FILE, the public key printed\n"
     "The public key is what department clients set as GC_DEPT_SERVER_KEY.",
     cmd_dept_keygen, {{0}}},
    {"dept register", "Departments (through routing)", "DEPT", 1, 1, NULL,
     "store the public key of DEPT's key file in the database (local stacks, tests)",
     cmd_dept_register, {DEPT_KEY}},

    /* Streams */
    {"stats", "Streams", "", 0, 0, "[--area CODE | --dept DEPT | --heartbeat] [--watch] [--json] [--timeout SEC]",
     "the figures from gc-stats, every area once (or one area, a department)",
     cmd_stats,
     {{"--area", "CODE", "this area's figures", false},
      {"--dept", "DEPT", "this department's figures (JSON)", false},
      {"--heartbeat", NULL, "the stream's heartbeats (JSON)", false},
      {"--watch", NULL, "keep printing as they come", false},
      {"--timeout", "SEC", "give up after SEC seconds (default 10 without --watch)", false},
      JSON}},
    {"events", "Streams", "", 0, 0, "[--area CODE | --leader CODE] [--count N] [--timeout SEC]",
     "follow the case event stream (JSON lines)", cmd_events,
     {{"--area", "CODE", "only this area's cases", false},
      {"--leader", "CODE", "what that area's leader must act on", false},
      {"--count", "N", "stop after N events", false},
      {"--timeout", "SEC", "stop after SEC seconds", false}}},

    /* Testing */
    {"clock show", "Testing and demos only", "", 0, 0, NULL, "the gridcase clock's offset and time",
     cmd_clock_show, {{0}}},
    {"clock advance", "Testing and demos only", "SECONDS", 1, 1, NULL,
     "move the gridcase clock forward (needs GC_TEST_CLOCK=1)", cmd_clock_advance, {{0}}},
    {"clock set", "Testing and demos only", "TIME", 1, 1, NULL,
     "move the gridcase clock forward to TIME (needs GC_TEST_CLOCK=1)\n"
     "TIME is 'YYYY-MM-DD HH:MM' (see gridctl help times).",
     cmd_clock_set, {{0}}},
    {NULL, NULL, NULL, 0, 0, NULL, NULL, NULL, {{0}}},
};

const char *gridctl_verb(const gridctl_command_t *cmd)
{
    const char *space = strchr(cmd->name, ' ');
    return space ? space + 1 : cmd->name;
}

const gridctl_command_t *gridctl_command_find(int argc, char **argv, int *used)
{
    for (const gridctl_command_t *c = gridctl_commands; argc > 0 && c->name; c++) {
        const char *space = strchr(c->name, ' ');
        if (!space && strcmp(c->name, argv[0]) == 0) {
            *used = 1;
            return c;
        }
        if (space && argc > 1 && strncmp(c->name, argv[0], (size_t)(space - c->name)) == 0
            && argv[0][space - c->name] == '\0' && strcmp(space + 1, argv[1]) == 0) {
            *used = 2;
            return c;
        }
    }
    return NULL;
}

static void option_usage(const gridctl_option_t *o, FILE *out)
{
    fprintf(out, o->required ? " %s" : " [%s", o->name);
    if (o->value)
        fprintf(out, " %s", o->value);
    fputs(o->required ? "" : "]", out);
}

void gridctl_command_usage(const gridctl_command_t *cmd, FILE *out)
{
    fprintf(out, "usage: gridctl %s", cmd->name);
    if (cmd->synopsis) {
        fprintf(out, " %s\n", cmd->synopsis);
        return;
    }
    if (*cmd->arguments)
        fprintf(out, " %s", cmd->arguments);
    for (const gridctl_option_t *o = cmd->options; o->name; o++)
        option_usage(o, out);
    fputc('\n', out);
}

/* Prints text with its lines wrapped at word boundaries to at most 78 columns (counting bytes:
 * a line of Chinese wraps early, never late). */
static void wrapped(const char *text, FILE *out)
{
    while (*text) {
        size_t line = strcspn(text, "\n"), take = line;
        if (line > 78) {
            take = 78;
            while (take > 0 && text[take] != ' ')
                take--;
            if (take == 0)
                take = line;
        }
        fprintf(out, "%.*s\n", (int)take, text);
        text += take;
        if (*text == ' ' || *text == '\n')
            text++;
    }
}

void gridctl_command_help(const gridctl_command_t *cmd, FILE *out)
{
    gridctl_command_usage(cmd, out);
    fputc('\n', out);
    wrapped(cmd->about, out);
    if (cmd->options[0].name)
        fputs("\nOptions:\n", out);
    for (const gridctl_option_t *o = cmd->options; o->name; o++) {
        char left[48];
        snprintf(left, sizeof left, "%s%s%s", o->name, o->value ? " " : "", o->value ? o->value : "");
        fprintf(out, "  %-22s %s%s\n", left, o->about, o->required ? " (required)" : "");
    }
}

bool gridctl_help(const char *prefix, bool whole, FILE *out)
{
    size_t n = strlen(prefix);
    const char *group = NULL;
    bool any = false;
    for (const gridctl_command_t *c = gridctl_commands; c->name; c++) {
        if (n && !(strncmp(c->name, prefix, n) == 0 && (c->name[n] == '\0' || c->name[n] == ' ')))
            continue;
        if (whole) {
            fputs(any ? "\n" : "", out);
            gridctl_command_help(c, out);
        } else {
            if (!group || strcmp(group, c->group) != 0)
                fprintf(out, "%s%s\n", group ? "\n" : "", c->group);
            group = c->group;
            char left[64];
            snprintf(left, sizeof left, "%s%s%s", c->name, *c->arguments ? " " : "", c->arguments);
            size_t summary = strcspn(c->about, "\n");
            fprintf(out, "  %-24s %.*s\n", left, (int)summary, c->about);
        }
        any = true;
    }
    return any;
}

static const gridctl_option_t *option_of(const gridctl_command_t *cmd, const char *name)
{
    for (const gridctl_option_t *o = cmd->options; o->name; o++)
        if (strcmp(o->name, name) == 0)
            return o;
    return NULL;
}

bool gridctl_wants_help(const gridctl_command_t *cmd, int argc, char **argv)
{
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return true;
        const gridctl_option_t *o = option_of(cmd, argv[i]);
        if (o && o->value)
            i++; /* its value, which may be any text */
    }
    return false;
}

bool args_parse(const gridctl_command_t *cmd, int argc, char **argv, args_t *out)
{
    memset(out, 0, sizeof *out);
    out->cmd = cmd;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--", 2) != 0 || strcmp(a, "--") == 0) {
            if (out->npositional == ARGS_MAX || out->npositional == cmd->max_args)
                return args_usage_fail(out, "unexpected argument '%s'", a), false;
            out->positional[out->npositional++] = a;
            continue;
        }
        const gridctl_option_t *o = option_of(cmd, a);
        if (!o) {
            char list[512] = "";
            size_t used = 0;
            for (const gridctl_option_t *k = cmd->options; k->name && used < sizeof list; k++)
                used += (size_t)snprintf(list + used, sizeof list - used, "%s%s",
                                         used ? ", " : "", k->name);
            return args_usage_fail(out, "unknown option %s (%s%s)", a,
                                   used ? "it takes " : "it takes no options",
                                   list),
                   false;
        }
        if (out->noptions == ARGS_MAX)
            return args_usage_fail(out, "too many options"), false;
        if (o->value && i + 1 >= argc)
            return args_usage_fail(out, "%s needs a value: %s %s", a, a, o->value), false;
        out->name[out->noptions] = a;
        out->value[out->noptions++] = o->value ? argv[++i] : NULL;
    }
    if (out->npositional < cmd->min_args)
        return args_usage_fail(out, "missing %s", cmd->arguments), false;
    for (const gridctl_option_t *o = cmd->options; o->name; o++)
        if (o->required && !args_has(out, o->name))
            return args_usage_fail(out, "missing %s %s (%s)", o->name, o->value ? o->value : "",
                                   o->about),
                   false;
    return true;
}
