/* gridctl stats, gridctl events: subscribers to the two PUB streams, printing JSON or text. */
#include "client.h"
#include "gridctl.h"

#include "events.pb-c.h"
#include "gc_clock.h"
#include "gc_json.h"
#include "gc_msg.h"
#include "gc_names.h"
#include "stats.pb-c.h"

#include <stdio.h>
#include <string.h>

static const char *name_or_empty(const char *name)
{
    return name ? name : "";
}

/* The rates of a window as a leader reads them: the brief's term, the fraction, the percent;
 * "—" when there is nothing to divide (docs/STATISTICS.md has each definition). */
static const struct {
    const char *field, *term;
    bool share; /* the brief's shares (second line), after the assessment rates (first) */
} rates[] = {
    {"closed_of_due_rate", "结案率", false},
    {"closed_of_reported_rate", "化解率", false},
    {"closed_on_time_of_due_rate", "按期结案率", false},
    {"reopened_of_closed_rate", "返工率", false},
    {"extended_of_reported_rate", "延期率", false},
    {"closed_at_grid_of_closed_rate", "小事不出网格", true},
    {"closed_in_community_of_closed_rate", "小事不出社区", true},
    {"closed_in_community_of_reported_rate", "社区内办理率", true},
    {"closed_in_street_of_closed_rate", "大事不出街道", true},
    {"stayed_below_district_of_reported_rate", "矛盾不上交", true},
    {"resolved_on_spot_of_closed_rate", "当场化解", true},
};

static const Gridcase__Rate *rate_of(const Gridcase__Figures *f, const char *field)
{
    const ProtobufCFieldDescriptor *d =
        protobuf_c_message_descriptor_get_field_by_name(&gridcase__figures__descriptor, field);
    return d ? *(Gridcase__Rate *const *)((const char *)f + d->offset) : NULL;
}

/* A duration for people: 42 s, 3.5 min, 2.1 h, 4.0 d. */
static const char *duration(double s, char *out, size_t len)
{
    if (s < 60)
        snprintf(out, len, "%.0f s", s);
    else if (s < 3600)
        snprintf(out, len, "%.1f min", s / 60);
    else if (s < 86400)
        snprintf(out, len, "%.1f h", s / 3600);
    else
        snprintf(out, len, "%.1f d", s / 86400);
    return out;
}

/* An area's snapshot as text: the all-time figures with every rate and its fraction, the time to
 * close, the open cases now, and today's and this year's reports. */
static void print_snapshot(const Gridcase__StatsSnapshot *s, bool json)
{
    if (json) {
        gridctl_print_json(gc_json_message(&s->base));
        fflush(stdout);
        return;
    }
    const Gridcase__Figures *all = NULL, *today = NULL, *year = NULL;
    for (size_t i = 0; i < s->n_windows; i++) {
        if (s->windows[i]->window == GRIDCASE__STATS_WINDOW__STATS_WINDOW_ALL)
            all = s->windows[i]->figures;
        else if (s->windows[i]->window == GRIDCASE__STATS_WINDOW__STATS_WINDOW_TODAY)
            today = s->windows[i]->figures;
        else if (s->windows[i]->window == GRIDCASE__STATS_WINDOW__STATS_WINDOW_YEAR)
            year = s->windows[i]->figures;
    }
    if (!all || !today || !year)
        return;
    printf("%s %s (%s), all time: %llu reported, %llu open, %llu closed\n", s->area,
           s->area_name, name_or_empty(gc_level_name(s->level)),
           (unsigned long long)all->reported, (unsigned long long)all->open,
           (unsigned long long)all->closed);
    for (int share = 0; share < 2; share++) {
        const char *sep = "  ";
        for (size_t k = 0; k < sizeof rates / sizeof rates[0]; k++) {
            if (rates[k].share != share)
                continue;
            const Gridcase__Rate *r = rate_of(all, rates[k].field);
            if (r)
                printf("%s%s %llu/%llu = %.1f%%", sep, rates[k].term,
                       (unsigned long long)r->numerator, (unsigned long long)r->denominator,
                       r->percent);
            else
                printf("%s%s —", sep, rates[k].term);
            sep = "; ";
        }
        printf("\n");
    }
    char a[32], b[32], c[32];
    if (all->close_seconds)
        printf("  time to close: median %s, p90 %s, mean %s (%llu cases)\n",
               duration(all->close_seconds->median, a, sizeof a),
               duration(all->close_seconds->p90, b, sizeof b),
               duration(all->close_seconds->mean, c, sizeof c),
               (unsigned long long)all->close_seconds->cases);
    else
        printf("  time to close: —\n");
    printf("  missed a deadline %llu, supervised %llu, misrouted %llu, extended %llu\n",
           (unsigned long long)all->missed_deadline, (unsigned long long)all->supervised,
           (unsigned long long)all->misrouted, (unsigned long long)all->extended);
    const Gridcase__Backlog *now = s->backlog;
    if (now)
        printf("  now: %llu open, %llu past their deadline; reported <1 d %llu, 1-3 d %llu, "
               "3-7 d %llu, >7 d %llu\n",
               (unsigned long long)now->open, (unsigned long long)now->overdue_now,
               (unsigned long long)now->open_under_1d, (unsigned long long)now->open_1d_to_3d,
               (unsigned long long)now->open_3d_to_7d, (unsigned long long)now->open_over_7d);
    printf("  reported today %llu, this year %llu\n", (unsigned long long)today->reported,
           (unsigned long long)year->reported);
    fflush(stdout);
}

/* Subscribes to url with topic prefix, and hands each [topic][body] message to on_message
 * until it returns false or timeout_ms passes (0 = never). Returns true when stopped by
 * on_message. */
/* on_message gets the topic frame (not NUL-terminated) and the message. */
typedef bool message_fn(const char *topic, size_t topic_size, const void *data, size_t size,
                        void *ctx);

static bool follow(const gc_config_t *cfg, const char *url, const char *server_key,
                   const char *topic, long timeout_ms, message_fn *on_message, void *ctx)
{
    void *zctx = zmq_ctx_new();
    void *s = client_socket(zctx, ZMQ_SUB, url, server_key, cfg);
    bool stopped = false;
    if (s) {
        zmq_setsockopt(s, ZMQ_SUBSCRIBE, topic, strlen(topic));
        long start = gc_clock_monotonic_ms();
        while (!stopped && (!timeout_ms || gc_clock_monotonic_ms() - start < timeout_ms)) {
            zmq_pollitem_t item = {s, 0, ZMQ_POLLIN, 0};
            if (zmq_poll(&item, 1, 200) < 0)
                break;
            if (!(item.revents & ZMQ_POLLIN))
                continue;
            gc_frames_t f;
            if (gc_frames_recv(s, &f, 0) != 0)
                break;
            if (f.count == 2)
                stopped = !on_message(gc_frames_data(&f, 0), gc_frames_size(&f, 0),
                                      gc_frames_data(&f, 1), gc_frames_size(&f, 1), ctx);
            gc_frames_close(&f);
        }
        zmq_close(s);
    }
    zmq_ctx_term(zctx);
    return stopped;
}

typedef struct {
    const char *area; /* exact area wanted, or NULL for every area once */
    bool watch, json;
    json_t *seen;     /* areas printed in this round */
    const char *dept; /* --dept: that department's snapshots instead */
    bool heartbeat;   /* --heartbeat: the heartbeats instead */
} stats_ctx_t;

/* --dept and --heartbeat: print the matching messages as JSON lines until --count/timeout. */
static bool on_other(stats_ctx_t *c, const char *topic, size_t topic_size, const void *data,
                     size_t size)
{
    ProtobufCMessage *m = NULL;
    const char *suffix = c->dept ? c->dept : "";
    size_t slen = strlen(suffix);
    bool dept_topic = c->dept && topic_size > slen + 6
                      && memcmp(topic + topic_size - slen - 6, "/dept/", 6) == 0
                      && memcmp(topic + topic_size - slen, suffix, slen) == 0;
    if (dept_topic)
        m = protobuf_c_message_unpack(&gridcase__department_snapshot__descriptor, NULL, size,
                                      data);
    else if (c->heartbeat && topic_size == 10 && memcmp(topic, "!heartbeat", 10) == 0)
        m = protobuf_c_message_unpack(&gridcase__stats_heartbeat__descriptor, NULL, size, data);
    if (!m)
        return true;
    gridctl_print_json(gc_json_message(m));
    fflush(stdout);
    protobuf_c_message_free_unpacked(m, NULL);
    return c->watch;
}

static bool on_snapshot(const char *topic, size_t topic_size, const void *data, size_t size,
                        void *ctx)
{
    stats_ctx_t *c = ctx;
    if (c->dept || c->heartbeat)
        return on_other(c, topic, topic_size, data, size);
    /* area snapshots only: department topics hold "/dept/", the heartbeat starts with '!' */
    if (topic_size && topic[0] == '!')
        return true;
    for (size_t i = 0; i + 6 <= topic_size; i++)
        if (memcmp(topic + i, "/dept/", 6) == 0)
            return true;
    Gridcase__StatsSnapshot *s = gridcase__stats_snapshot__unpack(NULL, size, data);
    if (!s)
        return true;
    bool more = true;
    if (c->area && strcmp(s->area, c->area) == 0) {
        print_snapshot(s, c->json);
        more = c->watch;
    } else if (!c->area) {
        if (json_object_get(c->seen, s->area) && !c->watch)
            more = false; /* a full round of areas printed */
        else
            print_snapshot(s, c->json);
        json_object_set_new(c->seen, s->area, json_true());
    }
    gridcase__stats_snapshot__free_unpacked(s, NULL);
    return more;
}

int cmd_stats(const gc_config_t *cfg, const args_t *a)
{
    long timeout = 0;
    if (args_get(a, "--timeout")
        && !gc_config_parse_long(args_get(a, "--timeout"), 1, 86400 * 365, &timeout))
        return args_usage_fail(a, "--timeout takes whole seconds, 1 or more");
    stats_ctx_t c = {args_get(a, "--area"), args_has(a, "--watch"), args_has(a, "--json"),
                     json_object(), args_get(a, "--dept"), args_has(a, "--heartbeat")};
    if (!timeout && !c.watch)
        timeout = 10;
    bool stopped = follow(cfg, cfg->stats_url, cfg->stats_server_key, c.area ? c.area : "", timeout * 1000, on_snapshot, &c);
    size_t printed = json_object_size(c.seen);
    json_decref(c.seen);
    bool round_printed = printed && !c.area && !c.dept && !c.heartbeat; /* every area, once */
    if (!stopped && !c.watch && !round_printed)
        return gridctl_fail("no snapshot from stats at %s within %ld s (GC_STATS_URL)",
                            cfg->stats_url, timeout);
    return 0;
}

typedef struct {
    long count, received;
    bool cases_only; /* following every case: skip the copies addressed to leaders */
} events_ctx_t;

static bool on_event(const char *topic, size_t topic_size, const void *data, size_t size,
                     void *ctx)
{
    events_ctx_t *c = ctx;
    if (c->cases_only && topic_size >= 7 && memcmp(topic, "leader/", 7) == 0)
        return true;
    Gridcase__CaseEvent *e = gridcase__case_event__unpack(NULL, size, data);
    if (!e)
        return true;
    json_t *o = json_pack("{s:I, s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "seq",
                          (json_int_t)e->seq, "case_ref", e->case_ref, "kind",
                          name_or_empty(gc_event_kind_name(e->kind)), "at_ms",
                          (json_int_t)e->at_ms, "area", e->area, "category", e->category,
                          "level", name_or_empty(gc_level_name(e->level)), "status",
                          name_or_empty(gc_status_name(e->status)), "department", e->department,
                          "actor", e->actor, "note", e->note, "source",
                          name_or_empty(gc_source_name(e->source)), "leader_area", e->leader_area);
    gridctl_print_json(o);
    fflush(stdout);
    gridcase__case_event__free_unpacked(e, NULL);
    return !c->count || ++c->received < c->count;
}

int cmd_events(const gc_config_t *cfg, const args_t *a)
{
    events_ctx_t c = {0, 0, false};
    long timeout = 0;
    if ((args_get(a, "--count") && !gc_config_parse_long(args_get(a, "--count"), 1, 1L << 30, &c.count))
        || (args_get(a, "--timeout") && !gc_config_parse_long(args_get(a, "--timeout"), 1, 86400 * 365, &timeout)))
        return args_usage_fail(a, "--count and --timeout take whole numbers, 1 or more");
    /* --leader: the events addressed to that area's leader (escalations, supervision,
     * extension requests), under the topic "leader/CODE/" */
    char topic[128];
    const char *area = args_get(a, "--area"), *leader = args_get(a, "--leader");
    if (leader && (area || snprintf(topic, sizeof topic, "leader/%s/", leader) >= (int)sizeof topic))
        return args_usage_fail(a, "--leader takes one area code, without --area");
    if (!leader)
        snprintf(topic, sizeof topic, "%s", area ? area : "");
    c.cases_only = !*topic;
    bool stopped = follow(cfg, cfg->events_url, cfg->intake_server_key, topic, timeout * 1000, on_event, &c);
    if (c.count && !stopped)
        return gridctl_fail("timed out after %ld of %ld events", c.received, c.count);
    return 0;
}
