/* gc_text: a strict UTF-8 validator (RFC 3629). */
#include "gc_text.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* The offset of the first byte that is not well-formed UTF-8 or starts a control character, or
 * n when there is none. *control receives the control character's code point, or -1 when the
 * problem is ill-formed UTF-8. */
static size_t first_problem(const unsigned char *p, size_t n, long *control)
{
    size_t i = 0;
    *control = -1;
    while (i < n) {
        unsigned c = p[i];
        if (c < 0x80) {
            if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f) {
                *control = (long)c;
                return i;
            }
            i++;
            continue;
        }
        int len;
        unsigned cp;
        if (c >= 0xc2 && c <= 0xdf) {
            len = 2;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            len = 3;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            len = 4;
            cp = c & 0x07;
        } else {
            return i;
        }
        if (i + (size_t)len > n)
            return i;
        for (int k = 1; k < len; k++) {
            if ((p[i + k] & 0xc0) != 0x80)
                return i;
            cp = (cp << 6) | (p[i + k] & 0x3f);
        }
        if (len == 2 && cp <= 0x9f) { /* C1 controls, e.g. NEL and CSI (terminal escapes) */
            *control = (long)cp;
            return i;
        }
        if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff)))
            || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
            return i;
        i += (size_t)len;
    }
    return n;
}

static bool valid_utf8(const unsigned char *p, size_t n)
{
    long control;
    return first_problem(p, n, &control) == n;
}

bool gc_text_valid(const char *s, size_t max_bytes)
{
    if (!s)
        return true;
    size_t n = max_bytes == SIZE_MAX ? strlen(s) : strnlen(s, max_bytes + 1);
    return n <= max_bytes && valid_utf8((const unsigned char *)s, n);
}

bool gc_text_present(const char *s, size_t max_bytes)
{
    return s && *s && gc_text_valid(s, max_bytes);
}

bool gc_text_explain(const char *s, size_t max_bytes, char *buf, size_t len)
{
    if (!s)
        return false;
    size_t n = max_bytes == SIZE_MAX ? strlen(s) : strnlen(s, max_bytes + 1);
    if (n > max_bytes) {
        snprintf(buf, len, "is longer than %zu bytes", max_bytes);
        return true;
    }
    long control;
    size_t at = first_problem((const unsigned char *)s, n, &control);
    if (at == n)
        return false;
    if (control >= 0)
        snprintf(buf, len, "contains control character U+%04lX at byte %zu", (unsigned long)control,
                 at);
    else
        snprintf(buf, len, "is not valid UTF-8 at byte %zu", at);
    return true;
}
