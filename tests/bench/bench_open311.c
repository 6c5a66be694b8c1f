/* gc-bench-open311: the Open311 gateway's figures for make bench. Over plain HTTP/1.1 with
 * keep-alive (a socket per connection, no HTTP library):
 *   posts   --connections clients POST requests.json (form data, each with its own
 *           Idempotency-Key) as fast as answers come, for --seconds: posts/s and their latency
 *   gets    GET requests/ID.json of the posted cases at --get-rate per second on one
 *           connection, for --seconds: latency p50/p99 (from the scheduled send, so a slow answer
 *           delays the next ones and counts against them too)
 * Prints nothing but the JSON (--json FILE): {posts_per_s, posts, post_errors, post_ms: {p50,
 * p99}, get_rate, gets, get_errors, get_ms: {p50, p99}}. Usage:
 *   gc-bench-open311 HOST:PORT API_KEY --seconds N --connections C --get-rate R --json FILE */
#define _GNU_SOURCE /* memmem, strcasestr */
#include "gc_clock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_SAMPLES 2000000

static struct sockaddr_in target;
static const char *api_key;
static long seconds = 10, connections = 16, get_rate = 200;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static double *post_ms, *get_ms;
static long posts, post_errors, gets, get_errors;
static char (*ids)[32];
static long nids;

static int dial(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&target, sizeof target) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Sends req and reads one response into body (size bytes); the status, or -1 (connection lost:
 * *fd closed and set to -1). */
static int exchange(int *fd, const char *req, char *body, size_t size)
{
    if (*fd < 0 && (*fd = dial()) < 0)
        return -1;
    size_t len = strlen(req), off = 0;
    while (off < len) {
        ssize_t n = write(*fd, req + off, len - off);
        if (n <= 0)
            goto lost;
        off += (size_t)n;
    }
    char buf[65536];
    size_t have = 0;
    char *end = NULL;
    while (!(end = memmem(buf, have, "\r\n\r\n", 4))) {
        ssize_t n = have < sizeof buf - 1 ? read(*fd, buf + have, sizeof buf - 1 - have) : 0;
        if (n <= 0)
            goto lost;
        have += (size_t)n;
    }
    buf[have] = '\0';
    int status = atoi(buf + 9);
    char *cl = strcasestr(buf, "Content-Length:");
    size_t want = cl && cl < end ? strtoul(cl + 15, NULL, 10) : 0;
    size_t got = have - (size_t)(end + 4 - buf);
    if (body && size)
        snprintf(body, size, "%.*s", (int)got, end + 4);
    while (got < want) {
        char skip[65536];
        ssize_t n = read(*fd, skip, want - got < sizeof skip ? want - got : sizeof skip);
        if (n <= 0)
            goto lost;
        got += (size_t)n;
    }
    char *close_it = strcasestr(buf, "Connection: close");
    if (close_it && close_it < end) { /* the server ends it: the next request dials again */
        close(*fd);
        *fd = -1;
    }
    return status;
lost:
    close(*fd);
    *fd = -1;
    return -1;
}

static void *poster(void *arg)
{
    long me = (long)arg, i = 0;
    int fd = -1;
    long until = gc_clock_monotonic_ms() + seconds * 1000;
    char req[1024], body[512];
    while (gc_clock_monotonic_ms() < until) {
        char form[400];
        int flen = snprintf(form, sizeof form,
                            "api_key=%s&service_code=drain_cover&lat=34.778&long=113.768"
                            "&description=bench+%ld+%ld",
                            api_key, me, i);
        snprintf(req, sizeof req,
                 "POST /open311/v2/requests.json HTTP/1.1\r\nHost: bench\r\n"
                 "Content-Type: application/x-www-form-urlencoded\r\nIdempotency-Key: "
                 "bench-%d-%ld-%ld\r\nContent-Length: %d\r\n\r\n%s",
                 (int)getpid(), me, i++, flen, form);
        long t0 = gc_clock_monotonic_us();
        int status = exchange(&fd, req, body, sizeof body);
        double ms = (double)(gc_clock_monotonic_us() - t0) / 1000;
        pthread_mutex_lock(&lock);
        if (status == 200) {
            if (posts < MAX_SAMPLES)
                post_ms[posts] = ms;
            posts++;
            char *id = strstr(body, "GC-");
            if (id && nids < MAX_SAMPLES)
                snprintf(ids[nids++], 32, "%.11s", id);
        } else
            post_errors++;
        pthread_mutex_unlock(&lock);
    }
    if (fd >= 0)
        close(fd);
    return NULL;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double pct(double *v, long n, double p)
{
    if (n == 0)
        return -1;
    long k = (long)(p * (double)(n - 1) + 0.5);
    return v[k];
}

int main(int argc, char **argv)
{
    const char *json = NULL;
    if (argc < 3) {
        fprintf(stderr, "usage: gc-bench-open311 HOST:PORT API_KEY [--seconds N] "
                        "[--connections C] [--get-rate R] --json FILE\n");
        return 2;
    }
    char host[64];
    const char *colon = strrchr(argv[1], ':');
    snprintf(host, sizeof host, "%.*s", colon ? (int)(colon - argv[1]) : 0, argv[1]);
    target.sin_family = AF_INET;
    target.sin_port = htons((uint16_t)(colon ? atoi(colon + 1) : 80));
    if (inet_pton(AF_INET, host, &target.sin_addr) != 1) {
        fprintf(stderr, "gc-bench-open311: %s: expected IPV4:PORT\n", argv[1]);
        return 2;
    }
    api_key = argv[2];
    for (int i = 3; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--seconds") == 0)
            seconds = atol(argv[i + 1]);
        else if (strcmp(argv[i], "--connections") == 0)
            connections = atol(argv[i + 1]);
        else if (strcmp(argv[i], "--get-rate") == 0)
            get_rate = atol(argv[i + 1]);
        else if (strcmp(argv[i], "--json") == 0)
            json = argv[i + 1];
    }
    if (!json || seconds < 1 || connections < 1 || connections > 1000 || get_rate < 1) {
        fprintf(stderr, "gc-bench-open311: bad arguments\n");
        return 2;
    }
    post_ms = calloc(MAX_SAMPLES, sizeof *post_ms);
    get_ms = calloc(MAX_SAMPLES, sizeof *get_ms);
    ids = calloc(MAX_SAMPLES, sizeof *ids);
    if (!post_ms || !get_ms || !ids)
        return 1;
    pthread_t *t = calloc((size_t)connections, sizeof *t);
    long start = gc_clock_monotonic_us();
    for (long i = 0; i < connections; i++)
        pthread_create(&t[i], NULL, poster, (void *)i);
    for (long i = 0; i < connections; i++)
        pthread_join(t[i], NULL);
    double post_s = (double)(gc_clock_monotonic_us() - start) / 1e6;
    if (nids == 0) {
        fprintf(stderr, "gc-bench-open311: no POST succeeded (%ld errors)\n", post_errors);
        return 1;
    }
    /* GETs at a fixed rate: request k is due at start + k / rate */
    int fd = -1;
    long g0 = gc_clock_monotonic_us(), total = seconds * get_rate;
    char req[256];
    for (long k = 0; k < total && gets < MAX_SAMPLES; k++) {
        long due = g0 + k * 1000000 / get_rate, now = gc_clock_monotonic_us();
        if (due > now)
            nanosleep(&(struct timespec){(due - now) / 1000000, (due - now) % 1000000 * 1000},
                      NULL);
        snprintf(req, sizeof req,
                 "GET /open311/v2/requests/%s.json HTTP/1.1\r\nHost: bench\r\n\r\n",
                 ids[k % nids]);
        int status = exchange(&fd, req, NULL, 0);
        if (status == 200)
            get_ms[gets++] = (double)(gc_clock_monotonic_us() - due) / 1000;
        else
            get_errors++;
    }
    if (fd >= 0)
        close(fd);
    qsort(post_ms, (size_t)(posts < MAX_SAMPLES ? posts : MAX_SAMPLES), sizeof *post_ms, cmp);
    qsort(get_ms, (size_t)gets, sizeof *get_ms, cmp);
    long np = posts < MAX_SAMPLES ? posts : MAX_SAMPLES;
    FILE *f = fopen(json, "w");
    if (!f)
        return 1;
    fprintf(f,
            "{\"connections\": %ld, \"seconds\": %ld, \"posts_per_s\": %.1f, \"posts\": %ld, "
            "\"post_errors\": %ld, \"post_ms\": {\"p50\": %.3f, \"p99\": %.3f}, "
            "\"get_rate\": %ld, \"gets\": %ld, \"get_errors\": %ld, "
            "\"get_ms\": {\"p50\": %.3f, \"p99\": %.3f}}\n",
            connections, seconds, (double)posts / post_s, posts, post_errors,
            pct(post_ms, np, 0.5), pct(post_ms, np, 0.99), get_rate, gets, get_errors,
            pct(get_ms, gets, 0.5), pct(get_ms, gets, 0.99));
    fclose(f);
    return 0;
}
