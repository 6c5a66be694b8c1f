/* gc_case_check: each field against its bound (gc_text_valid: well-formed UTF-8, no control
 * characters but newline and tab, within GC_CASE_MAX_*), then what the fields must say
 * together. One pass over each field; no allocation. */
#include "gc_case_check.h"

#include "gc_names.h"
#include "gc_text.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
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

int gc_case_check_submit(const Gridcase__SubmitCase *s, const char **why)
{
    const int bad = GRIDCASE__ERROR_CODE__ERROR_CODE_INVALID_ARGUMENT;
    struct {
        const char *value;
        size_t max;
        bool required;
        const char *why;
    } fields[] = {
        {s->idempotency_key, GC_CASE_MAX_KEY, true, "idempotency_key is required (1-128 bytes UTF-8)"},
        {s->category, GC_CASE_MAX_CODE, true, "category is required (a category code)"},
        {s->grid, GC_CASE_MAX_CODE, false, "grid is at most 64 bytes UTF-8"},
        {s->street, GC_CASE_MAX_CODE, false, "street is at most 64 bytes UTF-8"},
        {s->description, GC_CASE_MAX_TEXT, s->from_diary_entry == 0,
         "description is required (at most 4000 bytes UTF-8)"},
        {s->address, GC_CASE_MAX_ADDRESS, false, "address is at most 500 bytes UTF-8"},
        {s->reporter_name, GC_CASE_MAX_NAME, false, "reporter_name is at most 100 bytes UTF-8"},
        {s->reporter_phone, GC_CASE_MAX_PHONE, false, "reporter_phone is at most 32 bytes"},
    };
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        bool ok = fields[i].required ? gc_text_present(fields[i].value, fields[i].max)
                                     : gc_text_valid(fields[i].value, fields[i].max);
        if (!ok) {
            *why = fields[i].why;
            return bad;
        }
    }
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

int gc_case_check_diary(const Gridcase__DiaryEntry *d, const char **why)
{
    const int bad = GRIDCASE__ERROR_CODE__ERROR_CODE_INVALID_ARGUMENT;
    if (!gc_text_present(d->grid, GC_CASE_MAX_CODE))
        *why = "grid is required";
    else if (!gc_text_present(d->note, GC_CASE_MAX_TEXT))
        *why = "note is required (at most 4000 bytes UTF-8)";
    else if (!gc_text_valid(d->author, GC_CASE_MAX_NAME))
        *why = "author is at most 100 bytes UTF-8";
    else if (!valid_date(d->visited_on))
        *why = "visited_on must be a date, YYYY-MM-DD";
    else
        return 0;
    return bad;
}
