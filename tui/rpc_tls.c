/*
 * Owns the TUI's TLS state: the client context, the current connection's
 * engine and whether its server has been verified yet. Nothing is sealed
 * for the server before that, so a session token never reaches a server
 * whose certificate changed or that nobody agreed to trust.
 */
#include "rpc_tls.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>

#include "tls_pin.h"
#include "tls_pipe.h"
#include "xalloc.h"

struct rpc_tls {
	SSL_CTX *ctx;
	struct tls_pipe *pipe;
	char host[256];
	char server[300]; /* host:port, the known_servers key */
	int strict;       /* --ca given: verify or refuse, never pin */
	int verified;
	char trust[TLS_PIN_FP_SIZE]; /* --trust, normalised; "" if none */
	char fp[TLS_PIN_FP_SIZE];    /* the last unverified peer's */
};

int
rpc_tls_new(const char *host, int port, const char *ca_file, const char *trust,
            struct rpc_tls **out, struct pl_error *err)
{
	char fp[TLS_PIN_FP_SIZE] = "";
	SSL_CTX *ctx;

	*out = NULL;
	if (trust != NULL && *trust && tls_pin_normalize(trust, fp) != 0)
		return pl_error_set(err, PL_ERR_VALIDATION, "trust",
		                    "--trust needs a SHA-256 fingerprint "
		                    "(SHA256: and 64 hex digits), not '%s'",
		                    trust);
	if ((ctx = tls_ctx_client_pinning_new(ca_file, err)) == NULL)
		return err->code;
	*out = xcalloc(1, sizeof **out);
	(*out)->ctx = ctx;
	(*out)->strict = ca_file != NULL;
	memcpy((*out)->trust, fp, sizeof fp);
	snprintf((*out)->host, sizeof(*out)->host, "%s", host);
	snprintf((*out)->server, sizeof(*out)->server, "%s:%d", host, port);
	return 0;
}

void
rpc_tls_free(struct rpc_tls *t)
{
	if (t == NULL)
		return;
	tls_pipe_free(t->pipe);
	SSL_CTX_free(t->ctx);
	free(t);
}

char *
rpc_tls_begin(struct rpc_tls *t, size_t *len)
{
	struct pl_error err;

	tls_pipe_free(t->pipe);
	t->pipe = tls_pipe_new(t->ctx, 0);
	t->verified = 0;
	tls_pipe_set_host(t->pipe, t->host);
	pl_error_init(&err);
	tls_pipe_start(t->pipe, &err);
	return tls_pipe_take_output(t->pipe, len);
}

/* An unpinned certificate: pinned only when it is the --trust one. */
static int
trust_given(struct rpc_tls *t, const char *path, struct pl_error *err)
{
	if (t->trust[0] == '\0')
		return pl_error_set(
		    err, PL_ERR_FORBIDDEN, "certificate_unknown",
		    "the certificate of %s is not trusted yet (%s): start "
		    "padline on a terminal to review it, or pass --trust",
		    t->server, t->fp);
	if (strcmp(t->trust, t->fp) != 0)
		return pl_error_set(err, PL_ERR_FORBIDDEN, "trust_mismatch",
		                    "the certificate of %s is %s, not the "
		                    "--trust one (%s): refused, nothing pinned",
		                    t->server, t->fp, t->trust);
	return tls_pin_add(path, t->server, t->fp, err);
}

int
rpc_tls_input(struct rpc_tls *t, const char *in, size_t n, char **plain,
              size_t *plain_len, char **send, size_t *send_len, int *ready,
              struct pl_error *err)
{
	char *path;
	int closed, rc;

	*plain = *send = NULL;
	*plain_len = *send_len = 0;
	*ready = 0;
	rc = tls_pipe_feed(t->pipe, in, n, plain, plain_len, &closed, err);
	*send = tls_pipe_take_output(t->pipe, send_len);
	if (rc != 0)
		return rc;
	if (t->verified || !tls_pipe_handshake_done(t->pipe))
		return 0;
	if (t->strict && tls_pipe_verify_result(t->pipe) != X509_V_OK)
		return pl_error_set(
		    err, PL_ERR_FORBIDDEN, "certificate_unverified",
		    "the certificate of %s does not verify against --ca: %s",
		    t->server,
		    X509_verify_cert_error_string(
		        tls_pipe_verify_result(t->pipe)));
	path = tls_pin_path();
	rc = tls_pin_peer(t->pipe, t->server, path, t->fp, err);
	if (rc == TLS_PIN_UNKNOWN)
		rc = trust_given(t, path, err);
	free(path);
	if (rc != TLS_PIN_MATCH)
		return rc;
	t->verified = 1;
	*ready = 1;
	return 0;
}

int
rpc_tls_seal(struct rpc_tls *t, char **line, size_t *len)
{
	struct pl_error err;
	int rc;

	pl_error_init(&err);
	rc = tls_pipe_write(t->pipe, *line, *len, &err);
	free(*line);
	*line = tls_pipe_take_output(t->pipe, len);
	if (rc != 0 || *line == NULL) {
		free(*line);
		*line = NULL;
		return -1;
	}
	return 0;
}

const char *
rpc_tls_fingerprint(const struct rpc_tls *t)
{
	return t->fp;
}

const char *
rpc_tls_server(const struct rpc_tls *t)
{
	return t->server;
}
