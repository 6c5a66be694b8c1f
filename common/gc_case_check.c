/* gc_case_check: each field against its bound (gc_text_valid: well-formed UTF-8, no control
 * characters but newline and tab, within GC_CASE_MAX_*), then what the fields must say
 * together. One pass over each field, which also finds where a refused one goes wrong; no
 * allocation. */
#include "gc_case_check.h"

#include "gc_names.h"
#include "gc_text.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Digits, '+', '-' and spaces: what a phone number is written with. */
static bool valid_phone(const char *s)
{
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || *s == '+' || *s == '-' || *s == ' '))
            return false;
    return true;
}

bool gc_case_check_text(const char *name, const char *value, size_t max, bool required,
                        const char *hint, const char **why, char why_buf[GC_CASE_WHY_SIZE])
{
    char what[96];
    if (gc_text_explain(value, max, what, sizeof what)) {
        /* a control character is the one problem a person may not see in what they typed */
        snprintf(why_buf, GC_CASE_WHY_SIZE, "%s %s%s", name, what,
                 strncmp(what, "contains", 8) == 0
                     ? " (newline and tab are the only control characters allowed)"
                     : "");
        *why = why_buf;
        return false;
    }
    if (required && !(value && *value)) {
        snprintf(why_buf, GC_CASE_WHY_SIZE, "%s is required%s%s", name, hint ? " " : "",
                 hint ? hint : "");
        *why = why_buf;
        return false;
    }
    return true;
}

int gc_case_check_submit(const Gridcase__SubmitCase *s, const char **why,
                         char why_buf[GC_CASE_WHY_SIZE])
{
    const int bad = GRIDCASE__ERROR_CODE__ERROR_CODE_INVALID_ARGUMENT;
    struct {
        const char *name, *value;
        size_t max;
        bool required;
        const char *hint; /* when required and empty */
    } fields[] = {
        {"idempotency_key", s->idempotency_key, GC_CASE_MAX_KEY, true, "(1-128 bytes UTF-8)"},
        {"category", s->category, GC_CASE_MAX_CODE, true, "(a category code)"},
        {"grid", s->grid, GC_CASE_MAX_CODE, false, NULL},
        {"street", s->street, GC_CASE_MAX_CODE, false, NULL},
        {"description", s->description, GC_CASE_MAX_TEXT, s->from_diary_entry == 0,
         "(at most 4000 bytes UTF-8)"},
        {"address", s->address, GC_CASE_MAX_ADDRESS, false, NULL},
        {"reporter_name", s->reporter_name, GC_CASE_MAX_NAME, false, NULL},
        {"reporter_phone", s->reporter_phone, GC_CASE_MAX_PHONE, false, NULL},
        {"person", s->person, GC_CASE_MAX_CODE, false, NULL},
    };
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if (!gc_case_check_text(fields[i].name, fields[i].value, fields[i].max,
                                fields[i].required, fields[i].hint, why, why_buf))
            return bad;
    if (s->reporter_phone && !valid_phone(s->reporter_phone)) {
        *why = "reporter_phone may hold only digits, '+', '-' and spaces";
        return bad;
    }
    if (s->location && (!isfinite(s->location->lon) || !isfinite(s->location->lat)
                        || fabs(s->location->lon) > 180 || fabs(s->location->lat) > 90)) {
        *why = "location must be WGS84 degrees: lon in [-180, 180], lat in [-90, 90]";
        return bad;
    }
    if (!gc_source_name(s->source)) {
        *why = s->source ? "unknown source"
                         : "source is required: resident, grid_worker, volunteer, department or "
                           "hotline";
        return bad;
    }
    if (s->from_diary_entry > (uint64_t)INT64_MAX) { /* past the database's numbers */
        *why = "from_diary_entry is not a diary entry number";
        return bad;
    }
    if (!(s->grid && *s->grid) && !s->location && !(s->street && *s->street)
        && !s->from_diary_entry) {
        *why = "say where: a grid, a location, or the street (with an address)";
        return bad;
    }
    return 0;
}

/* YYYY-MM-DD with digits where digits go, a day that month has, years 2000 to 2200. */
static bool valid_date(const char *s)
{
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return false;
    int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return y >= 2000 && y <= 2200 && m >= 1 && m <= 12 && d >= 1
           && d <= days[m - 1] + (m == 2 && leap);
}

int gc_case_check_diary(const Gridcase__DiaryEntry *d, const char **why,
                        char why_buf[GC_CASE_WHY_SIZE])
{
    const int bad = GRIDCASE__ERROR_CODE__ERROR_CODE_INVALID_ARGUMENT;
    if (!gc_case_check_text("grid", d->grid, GC_CASE_MAX_CODE, true, NULL, why, why_buf)
        || !gc_case_check_text("note", d->note, GC_CASE_MAX_TEXT, true,
                               "(at most 4000 bytes UTF-8)", why, why_buf)
        || !gc_case_check_text("author", d->author, GC_CASE_MAX_NAME, false, NULL, why, why_buf))
        return bad;
    if (!valid_date(d->visited_on))
        *why = "visited_on must be a date, YYYY-MM-DD";
    else
        return 0;
    return bad;
}
