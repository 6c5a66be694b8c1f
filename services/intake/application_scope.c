/* application_scope: the application's scope comes with each message, from the connection's
 * ZAP metadata: checking it costs no database round trip, also on the batched submissions. */
#include "application_scope.h"

#include "gc_case_place.h"

#include <stdio.h>
#include <string.h>

const char *application_of(gc_frames_t *frames)
{
    const char *user = gc_frames_user_id(frames, 2);
    return user && *user ? user : NULL;
}

/* Whether the comma-separated list holds word. */
static bool listed(const char *list, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = list; p && *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == n && strncmp(p, word, n) == 0)
            return true;
        p = end ? end + 1 : NULL;
    }
    return false;
}

/* Whether area lies in one of the comma-separated areas ("" is the whole district): a child's
 * code starts with its parent's. */
static bool within(const char *list, const char *area)
{
    if (!list || !*list)
        return true;
    for (const char *p = list; *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len > 0 && strncmp(area, p, len) == 0)
            return true;
        if (!end)
            break;
        p = end + 1;
    }
    return false;
}

int application_scope_check(gc_frames_t *frames, const Gridcase__IntakeRequest *r,
                            const gc_area_index_t *areas, const char **why,
                            char why_buf[GC_CASE_WHY_SIZE])
{
    const char *app = application_of(frames);
    const char *may = app ? zmq_msg_gets(&frames->frame[2], "X-May-Send") : NULL;
    if (!app || !may) /* a plain socket, or a connection the ZAP handler gave no scope */
        return 0;
    const char *in = zmq_msg_gets(&frames->frame[2], "X-Areas");
    const char *kind = r->body_case == GRIDCASE__INTAKE_REQUEST__BODY_SUBMIT    ? "submissions"
                       : r->body_case == GRIDCASE__INTAKE_REQUEST__BODY_COMMAND ? "commands"
                                                                                : "diary";
    const char *area = NULL;
    gc_place_t place;
    if (!listed(may, kind)) {
        snprintf(why_buf, GC_CASE_WHY_SIZE, "application %s may not send %s (it may send: %s)",
                 app, strcmp(kind, "commands") == 0 ? "people's commands"
                      : strcmp(kind, "diary") == 0  ? "diary entries"
                                                    : "submissions",
                 may);
        *why = why_buf;
        return GRIDCASE__ERROR_CODE__ERROR_CODE_NOT_PERMITTED;
    }
    if (r->body_case == GRIDCASE__INTAKE_REQUEST__BODY_DIARY)
        area = r->diary->grid;
    else if (r->body_case == GRIDCASE__INTAKE_REQUEST__BODY_SUBMIT && areas) {
        place = gc_case_place(areas, r->submit);
        area = place.error ? NULL : place.area; /* a refusal of its own follows */
    }
    if (area && !within(in, area)) {
        snprintf(why_buf, GC_CASE_WHY_SIZE, "application %s does not speak for area %s", app,
                 area);
        *why = why_buf;
        return GRIDCASE__ERROR_CODE__ERROR_CODE_NOT_PERMITTED;
    }
    return 0;
}
