/* gc_curve: CurveZMQ keys. A key file holds one line: a secret key in Z85 (40 characters); the
 * public key is derived from it, and written beside it when the pair is made (X.key: X.pub). Servers (intake, the event stream, routing's department socket,
 * the stats stream) check each client's public key with a ZAP handler (gc_zap): departments by
 * departments.public_key, other clients by socket_clients. */
#ifndef GC_CURVE_H
#define GC_CURVE_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    char public_key[41]; /* Z85 */
    char secret_key[41];
} gc_curve_keys_t;

/* Makes a new key pair and writes the secret key to path (mode 0600, refusing to overwrite), then
 * the public key beside it (gc_curve_public_path: mode 0644, one line of Z85, replacing a file
 * of that name). False with a message in err naming the file that could not be written. */
bool gc_curve_generate(const char *path, gc_curve_keys_t *keys, char *err, int errlen);

/* Where the public key of the secret key file secret_path goes: "X.key" gives "X.pub", any
 * other name gets ".pub" appended. */
void gc_curve_public_path(const char *secret_path, char *out, size_t len);

/* Reads a key file. */
bool gc_curve_load(const char *path, gc_curve_keys_t *keys, char *err, int errlen);

/* Makes socket a CURVE server with these keys whose clients the ZAP handler checks under
 * zap_domain (GC_ZAP_DOMAIN_*). Call before binding, after the handler is bound. */
bool gc_curve_server(void *socket, const gc_curve_keys_t *keys, const char *zap_domain);

/* Makes socket a CURVE client of the server with public key server_key. Call before connecting. */
bool gc_curve_client(void *socket, const gc_curve_keys_t *keys, const char *server_key);

/* Makes socket (not yet connected) a CURVE client of server_key with the key pair in
 * client_key_file; does nothing when server_key is "" or NULL (a plain server). False with a
 * message in err naming what was wrong. */
bool gc_curve_client_setup(void *socket, const char *server_key, const char *client_key_file,
                           char *err, int errlen);

/* A socket of this type connected to endpoint: plain when server_key is "" (or NULL), else a
 * CURVE client of server_key with the key pair in client_key_file. max_bytes > 0 sets
 * ZMQ_MAXMSGSIZE. NULL with a message in err naming what was wrong. */
void *gc_curve_connect(void *ctx, int type, const char *endpoint, const char *server_key,
                       const char *client_key_file, long max_bytes, char *err, int errlen);

#endif
