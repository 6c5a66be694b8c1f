/* gc_http: listening addresses for the HTTP endpoints. */
#include "gc_http.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
