/* gc_curve: CurveZMQ keys for the department socket. A key file holds one line: a secret key in
 * Z85 (40 characters); the public key is derived from it. Departments are told apart by their
 * public keys (departments.public_key), checked by routing's ZAP handler. */
#ifndef GC_CURVE_H
#define GC_CURVE_H

#include <stdbool.h>

typedef struct {
    char public_key[41]; /* Z85 */
    char secret_key[41];
} gc_curve_keys_t;

/* Makes a new key pair and writes the secret key to path (mode 0600, refusing to overwrite). */
bool gc_curve_generate(const char *path, gc_curve_keys_t *keys, char *err, int errlen);

/* Reads a key file. */
bool gc_curve_load(const char *path, gc_curve_keys_t *keys, char *err, int errlen);

/* Makes socket a CURVE server with these keys. Call before binding. */
bool gc_curve_server(void *socket, const gc_curve_keys_t *keys);

/* Makes socket a CURVE client of the server with public key server_key. Call before connecting. */
bool gc_curve_client(void *socket, const gc_curve_keys_t *keys, const char *server_key);

#endif
