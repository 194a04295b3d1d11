/*
 * Owns the trust-on-first-use conversation: a blocking probe handshake
 * through rpc_tls (so it checks exactly what every later connection
 * checks), then the question on the terminal, or the refusal that says
 * how to trust the server without one.
 */
#include "trust.h"

#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "protocol.h"
#include "rpc_client.h"
#include "rpc_tls.h"
#include "term_safe.h"
#include "tls_pin.h"

#define PROBE_TIMEOUT_S 30
#define PROBE_UNREACHABLE (-1)

static int
probe_connect(const char *host, int port)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res, *ai;
	struct timeval tv = {PROBE_TIMEOUT_S, 0};
	char service[16];
	int fd = -1;

	snprintf(service, sizeof service, "%d", port);
	if (getaddrinfo(host, service, &hints, &res) != 0)
		return -1;
	for (ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
		if (fd < 0)
			continue;
		/* SO_SNDTIMEO bounds connect() too: a black hole ends. */
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	return fd;
}

static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* The handshake and the same checks as rpc_client's: 0 when the server
 * may be talked to, PROBE_UNREACHABLE, or rpc_tls's error. */
static int
probe(struct rpc_tls *t, const char *host, int port, struct pl_error *err)
{
	char buf[16384], *out, *plain;
	size_t n, plain_len;
	int fd = probe_connect(host, port), rc = 0, ready = 0;

	if (fd < 0)
		return PROBE_UNREACHABLE;
	out = rpc_tls_begin(t, &n);
	if (out == NULL || write_all(fd, out, n) != 0)
		rc = PROBE_UNREACHABLE;
	free(out);
	while (rc == 0 && !ready) {
		ssize_t r = read(fd, buf, sizeof buf);

		if (r <= 0) {
			rc = PROBE_UNREACHABLE;
			break;
		}
		rc = rpc_tls_input(t, buf, (size_t)r, &plain, &plain_len, &out,
		                   &n, &ready, err);
		if (out != NULL && write_all(fd, out, n) != 0 && rc == 0)
			rc = PROBE_UNREACHABLE;
		free(out);
		free(plain);
	}
	close(fd);
	return rc;
}

/* The certificate itself is refused (as opposed to the network failing). */
static int
is_refusal(const char *reason)
{
	return strncmp(reason, "certificate_", 12) == 0 ||
	       strcmp(reason, "trust_mismatch") == 0;
}

static int
refuse_unattended(struct rpc_tls *t, FILE *out)
{
	const char *fp = rpc_tls_fingerprint(t);

	fprintf(out,
	        "padline: the certificate of %s does not verify against a "
	        "CA and is not pinned yet;\n"
	        "its SHA-256 fingerprint is %s.\n"
	        "Without a terminal padline cannot ask: compare it with the "
	        "server's\n"
	        "(openssl x509 -noout -fingerprint -sha256 -in CERT, or "
	        "padlined's \"TLS enabled\" log line)\n"
	        "and pass --trust %s (or PADLINE_TLS_TRUST) to pin it.\n",
	        rpc_tls_server(t), fp, fp);
	return TRUST_REFUSED_EXIT;
}

static int
ask(struct rpc_tls *t, FILE *in, FILE *out)
{
	const char *server = rpc_tls_server(t);
	char answer[64] = "", *path = tls_pin_path();
	struct pl_error err;
	int rc = TRUST_REFUSED_EXIT;

	fprintf(out,
	        "The authenticity of server %s can't be established.\n"
	        "Its certificate does not verify against the system CAs.\n"
	        "SHA256 fingerprint is %s.\n"
	        "Trust it and pin it in %s (yes/no)? ",
	        server, rpc_tls_fingerprint(t), path);
	fflush(out);
	if (fgets(answer, sizeof answer, in) == NULL)
		fputc('\n', out);
	answer[strcspn(answer, "\r\n")] = '\0';
	pl_error_init(&err);
	if (strcmp(answer, "yes") != 0)
		fprintf(out, "padline: %s not trusted: nothing pinned\n",
		        server);
	else if (tls_pin_add(path, server, rpc_tls_fingerprint(t), &err) != 0)
		term_safe_println(out, "padline: %s", err.message);
	else {
		fprintf(out, "padline: pinned %s in %s\n", server, path);
		rc = 0;
	}
	pl_error_clear(&err);
	free(path);
	return rc;
}

int
trust_server(const char *server, FILE *in, FILE *out, int interactive)
{
	struct rpc_tls *t;
	struct pl_error err;
	char host[256];
	int port, rc;

	if (strncmp(server, "tls://", 6) != 0)
		return 0;
	if (rpc_parse_addr(server, host, sizeof host, &port, PL_DEFAULT_PORT))
		return 0; /* the caller says it is a bad address */
	pl_error_init(&err);
	if (rpc_tls_new(host, port, getenv("PADLINE_CA"),
	                getenv("PADLINE_TLS_TRUST"), &t, &err) != 0) {
		term_safe_println(out, "padline: %s", err.message);
		pl_error_clear(&err);
		return 2;
	}
	rc = probe(t, host, port, &err);
	if (rc != 0 && strcmp(err.reason, "certificate_unknown") == 0)
		rc = interactive ? ask(t, in, out) : refuse_unattended(t, out);
	else if (rc != 0 && is_refusal(err.reason)) {
		term_safe_println(out, "padline: %s", err.message);
		rc = TRUST_REFUSED_EXIT;
	} else /* unreachable, not TLS...: the client says so and retries */
		rc = 0;
	pl_error_clear(&err);
	rpc_tls_free(t);
	return rc;
}
