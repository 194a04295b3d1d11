/*
 * What TLS costs padlined: the same load against a plaintext and a TLS
 * listener of one deployment, in one run. C connections (default 16) each
 * loop server.health, then pad.create (signed in), for N seconds per phase;
 * the two modes alternate in 10 slices so background load hits both alike;
 * then H threads open TLS connections as fast as they can (connect, full
 * handshake, close) for N seconds. Connections are set up before timing, so
 * the throughput phases compare steady state.
 *   bench_tls --port P --tls-port T --user U --password PW
 *             [--clients C] [--seconds N] [--handshake-threads H]
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "bench_net.h"

#define SLICES 10 /* per method and mode */

struct conn {
	int fd;
	SSL *ssl; /* NULL: plaintext */
	char buf[65536];
	size_t have;
};

struct worker {
	pthread_t th;
	struct conn c;
	int idx;
	const char *method; /* "server.health" or "pad.create" */
	long long ops, errors;
};

static int seconds = 10, clients = 16, hs_threads = 4;
static const char *user, *password;
static SSL_CTX *ctx;
static char token[256];
static volatile long long deadline_us;

static int
conn_open(struct conn *c, int port, int tls)
{
	memset(c, 0, sizeof *c);
	if ((c->fd = bench_connect(port, 1)) < 0)
		return -1;
	if (!tls)
		return 0;
	c->ssl = SSL_new(ctx);
	SSL_set_fd(c->ssl, c->fd);
	return SSL_connect(c->ssl) == 1 ? 0 : -1;
}

static void
conn_close(struct conn *c)
{
	if (c->ssl) {
		SSL_free(c->ssl);
		c->ssl = NULL;
	}
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	ERR_clear_error();
}

/* Sends one line, reads one reply line into c->buf. 0 or -1. */
static int
roundtrip(struct conn *c, const char *req, size_t len)
{
	char *nl;
	long n;

	while (len > 0) {
		n = c->ssl ? SSL_write(c->ssl, req, (int)len)
		           : send(c->fd, req, len, MSG_NOSIGNAL);
		if (n <= 0)
			return -1;
		req += n;
		len -= (size_t)n;
	}
	c->have = 0;
	for (;;) {
		size_t room = sizeof c->buf - 1 - c->have;

		n = c->ssl ? SSL_read(c->ssl, c->buf + c->have, (int)room)
		           : recv(c->fd, c->buf + c->have, room, 0);
		if (n <= 0)
			return -1;
		c->have += (size_t)n;
		c->buf[c->have] = '\0';
		if ((nl = memchr(c->buf, '\n', c->have)) != NULL) {
			*nl = '\0';
			return 0;
		}
		if (c->have == sizeof c->buf - 1)
			return -1;
	}
}

static int
sign_in(struct conn *c)
{
	char req[1024], *p, *e;
	int n;

	if (token[0]) {
		n = snprintf(req, sizeof req,
		             "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
		             "\"session.resume\",\"params\":{\"token\":"
		             "\"%s\"}}\n",
		             token);
		return roundtrip(c, req, (size_t)n) == 0 &&
		               strstr(c->buf, "\"error\"") == NULL
		           ? 0
		           : -1;
	}
	n = snprintf(req, sizeof req,
	             "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
	             "\"session.login\",\"params\":{\"username\":\"%s\","
	             "\"password\":\"%s\"}}\n",
	             user, password);
	if (roundtrip(c, req, (size_t)n) != 0 ||
	    (p = strstr(c->buf, "\"token\":\"")) == NULL)
		return -1;
	p += 9;
	if ((e = strchr(p, '"')) == NULL || (size_t)(e - p) >= sizeof token)
		return -1;
	memcpy(token, p, (size_t)(e - p));
	return 0;
}

static void *
worker_run(void *arg)
{
	struct worker *w = arg;
	char req[512];
	long long seq = 0;
	int n;

	while (bench_now_us() < deadline_us) {
		if (strcmp(w->method, "pad.create") == 0)
			n = snprintf(req, sizeof req,
			             "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":"
			             "\"pad.create\",\"params\":{\"display_"
			             "name\":\"tls %d %d %lld %lld\",\"data\":"
			             "{\"n\":%lld}}}\n",
			             (int)getpid(), w->idx, bench_now_us(), seq,
			             seq);
		else
			n = snprintf(req, sizeof req,
			             "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":"
			             "\"server.health\"}\n");
		seq++;
		if (roundtrip(&w->c, req, (size_t)n) != 0) {
			w->errors++;
			break;
		}
		if (strstr(w->c.buf, "\"error\""))
			w->errors++;
		else
			w->ops++;
	}
	return NULL;
}

/* One phase: C prepared connections loop method for seconds. */
/* One slice: C prepared connections loop method for us microseconds;
 * adds the operations done and the time taken. */
static void
slice(struct worker *ws, const char *method, long long us, long long *ops,
      long long *spent, long long *errors)
{
	long long t0 = bench_now_us();

	deadline_us = t0 + us;
	for (int i = 0; i < clients; i++) {
		ws[i].method = method;
		ws[i].ops = ws[i].errors = 0;
		pthread_create(&ws[i].th, NULL, worker_run, &ws[i]);
	}
	for (int i = 0; i < clients; i++) {
		pthread_join(ws[i].th, NULL);
		*ops += ws[i].ops;
		*errors += ws[i].errors;
	}
	*spent += bench_now_us() - t0;
}

struct hs {
	pthread_t th;
	int port;
	long long n, failed;
};

static void *
hs_run(void *arg)
{
	struct hs *h = arg;
	struct conn c;

	while (bench_now_us() < deadline_us) {
		if (conn_open(&c, h->port, 1) == 0)
			h->n++;
		else
			h->failed++;
		conn_close(&c);
	}
	return NULL;
}

int
main(int argc, char **argv)
{
	int port = 0, tls_port = 0;
	double rate[2][2];
	long long errs[2][2], hs_n = 0, hs_failed = 0, t0;
	const char *methods[2] = {"server.health", "pad.create"};
	struct worker *ws[2];
	struct hs *hs;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--port"))
			port = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--tls-port"))
			tls_port = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--user"))
			user = argv[i + 1];
		else if (!strcmp(argv[i], "--password"))
			password = argv[i + 1];
		else if (!strcmp(argv[i], "--clients"))
			clients = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--seconds"))
			seconds = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--handshake-threads"))
			hs_threads = atoi(argv[i + 1]);
	}
	if (!port || !tls_port || !user || !password || clients < 1) {
		fprintf(stderr, "usage: bench_tls --port P --tls-port T --user "
		                "U --password PW [--clients C] [--seconds N] "
		                "[--handshake-threads H]\n");
		return 2;
	}
	ctx = SSL_CTX_new(TLS_client_method()); /* self-signed: no verify */
	for (int tls = 0; tls < 2; tls++) {
		ws[tls] = calloc((size_t)clients, sizeof **ws);
		for (int i = 0; i < clients; i++) {
			ws[tls][i].idx = i;
			if (conn_open(&ws[tls][i].c, tls ? tls_port : port,
			              tls) ||
			    sign_in(&ws[tls][i].c)) {
				fprintf(stderr,
				        "bench_tls: cannot connect or "
				        "sign in (%s)\n",
				        tls ? "tls" : "plain");
				return 1;
			}
		}
	}
	/* Plain and TLS alternate in slices so that whatever else loads the
	 * machine weighs on both alike. */
	for (int m = 0; m < 2; m++) {
		long long ops[2] = {0, 0}, spent[2] = {0, 0};

		errs[0][m] = errs[1][m] = 0;
		for (int r = 0; r < SLICES; r++)
			for (int tls = 0; tls < 2; tls++)
				slice(ws[tls], methods[m],
				      (long long)seconds * 1000000 / SLICES,
				      &ops[tls], &spent[tls], &errs[tls][m]);
		for (int tls = 0; tls < 2; tls++)
			rate[tls][m] =
			    (double)ops[tls] * 1e6 / (double)spent[tls];
	}
	for (int tls = 0; tls < 2; tls++) {
		for (int i = 0; i < clients; i++)
			conn_close(&ws[tls][i].c);
		free(ws[tls]);
	}
	hs = calloc((size_t)hs_threads, sizeof *hs);
	t0 = bench_now_us();
	deadline_us = t0 + (long long)seconds * 1000000;
	for (int i = 0; i < hs_threads; i++) {
		hs[i].port = tls_port;
		pthread_create(&hs[i].th, NULL, hs_run, &hs[i]);
	}
	for (int i = 0; i < hs_threads; i++) {
		pthread_join(hs[i].th, NULL);
		hs_n += hs[i].n;
		hs_failed += hs[i].failed;
	}
	printf("%d clients, %d s per method and mode in alternating slices, "
	       "connections set up before timing\n",
	       clients, seconds);
	printf("%-14s %12s %12s %9s %s\n", "method", "plain/s", "tls/s",
	       "tls cost", "errors plain/tls");
	for (int m = 0; m < 2; m++)
		printf("%-14s %12.1f %12.1f %8.1f%% %lld/%lld\n", methods[m],
		       rate[0][m], rate[1][m],
		       100.0 * (1.0 - rate[1][m] / rate[0][m]), errs[0][m],
		       errs[1][m]);
	printf("TLS handshakes/s (connect + full handshake + close, %d "
	       "threads): %.1f (%lld failed)\n",
	       hs_threads, (double)hs_n * 1e6 / (double)(bench_now_us() - t0),
	       hs_failed);
	SSL_CTX_free(ctx);
	free(hs);
	return 0;
}
