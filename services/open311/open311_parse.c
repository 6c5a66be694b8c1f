/* open311_parse: paths, bodies, lists and datetimes of GeoReport v2 requests. */
#include "open311_parse.h"

#include <ctype.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void open311_path(const char *url, open311_path_t *out)
{
    memset(out, 0, sizeof *out);
    out->what = OPEN311_NOT_FOUND;
    size_t base = strlen(OPEN311_BASE);
    if (strncmp(url, OPEN311_BASE, base) != 0)
        return;
    const char *rest = url + base;
    const char *slash = strchr(rest, '/');
    const char *last = slash ? slash + 1 : rest; /* the segment that may carry the suffix */
    size_t len = strlen(last);
    const char *dot = memchr(last, '.', len) ? strrchr(last, '.') : NULL;
    size_t stem = dot ? (size_t)(dot - last) : len;
    if (dot) {
        if (strcmp(dot, ".json") == 0)
            out->format = OPEN311_JSON;
        else if (strcmp(dot, ".xml") != 0)
            out->bad_format = true;
    }
    if (!slash) {
        static const struct {
            const char *name;
            open311_resource_t what;
        } top[] = {{"discovery", OPEN311_DISCOVERY},
                   {"services", OPEN311_SERVICES},
                   {"requests", OPEN311_REQUESTS}};
        for (size_t i = 0; i < sizeof top / sizeof top[0]; i++)
            if (stem == strlen(top[i].name) && strncmp(last, top[i].name, stem) == 0)
                out->what = top[i].what;
        return;
    }
    size_t head = (size_t)(slash - rest);
    if (stem == 0 || stem > OPEN311_MAX_ID || strchr(last, '/'))
        return;
    if (head == 8 && strncmp(rest, "services", 8) == 0)
        out->what = OPEN311_SERVICE;
    else if (head == 8 && strncmp(rest, "requests", 8) == 0)
        out->what = OPEN311_REQUEST;
    else
        return;
    memcpy(out->id, last, stem);
    out->id[stem] = '\0';
}

bool open311_utf8(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    while (p < end) {
        unsigned c = *p;
        size_t n;
        unsigned min;
        if (c == 0)
            return false;
        if (c < 0x80) {
            p++;
            continue;
        }
        if ((c & 0xE0) == 0xC0)
            n = 1, min = 0x80, c &= 0x1F;
        else if ((c & 0xF0) == 0xE0)
            n = 2, min = 0x800, c &= 0x0F;
        else if ((c & 0xF8) == 0xF0)
            n = 3, min = 0x10000, c &= 0x07;
        else
            return false;
        if ((size_t)(end - p) <= n)
            return false;
        for (size_t i = 1; i <= n; i++) {
            if ((p[i] & 0xC0) != 0x80)
                return false;
            c = (c << 6) | (p[i] & 0x3F);
        }
        if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
            return false;
        p += n + 1;
    }
    return true;
}

bool open311_param_add(open311_params_t *p, const char *key, size_t klen, const char *value,
                       size_t vlen)
{
    if (p->count == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 16;
        char **k = realloc(p->key, cap * sizeof *k);
        if (!k)
            return false;
        p->key = k;
        char **v = realloc(p->value, cap * sizeof *v);
        if (!v)
            return false;
        p->value = v;
        p->cap = cap;
    }
    char *k = strndup(key, klen), *v = strndup(value, vlen);
    if (!k || !v) {
        free(k), free(v);
        return false;
    }
    p->key[p->count] = k;
    p->value[p->count] = v;
    p->count++;
    return true;
}

const char *open311_param(const open311_params_t *p, const char *key)
{
    for (size_t i = 0; i < p->count; i++)
        if (strcmp(p->key[i], key) == 0)
            return p->value[i];
    return NULL;
}

void open311_params_free(open311_params_t *p)
{
    for (size_t i = 0; i < p->count; i++)
        free(p->key[i]), free(p->value[i]);
    free(p->key), free(p->value);
    memset(p, 0, sizeof *p);
}

static int hex(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes one form field into out (at least len + 1 bytes); its length, or -1 on a bad
 * escape. */
static long form_decode(const char *s, size_t len, char *out)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '+')
            out[n++] = ' ';
        else if (s[i] == '%') {
            if (i + 2 >= len)
                return -1;
            int hi = hex(s[i + 1]), lo = hex(s[i + 2]);
            if (hi < 0 || lo < 0)
                return -1;
            out[n++] = (char)(hi * 16 + lo);
            i += 2;
        } else
            out[n++] = s[i];
    }
    out[n] = '\0';
    return (long)n;
}

open311_parse_result_t open311_form_parse(const char *body, size_t len, open311_params_t *out)
{
    memset(out, 0, sizeof *out);
    char *key = malloc(len + 1), *value = malloc(len + 1);
    open311_parse_result_t result = OPEN311_PARSE_OK;
    if (!key || !value)
        result = OPEN311_PARSE_NOMEM;
    for (size_t at = 0; result == OPEN311_PARSE_OK && at < len;) {
        const char *field = body + at;
        const char *amp = memchr(field, '&', len - at);
        size_t flen = amp ? (size_t)(amp - field) : len - at;
        at += flen + 1;
        if (flen == 0)
            continue; /* "a=1&&b=2" and a trailing '&' are harmless */
        const char *eq = memchr(field, '=', flen);
        size_t klen = eq ? (size_t)(eq - field) : flen;
        long kn = form_decode(field, klen, key);
        long vn = eq ? form_decode(eq + 1, flen - klen - 1, value) : 0;
        if (!eq)
            value[0] = '\0';
        if (kn <= 0 || vn < 0 || !open311_utf8(key, (size_t)kn)
            || !open311_utf8(value, (size_t)vn))
            result = OPEN311_PARSE_MALFORMED;
        else if (!open311_param_add(out, key, (size_t)kn, value, (size_t)vn))
            result = OPEN311_PARSE_NOMEM;
    }
    free(key), free(value);
    if (result != OPEN311_PARSE_OK)
        open311_params_free(out);
    return result;
}

open311_parse_result_t open311_json_parse(const char *body, size_t len, open311_params_t *out)
{
    memset(out, 0, sizeof *out);
    json_error_t err;
    /* REJECT_DUPLICATES: two different descriptions in one body is a client's bug, not a choice
     * for us to make; jansson refuses NUL in strings unless asked, and invalid UTF-8 always */
    json_t *doc = json_loadb(body, len, JSON_REJECT_DUPLICATES, &err);
    if (!doc)
        return OPEN311_PARSE_MALFORMED;
    open311_parse_result_t result = json_is_object(doc) ? OPEN311_PARSE_OK
                                                        : OPEN311_PARSE_MALFORMED;
    const char *key;
    json_t *v;
    json_object_foreach(doc, key, v)
    {
        if (result != OPEN311_PARSE_OK)
            break;
        char number[64];
        const char *text = NULL;
        size_t tlen = 0;
        if (json_is_string(v))
            text = json_string_value(v), tlen = json_string_length(v);
        else if (json_is_integer(v))
            tlen = (size_t)snprintf(number, sizeof number, "%" JSON_INTEGER_FORMAT,
                                    json_integer_value(v)),
            text = number;
        else if (json_is_real(v))
            tlen = (size_t)snprintf(number, sizeof number, "%.17g", json_real_value(v)),
            text = number;
        else if (json_is_boolean(v))
            text = json_is_true(v) ? "true" : "false", tlen = strlen(text);
        else if (json_is_null(v) || strcmp(key, "attribute") == 0)
            continue;
        else {
            result = OPEN311_PARSE_MALFORMED;
            break;
        }
        if (!open311_utf8(key, strlen(key)) || !open311_utf8(text, tlen))
            result = OPEN311_PARSE_MALFORMED;
        else if (!open311_param_add(out, key, strlen(key), text, tlen))
            result = OPEN311_PARSE_NOMEM;
    }
    json_decref(doc);
    if (result != OPEN311_PARSE_OK)
        open311_params_free(out);
    return result;
}

int open311_list(const char *list, char *buf, const char **items, int max)
{
    int n = 0;
    strcpy(buf, list);
    for (char *p = buf;;) {
        char *comma = strchr(p, ',');
        if (comma)
            *comma = '\0';
        while (*p == ' ')
            p++;
        size_t len = strlen(p);
        while (len > 0 && p[len - 1] == ' ')
            p[--len] = '\0';
        if (len == 0 || len > OPEN311_MAX_ID || n == max)
            return -1;
        items[n++] = p;
        if (!comma)
            return n;
        p = comma + 1;
    }
}

/* Reads exactly `digits` digits at *s into *v, advancing. */
static bool digits(const char **s, int count, int *v)
{
    *v = 0;
    for (int i = 0; i < count; i++, (*s)++) {
        if (**s < '0' || **s > '9')
            return false;
        *v = *v * 10 + (**s - '0');
    }
    return true;
}

bool open311_datetime(const char *s)
{
    int y, mo, d, h, mi, sec = 0;
    static const int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (!digits(&s, 4, &y) || *s++ != '-' || !digits(&s, 2, &mo) || *s++ != '-'
        || !digits(&s, 2, &d))
        return false;
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > days[mo - 1]
        || (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))))
        return false;
    if (!*s)
        return true;
    if (*s++ != 'T' || !digits(&s, 2, &h) || *s++ != ':' || !digits(&s, 2, &mi) || h > 23
        || mi > 59)
        return false;
    if (*s == ':') {
        s++;
        if (!digits(&s, 2, &sec) || sec > 59)
            return false;
        if (*s == '.') {
            s++;
            int frac = 0;
            while (*s >= '0' && *s <= '9' && frac < 9)
                s++, frac++;
            if (frac == 0 || (*s >= '0' && *s <= '9'))
                return false;
        }
    }
    if (!*s)
        return true;
    if (*s == 'Z')
        return s[1] == '\0';
    if (*s != '+' && *s != '-')
        return false;
    s++;
    int oh, om;
    return digits(&s, 2, &oh) && *s++ == ':' && digits(&s, 2, &om) && !*s && oh <= 14
           && om <= 59;
}

bool open311_number(const char *s, double *out)
{
    if (!*s || isspace((unsigned char)*s) || strlen(s) > 40)
        return false;
    for (const char *c = s; *c; c++)
        if (!strchr("0123456789+-.eE", *c))
            return false; /* strtod would take "nan", "inf" and hex */
    char *end;
    double v = strtod(s, &end);
    if (*end || !isfinite(v))
        return false;
    *out = v;
    return true;
}
