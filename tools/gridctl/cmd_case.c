/* gridctl submit, verify, escalate, spot, note, meeting, extension: requests to intake. */
#include "client.h"
#include "gridctl.h"

#include "gc_names.h"
#include "gc_pg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define REPLY_TIMEOUT_MS 5000

/* After an unknown category: the ones there are, from the database when gridctl reaches it. */
static void name_categories(const gc_config_t *cfg)
{
    PGconn *db = PQconnectdb(cfg->pg_dsn);
    PGresult *res = PQstatus(db) == CONNECTION_OK
                        ? PQexec(db, "SELECT string_agg(code, ', ' ORDER BY code) FROM categories")
                        : NULL;
    if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
        fprintf(stderr, "gridctl: the categories: %s\n", PQgetvalue(res, 0, 0));
    else
        fprintf(stderr, "gridctl: gridctl categories lists them\n");
    PQclear(res);
    PQfinish(db);
}

/* Prints the reply's outcome: the case reference (or diary entry) on stdout, what the reporter
 * should know on stderr, or the error on stderr. */
static int finish(const gc_config_t *cfg, Gridcase__IntakeReply *reply, bool submission,
                  bool located)
{
    if (!reply)
        return 1;
    int rc = 0;
    if (reply->result_case == GRIDCASE__INTAKE_REPLY__RESULT_ACCEPTED) {
        const Gridcase__CaseAccepted *a = reply->accepted;
        if (a->diary_entry)
            printf("%llu\n", (unsigned long long)a->diary_entry);
        else
            puts(a->case_ref);
        if (submission && a->area[0] && !a->grid[0])
            fprintf(stderr, "gridctl: no grid holds this location: the case is in the triage "
                            "queue of %s\n", a->area);
        else if (located && a->grid[0])
            fprintf(stderr, "gridctl: filed under grid %s\n", a->grid);
        if (submission && a->possible_duplicate_of[0])
            fprintf(stderr, "gridctl: possible duplicate of %s (an open case of the same kind "
                            "nearby): follow that one\n", a->possible_duplicate_of);
    } else {
        const Gridcase__Error *e = reply->error;
        const ProtobufCEnumValue *v =
            e ? protobuf_c_enum_descriptor_get_value(&gridcase__error_code__descriptor, e->code)
              : NULL;
        rc = gridctl_fail("refused: %s: %s", v ? v->name : "ERROR",
                          e && e->message ? e->message : "no message");
        if (e && e->code == GRIDCASE__ERROR_CODE__ERROR_CODE_UNKNOWN_CATEGORY)
            name_categories(cfg);
    }
    gridcase__intake_reply__free_unpacked(reply, NULL);
    return rc;
}

static bool parse_degrees(const char *text, double *out)
{
    char *end;
    *out = strtod(text, &end);
    return end != text && *end == '\0';
}

int cmd_submit(const gc_config_t *cfg, const args_t *a)
{
    long diary = 0;
    if (!args_get(a, "--desc") && !args_get(a, "--from-diary"))
        return args_usage_fail(a, "missing --desc TEXT (what is wrong), or --from-diary ENTRY");
    if (args_get(a, "--from-diary")
        && !gc_config_parse_long(args_get(a, "--from-diary"), 1, 1L << 62, &diary))
        return args_usage_fail(a, "--from-diary takes a diary entry's number");

    char key[33], request_id[33];
    client_token(key);
    client_token(request_id);
    Gridcase__SubmitCase s = GRIDCASE__SUBMIT_CASE__INIT;
    Gridcase__GeoPoint point = GRIDCASE__GEO_POINT__INIT;
    s.idempotency_key = args_get(a, "--key") ? (char *)args_get(a, "--key") : key;
    s.category = (char *)args_get(a, "--category");
    s.grid = (char *)(args_get(a, "--grid") ? args_get(a, "--grid") : "");
    s.street = (char *)(args_get(a, "--street") ? args_get(a, "--street") : "");
    s.description = (char *)(args_get(a, "--desc") ? args_get(a, "--desc") : "");
    s.from_diary_entry = (uint64_t)diary;
    s.address = (char *)(args_get(a, "--address") ? args_get(a, "--address") : "");
    s.reporter_name = (char *)(args_get(a, "--reporter") ? args_get(a, "--reporter") : "");
    s.reporter_phone = (char *)(args_get(a, "--phone") ? args_get(a, "--phone") : "");
    /* only when given: GC_PERSON names who acts in commands, not who reports */
    s.person = (char *)(args_get(a, "--as") ? args_get(a, "--as") : "");
    const char *source = args_get(a, "--source");
    if (source && !gc_source_value(source))
        return args_usage_fail(a, "--source: no source '%s'; one of resident, grid_worker, "
                                  "volunteer, department, hotline", source);
    s.source = source ? (Gridcase__Source)gc_source_value(source) : GRIDCASE__SOURCE__SOURCE_RESIDENT;
    if (args_get(a, "--lon") || args_get(a, "--lat")) {
        if (!args_get(a, "--lon") || !args_get(a, "--lat")
            || !parse_degrees(args_get(a, "--lon"), &point.lon)
            || !parse_degrees(args_get(a, "--lat"), &point.lat))
            return args_usage_fail(a, "--lon and --lat go together, as decimal degrees");
        s.location = &point;
    }
    Gridcase__IntakeRequest req = GRIDCASE__INTAKE_REQUEST__INIT;
    req.request_id = request_id;
    req.body_case = GRIDCASE__INTAKE_REQUEST__BODY_SUBMIT;
    req.submit = &s;
    /* the idempotency key makes a resend safe: intake returns the same case */
    return finish(cfg, client_intake(cfg, &req, REPLY_TIMEOUT_MS, 3), true,
                  s.location && !*s.grid);
}

int cmd_diary_add(const gc_config_t *cfg, const args_t *a)
{
    char today[16], request_id[33];
    time_t now = time(NULL);
    struct tm tm;
    strftime(today, sizeof today, "%Y-%m-%d", localtime_r(&now, &tm));
    client_token(request_id);
    Gridcase__DiaryEntry d = GRIDCASE__DIARY_ENTRY__INIT;
    d.grid = (char *)args_get(a, "--grid");
    d.note = (char *)args_get(a, "--note");
    d.visited_on = (char *)(args_get(a, "--date") ? args_get(a, "--date") : today);
    d.author = (char *)(args_get(a, "--author") ? args_get(a, "--author") : "");
    Gridcase__IntakeRequest req = GRIDCASE__INTAKE_REQUEST__INIT;
    req.request_id = request_id;
    req.body_case = GRIDCASE__INTAKE_REQUEST__BODY_DIARY;
    req.diary = &d;
    return finish(cfg, client_intake(cfg, &req, REPLY_TIMEOUT_MS, 1), false, false);
}

/* A local time of the district ('2026-12-01 17:00') or an ISO time with offset, as Unix ms. */
static bool parse_deadline(const gc_config_t *cfg, const char *text, int64_t *ms)
{
    if (!gridctl_time_valid(text))
        return gridctl_time_fail("meeting --deadline", text), false;
    PGconn *db = gridctl_db(cfg);
    if (!db)
        return false;
    if (!gridctl_district_time(db)) {
        PQfinish(db);
        return false;
    }
    if (!gridctl_time_exists(db, text)) { /* the shape was right, the date was not (02-30) */
        PQfinish(db);
        return gridctl_time_fail("meeting --deadline", text), false;
    }
    const char *params[] = {text};
    PGresult *res = gc_pg_query(db, "deadline",
                                "SELECT (extract(epoch FROM $1::timestamptz) * 1000)::bigint", 1,
                                params);
    bool ok = gc_pg_ok(res) && PQntuples(res) == 1;
    if (ok)
        *ms = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    PQfinish(db);
    return ok;
}

/* gridctl meeting REF: a street joint meeting's decision (see gridctl help). */
static bool meeting_command(const gc_config_t *cfg, const args_t *a, Gridcase__CaseCommand *c,
                            char *departments_buf, char **departments)
{
    const char *assign = args_get(a, "--assign"), *deadline = args_get(a, "--deadline");
    bool close = args_has(a, "--close");
    if ((assign != NULL) + (close) + (!assign && !close && deadline != NULL) != 1
        || (close && (deadline || !args_get(a, "--reason"))))
        return args_usage_fail(a, "the decision is one of --assign D1,D2 [--deadline T], "
                                  "--deadline T, --close --reason TEXT"),
               false;
    c->kind = GRIDCASE__COMMAND_KIND__COMMAND_KIND_MEETING_OUTCOME;
    c->outcome = close    ? GRIDCASE__MEETING_OUTCOME__MEETING_OUTCOME_CLOSE
                 : assign ? GRIDCASE__MEETING_OUTCOME__MEETING_OUTCOME_ASSIGN_JOINT
                          : GRIDCASE__MEETING_OUTCOME__MEETING_OUTCOME_NEW_DEADLINE;
    if (close)
        c->note = (char *)args_get(a, "--reason");
    if (deadline && !parse_deadline(cfg, deadline, &c->deadline_ms))
        return false;
    if (assign) { /* "cityman,planning": split in place into departments[] */
        snprintf(departments_buf, 512, "%s", assign);
        for (char *save = NULL, *d = strtok_r(departments_buf, ",", &save);
             d && c->n_departments < 16; d = strtok_r(NULL, ",", &save))
            departments[c->n_departments++] = d;
        c->departments = departments;
    }
    return true;
}

int cmd_case_command(const gc_config_t *cfg, const args_t *a)
{
    const char *verb = a->cmd->name;
    Gridcase__CaseCommand c = GRIDCASE__CASE_COMMAND__INIT;
    char departments_buf[512], *departments[16];
    c.case_ref = (char *)a->positional[0];
    c.note = (char *)(args_get(a, "--note") ? args_get(a, "--note") : "");
    c.actor = (char *)(args_get(a, "--actor") ? args_get(a, "--actor") : "gridctl");
    /* the person acting, checked by intake against the rules (gridctl rules) */
    c.person = (char *)(args_get(a, "--as") ? args_get(a, "--as") : getenv("GC_PERSON"));
    if (c.person && !*c.person)
        c.person = NULL;
    if (strcmp(verb, "verify") == 0) {
        if (args_has(a, "--ok") == args_has(a, "--reopen"))
            return args_usage_fail(a, "say --ok or --reopen (one of them)");
        c.kind = args_has(a, "--ok") ? GRIDCASE__COMMAND_KIND__COMMAND_KIND_VERIFY
                                      : GRIDCASE__COMMAND_KIND__COMMAND_KIND_REOPEN;
    } else if (strcmp(verb, "escalate") == 0) {
        c.kind = GRIDCASE__COMMAND_KIND__COMMAND_KIND_REQUEST_ESCALATION;
        c.note = (char *)args_get(a, "--reason");
    } else if (strcmp(verb, "set-category") == 0) {
        c.kind = GRIDCASE__COMMAND_KIND__COMMAND_KIND_SET_CATEGORY;
        c.category = (char *)args_get(a, "--category");
    } else if (strcmp(verb, "meeting") == 0) {
        if (!meeting_command(cfg, a, &c, departments_buf, departments))
            return 2;
    } else if (strcmp(verb, "extension") == 0) {
        if (args_has(a, "--grant") == args_has(a, "--refuse"))
            return args_usage_fail(a, "say --grant or --refuse (one of them)");
        c.kind = GRIDCASE__COMMAND_KIND__COMMAND_KIND_DECIDE_EXTENSION;
        c.grant = args_has(a, "--grant");
    } else if (strcmp(verb, "spot") == 0) {
        /* whose leader settled it: intake checks it is the case's level (none = the grid) */
        const char *level = args_get(a, "--level");
        if (level && !gc_level_value(level))
            return args_usage_fail(a, "--level: no level '%s'; one of grid, community, street, "
                                      "district", level);
        c.kind = GRIDCASE__COMMAND_KIND__COMMAND_KIND_RESOLVE_ON_SPOT;
        c.level = level ? (Gridcase__Level)gc_level_value(level) : GRIDCASE__LEVEL__LEVEL_GRID;
    } else {
        c.kind = GRIDCASE__COMMAND_KIND__COMMAND_KIND_NOTE;
    }
    char request_id[33];
    client_token(request_id);
    Gridcase__IntakeRequest req = GRIDCASE__INTAKE_REQUEST__INIT;
    req.request_id = request_id;
    req.body_case = GRIDCASE__INTAKE_REQUEST__BODY_COMMAND;
    req.command = &c;
    /* commands are not idempotent (a second verify is refused): send once */
    return finish(cfg, client_intake(cfg, &req, REPLY_TIMEOUT_MS, 1), false, false);
}
