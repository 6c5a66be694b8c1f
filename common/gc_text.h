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

#endif
