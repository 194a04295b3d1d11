/*
 * Test support: a tiny HTTP/1.1 client for the servers the suites talk to
 * over HTTP (padlined's metrics endpoint, Prometheus' API). One request per
 * connection, read until the server closes, which both of them do when
 * asked with Connection: close. Also what the metrics suites share: a
 * padlined with a metrics port, a scrape, a sample's value, promtool's
 * verdict.
 */
#include "tsupport.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int
ts_http_exchange(int port, const char *request, size_t len, char **response)
{
	struct ts_client *c = ts_client_connect(port);
	char *all = NULL;
	int status = -1;

	if (response)
		*response = NULL;
	if (c == NULL)
		return -1;
	if (ts_client_send_raw(c, request, len) == 0)
		all = ts_client_read_all(c, TS_PATIENCE_MS, NULL);
	ts_client_free(c);
	if (all == NULL)
		return -1;
	if (sscanf(all, "HTTP/1.%*1[01] %3d ", &status) != 1)
		status = -1;
	if (response)
		*response = all;
	else
		free(all);
	return status;
}

int
ts_http_get(int port, const char *path, char **body)
{
	char *req, *all = NULL, *start;
	int status, n;

	n = asprintf(&req,
	             "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
	             "Connection: close\r\n\r\n",
	             path, port);
	if (n < 0)
		return -1;
	status = ts_http_exchange(port, req, (size_t)n, &all);
	free(req);
	if (body != NULL) {
		start = all ? strstr(all, "\r\n\r\n") : NULL;
		*body = strdup(start ? start + 4 : "");
	}
	free(all);
	return status;
}

int
ts_server_start_metrics(struct ts_server *s, const char *schema,
                        const char *const *extra_env)
{
	const char *env[16];
	char listen[64];
	size_t n = 0;

	while (extra_env != NULL && extra_env[n] != NULL && n < 14) {
		env[n] = extra_env[n];
		n++;
	}
	env[n] = listen;
	env[n + 1] = NULL;
	for (int attempt = 0; attempt < 3; attempt++) {
		int port = ts_free_port();

		snprintf(listen, sizeof listen,
		         "PADLINE_METRICS_LISTEN=127.0.0.1:%d", port);
		if (ts_server_start(s, schema, env, NULL) == 0)
			return port;
	}
	ck_abort_msg("padlined with metrics did not start");
	return -1;
}

char *
ts_metrics_scrape(int port)
{
	char *all = NULL, *body;
	int status = ts_http_exchange(
	    port, "GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n", 34, &all);

	ck_assert_msg(status == 200, "GET /metrics: %d\n%s", status,
	              all ? all : "");
	ck_assert_ptr_nonnull(strstr(all, "\r\nContent-Type: text/plain; "
	                                  "version=0.0.4; charset=utf-8\r\n"));
	body = strdup(strstr(all, "\r\n\r\n") + 4);
	free(all);
	return body;
}

double
ts_metrics_sample(const char *text, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = text; (p = strstr(p, name)) != NULL; p++)
		if ((p == text || p[-1] == '\n') && p[n] == ' ')
			return strtod(p + n + 1, NULL);
	return NAN;
}

int
ts_promtool(const char *text, char **said)
{
	char out[] = "/tmp/padline-promtool-XXXXXX", *cmd;
	int fd = mkstemp(out), status;
	FILE *p;

	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_gt(asprintf(&cmd, "promtool check metrics >%s 2>&1", out),
	                 0);
	p = popen(cmd, "w");
	ck_assert_ptr_nonnull(p);
	fputs(text, p);
	status = pclose(p);
	free(cmd);
	*said = ts_file_read(out);
	unlink(out);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}
