/* gc_http: listening addresses and process metrics for the HTTP endpoints. */
#include "gc_http.h"

#include "gc_daemon.h"
#include "gc_log.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

bool gc_http_address(const char *bind, struct sockaddr_in *addr)
{
    const char *colon = strrchr(bind, ':');
    char *end = NULL;
    long port = colon ? strtol(colon + 1, &end, 10) : 0;
    memset(addr, 0, sizeof *addr);
    addr->sin_family = AF_INET;
    addr->sin_port = htons((uint16_t)port);
    char host[64] = "0.0.0.0";
    if (colon && colon > bind && (size_t)(colon - bind) < sizeof host)
        snprintf(host, sizeof host, "%.*s", (int)(colon - bind), bind);
    return colon && end && !*end && port > 0 && port <= 65535
           && inet_pton(AF_INET, host, &addr->sin_addr) == 1;
}

/* The process_* figures from /proc: a few system calls, about 50 us a scrape. */
char *gc_http_process_metrics(const char *daemon)
{
    long page = sysconf(_SC_PAGESIZE), ticks = sysconf(_SC_CLK_TCK);
    unsigned long vsize = 0, utime = 0, stime = 0;
    unsigned long long start = 0;
    long rss = 0;
    FILE *f = fopen("/proc/self/stat", "r");
    if (f) {
        /* fields 14, 15 (utime, stime), 22 (starttime), 23 (vsize), 24 (rss); the command
         * name (field 2) may hold spaces, so skip past its closing parenthesis */
        char line[1024];
        if (fgets(line, sizeof line, f)) {
            char *p = strrchr(line, ')');
            if (p
                && sscanf(p + 2,
                          "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu %*d %*d %*d %*d "
                          "%*d %*d %llu %lu %ld",
                          &utime, &stime, &start, &vsize, &rss)
                       != 5)
                utime = stime = 0;
        }
        fclose(f);
    }
    long long boot = 0;
    f = fopen("/proc/stat", "r");
    if (f) {
        char line[256];
        while (fgets(line, sizeof line, f))
            if (sscanf(line, "btime %lld", &boot) == 1)
                break;
        fclose(f);
    }
    int fds = 0;
    DIR *d = opendir("/proc/self/fd");
    if (d) {
        for (struct dirent *e; (e = readdir(d));)
            fds += e->d_name[0] != '.';
        closedir(d);
        fds--; /* the directory stream's own descriptor */
    }
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    if (!out)
        return NULL;
    fprintf(out,
        "# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n"
        "# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total %.2f\n"
        "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
        "# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes %ld\n"
        "# HELP process_virtual_memory_bytes Virtual memory size in bytes.\n"
        "# TYPE process_virtual_memory_bytes gauge\nprocess_virtual_memory_bytes %lu\n"
        "# HELP process_open_fds Number of open file descriptors.\n"
        "# TYPE process_open_fds gauge\nprocess_open_fds %d\n"
        "# HELP process_start_time_seconds Start time of the process since unix epoch.\n"
        "# TYPE process_start_time_seconds gauge\nprocess_start_time_seconds %.2f\n",
        (double)(utime + stime) / (double)ticks, rss * page, vsize, fds,
        (double)boot + (double)start / (double)ticks);
    fprintf(out,
            "# HELP gridcase_build_info The running gridcase release.\n"
            "# TYPE gridcase_build_info gauge\ngridcase_build_info{version=\"%s\",daemon=\"%s\"}"
            " 1\n",
            GC_VERSION, daemon);
    if (fclose(out) != 0) {
        free(text);
        return NULL;
    }
    return text;
}

struct MHD_Daemon *gc_http_serve(const char *setting, const char *bind, const char *what,
                                 unsigned max_connections, MHD_AccessHandlerCallback handler,
                                 void *cls, MHD_RequestCompletedCallback completed)
{
    struct sockaddr_in addr;
    if (!gc_http_address(bind, &addr)) {
        gc_log_error("%s=\"%s\": expected HOST:PORT with an IPv4 address", setting, bind);
        return NULL;
    }
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG,
        ntohs(addr.sin_port), NULL, NULL, handler, cls, MHD_OPTION_SOCK_ADDR,
        (struct sockaddr *)&addr, MHD_OPTION_CONNECTION_LIMIT, max_connections,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, max_connections / 4 ? max_connections / 4 : 1,
        MHD_OPTION_THREAD_STACK_SIZE, (size_t)256 * 1024, MHD_OPTION_CONNECTION_TIMEOUT, 30u,
        MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
        /* strict: an HTTP/1.1 request without Host, or with a space in its URL, gets 400
         * instead of being guessed at; every browser and HTTP library sends both right */
        MHD_OPTION_STRICT_FOR_CLIENT, 1, MHD_OPTION_END);
    if (!d)
        gc_log_error("%s=\"%s\": cannot serve %s there", setting, bind, what);
    return d;
}
