/* open311_http: routing, the GET methods' queries, POST requests through intake, errors. */
#include "open311_http.h"

#include "open311_parse.h"
#include "open311_write.h"

#include "gc_daemon.h"
#include "gc_http.h"
#include "gc_log.h"
#include "gc_pg.h"
#include "gc_pg_array.h"
#include "gc_text.h"

#include <microhttpd.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How long a POST waits for intake's answer before resending (once) on a fresh socket. Intake
 * answers after its commit, usually in milliseconds; a busy database may take a second. */
#define INTAKE_TIMEOUT_MS 4000

/* GeoReport v2's limits on GET requests are in the query: the most recent 90 days unless asked,
 * at most 1000 requests. Lists (service_request_id, service_code) take at most LIST_MAX items. */
#define LIST_MAX 200
/* email, device_id, account_id, media_url: checked and dropped (intake has no place for them) */
#define UNKEPT_MAX_BYTES 1000

struct open311_http {
    struct MHD_Daemon *daemon;
    open311_store_t *store;
    atomic_ulong by_class[6]; /* answers by status class: [2] 2xx ... [5] 5xx */
    atomic_ulong posted, already_known;
};

/* A POST's body as it arrives. */
typedef struct {
    char *body;
    size_t len;
    bool too_big;
} upload_t;

static enum MHD_Result send_text(open311_http_t *self, struct MHD_Connection *c, unsigned status,
                                 const char *type, char *text, size_t len)
{
    atomic_fetch_add(&self->by_class[status / 100 < 6 ? status / 100 : 5], 1);
    struct MHD_Response *r = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(text);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", type);
    MHD_add_response_header(r, "Cache-Control", "no-store");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    /* a resident's web app on another origin reads the public GET methods */
    MHD_add_response_header(r, "Access-Control-Allow-Origin", "*");
    enum MHD_Result ok = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ok;
}

static enum MHD_Result send_error(open311_http_t *self, struct MHD_Connection *c,
                                  open311_format_t format, unsigned status,
                                  const char *description)
{
    size_t len = 0;
    char *text = open311_render_error(format, (int)status, description, &len);
    if (!text)
        return MHD_NO;
    return send_text(self, c, status, open311_content_type(format), text, len);
}

static enum MHD_Result send_doc(open311_http_t *self, struct MHD_Connection *c,
                                open311_format_t format, json_t *doc, const char *root,
                                const char *item)
{
    size_t len = 0;
    char *text = doc ? open311_render(doc, format, root, item, &len) : NULL;
    json_decref(doc);
    if (!text)
        return send_error(self, c, format, 500, "out of memory");
    return send_text(self, c, 200, open311_content_type(format), text, len);
}

static const char *query_arg(struct MHD_Connection *c, const char *name)
{
    return MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, name);
}

/* A text column, or JSON null for NULL (and for "" when empty_is_null). */
static json_t *column(const PGresult *res, int r, int col, bool empty_is_null)
{
    if (PQgetisnull(res, r, col) || (empty_is_null && !*PQgetvalue(res, r, col)))
        return json_null();
    return json_string(PQgetvalue(res, r, col));
}

static json_t *number_column(const PGresult *res, int r, int col)
{
    if (PQgetisnull(res, r, col))
        return json_null();
    return json_real(strtod(PQgetvalue(res, r, col), NULL));
}

/* ---- GET discovery ------------------------------------------------------------------------- */

static enum MHD_Result get_discovery(open311_http_t *self, struct MHD_Connection *c,
                                     open311_format_t format, const char *district,
                                     const char *district_name)
{
    const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
    char url[512], contact[512];
    snprintf(url, sizeof url, "http://%s%.*s", host && strlen(host) < 256 ? host : "localhost",
             (int)strlen(OPEN311_BASE) - 1, OPEN311_BASE);
    snprintf(contact, sizeof contact, "%s 网格化管理中心 (jurisdiction_id %s)", district_name,
             district);
    json_t *formats = json_pack("[s, s]", "text/xml", "application/json");
    json_t *endpoint = json_pack("{s:s, s:s, s:s, s:s, s:o}", "specification",
                                 "http://wiki.open311.org/GeoReport_v2", "url", url, "changeset",
                                 "2026-12-01T00:00:00+08:00", "type", "production", "formats",
                                 formats);
    json_t *doc = json_pack("{s:s, s:s, s:s, s:[o]}", "changeset", "2026-12-01T00:00:00+08:00",
                            "contact", contact, "key_service",
                            "api_key: ask the district's operator (gridctl apikey add NAME)",
                            "endpoints", endpoint);
    return send_doc(self, c, format, doc, "discovery", "endpoint");
}

/* ---- GET services, services/CODE ----------------------------------------------------------- */

/* Our categories as services: the name in Chinese, the urgency as the group (紧急 high, 一般
 * normal, 缓办 low) and in the keywords with the code. No category has extra attributes:
 * metadata is false, and a definition lists none. */
static json_t *service_json(const PGresult *res, int r)
{
    const char *urgency = PQgetvalue(res, r, 2);
    const char *group = strcmp(urgency, "high") == 0  ? "紧急"
                        : strcmp(urgency, "low") == 0 ? "缓办"
                                                      : "一般";
    char keywords[256];
    snprintf(keywords, sizeof keywords, "%s, %s", PQgetvalue(res, r, 0), urgency);
    return json_pack("{s:s, s:s, s:s, s:b, s:s, s:s, s:s}", "service_code",
                     PQgetvalue(res, r, 0), "service_name", PQgetvalue(res, r, 1), "description",
                     PQgetvalue(res, r, 1), "metadata", 0, "type", "realtime", "keywords",
                     keywords, "group", group);
}

static enum MHD_Result get_services(open311_http_t *self, struct MHD_Connection *c,
                                    open311_lane_t *lane, open311_format_t format,
                                    const char *code)
{
    PGconn *db = open311_lane_db(lane);
    if (!db)
        return send_error(self, c, format, 503, "the database is unreachable; try again");
    const char *params[] = {code};
    PGresult *res = gc_pg_query(db, "open311 services",
                                code ? "SELECT code, name, urgency FROM categories "
                                       "WHERE code = $1"
                                     : "SELECT code, name, urgency FROM categories ORDER BY code",
                                code ? 1 : 0, code ? params : NULL);
    if (!gc_pg_ok(res)) {
        PQclear(res);
        open311_lane_check(lane);
        return send_error(self, c, format, 503, "the database is unreachable; try again");
    }
    json_t *doc;
    if (code && PQntuples(res) == 0) {
        PQclear(res);
        return send_error(self, c, format, 404, "service_code: no such service");
    }
    if (code)
        doc = json_pack("{s:s, s:[]}", "service_code", PQgetvalue(res, 0, 0), "attributes");
    else {
        doc = json_array();
        for (int r = 0; r < PQntuples(res); r++)
            json_array_append_new(doc, service_json(res, r));
    }
    PQclear(res);
    return send_doc(self, c, format, doc, code ? "service_definition" : "services", "service");
}

/* ---- GET requests, requests/ID ------------------------------------------------------------- */

#define REQUEST_COLUMNS                                                                         \
    "SELECT r.ref, CASE WHEN r.status = 'closed' THEN 'closed' ELSE 'open' END, r.status_note, " \
    "r.category_name, r.category, r.description, r.agency, gc_open311_time(r.created_at), "   \
    "gc_open311_time(r.updated_at), gc_open311_time(r.deadline_at), r.address, r.area_code, "  \
    "r.lat, r.lon FROM open311_requests r "

/* One case as a service request, the spec's fields in its order. address_id is the area the
 * case is filed under (its grid, or the street whose triage queue holds it). */
static json_t *request_json(const PGresult *res, int r)
{
    json_t *o = json_object();
    json_object_set_new(o, "service_request_id", column(res, r, 0, false));
    json_object_set_new(o, "status", column(res, r, 1, false));
    json_object_set_new(o, "status_notes", column(res, r, 2, true));
    json_object_set_new(o, "service_name", column(res, r, 3, false));
    json_object_set_new(o, "service_code", column(res, r, 4, false));
    json_object_set_new(o, "description", column(res, r, 5, false));
    json_object_set_new(o, "agency_responsible", column(res, r, 6, true));
    json_object_set_new(o, "service_notice", json_null());
    json_object_set_new(o, "requested_datetime", column(res, r, 7, false));
    json_object_set_new(o, "updated_datetime", column(res, r, 8, false));
    json_object_set_new(o, "expected_datetime", column(res, r, 9, true));
    json_object_set_new(o, "address", column(res, r, 10, true));
    json_object_set_new(o, "address_id", column(res, r, 11, false));
    json_object_set_new(o, "zipcode", json_null());
    json_object_set_new(o, "lat", number_column(res, r, 12));
    json_object_set_new(o, "long", number_column(res, r, 13));
    json_object_set_new(o, "media_url", json_null());
    return o;
}

/* A comma list of ids or codes as an array literal into a; false (error sent) when bad. */
static bool list_param(const char *text, gc_pg_array_t *a, const char *what, char *why,
                       size_t whylen)
{
    size_t n = strlen(text);
    char *buf = malloc(n + 1);
    const char **items = malloc(LIST_MAX * sizeof *items);
    int count = buf && items && open311_utf8(text, n) ? open311_list(text, buf, items, LIST_MAX)
                                                      : -1;
    for (int i = 0; i < count; i++)
        gc_pg_array_text(a, items[i]);
    free(buf), free(items);
    if (count < 0)
        snprintf(why, whylen,
                 "%s: a comma-separated list of at most %d items of 1-%d characters each", what,
                 LIST_MAX, OPEN311_MAX_ID);
    return count >= 0;
}

static enum MHD_Result send_requests(open311_http_t *self, struct MHD_Connection *c,
                                     open311_lane_t *lane, open311_format_t format, PGresult *res,
                                     bool one)
{
    if (!gc_pg_ok(res)) {
        bool bad_input = strncmp(gc_pg_sqlstate(res), "22", 2) == 0; /* data exception */
        PQclear(res);
        open311_lane_check(lane);
        return bad_input ? send_error(self, c, format, 400, "start_date or end_date: not a datetime")
                         : send_error(self, c, format, 503,
                                      "the database is unreachable; try again");
    }
    if (one && PQntuples(res) == 0) {
        PQclear(res);
        return send_error(self, c, format, 404, "service_request_id: no such request");
    }
    json_t *doc = json_array();
    for (int r = 0; r < PQntuples(res); r++)
        json_array_append_new(doc, request_json(res, r));
    PQclear(res);
    return send_doc(self, c, format, doc, "service_requests", "request");
}

static enum MHD_Result get_request(open311_http_t *self, struct MHD_Connection *c,
                                   open311_lane_t *lane, open311_format_t format, const char *id)
{
    PGconn *db = open311_lane_db(lane);
    if (!db)
        return send_error(self, c, format, 503, "the database is unreachable; try again");
    if (!open311_utf8(id, strlen(id)))
        return send_error(self, c, format, 404, "service_request_id: no such request");
    const char *params[] = {id};
    return send_requests(self, c, lane, format,
                         gc_pg_query(db, "open311 request", REQUEST_COLUMNS "WHERE r.ref = $1", 1,
                                     params),
                         true);
}

static enum MHD_Result get_requests(open311_http_t *self, struct MHD_Connection *c,
                                    open311_lane_t *lane, open311_format_t format)
{
    const char *ids = query_arg(c, "service_request_id"), *codes = query_arg(c, "service_code");
    const char *start = query_arg(c, "start_date"), *end = query_arg(c, "end_date");
    const char *status = query_arg(c, "status");
    char why[200];
    gc_pg_array_t a = {0};
    if (ids) { /* the spec: with ids, every other filter is ignored */
        bool ok = list_param(ids, &a, "service_request_id", why, sizeof why);
        const char *literal = ok ? gc_pg_array_end(&a) : NULL;
        PGconn *db = ok && literal ? open311_lane_db(lane) : NULL;
        enum MHD_Result sent;
        if (!ok)
            sent = send_error(self, c, format, 400, why);
        else if (!db)
            sent = send_error(self, c, format, 503, "the database is unreachable; try again");
        else {
            const char *params[] = {literal};
            sent = send_requests(self, c, lane, format,
                                 gc_pg_query(db, "open311 requests by id",
                                             REQUEST_COLUMNS "WHERE r.ref = ANY ($1::text[]) "
                                                             "ORDER BY r.created_at DESC, r.id DESC",
                                             1, params),
                                 false);
        }
        gc_pg_array_free(&a);
        return sent;
    }
    if ((start && !open311_datetime(start)) || (end && !open311_datetime(end)))
        return send_error(self, c, format, 400,
                          "start_date and end_date: W3C datetimes, e.g. 2026-12-01T00:00:00+08:00");
    /* status: open, closed, or both (a list): which of the two to show */
    const char *want = NULL;
    if (status) {
        bool open = false, closed = false, bad = false;
        char buf[64];
        const char *items[4];
        int n = strlen(status) < sizeof buf ? open311_list(status, buf, items, 4) : -1;
        bad = n < 0;
        for (int i = 0; i < n; i++) {
            open |= strcmp(items[i], "open") == 0;
            closed |= strcmp(items[i], "closed") == 0;
            bad |= strcmp(items[i], "open") != 0 && strcmp(items[i], "closed") != 0;
        }
        if (bad)
            return send_error(self, c, format, 400, "status: open, closed or open,closed");
        want = open && closed ? NULL : open ? "open" : "closed";
    }
    const char *literal = NULL;
    if (codes) {
        if (!list_param(codes, &a, "service_code", why, sizeof why)) {
            gc_pg_array_free(&a);
            return send_error(self, c, format, 400, why);
        }
        literal = gc_pg_array_end(&a);
    }
    PGconn *db = open311_lane_db(lane);
    if (!db) {
        gc_pg_array_free(&a);
        return send_error(self, c, format, 503, "the database is unreachable; try again");
    }
    /* the window: [start, end], 90 days ending now when neither is given, 90 days from the
     * one given otherwise; wider than 90 days, or ending before it starts, is refused */
    const char *window[] = {start, end};
    PGresult *w = gc_pg_query(db, "open311 window",
                              "SELECT s, e, e - s > interval '90 days' OR e < s FROM "
                              "(SELECT coalesce($1::timestamptz, coalesce($2::timestamptz, "
                              "gc_now()) - interval '90 days') AS s, coalesce($2::timestamptz, "
                              "$1::timestamptz + interval '90 days', gc_now()) AS e) x",
                              2, window);
    if (!gc_pg_ok(w)) {
        gc_pg_array_free(&a);
        return send_requests(self, c, lane, format, w, false); /* a bad datetime: 400 */
    }
    if (strcmp(PQgetvalue(w, 0, 2), "t") == 0) {
        PQclear(w);
        gc_pg_array_free(&a);
        return send_error(self, c, format, 400,
                          "start_date to end_date: at most 90 days, end after start");
    }
    const char *params[] = {PQgetvalue(w, 0, 0), PQgetvalue(w, 0, 1), literal, want};
    PGresult *res = gc_pg_query(
        db, "open311 requests",
        REQUEST_COLUMNS "WHERE r.created_at >= $1::timestamptz AND r.created_at <= $2::timestamptz "
                        "AND ($3::text[] IS NULL OR r.category = ANY ($3::text[])) "
                        "AND ($4::text IS NULL OR (r.status = 'closed') = ($4 = 'closed')) "
                        "ORDER BY r.created_at DESC, r.id DESC LIMIT 1000",
        4, params);
    PQclear(w);
    gc_pg_array_free(&a);
    return send_requests(self, c, lane, format, res, false);
}

/* ---- POST requests ------------------------------------------------------------------------- */

/* The client application named by api_key, into name; false when unknown or revoked. *db_down
 * when the database could not say. */
static bool client_of(open311_lane_t *lane, const char *key, char name[65], bool *db_down)
{
    *db_down = false;
    PGconn *db = open311_lane_db(lane);
    if (!db) {
        *db_down = true;
        return false;
    }
    const char *params[] = {key};
    PGresult *res = gc_pg_query(db, "open311 api_key",
                                "SELECT name FROM open311_api_keys WHERE key_sha256 = "
                                "encode(sha256(convert_to($1, 'UTF8')), 'hex') "
                                "AND revoked_at IS NULL",
                                1, params);
    bool ok = gc_pg_ok(res) && PQntuples(res) == 1;
    if (!gc_pg_ok(res))
        *db_down = true, open311_lane_check(lane);
    if (ok)
        snprintf(name, 65, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    return ok;
}

/* The street whose triage queue takes a report with an address and no point: address_id when
 * it is a street's code, else the street whose name the address_string contains (the longest,
 * so 航海东路街道 wins over a shorter name inside it). "" when none; false when the database
 * could not say. */
static bool street_of(open311_lane_t *lane, const char *address_id, const char *address,
                      char street[65])
{
    street[0] = '\0';
    PGconn *db = open311_lane_db(lane);
    if (!db)
        return false;
    const char *params[] = {address_id ? address_id : "", address ? address : ""};
    PGresult *res = gc_pg_query(db, "open311 street",
                                "SELECT code FROM areas WHERE level = 'street' AND (code = $1 "
                                "OR ($2 <> '' AND strpos($2, name) > 0)) "
                                "ORDER BY code = $1 DESC, length(name) DESC, code LIMIT 1",
                                2, params);
    bool ok = gc_pg_ok(res);
    if (ok && PQntuples(res) == 1)
        snprintf(street, 65, "%s", PQgetvalue(res, 0, 0));
    if (!ok)
        open311_lane_check(lane);
    PQclear(res);
    return ok;
}

/* An Idempotency-Key: 1-96 printable ASCII characters without spaces. */
static bool key_ok(const char *k)
{
    size_t n = strlen(k);
    for (const char *c = k; *c; c++)
        if (*c < 0x21 || *c > 0x7e)
            return false;
    return n >= 1 && n <= 96;
}

/* The reporter's name from first_name and last_name: "first last" in Latin letters, family
 * name first without a space otherwise (李 + 明 = 李明), as a Chinese name is written. */
static void reporter_name(const char *first, const char *last, char *out, size_t size)
{
    first = first ? first : "", last = last ? last : "";
    bool ascii = true;
    for (const char *c = first; *c; c++)
        ascii &= (unsigned char)*c < 0x80;
    for (const char *c = last; *c; c++)
        ascii &= (unsigned char)*c < 0x80;
    if (ascii)
        snprintf(out, size, "%s%s%s", first, *first && *last ? " " : "", last);
    else
        snprintf(out, size, "%s%s", last, first);
}

static bool blank(const char *s)
{
    if (!s)
        return true;
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
            return false;
    return true;
}

/* A copy of text with CRLF and lone CR as LF: a browser's form sends a textarea's lines with
 * CRLF, and intake refuses control characters other than newline and tab. NULL stays NULL. */
static char *unix_lines(const char *text)
{
    char *out = text ? malloc(strlen(text) + 1) : NULL;
    if (!out)
        return NULL;
    size_t n = 0;
    for (const char *c = text; *c; c++)
        if (*c != '\r')
            out[n++] = *c;
        else if (c[1] != '\n')
            out[n++] = '\n';
    out[n] = '\0';
    return out;
}

static enum MHD_Result submit(open311_http_t *self, struct MHD_Connection *c,
                              open311_lane_t *lane, open311_format_t format,
                              const open311_params_t *p, const char *client);

static enum MHD_Result post_request(open311_http_t *self, struct MHD_Connection *c,
                                    open311_lane_t *lane, open311_format_t format,
                                    const open311_params_t *p)
{
    const char *key = open311_param(p, "api_key");
    if (!key)
        key = query_arg(c, "api_key");
    char client[65];
    bool db_down = false;
    if (!key || !client_of(lane, key, client, &db_down))
        return db_down ? send_error(self, c, format, 503, "the database is unreachable; try again")
                       : send_error(self, c, format, 403,
                                    "api_key: missing, unknown or revoked");
    return submit(self, c, lane, format, p, client);
}

static enum MHD_Result submit(open311_http_t *self, struct MHD_Connection *c,
                              open311_lane_t *lane, open311_format_t format,
                              const open311_params_t *p, const char *client)
{
    const char *service = open311_param(p, "service_code");
    const char *description = open311_param(p, "description");
    const char *lat_text = open311_param(p, "lat"), *lon_text = open311_param(p, "long");
    const char *address = open311_param(p, "address_string");
    const char *address_id = open311_param(p, "address_id");
    if (blank(service))
        return send_error(self, c, format, 400, "service_code: required");
    if (blank(description))
        return send_error(self, c, format, 400, "description: required");
    /* the fields gridcase does not keep are still the client's input: text, and short */
    static const char *const unkept[] = {"email", "device_id", "account_id", "media_url"};
    for (size_t i = 0; i < sizeof unkept / sizeof *unkept; i++) {
        char why[120], text[200];
        if (gc_text_explain(open311_param(p, unkept[i]), UNKEPT_MAX_BYTES, why, sizeof why)) {
            snprintf(text, sizeof text, "%s %s", unkept[i], why);
            return send_error(self, c, format, 400, text);
        }
    }
    Gridcase__SubmitCase s = GRIDCASE__SUBMIT_CASE__INIT;
    Gridcase__GeoPoint point = GRIDCASE__GEO_POINT__INIT;
    char street[65] = "";
    if (lat_text || lon_text) {
        if (!lat_text || !lon_text || !open311_number(lat_text, &point.lat)
            || !open311_number(lon_text, &point.lon) || point.lat < -90 || point.lat > 90
            || point.lon < -180 || point.lon > 180)
            return send_error(self, c, format, 400,
                              "lat and long: both, as WGS84 decimal degrees");
        s.location = &point;
    } else if (!blank(address) || !blank(address_id)) {
        if (!street_of(lane, address_id, address, street))
            return send_error(self, c, format, 503, "the database is unreachable; try again");
        if (!*street)
            return send_error(self, c, format, 400,
                              "address_string: names no street of the district; give lat and "
                              "long, or a street's code as address_id");
        s.street = street;
    } else
        return send_error(self, c, format, 400,
                          "location: lat and long, or address_string, are required");
    /* the case's idempotency key: the client's name keeps two applications' keys apart */
    const char *given = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Idempotency-Key");
    char idem[200], token[33];
    if (given && !key_ok(given))
        return send_error(self, c, format, 400,
                          "Idempotency-Key: 1-96 printable ASCII characters, no spaces");
    if (!given) {
        unsigned char raw[16];
        FILE *f = fopen("/dev/urandom", "rb");
        bool got = f && fread(raw, 1, sizeof raw, f) == sizeof raw;
        if (f)
            fclose(f);
        if (!got)
            return send_error(self, c, format, 500, "no randomness for a new case's key");
        for (int i = 0; i < 16; i++)
            snprintf(token + 2 * i, 3, "%02x", raw[i]);
    }
    snprintf(idem, sizeof idem, "open311/%s/%s%s", client, given ? "k/" : "n/",
             given ? given : token);
    char name[256];
    reporter_name(open311_param(p, "first_name"), open311_param(p, "last_name"), name,
                  sizeof name);
    const char *phone = open311_param(p, "phone");
    s.idempotency_key = idem;
    s.category = (char *)service;
    char *text = unix_lines(description), *where = unix_lines(address ? address : "");
    if (!text || !where) {
        free(text), free(where);
        return send_error(self, c, format, 500, "out of memory");
    }
    s.description = text;
    s.source = GRIDCASE__SOURCE__SOURCE_RESIDENT;
    s.address = where;
    s.reporter_name = name;
    s.reporter_phone = (char *)(phone ? phone : "");
    /* email, device_id, account_id and media_url are not kept: intake has no place for them */
    Gridcase__IntakeReply *reply = open311_lane_submit(lane, &s, INTAKE_TIMEOUT_MS);
    free(text), free(where);
    if (!reply)
        return send_error(self, c, format, 503,
                          "intake did not answer; retry with the same Idempotency-Key");
    enum MHD_Result sent;
    if (reply->result_case == GRIDCASE__INTAKE_REPLY__RESULT_ACCEPTED) {
        Gridcase__CaseAccepted *a = reply->accepted;
        atomic_fetch_add(a->already_known ? &self->already_known : &self->posted, 1);
        char notice[200];
        if (a->possible_duplicate_of && *a->possible_duplicate_of)
            snprintf(notice, sizeof notice, "已受理。附近已有同类案件 %s 正在处理，可一并关注。",
                     a->possible_duplicate_of);
        else
            snprintf(notice, sizeof notice, "已受理。");
        json_t *doc = json_pack("[{s:s, s:s, s:n}]", "service_request_id", a->case_ref,
                                "service_notice", notice, "account_id");
        sent = send_doc(self, c, format, doc, "service_requests", "request");
    } else {
        Gridcase__Error *e = reply->error;
        int code = e ? e->code : 0;
        unsigned status = 500;
        char text[600];
        const char *msg = e && e->message ? e->message : "";
        switch (code) {
        case GRIDCASE__ERROR_CODE__ERROR_CODE_UNKNOWN_CATEGORY:
            status = 400, snprintf(text, sizeof text, "service_code: no such service (%s)", msg);
            break;
        case GRIDCASE__ERROR_CODE__ERROR_CODE_OUTSIDE_DISTRICT:
            status = 400,
            snprintf(text, sizeof text, "lat and long: outside the district (%s)", msg);
            break;
        case GRIDCASE__ERROR_CODE__ERROR_CODE_INVALID_ARGUMENT:
        case GRIDCASE__ERROR_CODE__ERROR_CODE_UNKNOWN_GRID:
            status = 400, snprintf(text, sizeof text, "invalid request: %s", msg);
            break;
        case GRIDCASE__ERROR_CODE__ERROR_CODE_IDEMPOTENCY_CONFLICT:
            status = 409, snprintf(text, sizeof text,
                                   "Idempotency-Key: used before for a different request (%s)", msg);
            break;
        case GRIDCASE__ERROR_CODE__ERROR_CODE_NOT_PERMITTED:
            /* the gateway's own key is not registered for submissions here: the operator's
             * registration (gridctl client add open311 --may submissions) */
            status = 403, snprintf(text, sizeof text, "not permitted: %s", msg);
            break;
        case GRIDCASE__ERROR_CODE__ERROR_CODE_UNAVAILABLE:
            status = 503,
            snprintf(text, sizeof text, "not stored, try again with the same Idempotency-Key: %s",
                     msg);
            break;
        default:
            snprintf(text, sizeof text, "intake refused the request: %s", msg);
        }
        sent = send_error(self, c, format, status, text);
    }
    gridcase__intake_reply__free_unpacked(reply, NULL);
    return sent;
}

/* ---- /metrics, /healthz -------------------------------------------------------------------- */

static enum MHD_Result serve_metrics(open311_http_t *self, struct MHD_Connection *c)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return MHD_NO;
    fputs("# HELP gridcase_open311_responses_total HTTP answers of gc-open311 by status class.\n"
          "# TYPE gridcase_open311_responses_total counter\n",
          f);
    for (int k = 2; k <= 5; k++)
        fprintf(f, "gridcase_open311_responses_total{class=\"%dxx\"} %lu\n", k,
                atomic_load(&self->by_class[k]));
    fprintf(f,
            "# HELP gridcase_open311_cases_total Cases posted through gc-open311: new, or a "
            "retry of one already stored (same Idempotency-Key).\n"
            "# TYPE gridcase_open311_cases_total counter\n"
            "gridcase_open311_cases_total{kind=\"new\"} %lu\n"
            "gridcase_open311_cases_total{kind=\"already_known\"} %lu\n",
            atomic_load(&self->posted), atomic_load(&self->already_known));
    char *process = gc_http_process_metrics("gc-open311");
    fputs(process ? process : "", f);
    free(process);
    if (fclose(f) != 0) {
        free(text);
        return MHD_NO;
    }
    return send_text(self, c, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
}

/* ---- routing ------------------------------------------------------------------------------- */

static enum MHD_Result route(open311_http_t *self, struct MHD_Connection *c, const char *url,
                             const char *method, upload_t *up)
{
    if (strcmp(url, "/healthz") == 0)
        return send_text(self, c, 200, "text/plain; charset=utf-8", strdup("ok\n"), 3);
    if (strcmp(url, "/metrics") == 0)
        return serve_metrics(self, c);
    open311_path_t path;
    open311_path(url, &path);
    if (path.what == OPEN311_NOT_FOUND)
        return send_error(self, c, path.format, 404,
                          "not found: GeoReport v2 is under " OPEN311_BASE
                          " (discovery, services, requests)");
    if (path.bad_format)
        return send_error(self, c, OPEN311_XML, 400, "format: .xml or .json");
    bool post = strcmp(method, "POST") == 0;
    bool get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    if (!(get || (post && path.what == OPEN311_REQUESTS)))
        return send_error(self, c, path.format, 405,
                          post ? "method: POST only to requests" : "method: GET or POST");
    if (post && up->too_big)
        return send_error(self, c, path.format, 413, "the body is larger than 16 KiB");
    open311_params_t p = {0};
    if (post) {
        const char *type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
        open311_parse_result_t pr;
        if (type && strncmp(type, "application/json", 16) == 0)
            pr = open311_json_parse(up->body ? up->body : "", up->len, &p);
        else if (!type || strncmp(type, "application/x-www-form-urlencoded", 33) == 0)
            pr = open311_form_parse(up->body ? up->body : "", up->len, &p);
        else
            return send_error(self, c, path.format, 415,
                              "Content-Type: application/x-www-form-urlencoded or "
                              "application/json");
        if (pr == OPEN311_PARSE_MALFORMED)
            return send_error(self, c, path.format, 400,
                              "the body is not well-formed form data or JSON object (UTF-8)");
        if (pr != OPEN311_PARSE_OK)
            return send_error(self, c, path.format, 500, "out of memory");
    }
    open311_lane_t *lane = open311_lane_take(self->store);
    enum MHD_Result sent;
    char district[65], district_name[256];
    const char *jurisdiction = post ? open311_param(&p, "jurisdiction_id") : NULL;
    if (!jurisdiction)
        jurisdiction = query_arg(c, "jurisdiction_id");
    if (!open311_district(lane, district, district_name))
        sent = send_error(self, c, path.format, 503, "the database is unreachable; try again");
    else if (jurisdiction && strcmp(jurisdiction, district) != 0)
        sent = send_error(self, c, path.format, 404, "jurisdiction_id: not this district");
    else if (post)
        sent = post_request(self, c, lane, path.format, &p);
    else
        switch (path.what) {
        case OPEN311_DISCOVERY:
            sent = get_discovery(self, c, path.format, district, district_name);
            break;
        case OPEN311_SERVICES:
            sent = get_services(self, c, lane, path.format, NULL);
            break;
        case OPEN311_SERVICE:
            sent = get_services(self, c, lane, path.format, path.id);
            break;
        case OPEN311_REQUESTS:
            sent = get_requests(self, c, lane, path.format);
            break;
        default:
            sent = get_request(self, c, lane, path.format, path.id);
        }
    open311_lane_give(self->store, lane);
    open311_params_free(&p);
    return sent;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_size, void **state)
{
    (void)version;
    open311_http_t *self = cls;
    upload_t *up = *state;
    if (!up) { /* the first call: headers only */
        up = calloc(1, sizeof *up);
        if (!up)
            return MHD_NO;
        *state = up;
        const char *length =
            MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (length && strtoull(length, NULL, 10) > OPEN311_MAX_BODY) {
            up->too_big = true; /* answered at once, unread: the connection closes after it */
            return route(self, c, url, method, up);
        }
        /* everything else is answered once the request is complete: an answer queued earlier
         * makes libmicrohttpd close the connection, and a client's keep-alive is lost */
        return MHD_YES;
    }
    if (*upload_size > 0) {
        if (!up->too_big && up->len + *upload_size <= OPEN311_MAX_BODY) {
            char *grown = realloc(up->body, up->len + *upload_size + 1);
            if (!grown)
                return MHD_NO;
            up->body = grown;
            memcpy(up->body + up->len, upload_data, *upload_size);
            up->len += *upload_size;
            up->body[up->len] = '\0';
        } else
            up->too_big = true;
        *upload_size = 0;
        return MHD_YES;
    }
    return route(self, c, url, method, up);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **state,
                         enum MHD_RequestTerminationCode why)
{
    (void)cls, (void)c, (void)why;
    upload_t *up = *state;
    if (up) {
        free(up->body);
        free(up);
        *state = NULL;
    }
}

open311_http_t *open311_http_new(const char *bind, open311_store_t *store,
                                 unsigned max_connections)
{
    open311_http_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->store = store;
    self->daemon = gc_http_serve("GC_OPEN311_BIND", bind, "Open311", max_connections, on_request,
                                 self, on_completed);
    if (!self->daemon) {
        free(self);
        return NULL;
    }
    return self;
}

void open311_http_destroy(open311_http_t **self)
{
    if (*self) {
        MHD_stop_daemon((*self)->daemon);
        free(*self);
        *self = NULL;
    }
}
