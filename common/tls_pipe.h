/*
 * A TLS engine with no socket: OpenSSL 3 over memory BIOs, so the caller's
 * event loop (libuv) moves the bytes. Feed it ciphertext from the network
 * and get plaintext back; give it plaintext and take the ciphertext to send.
 * Plaintext written before the handshake ends is queued and sealed then.
 * TLS 1.2 is the minimum.
 */
#ifndef PL_TLS_PIPE_H
#define PL_TLS_PIPE_H

#include <stddef.h>

#include <openssl/ssl.h>

#include "pl_error.h"

struct tls_pipe;

/* A server context from PEM files; NULL with err set (files named). */
SSL_CTX *tls_ctx_server_new(const char *cert_file, const char *key_file,
                            struct pl_error *);
/* A client context verifying the peer against ca_file (PEM), or against
 * nothing (accepts any certificate) when ca_file is NULL. */
SSL_CTX *tls_ctx_client_new(const char *ca_file, struct pl_error *);

/* A client context that completes the handshake whatever the chain and
 * records the verdict (tls_pipe_verify_result) against ca_file or the
 * system CAs, for callers that pin unverified certificates. */
SSL_CTX *tls_ctx_client_pinning_new(const char *ca_file, struct pl_error *);

/* One connection's engine; the context stays the caller's. */
struct tls_pipe *tls_pipe_new(SSL_CTX *, int is_server);
void tls_pipe_free(struct tls_pipe *);
/* A client sends its hello: call once, then take the output. */
int tls_pipe_start(struct tls_pipe *, struct pl_error *);
/*
 * n bytes of ciphertext in; the plaintext they complete is appended to
 * *plain (grown with xrealloc, *plain_len updated). Returns 0, or
 * PL_ERR_UNAVAILABLE on a fatal TLS error (message from OpenSSL; an alert
 * may still be waiting in the output). *closed is set once the peer sent
 * close_notify.
 */
int tls_pipe_feed(struct tls_pipe *, const void *in, size_t n, char **plain,
                  size_t *plain_len, int *closed, struct pl_error *);
/* Plaintext to seal; 0 or PL_ERR_UNAVAILABLE. */
int tls_pipe_write(struct tls_pipe *, const void *data, size_t n,
                   struct pl_error *);
/* Queues close_notify (then take the output and close the socket). */
void tls_pipe_close(struct tls_pipe *);
/* The ciphertext ready to send (malloc'd, *len bytes), NULL if none. */
char *tls_pipe_take_output(struct tls_pipe *, size_t *len);
int tls_pipe_handshake_done(const struct tls_pipe *);
/* The peer's certificate chain verification result (X509_V_OK = 0). */
long tls_pipe_verify_result(const struct tls_pipe *);
/* A client checks the server's name too (before tls_pipe_start). */
void tls_pipe_set_host(struct tls_pipe *, const char *host);
/* The peer's certificate (X509_free it), NULL if none. */
X509 *tls_pipe_peer_cert(const struct tls_pipe *);

#endif
