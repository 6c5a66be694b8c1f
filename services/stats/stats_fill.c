/* stats_fill: proto messages from view rows, by field name. */
#include "stats_fill.h"

#include "stats.pb-c.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *stats_arena_alloc(stats_arena_t *a, size_t size)
{
    if (a->count == a->capacity) {
        size_t cap = a->capacity ? 2 * a->capacity : 32;
        void **grown = realloc(a->items, cap * sizeof *grown);
        if (!grown) {
            a->failed = true;
            return NULL;
        }
        a->items = grown;
        a->capacity = cap;
    }
    void *p = calloc(1, size ? size : 1);
    if (!p) {
        a->failed = true;
        return NULL;
    }
    a->items[a->count++] = p;
    return p;
}

void stats_arena_free(stats_arena_t *a)
{
    for (size_t i = 0; i < a->count; i++)
        free(a->items[i]);
    free(a->items);
    memset(a, 0, sizeof *a);
}

/* The column of prefix + name + suffix, or -1. */
static int column(const PGresult *r, const char *prefix, const char *name, const char *suffix)
{
    char full[160];
    if (snprintf(full, sizeof full, "%s%s%s", prefix, name, suffix) >= (int)sizeof full)
        return -1;
    /* PQfnumber folds unquoted names to lower case; ours are lower case already */
    return PQfnumber(r, full);
}

static uint64_t as_u64(const PGresult *r, int row, int col)
{
    return col < 0 || PQgetisnull(r, row, col) ? 0 : strtoull(PQgetvalue(r, row, col), NULL, 10);
}

static double as_double(const PGresult *r, int row, int col)
{
    return col < 0 || PQgetisnull(r, row, col) ? 0.0 : strtod(PQgetvalue(r, row, col), NULL);
}

/* The enum value whose name, after the type's prefix, is word in upper case: "grid" is
 * LEVEL_GRID. The prefix is the UNSPECIFIED value's name without "UNSPECIFIED". */
static int enum_value(const ProtobufCEnumDescriptor *d, const char *word)
{
    const ProtobufCEnumValue *zero = protobuf_c_enum_descriptor_get_value(d, 0);
    size_t skip = zero && strlen(zero->name) > 11 ? strlen(zero->name) - 11 : 0;
    for (unsigned i = 0; i < d->n_values; i++) {
        const char *name = d->values[i].name;
        if (strlen(name) <= skip || strlen(name + skip) != strlen(word))
            continue;
        size_t k = 0;
        while (word[k] && toupper((unsigned char)word[k]) == name[skip + k])
            k++;
        if (!word[k])
            return d->values[i].value;
    }
    return 0;
}

/* "x_of_y_rate" -> numerator x and denominator y; false for any other name. */
static bool rate_parts(const char *name, char *x, char *y, size_t len)
{
    const char *of = strstr(name, "_of_");
    size_t n = strlen(name);
    if (!of || n < 5 || strcmp(name + n - 5, "_rate") != 0 || (size_t)(of - name) >= len)
        return false;
    snprintf(x, len, "%.*s", (int)(of - name), name);
    size_t ylen = (size_t)(name + n - 5 - (of + 4));
    if (ylen == 0 || ylen >= len)
        return false;
    snprintf(y, len, "%.*s", (int)ylen, of + 4);
    return true;
}

static void fill_rate(ProtobufCMessage **slot, const PGresult *r, int row, const char *prefix,
                      const char *name, stats_arena_t *a)
{
    char x[96], y[96];
    int col = column(r, prefix, name, "");
    if (!rate_parts(name, x, y, sizeof x) || col < 0 || PQgetisnull(r, row, col))
        return; /* no data: the rate is absent */
    Gridcase__Rate *rate = stats_arena_alloc(a, sizeof *rate);
    if (!rate)
        return;
    gridcase__rate__init(rate);
    rate->numerator = as_u64(r, row, column(r, prefix, x, ""));
    rate->denominator = as_u64(r, row, column(r, prefix, y, ""));
    rate->percent = as_double(r, row, col);
    *slot = &rate->base;
}

static void fill_seconds(ProtobufCMessage **slot, const PGresult *r, int row, const char *prefix,
                         const char *name, stats_arena_t *a)
{
    int cases = column(r, prefix, name, "_cases");
    if (cases < 0 || PQgetisnull(r, row, cases))
        return; /* nothing measured */
    Gridcase__Seconds *s = stats_arena_alloc(a, sizeof *s);
    if (!s)
        return;
    gridcase__seconds__init(s);
    s->cases = as_u64(r, row, cases);
    s->mean = as_double(r, row, column(r, prefix, name, "_mean"));
    s->median = as_double(r, row, column(r, prefix, name, "_median"));
    s->p90 = as_double(r, row, column(r, prefix, name, "_p90"));
    *slot = &s->base;
}

/* An array column "{1,2,3}" as a repeated uint64 field. */
static void fill_u64_array(void *member, size_t *count, const PGresult *r, int row, int col,
                           stats_arena_t *a)
{
    if (col < 0 || PQgetisnull(r, row, col))
        return;
    const char *text = PQgetvalue(r, row, col);
    size_t n = 0;
    for (const char *c = text; *c; c++)
        n += *c == ',';
    uint64_t *values = stats_arena_alloc(a, (n + 1) * sizeof *values);
    if (!values)
        return;
    size_t k = 0;
    for (const char *c = text; *c && k <= n;) {
        while (*c && !isdigit((unsigned char)*c))
            c++;
        if (!*c)
            break;
        char *end;
        values[k++] = strtoull(c, &end, 10);
        c = end;
    }
    *(uint64_t **)member = values;
    *count = k;
}

static bool is_rate(const ProtobufCFieldDescriptor *f)
{
    return f->type == PROTOBUF_C_TYPE_MESSAGE && f->descriptor == &gridcase__rate__descriptor;
}

static bool is_seconds(const ProtobufCFieldDescriptor *f)
{
    return f->type == PROTOBUF_C_TYPE_MESSAGE && f->descriptor == &gridcase__seconds__descriptor;
}

void stats_fill(ProtobufCMessage *m, const PGresult *r, int row, const char *prefix,
                stats_arena_t *a)
{
    const ProtobufCMessageDescriptor *d = m->descriptor;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        char *member = (char *)m + f->offset;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            if (f->type == PROTOBUF_C_TYPE_UINT64)
                fill_u64_array(member, (size_t *)((char *)m + f->quantifier_offset), r, row,
                               column(r, prefix, f->name, ""), a);
            continue;
        }
        if (is_rate(f)) {
            fill_rate((ProtobufCMessage **)member, r, row, prefix, f->name, a);
            continue;
        }
        if (is_seconds(f)) {
            fill_seconds((ProtobufCMessage **)member, r, row, prefix, f->name, a);
            continue;
        }
        int col = column(r, prefix, f->name, "");
        if (col < 0)
            continue;
        switch (f->type) {
        case PROTOBUF_C_TYPE_UINT64:
            *(uint64_t *)member = as_u64(r, row, col);
            break;
        case PROTOBUF_C_TYPE_UINT32:
            *(uint32_t *)member = (uint32_t)as_u64(r, row, col);
            break;
        case PROTOBUF_C_TYPE_DOUBLE:
            *(double *)member = as_double(r, row, col);
            break;
        case PROTOBUF_C_TYPE_STRING:
            /* points into r: the snapshot is sent before r is cleared */
            *(const char **)member = PQgetvalue(r, row, col);
            break;
        case PROTOBUF_C_TYPE_ENUM:
            *(int *)member = enum_value(f->descriptor, PQgetvalue(r, row, col));
            break;
        default:
            break;
        }
    }
}

void stats_fill_add(ProtobufCMessage *m, const PGresult *r, int row, const char *prefix)
{
    const ProtobufCMessageDescriptor *d = m->descriptor;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        if (f->label != PROTOBUF_C_LABEL_REPEATED && f->type == PROTOBUF_C_TYPE_UINT64)
            *(uint64_t *)((char *)m + f->offset) += as_u64(r, row, column(r, prefix, f->name, ""));
    }
}

const char *stats_fill_missing(const ProtobufCMessageDescriptor *d, const PGresult *r,
                               const char *prefix)
{
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        bool repeated = f->label == PROTOBUF_C_LABEL_REPEATED;
        if (is_rate(f) && !repeated) {
            char x[96], y[96];
            if (!rate_parts(f->name, x, y, sizeof x) || column(r, prefix, f->name, "") < 0
                || column(r, prefix, x, "") < 0 || column(r, prefix, y, "") < 0)
                return f->name;
        } else if (is_seconds(f) && !repeated) {
            static const char *const parts[] = {"_cases", "_mean", "_median", "_p90"};
            for (int k = 0; k < 4; k++)
                if (column(r, prefix, f->name, parts[k]) < 0)
                    return f->name;
        } else if (f->type != PROTOBUF_C_TYPE_MESSAGE && f->type != PROTOBUF_C_TYPE_BYTES
                   && column(r, prefix, f->name, "") < 0) {
            return f->name;
        }
    }
    return NULL;
}
