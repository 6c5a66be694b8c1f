/* gridctl: command-line tool. Finds the command in the table of commands.c, which parses its
 * options and writes its help, and runs it. */
#include "gridctl.h"

#include "gc_daemon.h"
#include "gc_log.h"

#include <stdio.h>
#include <string.h>

static const char times_help[] =
    "Times are typed and shown in the district's time zone (district_settings.time_zone), with\n"
    "the offset shown: 2026-12-01 17:00 +08:00. Accepted:\n"
    "  YYYY-MM-DD HH:MM          e.g. 2026-12-01 17:00 (district time)\n"
    "  YYYY-MM-DD HH:MM:SS       e.g. 2026-12-01 17:00:30\n"
    "  YYYY-MM-DDTHH:MM[:SS]±HH:MM  ISO 8601 with its own offset, e.g. 2026-12-01T09:00Z\n"
    "Words such as 'tomorrow' or '5pm' are refused. JSON output gives times in ISO 8601 with\n"
    "their offset.\n";

static void overview(FILE *out)
{
    fputs("usage: gridctl COMMAND [ARGUMENTS] [OPTIONS]\n\n", out);
    gridctl_help("", false, out);
    fputs("\nMore:\n"
          "  gridctl help COMMAND      a command's usage and every option (or gridctl COMMAND --help)\n"
          "  gridctl help --all        every command's help\n"
          "  gridctl help times        how to type times\n"
          "  gridctl --version         the version\n"
          "Settings come from the environment (on the local stack: . var/env); every daemon's\n"
          "--help lists them, e.g. gc-intake --help.\n",
          out);
}

/* A group of commands ("dept") without one of its verbs. */
static bool is_group(const char *word)
{
    size_t n = strlen(word);
    for (const gridctl_command_t *c = gridctl_commands; c->name; c++)
        if (strncmp(c->name, word, n) == 0 && c->name[n] == ' ')
            return true;
    return false;
}

/* gridctl help [COMMAND... | --all | --table | times] */
static int help(int argc, char **argv)
{
    if (argc == 0) {
        overview(stdout);
        return 0;
    }
    if (strcmp(argv[0], "--all") == 0) {
        gridctl_help("", true, stdout);
        return 0;
    }
    if (strcmp(argv[0], "--table") == 0) { /* for scripts and tests: COMMAND TAB OPTION */
        for (const gridctl_command_t *c = gridctl_commands; c->name; c++) {
            printf("%s\t\n", c->name);
            for (const gridctl_option_t *o = c->options; o->name; o++)
                printf("%s\t%s\n", c->name, o->name);
        }
        return 0;
    }
    if (strcmp(argv[0], "times") == 0) {
        fputs(times_help, stdout);
        return 0;
    }
    char name[128] = "";
    for (int i = 0; i < argc && i < 2; i++)
        snprintf(name + strlen(name), sizeof name - strlen(name), "%s%s", i ? " " : "", argv[i]);
    if (gridctl_help(name, true, stdout))
        return 0;
    fprintf(stderr, "gridctl: no command '%s' (gridctl help lists them)\n", name);
    return 2;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        overview(stderr);
        return 2;
    }
    if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0
        || strcmp(argv[1], "-h") == 0)
        return help(argc - 2, argv + 2);
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
        printf("gridctl %s\n", GC_VERSION);
        return 0;
    }
    int used = 0;
    const gridctl_command_t *cmd = gridctl_command_find(argc - 1, argv + 1, &used);
    if (!cmd && is_group(argv[1])) {
        bool asked = argc > 2 && (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0);
        if (!asked)
            fprintf(stderr, argc > 2 ? "gridctl %s: no command '%s'; one of:\n\n"
                                     : "gridctl %s: which one?\n\n",
                    argv[1], argc > 2 ? argv[2] : "");
        gridctl_help(argv[1], false, asked ? stdout : stderr);
        return asked ? 0 : 2;
    }
    if (!cmd) {
        fprintf(stderr, "gridctl: unknown command '%s' (gridctl help lists them)\n", argv[1]);
        return 2;
    }
    int n = argc - 1 - used;
    char **rest = argv + 1 + used;
    if (gridctl_wants_help(cmd, n, rest)) {
        gridctl_command_help(cmd, stdout);
        return 0;
    }
    args_t a;
    if (!args_parse(cmd, n, rest, &a))
        return 2;
    gc_log_init("gridctl", true);
    gc_config_t cfg;
    char err[256];
    if (!gc_config_load(&cfg, err, sizeof err))
        return gridctl_fail("%s", err);
    return cmd->run(&cfg, &a);
}
