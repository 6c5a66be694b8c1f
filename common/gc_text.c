/* gc_text: a strict UTF-8 validator (RFC 3629). */
#include "gc_text.h"

#include <stdint.h>
#include <string.h>

static bool valid_utf8(const unsigned char *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = p[i];
        if (c < 0x80) {
            if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
                return false;
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
            return false;
        }
        if (i + (size_t)len > n)
            return false;
        for (int k = 1; k < len; k++) {
            if ((p[i + k] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (p[i + k] & 0x3f);
        }
        if ((len == 2 && cp <= 0x9f) /* C1 controls, e.g. NEL and CSI (terminal escapes) */
            || (len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff)))
            || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
            return false;
        i += (size_t)len;
    }
    return true;
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
