/* libFuzzer target: gc-open311's parsers (services/open311/open311_parse.c), which see every byte
 * an HTTP client sends, and its XML/JSON writer (open311_write.c), which must turn whatever they
 * accepted into a well-formed document. The first byte picks the parser; the rest is its input.
 * Run: make fuzz FUZZ_SECONDS=60. Seeds: tests/fuzz/corpus/open311. */
#include "open311_parse.h"
#include "open311_write.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What a parser accepted, written both ways: every value must be UTF-8 (jansson refuses
 * anything else, which would be a parser bug), and the XML must hold no raw '<' from a value. */
static void write_back(const open311_params_t *p)
{
    json_t *o = json_object();
    for (size_t i = 0; i < p->count; i++) {
        if (!open311_utf8(p->key[i], strlen(p->key[i]))
            || !open311_utf8(p->value[i], strlen(p->value[i])))
            __builtin_trap();
        json_t *v = json_string(p->value[i]);
        if (!v)
            __builtin_trap();
        json_object_set_new(o, "value", v);
    }
    json_t *doc = json_pack("[o]", o);
    size_t len;
    char *xml = open311_render(doc, OPEN311_XML, "service_requests", "request", &len);
    char *json = open311_render(doc, OPEN311_JSON, "service_requests", "request", &len);
    if (!xml || !json)
        __builtin_trap();
    /* the only '<' are the tags: the declaration, root, item and value ones */
    size_t tags = 0;
    for (const char *c = xml; *c; c++)
        tags += *c == '<';
    if (tags != 1 + 2 + 2 + 2 * (p->count > 0))
        __builtin_trap();
    free(xml), free(json);
    json_decref(doc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > OPEN311_MAX_BODY + 1)
        return 0;
    const char *in = (const char *)data + 1;
    size_t len = size - 1;
    char *text = malloc(len + 1); /* NUL-terminated, for the parsers of strings */
    if (!text)
        return 0;
    memcpy(text, in, len);
    text[len] = '\0';
    open311_params_t p;
    switch (data[0] % 6) {
    case 0:
        if (open311_form_parse(in, len, &p) == OPEN311_PARSE_OK) {
            write_back(&p);
            open311_params_free(&p);
        }
        break;
    case 1:
        if (open311_json_parse(in, len, &p) == OPEN311_PARSE_OK) {
            write_back(&p);
            open311_params_free(&p);
        }
        break;
    case 2: {
        open311_path_t path;
        open311_path(text, &path);
        if (strlen(path.id) > OPEN311_MAX_ID
            || ((path.what == OPEN311_SERVICE || path.what == OPEN311_REQUEST) && !path.id[0]))
            __builtin_trap();
        break;
    }
    case 3: {
        char *buf = malloc(len + 1);
        const char *items[8];
        int n = buf ? open311_list(text, buf, items, 8) : -1;
        for (int i = 0; i < n; i++)
            if (!items[i][0] || strlen(items[i]) > OPEN311_MAX_ID || strchr(items[i], ','))
                __builtin_trap();
        free(buf);
        break;
    }
    case 4:
        (void)open311_datetime(text);
        break;
    default: {
        double v;
        (void)open311_number(text, &v);
    }
    }
    free(text);
    return 0;
}
