/*
 * Owns the listener's SSL_CTX and each connection's tls_pipe, and writes
 * the bytes TLS produces on its own (handshake records, alerts) to the
 * client's stream. A first byte that cannot start a TLS record means a
 * plaintext client: it gets one clear JSON-RPC error line, then is closed.
 */
#include "server_tls.h"

#include <stdlib.h>
#include <string.h>

#include "jsonrpc.h"
#include "log.h"
#include "tls_pin.h"
#include "tls_pipe.h"
#include "xalloc.h"

#define TLS_RECORD_HANDSHAKE 0x16

struct server_tls {
	SSL_CTX *ctx;
};

struct tls_conn {
	struct tls_pipe *pipe;
	uv_stream_t *stream;
	char peer[64];
	int seen_input;
};

struct tls_write {
	uv_write_t req;
	char *buf;
};

static int
is_loopback(const char *host)
{
	return strncmp(host, "127.", 4) == 0 || strcmp(host, "::1") == 0 ||
	       strcmp(host, "localhost") == 0;
}

int
server_tls_new(const struct config *cfg, struct server_tls **out,
               struct pl_error *err)
{
	char fp[TLS_PIN_FP_SIZE] = "";
	SSL_CTX *ctx;
	X509 *cert;

	*out = NULL;
	if (cfg->tls_cert == NULL) {
		if (!is_loopback(cfg->listen_host))
			log_warn("listening without TLS on a non-loopback "
			         "address: passwords and session tokens "
			         "cross the network in clear",
			         "addr=%s:%d hint=%s", cfg->listen_host,
			         cfg->listen_port,
			         "set PADLINE_TLS_CERT and PADLINE_TLS_KEY");
		return 0;
	}
	if ((ctx = tls_ctx_server_new(cfg->tls_cert, cfg->tls_key, err)) ==
	    NULL)
		return err->code;
	*out = xcalloc(1, sizeof **out);
	(*out)->ctx = ctx;
	/* What clients are asked to trust (padline --trust) when the
	 * certificate does not verify against a CA they know. */
	if ((cert = SSL_CTX_get0_certificate(ctx)) != NULL)
		tls_pin_fingerprint(cert, fp);
	log_info("TLS enabled", "cert=%s fingerprint=%s", cfg->tls_cert, fp);
	return 0;
}

void
server_tls_free(struct server_tls *t)
{
	if (t == NULL)
		return;
	SSL_CTX_free(t->ctx);
	free(t);
}

struct tls_conn *
server_tls_accept(struct server_tls *t, uv_stream_t *stream, const char *peer)
{
	struct tls_conn *c;

	if (t == NULL)
		return NULL;
	c = xcalloc(1, sizeof *c);
	c->pipe = tls_pipe_new(t->ctx, 1);
	c->stream = stream;
	snprintf(c->peer, sizeof c->peer, "%s", peer);
	return c;
}

void
tls_conn_free(struct tls_conn *c)
{
	if (c == NULL)
		return;
	tls_pipe_free(c->pipe);
	free(c);
}

static void
on_tls_write(uv_write_t *req, int status)
{
	struct tls_write *w = (struct tls_write *)req;

	(void)status; /* a failed write surfaces as a read error */
	free(w->buf);
	free(w);
}

/* Sends what the engine produced by itself (handshake, alerts). */
static void
flush_output(struct tls_conn *c)
{
	struct tls_write *w;
	uv_buf_t b;
	size_t n;
	char *out = tls_pipe_take_output(c->pipe, &n);

	if (out == NULL)
		return;
	w = xcalloc(1, sizeof *w);
	w->buf = out;
	b = uv_buf_init(out, (unsigned)n);
	if (uv_write(&w->req, c->stream, &b, 1, on_tls_write) != 0) {
		free(out);
		free(w);
	}
}

/* Written synchronously: the connection is closed right after. */
static void
refuse_plaintext(struct tls_conn *c)
{
	struct pl_error err;
	size_t len = 0;
	char *line;
	uv_buf_t b;

	pl_error_init(&err);
	pl_error_set(&err, PL_ERR_INVALID_REQUEST, "tls_required",
	             "this server speaks TLS only: connect with tls://");
	line = jsonrpc_error_line(NULL, &err, &len);
	if (line != NULL) {
		b = uv_buf_init(line, (unsigned)len);
		(void)uv_try_write(c->stream, &b, 1);
	}
	free(line);
	log_info("plaintext client refused", "peer=%s", c->peer);
}

int
tls_conn_input(struct tls_conn *c, const char *in, size_t n, char **plain,
               size_t *plain_len)
{
	struct pl_error err;
	int closed, rc;

	*plain = NULL;
	*plain_len = 0;
	if (!c->seen_input && n > 0) {
		c->seen_input = 1;
		if ((unsigned char)in[0] != TLS_RECORD_HANDSHAKE) {
			refuse_plaintext(c);
			return TLS_CONN_PLAINTEXT;
		}
	}
	pl_error_init(&err);
	rc = tls_pipe_feed(c->pipe, in, n, plain, plain_len, &closed, &err);
	flush_output(c);
	if (rc != 0) {
		log_info("TLS connection failed", "peer=%s error=%s", c->peer,
		         err.message);
		free(*plain);
		*plain = NULL;
		*plain_len = 0;
		return -1;
	}
	return 0;
}

int
tls_conn_seal(struct tls_conn *c, char **line, size_t *len)
{
	struct pl_error err;
	int rc;

	pl_error_init(&err);
	rc = tls_pipe_write(c->pipe, *line, *len, &err);
	free(*line);
	*line = tls_pipe_take_output(c->pipe, len);
	if (rc != 0) {
		log_info("TLS write failed", "peer=%s error=%s", c->peer,
		         err.message);
		free(*line);
		*line = NULL;
		return -1;
	}
	return *line == NULL ? 1 : 0;
}
