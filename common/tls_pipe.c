/*
 * Owns the OpenSSL state of one TLS connection and the bytes queued on
 * either side of it (memory BIOs in and out, plaintext waiting for the
 * handshake). No I/O and no event loop here: see tls_pipe.h.
 */
#include "tls_pipe.h"

#include <arpa/inet.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "xalloc.h"

struct tls_pipe {
	SSL *ssl;
	BIO *rbio;    /* network -> SSL */
	BIO *wbio;    /* SSL -> network */
	char *queued; /* plaintext written before the handshake ended */
	size_t nqueued;
	int done;
};

static int
tls_fail(struct pl_error *err, const char *what)
{
	unsigned long e = ERR_get_error();
	char buf[200];

	if (e)
		ERR_error_string_n(e, buf, sizeof buf);
	else
		snprintf(buf, sizeof buf, "no detail");
	ERR_clear_error();
	return pl_error_set(err, PL_ERR_UNAVAILABLE, "tls", "%s: %s", what,
	                    buf);
}

SSL_CTX *
tls_ctx_server_new(const char *cert_file, const char *key_file,
                   struct pl_error *err)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

	if (ctx == NULL) {
		tls_fail(err, "TLS context");
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert_file) != 1) {
		tls_fail(err, cert_file);
		SSL_CTX_free(ctx);
		return NULL;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key_file, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		tls_fail(err, key_file);
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

SSL_CTX *
tls_ctx_client_new(const char *ca_file, struct pl_error *err)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (ctx == NULL) {
		tls_fail(err, "TLS context");
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	if (ca_file != NULL) {
		if (SSL_CTX_load_verify_locations(ctx, ca_file, NULL) != 1) {
			tls_fail(err, ca_file);
			SSL_CTX_free(ctx);
			return NULL;
		}
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	}
	return ctx;
}

SSL_CTX *
tls_ctx_client_pinning_new(const char *ca_file, struct pl_error *err)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (ctx == NULL) {
		tls_fail(err, "TLS context");
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	if (ca_file ? SSL_CTX_load_verify_locations(ctx, ca_file, NULL) != 1
	            : SSL_CTX_set_default_verify_paths(ctx) != 1) {
		tls_fail(err, ca_file ? ca_file : "system CAs");
		SSL_CTX_free(ctx);
		return NULL;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	return ctx;
}

struct tls_pipe *
tls_pipe_new(SSL_CTX *ctx, int is_server)
{
	struct tls_pipe *p = xcalloc(1, sizeof *p);

	p->ssl = SSL_new(ctx);
	if (p->ssl == NULL)
		abort(); /* only out of memory */
	p->rbio = BIO_new(BIO_s_mem());
	p->wbio = BIO_new(BIO_s_mem());
	if (p->rbio == NULL || p->wbio == NULL)
		abort();
	BIO_set_mem_eof_return(p->rbio, -1); /* empty = retry, not EOF */
	SSL_set_bio(p->ssl, p->rbio, p->wbio);
	SSL_set_mode(p->ssl, SSL_MODE_ENABLE_PARTIAL_WRITE |
	                         SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	if (is_server)
		SSL_set_accept_state(p->ssl);
	else
		SSL_set_connect_state(p->ssl);
	return p;
}

void
tls_pipe_free(struct tls_pipe *p)
{
	if (p == NULL)
		return;
	SSL_free(p->ssl); /* frees both BIOs */
	free(p->queued);
	free(p);
}

/* Advances the handshake; 0 while in progress or done. */
static int
handshake(struct tls_pipe *p, struct pl_error *err)
{
	int r, e;

	if (p->done)
		return 0;
	r = SSL_do_handshake(p->ssl);
	if (r == 1) {
		p->done = 1;
		return 0;
	}
	e = SSL_get_error(p->ssl, r);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
		return 0;
	return tls_fail(err, "TLS handshake");
}

static int
seal(struct tls_pipe *p, const char *data, size_t n, struct pl_error *err)
{
	while (n > 0) {
		int r = SSL_write(p->ssl, data, n > INT_MAX ? INT_MAX : (int)n);

		if (r <= 0)
			return tls_fail(err, "TLS write");
		data += r;
		n -= (size_t)r;
	}
	return 0;
}

static int
flush_queued(struct tls_pipe *p, struct pl_error *err)
{
	int rc;

	if (!p->done || p->nqueued == 0)
		return 0;
	rc = seal(p, p->queued, p->nqueued, err);
	free(p->queued);
	p->queued = NULL;
	p->nqueued = 0;
	return rc;
}

int
tls_pipe_start(struct tls_pipe *p, struct pl_error *err)
{
	return handshake(p, err);
}

int
tls_pipe_feed(struct tls_pipe *p, const void *in, size_t n, char **plain,
              size_t *plain_len, int *closed, struct pl_error *err)
{
	char buf[16384];
	int r, e, rc;

	*closed = 0;
	if (n > 0 && BIO_write(p->rbio, in, (int)n) != (int)n)
		return tls_fail(err, "TLS input");
	if ((rc = handshake(p, err)) != 0)
		return rc;
	if (!p->done)
		return 0;
	if ((rc = flush_queued(p, err)) != 0)
		return rc;
	for (;;) {
		r = SSL_read(p->ssl, buf, sizeof buf);
		if (r > 0) {
			*plain = xrealloc(*plain, *plain_len + (size_t)r + 1);
			memcpy(*plain + *plain_len, buf, (size_t)r);
			*plain_len += (size_t)r;
			/* Nothing left to decrypt: spare the SSL_read that
			 * would only say WANT_READ (one per request). */
			if (BIO_ctrl_pending(p->rbio) == 0 &&
			    SSL_pending(p->ssl) == 0)
				return 0;
			continue;
		}
		e = SSL_get_error(p->ssl, r);
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
			return 0;
		if (e == SSL_ERROR_ZERO_RETURN) {
			*closed = 1;
			return 0;
		}
		return tls_fail(err, "TLS read");
	}
}

int
tls_pipe_write(struct tls_pipe *p, const void *data, size_t n,
               struct pl_error *err)
{
	if (!p->done) {
		p->queued = xrealloc(p->queued, p->nqueued + n + 1);
		memcpy(p->queued + p->nqueued, data, n);
		p->nqueued += n;
		return 0;
	}
	return seal(p, data, n, err);
}

void
tls_pipe_close(struct tls_pipe *p)
{
	if (p->done)
		SSL_shutdown(p->ssl);
	ERR_clear_error();
}

char *
tls_pipe_take_output(struct tls_pipe *p, size_t *len)
{
	size_t n = BIO_ctrl_pending(p->wbio);
	char *out;

	*len = 0;
	if (n == 0)
		return NULL;
	out = xmalloc(n);
	*len = (size_t)BIO_read(p->wbio, out, (int)n);
	return out;
}

int
tls_pipe_handshake_done(const struct tls_pipe *p)
{
	return p->done;
}

long
tls_pipe_verify_result(const struct tls_pipe *p)
{
	return SSL_get_verify_result(p->ssl);
}

void
tls_pipe_set_host(struct tls_pipe *p, const char *host)
{
	unsigned char ip[16];

	/* An address literal is matched against IP SANs, a name against
	 * DNS SANs. */
	if (inet_pton(AF_INET, host, ip) == 1 ||
	    inet_pton(AF_INET6, host, ip) == 1)
		X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(p->ssl), host);
	else {
		SSL_set1_host(p->ssl, host);
		SSL_set_tlsext_host_name(p->ssl, host);
	}
}

X509 *
tls_pipe_peer_cert(const struct tls_pipe *p)
{
	return SSL_get1_peer_certificate(p->ssl);
}
