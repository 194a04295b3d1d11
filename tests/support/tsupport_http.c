/*
 * Test support: a tiny HTTP/1.1 client for the servers the suites talk to
 * over HTTP (padlined's metrics endpoint, Prometheus' API). One request per
 * connection, read until the server closes, which both of them do when
 * asked with Connection: close.
 */
#include "tsupport.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
