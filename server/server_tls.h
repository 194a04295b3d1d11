/*
 * TLS for padlined's listener (PADLINE_TLS_CERT / PADLINE_TLS_KEY): the
 * glue between common/tls_pipe and a client's libuv stream, so server.c only
 * calls two hooks: tls_conn_input in its read callback (ciphertext in,
 * plaintext out, handshake bytes written back) and tls_conn_seal in its
 * write function (plaintext line in, ciphertext out).
 */
#ifndef PL_SERVER_TLS_H
#define PL_SERVER_TLS_H

#include <stddef.h>
#include <uv.h>

#include "config.h"
#include "pl_error.h"

struct server_tls;
struct tls_conn;

/*
 * *out = NULL when no certificate is configured (plaintext listener; logs a
 * warning when the address is not loopback). Fails on unreadable files or a
 * key that does not match.
 */
int server_tls_new(const struct config *, struct server_tls **out,
                   struct pl_error *);
void server_tls_free(struct server_tls *);
/* A connection's TLS state, or NULL on a plaintext listener. */
struct tls_conn *server_tls_accept(struct server_tls *, uv_stream_t *,
                                   const char *peer);
void tls_conn_free(struct tls_conn *);
/*
 * Ciphertext in (n bytes); *plain (malloc'd or NULL) and *plain_len get the
 * plaintext. Returns 0, or when the connection must be closed -1 (a TLS
 * error) or TLS_CONN_PLAINTEXT (a client speaking plaintext, told so in one
 * plaintext JSON-RPC error line: a refused request).
 */
#define TLS_CONN_PLAINTEXT (-2)
int tls_conn_input(struct tls_conn *, const char *in, size_t n, char **plain,
                   size_t *plain_len);
/* Replaces *line (freed) with its ciphertext: 0, 1 when nothing is to be
 * sent yet (handshake unfinished: sealed later), or -1 to close. */
int tls_conn_seal(struct tls_conn *, char **line, size_t *len);

#endif
