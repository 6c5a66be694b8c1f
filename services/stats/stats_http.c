/* stats_http: two read-only endpoints; anything else is 404, any method but GET/HEAD 405. */
#include "stats_http.h"

#include "gc_http.h"
#include "gc_log.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct stats_http {
    struct MHD_Daemon *daemon;
};

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *type,
                             char *body, size_t len, enum MHD_ResponseMemoryMode mode)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, body, mode);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", type);
    enum MHD_Result ok = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ok;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_size, void **state)
{
    (void)version, (void)upload_data, (void)upload_size, (void)state;
    stats_metrics_t *metrics = cls;
    static char not_found[] = "not found: try /metrics or /healthz\n";
    static char bad_method[] = "only GET\n";
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return reply(c, 405, "text/plain", bad_method, strlen(bad_method),
                     MHD_RESPMEM_PERSISTENT);
    if (strcmp(url, "/metrics") == 0) {
        size_t len = 0;
        char *text = stats_metrics_text(metrics, &len);
        if (!text)
            return reply(c, 500, "text/plain", bad_method, 0, MHD_RESPMEM_PERSISTENT);
        return reply(c, 200, "text/plain; version=0.0.4; charset=utf-8", text, len,
                     MHD_RESPMEM_MUST_FREE);
    }
    if (strcmp(url, "/healthz") == 0) {
        char why[128], body[160];
        bool healthy = stats_metrics_healthy(metrics, why, sizeof why);
        int n = snprintf(body, sizeof body, "%s\n", healthy ? "ok" : why);
        return reply(c, healthy ? 200 : 503, "text/plain", body, (size_t)n,
                     MHD_RESPMEM_MUST_COPY);
    }
    return reply(c, 404, "text/plain", not_found, strlen(not_found), MHD_RESPMEM_PERSISTENT);
}

stats_http_t *stats_http_new(const char *bind, stats_metrics_t *metrics)
{
    struct sockaddr_in addr;
    if (!gc_http_address(bind, &addr)) {
        gc_log_error("GC_METRICS_BIND=\"%s\": expected HOST:PORT with an IPv4 address", bind);
        return NULL;
    }
    stats_http_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG,
                                    ntohs(addr.sin_port), NULL, NULL, on_request, metrics,
                                    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
                                    MHD_OPTION_CONNECTION_LIMIT, 32u,
                                    MHD_OPTION_CONNECTION_TIMEOUT, 10u,
                                    /* strict, as every gridcase HTTP door (gc_http_serve) */
                                    MHD_OPTION_STRICT_FOR_CLIENT, 1, MHD_OPTION_END);
    if (!self->daemon) {
        gc_log_error("GC_METRICS_BIND=\"%s\": cannot serve /metrics there", bind);
        free(self);
        return NULL;
    }
    return self;
}

void stats_http_destroy(stats_http_t **self)
{
    if (*self) {
        MHD_stop_daemon((*self)->daemon);
        free(*self);
        *self = NULL;
    }
}
