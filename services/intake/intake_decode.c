/* intake_decode: protobuf-c decodes; we check what it does not (UTF-8, lengths, enums). */
#include "intake_decode.h"

#include "gc_case_check.h"
#include "gc_text.h"
#include "gc_wire.h"
#include "joint_meeting.h"

#include <string.h>

static bool departments_valid(const Gridcase__CaseCommand *c, const char **why,
                              char why_buf[GC_CASE_WHY_SIZE])
{
    for (size_t i = 0; i < c->n_departments; i++)
        if (!gc_case_check_text("a department code", c->departments[i], GC_CASE_MAX_CODE, true,
                                NULL, why, why_buf))
            return false;
    return true;
}

/* The daemons sign their own events with these names; statistics tell a missed deadline from
 * a person's request by the actor "escalation", so no person may use them. */
static bool system_actor(const char *actor)
{
    static const char *const daemons[] = {"escalation", "routing", "intake", "stats"};
    for (size_t i = 0; actor && i < sizeof daemons / sizeof daemons[0]; i++)
        if (strcmp(actor, daemons[i]) == 0)
            return true;
    return false;
}

static int check_command(const Gridcase__CaseCommand *c, const char **why,
                         char why_buf[GC_CASE_WHY_SIZE])
{
    if (!gc_case_check_text("case_ref", c->case_ref, 32, true, NULL, why, why_buf)
        || !gc_case_check_text("note", c->note, GC_CASE_MAX_TEXT, false, NULL, why, why_buf)
        || !gc_case_check_text("actor", c->actor, GC_CASE_MAX_NAME, false, NULL, why, why_buf)
        || !gc_case_check_text("person", c->person, GC_CASE_MAX_CODE, false, NULL, why, why_buf))
        return GRIDCASE__ERROR_CODE__ERROR_CODE_INVALID_ARGUMENT;
    if (system_actor(c->actor))
        *why = "actor names a gridcase daemon; name the person or office acting";
    else if (c->kind <= GRIDCASE__COMMAND_KIND__COMMAND_KIND_UNSPECIFIED
             || c->kind > GRIDCASE__COMMAND_KIND__COMMAND_KIND_DECIDE_EXTENSION)
        *why = "unknown command kind";
    else if (c->kind == GRIDCASE__COMMAND_KIND__COMMAND_KIND_SET_CATEGORY
             && !gc_text_present(c->category, GC_CASE_MAX_CODE))
        *why = "set category needs the category code";
    else if (c->n_departments > JOINT_MEETING_MAX_DEPARTMENTS)
        *why = "a joint meeting names at most 10 departments";
    else if (c->deadline_ms < 0 || c->deadline_ms > JOINT_MEETING_MAX_DEADLINE_MS)
        *why = "deadline_ms is out of range";
    else if (c->level < GRIDCASE__LEVEL__LEVEL_UNSPECIFIED
             || c->level > GRIDCASE__LEVEL__LEVEL_DISTRICT)
        *why = "unknown level";
    /* refused rather than ignored: a level on another command would suggest it acts at that
     * level (an escalation to a chosen level, say), which nothing does */
    else if (c->level != GRIDCASE__LEVEL__LEVEL_UNSPECIFIED
             && c->kind != GRIDCASE__COMMAND_KIND__COMMAND_KIND_RESOLVE_ON_SPOT)
        *why = "level is only for resolve on the spot";
    else
        return departments_valid(c, why, why_buf) ? 0
                                                  : GRIDCASE__ERROR_CODE__ERROR_CODE_INVALID_ARGUMENT;
    return GRIDCASE__ERROR_CODE__ERROR_CODE_INVALID_ARGUMENT;
}

Gridcase__IntakeRequest *intake_decode(const void *data, size_t size, int *error,
                                       const char **why, char why_buf[GC_CASE_WHY_SIZE])
{
    Gridcase__IntakeRequest *r = gridcase__intake_request__unpack(NULL, size, data);
    bool nul = false;
    *error = 0;
    if (r && !gc_wire_check(&gridcase__intake_request__descriptor, data, size, &nul)) {
        gridcase__intake_request__free_unpacked(r, NULL);
        r = NULL;
    }
    if (!r) {
        *error = GRIDCASE__ERROR_CODE__ERROR_CODE_MALFORMED;
        *why = "the body is not an IntakeRequest";
        return NULL;
    }
    if (!gc_text_valid(r->request_id, 64)) {
        gridcase__intake_request__free_unpacked(r, NULL); /* not echoed: it may not be text */
        *error = GRIDCASE__ERROR_CODE__ERROR_CODE_INVALID_ARGUMENT;
        *why = "request_id is at most 64 bytes UTF-8";
        return NULL;
    }
    switch (r->body_case) {
    case GRIDCASE__INTAKE_REQUEST__BODY_SUBMIT:
        *error = gc_case_check_submit(r->submit, why, why_buf);
        break;
    case GRIDCASE__INTAKE_REQUEST__BODY_COMMAND:
        *error = check_command(r->command, why, why_buf);
        break;
    case GRIDCASE__INTAKE_REQUEST__BODY_DIARY:
        *error = gc_case_check_diary(r->diary, why, why_buf);
        break;
    default:
        *error = GRIDCASE__ERROR_CODE__ERROR_CODE_INVALID_ARGUMENT;
        *why = "the request has no submit, command or diary";
    }
    if (!*error && nul) {
        *error = GRIDCASE__ERROR_CODE__ERROR_CODE_INVALID_ARGUMENT;
        *why = "a text field holds a NUL byte";
    }
    return r;
}
