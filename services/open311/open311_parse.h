/* open311_parse: what gc-open311 reads from a request, as pure functions of bytes (unit-tested
 * in tests/unit/test_open311_parse.c, fuzzed by tests/fuzz/fuzz_open311.c): the path under the
 * base path with its format suffix, form-encoded and JSON bodies, comma lists and datetimes.
 * Nothing here touches the network or the database. */
#ifndef OPEN311_PARSE_H
#define OPEN311_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#define OPEN311_BASE "/open311/v2/"

/* The largest POST body read; a bigger one is refused with 413 before it is parsed. Intake's
 * own limits (description 4000 bytes, address 500...) fit in it several times over. */
#define OPEN311_MAX_BODY 16384

/* The longest id or service code in a path. */
#define OPEN311_MAX_ID 64

typedef enum { OPEN311_XML, OPEN311_JSON } open311_format_t;

typedef enum {
    OPEN311_NOT_FOUND,  /* nothing of GeoReport v2 there */
    OPEN311_DISCOVERY,  /* discovery.FORMAT */
    OPEN311_SERVICES,   /* services.FORMAT */
    OPEN311_SERVICE,    /* services/CODE.FORMAT */
    OPEN311_REQUESTS,   /* requests.FORMAT */
    OPEN311_REQUEST,    /* requests/ID.FORMAT */
} open311_resource_t;

typedef struct {
    open311_resource_t what;
    open311_format_t format; /* XML when no suffix: the spec's default */
    bool bad_format;         /* a suffix other than .json or .xml (format stays XML) */
    char id[OPEN311_MAX_ID + 1]; /* CODE or ID, for SERVICE and REQUEST */
} open311_path_t;

/* Reads url (the path only, no query) into *out. Always fills it; what is NOT_FOUND when the
 * url is outside OPEN311_BASE, names no resource, or its id is empty, too long or holds a '/'. */
void open311_path(const char *url, open311_path_t *out);

/* A request's parameters: key and value pairs, in order, each NUL-terminated. */
typedef struct {
    char **key, **value;
    size_t count, cap;
} open311_params_t;

typedef enum {
    OPEN311_PARSE_OK,
    OPEN311_PARSE_MALFORMED, /* not form data / not a JSON object of scalars, a bad %-escape,
                                a NUL byte, or text that is not UTF-8 */
    OPEN311_PARSE_NOMEM,
} open311_parse_result_t;

/* application/x-www-form-urlencoded: k=v&k2=v2, '+' as space, %XX escapes. */
open311_parse_result_t open311_form_parse(const char *body, size_t len, open311_params_t *out);

/* application/json: one object whose values are strings, numbers, booleans or null (null is
 * left out; a number keeps its text). Nested objects and arrays are refused, except the key
 * "attribute" (the spec's attribute[] for services with attributes, which ours have none of),
 * which is skipped. */
open311_parse_result_t open311_json_parse(const char *body, size_t len, open311_params_t *out);

/* The first value of key, or NULL. */
const char *open311_param(const open311_params_t *p, const char *key);

/* Adds a pair (copies both). False when out of memory. */
bool open311_param_add(open311_params_t *p, const char *key, size_t klen, const char *value,
                       size_t vlen);

void open311_params_free(open311_params_t *p);

/* True when the len bytes are UTF-8 without NUL. */
bool open311_utf8(const char *s, size_t len);

/* Splits a comma-separated list ("a, b,c") into at most max items of at most OPEN311_MAX_ID
 * bytes, spaces around each item removed. Returns the count, or -1 when an item is empty or too
 * long, or there are more than max. items[i] point into buf (size at least strlen(list) + 1). */
int open311_list(const char *list, char *buf, const char **items, int max);

/* A W3C datetime as the spec's start_date and end_date take it: YYYY-MM-DD, or
 * YYYY-MM-DDThh:mm[:ss[.fraction]] with Z or +hh:mm / -hh:mm or no zone (then the district's);
 * every field within its range. PostgreSQL reads what passes. */
bool open311_datetime(const char *s);

/* A decimal number as lat and long come ("34.75", "-1e-3"), finite, into *out. */
bool open311_number(const char *s, double *out);

#endif
