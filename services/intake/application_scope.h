/* application_scope: what a CurveZMQ client application may send on the intake socket
 * (submissions, people's commands, diary entries) and for which areas, as the ZAP handler
 * registered them on its connection (socket_clients.may_send, areas). On a plain socket nobody
 * is authenticated and there is nothing to check. */
#ifndef APPLICATION_SCOPE_H
#define APPLICATION_SCOPE_H

#include "gc_case_check.h"
#include "gc_geo.h"
#include "gc_msg.h"
#include "intake.pb-c.h"

/* The sending application's name (the key's User-Id), or NULL on a plain socket. */
const char *application_of(gc_frames_t *frames);

/* 0 when the application may send r, else ERROR_CODE_NOT_PERMITTED with why. A submission's
 * area is where gc_case_place puts it (areas NULL: not checked, the database is down and the
 * request will not be stored); a command's areas are checked with the rules, in the database. */
int application_scope_check(gc_frames_t *frames, const Gridcase__IntakeRequest *r,
                            const gc_area_index_t *areas, const char **why,
                            char why_buf[GC_CASE_WHY_SIZE]);

#endif
