/*
 * What TLS costs padlined: the same load against a plaintext and a TLS
 * listener of one deployment, in one run. C connections (default 16) each
 * loop server.health, then pad.create (signed in), for N seconds per phase;
 * the two modes alternate in 10 slices so background load hits both alike;
 * then H threads open TLS connections as fast as they can (connect, full
 * handshake, close) for N seconds. Connections are set up before timing, so
 * the throughput phases compare steady state. With --pids (tls.sh passes
 * them) it also prints the CPU each padlined spent per request, and the
 * client's own: on a small machine the client's TLS competes for the same
 * cores, so the throughput ratio overstates what TLS costs the server.
 *   bench_tls --port P --tls-port T --user U --password PW
 *             [--clients C] [--seconds N] [--handshake-threads H]
 *             [--method M]   (only M, server.health or pad.create: for
 *                             profiling one; H = 0 skips handshakes)
 *             [--pids PLAIN_PID,TLS_PID]
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
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
	long long cpu_us; /* this thread's CPU in the last slice */
};

static int seconds = 10, clients = 16, hs_threads = 4;
static const char *user, *password;
static SSL_CTX *ctx;
static char token[256];
static volatile long long deadline_us;

/* CPU (user + system) a process has used, in microseconds; 0 if unknown. */
static long long
proc_cpu_us(int pid)
{
	char path[64], buf[1024], *p;
	unsigned long long ut = 0, st = 0;
	FILE *f;
	size_t n;

	if (pid <= 0)
		return 0;
	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* Fields 14 and 15 (utime, stime), counted after "(comm)". */
	if ((p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 2,
	           "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut,
	           &st) != 2)
		return 0;
	return (long long)((ut + st) * 1000000ULL /
	                   (unsigned long long)sysconf(_SC_CLK_TCK));
}

static long long
thread_cpu_us(void)
{
	struct rusage ru;

	getrusage(RUSAGE_THREAD, &ru);
	return (long long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 +
	       ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
}

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
	long long seq = 0, cpu0 = thread_cpu_us();
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
	w->cpu_us = thread_cpu_us() - cpu0;
	return NULL;
}

/* One phase: C prepared connections loop method for seconds. */
/* One slice: C prepared connections loop method for us microseconds;
 * adds the operations done and the time taken. */
static void
slice(struct worker *ws, const char *method, long long us, long long *ops,
      long long *spent, long long *errors, long long *client_cpu)
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
		*client_cpu += ws[i].cpu_us;
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
	int port = 0, tls_port = 0, pids[2] = {0, 0};
	double rate[2][2], server_us[2][2], client_us[2][2];
	long long errs[2][2], hs_n = 0, hs_failed = 0, t0;
	const char *methods[2] = {"server.health", "pad.create"};
	const char *only = NULL;
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
		else if (!strcmp(argv[i], "--method"))
			only = argv[i + 1];
		else if (!strcmp(argv[i], "--pids"))
			sscanf(argv[i + 1], "%d,%d", &pids[0], &pids[1]);
	}
	if (!port || !tls_port || !user || !password || clients < 1) {
		fprintf(stderr, "usage: bench_tls --port P --tls-port T --user "
		                "U --password PW [--clients C] [--seconds N] "
		                "[--handshake-threads H]\n");
		return 2;
	}
	ctx = SSL_CTX_new(TLS_client_method()); /* self-signed: no verify */
	/* A record in one recv(), not header then body: like padline's own
	 * client, which reads 64 KiB at a time through its memory BIO. */
	SSL_CTX_set_read_ahead(ctx, 1);
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
		long long ops[2] = {0, 0}, spent[2] = {0, 0}, ccpu[2] = {0, 0};
		long long scpu[2] = {proc_cpu_us(pids[0]),
		                     proc_cpu_us(pids[1])};

		errs[0][m] = errs[1][m] = 0;
		rate[0][m] = rate[1][m] = 0;
		if (only != NULL && strcmp(only, methods[m]) != 0)
			continue;
		for (int r = 0; r < SLICES; r++)
			for (int tls = 0; tls < 2; tls++)
				slice(ws[tls], methods[m],
				      (long long)seconds * 1000000 / SLICES,
				      &ops[tls], &spent[tls], &errs[tls][m],
				      &ccpu[tls]);
		for (int tls = 0; tls < 2; tls++) {
			double n = ops[tls] > 0 ? (double)ops[tls] : 1;

			rate[tls][m] =
			    (double)ops[tls] * 1e6 / (double)spent[tls];
			/* The idle server's timers weigh nothing here. */
			server_us[tls][m] =
			    (double)(proc_cpu_us(pids[tls]) - scpu[tls]) / n;
			client_us[tls][m] = (double)ccpu[tls] / n;
		}
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
	printf("%-14s %10s %10s %9s %8s %17s %17s %s\n", "method", "plain/s",
	       "tls/s", "tls cost", "tls/plain", "server us/req p/t",
	       "client us/req p/t", "errors p/t");
	for (int m = 0; m < 2; m++)
		if (rate[0][m] > 0)
			printf("%-14s %10.1f %10.1f %8.1f%% %8.3f %8.1f/%-8.1f "
			       "%8.1f/%-8.1f %lld/%lld\n",
			       methods[m], rate[0][m], rate[1][m],
			       100.0 * (1.0 - rate[1][m] / rate[0][m]),
			       rate[1][m] / rate[0][m], server_us[0][m],
			       server_us[1][m], client_us[0][m],
			       client_us[1][m], errs[0][m], errs[1][m]);
	if (pids[0] > 0)
		printf("server us/req: CPU each padlined used per request; its "
		       "TLS cost is the ratio of the two (target: TLS costs "
		       "under 15 %%)\n");
	printf("TLS handshakes/s (connect + full handshake + close, %d "
	       "threads): %.1f (%lld failed)\n",
	       hs_threads, (double)hs_n * 1e6 / (double)(bench_now_us() - t0),
	       hs_failed);
	SSL_CTX_free(ctx);
	free(hs);
	return 0;
}
