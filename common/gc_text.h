/* gc_text: checks on text that arrives from outside (protobuf-c does not validate UTF-8). */
#ifndef GC_TEXT_H
#define GC_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* True when s is well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF),
 * holds no control characters (C0, DEL, C1) other than \n and \t, and is at most max_bytes
 * long (SIZE_MAX: no limit). */
bool gc_text_valid(const char *s, size_t max_bytes);

/* True when s is non-empty and valid as above. */
bool gc_text_present(const char *s, size_t max_bytes);

/* What is wrong with s, as the rest of a sentence that starts with the field's name: "is longer
 * than 4000 bytes", "is not valid UTF-8 at byte 12", "contains control character U+0007 at
 * byte 3" (bytes counted from 0; the first problem only). Writes it into buf (len bytes) and
 * returns true, or returns false and writes nothing when s is valid (NULL and "" are). */
bool gc_text_explain(const char *s, size_t max_bytes, char *buf, size_t len);

#endif
