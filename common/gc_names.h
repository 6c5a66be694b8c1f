/* gc_names: the words the database uses for the protocol enums, and back.
 * The database stores readable text ('routed', 'community'); the wire carries enum numbers. */
#ifndef GC_NAMES_H
#define GC_NAMES_H

/* Each *_name returns NULL for a value outside the enum; each *_value returns 0 (the
 * UNSPECIFIED value) for an unknown name. */
const char *gc_level_name(int level);
int gc_level_value(const char *name);
const char *gc_status_name(int status);
int gc_status_value(const char *name);
const char *gc_source_name(int source);
int gc_source_value(const char *name);
const char *gc_event_kind_name(int kind);
int gc_event_kind_value(const char *name);
const char *gc_delivery_reason_name(int reason);
int gc_delivery_reason_value(const char *name);

#endif
