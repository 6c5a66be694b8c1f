/* gc_json: any protobuf-c message of the streams as JSON (jansson), for gridctl's --json and
 * gc-board's feed: field names as in the .proto, enums as lower-case words, unset message fields
 * as null. One mapping, so every JSON consumer of the streams sees the same document. */
#ifndef GC_JSON_H
#define GC_JSON_H

#include <jansson.h>
#include <protobuf-c/protobuf-c.h>

/* A new JSON object for m (never NULL unless out of memory). Enum values are the word after
 * their type's prefix: LEVEL_GRID -> "grid", STATS_WINDOW_TODAY -> "today"; 64-bit integers are
 * JSON integers (exact in C, beyond 2^53 not in JavaScript: no figure gets near it). */
json_t *gc_json_message(const ProtobufCMessage *m);

#endif
