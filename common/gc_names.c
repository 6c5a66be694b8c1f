/* gc_names: tables indexed by the proto enum value. Index 0 is the UNSPECIFIED value. */
#include "gc_names.h"

#include <string.h>

static const char *const levels[] = {NULL, "grid", "community", "street", "district"};
static const char *const statuses[] = {NULL,       "submitted", "routed", "triage",   "accepted",
                                       "in_progress", "resolved", "closed", "grid_task"};
static const char *const sources[] = {NULL, "resident", "grid_worker", "volunteer",
                                      "department", "hotline"};
static const char *const event_kinds[] = {
    NULL, "submitted", "routed", "triaged", "accepted", "progress", "resolved", "returned",
    "noted", "resolved_on_spot", "verified", "reopened", "escalation_requested", "escalated",
    "recategorized", "supervised", "meeting_decided", "joint_assigned", "extension_requested",
    "extension_granted", "extension_refused"};
static const char *const delivery_reasons[] = {NULL, "new", "reopened", "escalated", "withdrawn",
                                                 "joint_meeting"};

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const char *name_of(const char *const *table, int n, int value)
{
    return value > 0 && value < n ? table[value] : NULL;
}

static int value_of(const char *const *table, int n, const char *name)
{
    for (int i = 1; name && i < n; i++)
        if (strcmp(table[i], name) == 0)
            return i;
    return 0;
}

#define GC_NAMES_DEFINE(noun, table)                                                      \
    const char *gc_##noun##_name(int v) { return name_of(table, COUNT(table), v); }      \
    int gc_##noun##_value(const char *name) { return value_of(table, COUNT(table), name); }

GC_NAMES_DEFINE(level, levels)
GC_NAMES_DEFINE(status, statuses)
GC_NAMES_DEFINE(source, sources)
GC_NAMES_DEFINE(event_kind, event_kinds)
GC_NAMES_DEFINE(delivery_reason, delivery_reasons)
