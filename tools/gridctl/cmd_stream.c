/* gridctl stats, gridctl events: subscribers to the two PUB streams, printing JSON or text. */
#include "gridctl.h"

#include "events.pb-c.h"
#include "gc_clock.h"
#include "gc_msg.h"
#include "gc_names.h"
#include "stats.pb-c.h"

#include <stdio.h>
#include <string.h>

static const char *name_or_empty(const char *name)
{
    return name ? name : "";
}

static json_t *snapshot_json(const Gridcase__StatsSnapshot *s)
{
    json_t *cats = json_array();
    for (size_t i = 0; i < s->n_categories; i++)
        json_array_append_new(cats, json_pack("{s:s, s:I, s:I}", "category",
                                              s->categories[i]->category, "total",
                                              (json_int_t)s->categories[i]->total, "closed",
                                              (json_int_t)s->categories[i]->closed));
    json_t *o = json_pack(
        "{s:I, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
        "seq", (json_int_t)s->seq, "area", s->area, "area_name", s->area_name, "level",
        name_or_empty(gc_level_name(s->level)), "at_ms", (json_int_t)s->at_ms, "event_seq",
        (json_int_t)s->event_seq, "cases_total", (json_int_t)s->cases_total, "cases_open",
        (json_int_t)s->cases_open, "cases_closed", (json_int_t)s->cases_closed, "closed_at_grid",
        (json_int_t)s->closed_at_grid, "closed_at_community", (json_int_t)s->closed_at_community,
        "closed_at_street", (json_int_t)s->closed_at_street, "closed_at_district",
        (json_int_t)s->closed_at_district, "resolved_on_spot", (json_int_t)s->resolved_on_spot,
        "escalations", (json_int_t)s->escalations, "reopened", (json_int_t)s->reopened,
        "returned", (json_int_t)s->returned);
    json_object_set_new(o, "supervised", json_integer((json_int_t)s->supervised));
    json_object_set_new(o, "extended", json_integer((json_int_t)s->extended));
    json_object_set_new(o, "closure_rate", json_real(s->closure_rate));
    json_object_set_new(o, "closed_in_grid_rate", json_real(s->closed_in_grid_rate));
    json_object_set_new(o, "closed_in_community_rate", json_real(s->closed_in_community_rate));
    json_object_set_new(o, "closed_in_street_rate", json_real(s->closed_in_street_rate));
    json_object_set_new(o, "categories", cats);
    return o;
}

static void print_snapshot(const Gridcase__StatsSnapshot *s, bool json)
{
    if (json) {
        gridctl_print_json(snapshot_json(s));
    } else {
        printf("%s %s (%s): %llu cases, %llu open, %llu closed (%.1f%%); closed in grid %.1f%%, "
               "in community %.1f%%, in street %.1f%%; on the spot %llu, escalations %llu, "
               "reopened %llu, returned %llu, supervised %llu, extended %llu\n",
               s->area, s->area_name, name_or_empty(gc_level_name(s->level)),
               (unsigned long long)s->cases_total, (unsigned long long)s->cases_open,
               (unsigned long long)s->cases_closed, s->closure_rate, s->closed_in_grid_rate,
               s->closed_in_community_rate, s->closed_in_street_rate,
               (unsigned long long)s->resolved_on_spot, (unsigned long long)s->escalations,
               (unsigned long long)s->reopened, (unsigned long long)s->returned,
               (unsigned long long)s->supervised, (unsigned long long)s->extended);
    }
    fflush(stdout);
}

/* Subscribes to url with topic prefix, and hands each [topic][body] message to on_message
 * until it returns false or timeout_ms passes (0 = never). Returns true when stopped by
 * on_message. */
/* on_message gets the topic frame (not NUL-terminated) and the message. */
typedef bool message_fn(const char *topic, size_t topic_size, const void *data, size_t size,
                        void *ctx);

static bool follow(const char *url, const char *topic, long timeout_ms, message_fn *on_message,
                   void *ctx)
{
    void *zctx = zmq_ctx_new();
    void *s = gc_msg_socket(zctx, ZMQ_SUB, url, false, 16 * 1024 * 1024);
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
} stats_ctx_t;

static bool on_snapshot(const char *topic, size_t topic_size, const void *data, size_t size,
                        void *ctx)
{
    (void)topic;
    (void)topic_size;
    stats_ctx_t *c = ctx;
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

int cmd_stats(const gc_config_t *cfg, int argc, char **argv)
{
    static const char *const valued[] = {"--area", "--timeout", NULL};
    static const char *const flags[] = {"--watch", "--json", NULL};
    args_t a;
    if (!args_parse(argc, argv, valued, flags, &a))
        return 1;
    long timeout = 0;
    if (a.npositional
        || (args_get(&a, "--timeout")
            && !gc_config_parse_long(args_get(&a, "--timeout"), 1, 86400 * 365, &timeout)))
        return gridctl_fail("usage: gridctl stats [--area CODE] [--watch] [--json] [--timeout SEC]");
    stats_ctx_t c = {args_get(&a, "--area"), args_has(&a, "--watch"), args_has(&a, "--json"),
                     json_object()};
    if (!timeout && !c.watch)
        timeout = 10;
    bool stopped = follow(cfg->stats_url, c.area ? c.area : "", timeout * 1000, on_snapshot, &c);
    size_t printed = json_object_size(c.seen);
    json_decref(c.seen);
    if (!stopped && !c.watch && !(printed && !c.area))
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

int cmd_events(const gc_config_t *cfg, int argc, char **argv)
{
    static const char *const valued[] = {"--area", "--leader", "--count", "--timeout", NULL};
    args_t a;
    if (!args_parse(argc, argv, valued, NULL, &a))
        return 1;
    events_ctx_t c = {0, 0, false};
    long timeout = 0;
    if (a.npositional
        || (args_get(&a, "--count") && !gc_config_parse_long(args_get(&a, "--count"), 1, 1L << 30, &c.count))
        || (args_get(&a, "--timeout") && !gc_config_parse_long(args_get(&a, "--timeout"), 1, 86400 * 365, &timeout)))
        return gridctl_fail("usage: gridctl events [--area CODE | --leader CODE] [--count N] "
                            "[--timeout SEC]");
    /* --leader: the events addressed to that area's leader (escalations, supervision,
     * extension requests), under the topic "leader/CODE/" */
    char topic[128];
    const char *area = args_get(&a, "--area"), *leader = args_get(&a, "--leader");
    if (leader && (area || snprintf(topic, sizeof topic, "leader/%s/", leader) >= (int)sizeof topic))
        return gridctl_fail("--leader takes one area code, without --area");
    if (!leader)
        snprintf(topic, sizeof topic, "%s", area ? area : "");
    c.cases_only = !*topic;
    bool stopped = follow(cfg->events_url, topic, timeout * 1000, on_event, &c);
    if (c.count && !stopped)
        return gridctl_fail("timed out after %ld of %ld events", c.received, c.count);
    return 0;
}
