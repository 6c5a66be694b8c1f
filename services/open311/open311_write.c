/* open311_write: one document model, two encodings. */
#include "open311_write.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *open311_content_type(open311_format_t format)
{
    return format == OPEN311_JSON ? "application/json; charset=utf-8"
                                  : "text/xml; charset=utf-8";
}

static void xml_text(FILE *f, const char *s)
{
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        switch (*c) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&apos;", f); break;
        default:
            if (*c >= 0x20 || *c == '\t' || *c == '\n')
                fputc(*c, f);
            else if (*c == '\r')
                fputs("&#13;", f);
        }
    }
}

static void xml_value(FILE *f, const char *name, const json_t *v);

/* The fields of an object, each as <key>value</key>. */
static void xml_fields(FILE *f, const json_t *o)
{
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)o, key, v)
        xml_value(f, key, v);
}

static void xml_value(FILE *f, const char *name, const json_t *v)
{
    if (json_is_null(v)) {
        fprintf(f, "<%s/>", name);
        return;
    }
    fprintf(f, "<%s>", name);
    if (json_is_string(v))
        xml_text(f, json_string_value(v));
    else if (json_is_integer(v))
        fprintf(f, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    else if (json_is_real(v))
        fprintf(f, "%.7f", json_real_value(v));
    else if (json_is_boolean(v))
        fputs(json_is_true(v) ? "true" : "false", f);
    else if (json_is_object(v))
        xml_fields(f, v);
    else if (json_is_array(v)) {
        /* endpoints -> endpoint, formats -> format, attributes -> attribute */
        char singular[64];
        size_t n = strlen(name);
        snprintf(singular, sizeof singular, "%.*s", (int)(n > 1 && name[n - 1] == 's' ? n - 1 : n),
                 name);
        size_t i;
        const json_t *e;
        json_array_foreach((json_t *)v, i, e)
            xml_value(f, singular, e);
    }
    fprintf(f, "</%s>", name);
}

char *open311_render(const json_t *doc, open311_format_t format, const char *root,
                     const char *item, size_t *len)
{
    if (format == OPEN311_JSON) {
        char *text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
        if (text)
            *len = strlen(text);
        return text;
    }
    char *text = NULL;
    FILE *f = open_memstream(&text, len);
    if (!f)
        return NULL;
    fputs("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n", f);
    fprintf(f, "<%s>", root);
    if (json_is_array(doc)) {
        size_t i;
        const json_t *e;
        json_array_foreach((json_t *)doc, i, e)
            xml_value(f, item, e);
    } else
        xml_fields(f, doc);
    fprintf(f, "</%s>\n", root);
    if (fclose(f) != 0) {
        free(text);
        return NULL;
    }
    return text;
}

char *open311_render_error(open311_format_t format, int code, const char *description,
                           size_t *len)
{
    json_t *doc = json_pack("[{s:i, s:s}]", "code", code, "description", description);
    char *text = doc ? open311_render(doc, format, "errors", "error", len) : NULL;
    json_decref(doc);
    return text;
}
