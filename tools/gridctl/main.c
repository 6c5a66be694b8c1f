/* gridctl: command-line tool. Dispatches to the command groups in cmd_*.c. */
#include "gridctl.h"

#include "gc_log.h"

#include <stdio.h>
#include <string.h>

int cmd_apikey(const gc_config_t *cfg, int argc, char **argv); /* cmd_apikey.c */

static const char usage[] =
    "usage: gridctl COMMAND [ARGS]\n"
    "\n"
    "Reference data and schema\n"
    "  migrate                               apply deploy/schema (GC_SCHEMA_DIR)\n"
    "  import FILE                           load or update the district's reference data\n"
    "  role-login ROLE [--password-file F]   let a daemon's database role log in (gridcase_intake,\n"
    "                                        _routing, _escalation, _stats, gridcase_dashboard)\n"
    "  areas|departments|categories [--json] print the reference data\n"
    "\n"
    "CurveZMQ keys (deploy/README.md)\n"
    "  keygen FILE                           a server's key pair: secret key to FILE, public\n"
    "                                        key printed (for GC_*_SERVER_KEY)\n"
    "  client add NAME --sockets intake,events,stats --key FILE\n"
    "                                        let the key in FILE (made when missing) use those\n"
    "                                        sockets; prints its public key\n"
    "  client remove NAME | client list [--json]\n"
    "  apikey add NAME | revoke NAME | list [--json]\n"
    "                                        Open311 api_keys (gc-open311); add prints the key\n"
    "\n"
    "Cases (through intake)\n"
    "  submit --category C (--grid G | --lon X --lat Y | --street S --address A)\n"
    "         --desc TEXT [--key KEY] [--source resident|grid_worker|volunteer|department|hotline]\n"
    "         [--address TEXT] [--reporter NAME] [--phone PHONE] [--from-diary ENTRY]\n"
    "                                        prints the new case's reference\n"
    "  diary add --grid G --note TEXT [--date YYYY-MM-DD] [--author NAME]\n"
    "                                        a grid worker's visit; prints the entry number\n"
    "  diary list --grid G [--json]          the grid's diary, newest first\n"
    "  verify REF --ok|--reopen [--note TEXT]\n"
    "  escalate REF --reason TEXT            this level cannot solve it\n"
    "  spot REF [--note TEXT] [--level grid|community|street|district]\n"
    "                                        the leader of that level (default grid) settled it\n"
    "                                        on the spot: the case's own level only, no department\n"
    "                                        having accepted it; above the grid --note is required\n"
    "  note REF --note TEXT\n"
    "  set-category REF --category C         the street corrects a triaged case: re-routed\n"
    "  extension REF --grant|--refuse [--note TEXT]\n"
    "                                        the level's leader decides a department's request\n"
    "\n"
    "Street joint meetings (联席会议)\n"
    "  agenda STREET [--json]                cases that reached the street, not yet decided\n"
    "  meeting REF --assign D1,D2 [--deadline T] | --deadline T | --close --reason TEXT\n"
    "                                        joint enforcement (D1 leads), a new deadline, or\n"
    "                                        close; T is district time, '2026-12-01 17:00'\n"
    "  show REF [--json]                     the case and its whole timeline\n"
    "  list [--status S] [--area CODE] [--json]\n"
    "\n"
    "Departments (through routing)\n"
    "  dept listen DEPT [--after SEQ] [--count N] [--timeout SEC] [--json]\n"
    "  dept accept|progress|resolve|return REF --dept DEPT [--note TEXT]\n"
    "  dept extend REF --dept DEPT --hours N --note REASON   ask for more time (lead only)\n"
    "\n"
    "Streams\n"
    "  stats [--area CODE] [--watch] [--json] [--timeout SEC]\n"
    "  events [--area CODE | --leader CODE] [--count N] [--timeout SEC]\n"
    "                                        follow the case event stream (JSON lines); --leader:\n"
    "                                        what that area's leader must act on\n"
    "\n"
    "Testing and demos only\n"
    "  clock show | clock advance SECONDS | clock set 'YYYY-MM-DD HH:MM'\n"
    "                                        move the gridcase clock forward (GC_TEST_CLOCK=1)\n"
    "\n"
    "Settings come from the environment: see any daemon's --help.\n";

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    gc_log_init("gridctl", true);
    gc_config_t cfg;
    char err[256];
    if (!gc_config_load(&cfg, err, sizeof err))
        return gridctl_fail("%s", err);
    const char *cmd = argv[1];
    int n = argc - 2;
    char **rest = argv + 2;
    if (strcmp(cmd, "migrate") == 0)
        return cmd_migrate(&cfg, n, rest);
    if (strcmp(cmd, "role-login") == 0)
        return cmd_role_login(&cfg, n, rest);
    if (strcmp(cmd, "import") == 0)
        return cmd_import(&cfg, n, rest);
    if (strcmp(cmd, "areas") == 0 || strcmp(cmd, "departments") == 0
        || strcmp(cmd, "categories") == 0)
        return cmd_reference(&cfg, cmd, n, rest);
    if (strcmp(cmd, "submit") == 0)
        return cmd_submit(&cfg, n, rest);
    if (strcmp(cmd, "verify") == 0 || strcmp(cmd, "escalate") == 0 || strcmp(cmd, "spot") == 0
        || strcmp(cmd, "note") == 0 || strcmp(cmd, "set-category") == 0
        || strcmp(cmd, "meeting") == 0 || strcmp(cmd, "extension") == 0)
        return cmd_case_command(&cfg, cmd, n, rest);
    if (strcmp(cmd, "agenda") == 0)
        return cmd_agenda(&cfg, n, rest);
    if (strcmp(cmd, "diary") == 0 && n > 0 && strcmp(rest[0], "list") == 0)
        return cmd_diary_list(&cfg, n - 1, rest + 1);
    if (strcmp(cmd, "diary") == 0)
        return cmd_diary(&cfg, n, rest);
    if (strcmp(cmd, "show") == 0)
        return cmd_show(&cfg, n, rest);
    if (strcmp(cmd, "list") == 0)
        return cmd_list(&cfg, n, rest);
    if (strcmp(cmd, "dept") == 0)
        return cmd_dept(&cfg, n, rest);
    if (strcmp(cmd, "stats") == 0)
        return cmd_stats(&cfg, n, rest);
    if (strcmp(cmd, "events") == 0)
        return cmd_events(&cfg, n, rest);
    if (strcmp(cmd, "keygen") == 0)
        return cmd_keygen(&cfg, n, rest);
    if (strcmp(cmd, "client") == 0)
        return cmd_client(&cfg, n, rest);
    if (strcmp(cmd, "clock") == 0)
        return cmd_clock(&cfg, n, rest);
    if (strcmp(cmd, "apikey") == 0)
        return cmd_apikey(&cfg, n, rest);
    fprintf(stderr, "gridctl: unknown command '%s'\n\n%s", cmd, usage);
    return 2;
}
