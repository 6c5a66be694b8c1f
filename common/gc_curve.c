/* gc_curve: key files and socket options. */
#include "gc_curve.h"

#include "gc_msg.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

void gc_curve_public_path(const char *secret_path, char *out, size_t len)
{
    size_t n = strlen(secret_path);
    if (n > 4 && strcmp(secret_path + n - 4, ".key") == 0)
        snprintf(out, len, "%.*s.pub", (int)(n - 4), secret_path);
    else
        snprintf(out, len, "%s.pub", secret_path);
}

/* The public key beside the secret one: a client in any language then needs no X25519 code of
 * its own to derive it (zeromq.js, for one, cannot). Written after the secret key, so a secret
 * key that exists already never gets a .pub that does not match it. */
static bool write_public(const char *secret_path, const char *public_key, char *err, int errlen)
{
    char path[4096];
    gc_curve_public_path(secret_path, path, sizeof path);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    bool ok = fd >= 0 && fchmod(fd, 0644) == 0; /* whatever the umask: it is no secret */
    char line[42];
    snprintf(line, sizeof line, "%s\n", public_key);
    ok = ok && write(fd, line, 41) == 41;
    ok = (fd < 0 || close(fd) == 0) && ok;
    if (!ok)
        snprintf(err, errlen, "%s: %s (the secret key is in %s)", path, strerror(errno),
                 secret_path);
    return ok;
}

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
    if (!ok) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return false;
    }
    return write_public(path, keys->public_key, err, errlen);
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

bool gc_curve_server(void *socket, const gc_curve_keys_t *keys, const char *zap_domain)
{
    int on = 1;
    return zmq_setsockopt(socket, ZMQ_CURVE_SERVER, &on, sizeof on) == 0
           && zmq_setsockopt(socket, ZMQ_CURVE_SECRETKEY, keys->secret_key, 40) == 0
           /* the ZAP domain tells the handler which socket asks: a key may be let into one
            * socket and not another */
           && zmq_setsockopt(socket, ZMQ_ZAP_DOMAIN, zap_domain, strlen(zap_domain)) == 0;
}

bool gc_curve_client(void *socket, const gc_curve_keys_t *keys, const char *server_key)
{
    return server_key && strlen(server_key) == 40
           && zmq_setsockopt(socket, ZMQ_CURVE_SERVERKEY, server_key, 40) == 0
           && zmq_setsockopt(socket, ZMQ_CURVE_PUBLICKEY, keys->public_key, 40) == 0
           && zmq_setsockopt(socket, ZMQ_CURVE_SECRETKEY, keys->secret_key, 40) == 0;
}

bool gc_curve_client_setup(void *socket, const char *server_key, const char *client_key_file,
                           char *err, int errlen)
{
    if (!server_key || !*server_key)
        return true;
    gc_curve_keys_t keys;
    if (!client_key_file || !*client_key_file) {
        snprintf(err, errlen, "the server runs CurveZMQ, so GC_CLIENT_KEY_FILE must name this "
                              "client's key (gridctl client add NAME --sockets ... --key FILE)");
        return false;
    }
    if (!gc_curve_load(client_key_file, &keys, err, errlen))
        return false;
    if (!gc_curve_client(socket, &keys, server_key)) {
        snprintf(err, errlen, "\"%s\" is not a CURVE public key (40 characters of Z85)",
                 server_key);
        return false;
    }
    return true;
}

void *gc_curve_connect(void *ctx, int type, const char *endpoint, const char *server_key,
                       const char *client_key_file, long max_bytes, char *err, int errlen)
{
    void *s = gc_msg_socket_new(ctx, type, max_bytes);
    if (!s) {
        snprintf(err, errlen, "zmq_socket: %s", zmq_strerror(errno));
        return NULL;
    }
    if (!gc_curve_client_setup(s, server_key, client_key_file, err, errlen)) {
        zmq_close(s);
        return NULL;
    }
    if (zmq_connect(s, endpoint) != 0) {
        snprintf(err, errlen, "cannot connect to %s: %s", endpoint, zmq_strerror(errno));
        zmq_close(s);
        return NULL;
    }
    return s;
}
