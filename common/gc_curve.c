/* gc_curve: key files and socket options. */
#include "gc_curve.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

bool gc_curve_generate(const char *path, gc_curve_keys_t *keys, char *err, int errlen)
{
    if (zmq_curve_keypair(keys->public_key, keys->secret_key) != 0) {
        snprintf(err, errlen, "zmq_curve_keypair: %s (is libzmq built with CURVE?)",
                 zmq_strerror(errno));
        return false;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return false;
    }
    char line[42];
    snprintf(line, sizeof line, "%s\n", keys->secret_key);
    bool ok = write(fd, line, 41) == 41;
    ok = close(fd) == 0 && ok;
    if (!ok)
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
    return ok;
}

bool gc_curve_load(const char *path, gc_curve_keys_t *keys, char *err, int errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return false;
    }
    char line[64] = "";
    bool ok = fgets(line, sizeof line, f) != NULL;
    fclose(f);
    line[strcspn(line, "\r\n")] = '\0';
    ok = ok && strlen(line) == 40;
    if (ok) {
        memcpy(keys->secret_key, line, 41);
        ok = zmq_curve_public(keys->public_key, keys->secret_key) == 0;
    }
    if (!ok)
        snprintf(err, errlen, "%s: not a CURVE secret key (one line, 40 characters of Z85)", path);
    return ok;
}

bool gc_curve_server(void *socket, const gc_curve_keys_t *keys)
{
    int on = 1;
    return zmq_setsockopt(socket, ZMQ_CURVE_SERVER, &on, sizeof on) == 0
           && zmq_setsockopt(socket, ZMQ_CURVE_SECRETKEY, keys->secret_key, 40) == 0
           /* a ZAP domain: every connection is checked by the ZAP handler */
           && zmq_setsockopt(socket, ZMQ_ZAP_DOMAIN, "gridcase", 8) == 0;
}

bool gc_curve_client(void *socket, const gc_curve_keys_t *keys, const char *server_key)
{
    return server_key && strlen(server_key) == 40
           && zmq_setsockopt(socket, ZMQ_CURVE_SERVERKEY, server_key, 40) == 0
           && zmq_setsockopt(socket, ZMQ_CURVE_PUBLICKEY, keys->public_key, 40) == 0
           && zmq_setsockopt(socket, ZMQ_CURVE_SECRETKEY, keys->secret_key, 40) == 0;
}
