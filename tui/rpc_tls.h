/*
 * The client side of padline's TLS (--server tls://HOST:PORT): one engine
 * per connection over common/tls_pipe, the server's certificate verified
 * against --ca or the system CAs, otherwise looked up in known_servers and
 * refused if it is not pinned (unless it is the --trust one, then pinned)
 * or changed. trust.c asks the user before the first connection.
 * rpc_client.c calls it at connect, read and write.
 */
#ifndef PL_TUI_RPC_TLS_H
#define PL_TUI_RPC_TLS_H

#include <stddef.h>

#include "pl_error.h"

struct rpc_tls;

/* ca_file may be NULL (system CAs, then pinning); trust (may be NULL) is
 * the fingerprint an unpinned certificate may have to be pinned. 0 or an
 * error code (a malformed trust is PL_ERR_VALIDATION). */
int rpc_tls_new(const char *host, int port, const char *ca_file,
                const char *trust, struct rpc_tls **out, struct pl_error *);
void rpc_tls_free(struct rpc_tls *);
/* A new connection: a fresh engine; returns its hello to send (free()). */
char *rpc_tls_begin(struct rpc_tls *, size_t *len);
/*
 * Ciphertext in. *plain gets the plaintext (malloc'd or NULL), *send what
 * must be written back (malloc'd or NULL). *ready is set to 1 the moment the
 * server is verified or its pin matched (or was just added): only then may
 * requests be sent. Returns 0 or an error code (message for the user);
 * reason "certificate_unknown" when the certificate is neither verified nor
 * pinned and no --trust was given (rpc_tls_fingerprint says which).
 */
int rpc_tls_input(struct rpc_tls *, const char *in, size_t n, char **plain,
                  size_t *plain_len, char **send, size_t *send_len, int *ready,
                  struct pl_error *);
/* Replaces *line (freed) with its ciphertext; 0 or -1. */
int rpc_tls_seal(struct rpc_tls *, char **line, size_t *len);

/* "SHA256:..." of the last unverified certificate seen, "" if none. */
const char *rpc_tls_fingerprint(const struct rpc_tls *);
/* "host:port", the known_servers key. */
const char *rpc_tls_server(const struct rpc_tls *);

#endif
