/*
 * HAProxy for the scale-out suites: a TCP-mode front for several padlined
 * whose health check asks server.health, as docs/operations.md configures
 * it, with checks every 300 ms so a stopped instance is marked down quickly.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tsupport.h"
#include "tsupport_int.h"

/* The health check's request as hex, for tcp-check send-binary. */
static void
health_hex(char *out, size_t size)
{
	const char *req =
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"server.health\"}\n";
	size_t n = 0;

	for (const char *p = req; *p && n + 3 < size; p++, n += 2)
		snprintf(out + n, size - n, "%02x", (unsigned char)*p);
}

static void
haproxy_wait(struct ts_haproxy *h)
{
	long long deadline = ts_now_ms() + TS_PATIENCE_MS;

	while (ts_now_ms() < deadline) {
		struct ts_client *c;
		int status;

		TS_CHECK(waitpid(h->pid, &status, WNOHANG) == 0,
		         "haproxy exited (is it installed?)");
		if ((c = ts_client_connect(h->port)) != NULL) {
			json_t *r = ts_call(c, "server.health", NULL);
			int up = r && ts_result(r) != NULL;

			json_decref(r);
			ts_client_free(c);
			if (up)
				return;
		}
		usleep(50000);
	}
	TS_CHECK(0, "HAProxy never answered server.health");
}

void
ts_haproxy_start(struct ts_haproxy *h, const int *ports, int n)
{
	char cfg[128], hex[256];
	FILE *f;

	memset(h, 0, sizeof *h);
	snprintf(h->dir, sizeof h->dir, "/tmp/pl-haproxy-XXXXXX");
	TS_CHECK(mkdtemp(h->dir) != NULL, "mkdtemp failed");
	snprintf(cfg, sizeof cfg, "%s/haproxy.cfg", h->dir);
	health_hex(hex, sizeof hex);
	h->port = ts_free_port();
	f = fopen(cfg, "w");
	TS_CHECK(f != NULL, "cannot write %s", cfg);
	fprintf(f,
	        "global\n"
	        "    maxconn 1000\n"
	        "defaults\n"
	        "    mode tcp\n"
	        "    timeout connect 2s\n"
	        "    timeout client 120s\n"
	        "    timeout server 120s\n"
	        "    retries 3\n"
	        "    option redispatch\n"
	        "frontend padline\n"
	        "    bind 127.0.0.1:%d\n"
	        "    default_backend padlined\n"
	        "backend padlined\n"
	        "    balance roundrobin\n"
	        "    option tcp-check\n"
	        "    tcp-check connect\n"
	        "    tcp-check send-binary %s\n"
	        "    tcp-check expect string '\"db\":\"up\"'\n",
	        h->port, hex);
	for (int i = 0; i < n; i++)
		fprintf(f,
		        "    server s%d 127.0.0.1:%d check inter 300 fall 1 "
		        "rise 1\n",
		        i, ports[i]);
	fclose(f);
	h->pid = fork();
	TS_CHECK(h->pid >= 0, "fork failed");
	if (h->pid == 0) {
		/* A failed check must not leave HAProxy behind. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		execlp("haproxy", "haproxy", "-db", "-q", "-f", cfg,
		       (char *)NULL);
		perror("haproxy");
		_exit(127);
	}
	haproxy_wait(h);
}

void
ts_haproxy_stop(struct ts_haproxy *h)
{
	if (h->pid > 0) {
		kill(h->pid, SIGTERM);
		waitpid(h->pid, NULL, 0);
		h->pid = 0;
	}
	if (h->dir[0] != '\0') {
		ts_remove_tree(h->dir);
		h->dir[0] = '\0';
	}
}

struct ts_client *
ts_client_resume(int port, const char *token, int timeout_ms)
{
	long long deadline = ts_now_ms() + timeout_ms;

	while (ts_now_ms() < deadline) {
		struct ts_client *c = ts_client_connect(port);
		json_t *r;

		if (c == NULL) {
			usleep(20000);
			continue;
		}
		r = ts_call(c, "session.resume",
		            json_pack("{s:s}", "token", token));
		if (r != NULL && ts_result(r) != NULL) {
			json_decref(r);
			return c;
		}
		json_decref(r);
		ts_client_free(c);
		usleep(20000);
	}
	return NULL;
}
