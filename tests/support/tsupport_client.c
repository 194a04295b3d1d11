/*
 * Test support: a blocking JSON-RPC line client with timeouts, and the
 * register / create-user / login steps most suites start with.
 */
#include "tsupport.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include "protocol.h"
#include "tsupport_int.h"
#include "xalloc.h"

struct ts_client {
	int fd;
	long long next_id;
	char *buf;
	size_t len, cap;
};

struct ts_client *
ts_client_connect(int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	struct ts_client *c;
	/* Close-on-exec: a padlined or HAProxy the suite starts later must
	 * not hold the connection open after the test closes it. */
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0)
		return NULL;
	if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
		close(fd);
		return NULL;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	c = calloc(1, sizeof *c);
	c->fd = fd;
	c->next_id = 1;
	return c;
}

void
ts_client_free(struct ts_client *c)
{
	if (c == NULL)
		return;
	close(c->fd);
	free(c->buf);
	free(c);
}

int
ts_client_send_raw(struct ts_client *c, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = send(c->fd, data, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

char *
ts_client_read_line(struct ts_client *c, int timeout_ms, int *eof)
{
	long long deadline = ts_now_ms() + timeout_ms;

	if (eof)
		*eof = 0;
	for (;;) {
		char *nl = c->buf ? memchr(c->buf, '\n', c->len) : NULL;
		struct pollfd p = {c->fd, POLLIN, 0};
		long long left;
		ssize_t n;

		if (nl) {
			size_t l = (size_t)(nl - c->buf);
			char *line = malloc(l + 1);

			memcpy(line, c->buf, l);
			line[l] = '\0';
			memmove(c->buf, nl + 1, c->len - l - 1);
			c->len -= l + 1;
			return line;
		}
		left = deadline - ts_now_ms();
		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			return NULL;
		if (c->cap - c->len < 65536) {
			c->cap = c->cap ? c->cap * 2 : 131072;
			c->buf = realloc(c->buf, c->cap);
		}
		n = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (eof)
				*eof = 1;
			return NULL;
		}
		c->len += (size_t)n;
	}
}

json_t *
ts_call(struct ts_client *c, const char *method, json_t *params)
{
	long long id = c->next_id++;
	json_t *req = json_pack("{s:s, s:I, s:s}", "jsonrpc", "2.0", "id",
	                        (json_int_t)id, "method", method);
	char *text;
	int sent;

	if (params)
		json_object_set_new(req, "params", params);
	text = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	sent = ts_client_send_raw(c, text, strlen(text)) == 0 &&
	       ts_client_send_raw(c, "\n", 1) == 0;
	free(text);
	if (!sent)
		return NULL;
	for (;;) {
		char *line = ts_client_read_line(c, TS_PATIENCE_MS, NULL);
		json_t *resp, *rid;

		if (line == NULL)
			return NULL;
		resp = json_loads(line, 0, NULL);
		free(line);
		rid = json_object_get(resp, "id");
		if (json_is_integer(rid) && json_integer_value(rid) == id)
			return resp;
		json_decref(resp); /* an answer to something sent raw */
	}
}

int
ts_error_code(const json_t *response)
{
	json_t *e = json_object_get(response, "error");

	if (response == NULL)
		return -1;
	return e ? (int)json_integer_value(json_object_get(e, "code")) : 0;
}

const char *
ts_error_reason(const json_t *response)
{
	json_t *e = json_object_get(response, "error");
	const char *r = json_string_value(
	    json_object_get(json_object_get(e, "data"), "reason"));

	return r ? r : "";
}

json_t *
ts_result(const json_t *response)
{
	return json_object_get(response, "result");
}

json_t *
ts_register(struct ts_client *c, const char *username, const char *password,
            const char *email)
{
	json_t *hello = ts_call(c, "server.hello", NULL);
	const char *tok =
	    json_string_value(json_object_get(ts_result(hello), "form_token"));
	json_t *params =
	    json_pack("{s:s, s:s, s:s}", "form_token", tok ? tok : "",
	              "username", username, "password", password);
	json_t *r;

	if (email)
		json_object_set_new(params, "email", json_string(email));
	json_decref(hello);
	r = ts_call(c, "user.register", params);
	return r;
}

int
ts_create_user(const char *schema, const char *username, const char *password,
               int admin)
{
	const char *args[] = {"create-user", username, admin ? "--admin" : NULL,
	                      NULL};
	char *in = NULL, *err = NULL;
	int rc;

	if (asprintf(&in, "%s\n", password) < 0)
		return -1;
	rc = ts_padlined_run(schema, NULL, args, in, 60, NULL, &err);
	if (rc != 0)
		fprintf(stderr, "create-user %s failed (%d): %s\n", username,
		        rc, err);
	free(in);
	free(err);
	return rc == 0 ? 0 : -1;
}

int
ts_login(struct ts_client *c, const char *username, const char *password)
{
	json_t *r = ts_call(c, "session.login",
	                    json_pack("{s:s, s:s}", "username", username,
	                              "password", password));
	int ok = r != NULL && ts_error_code(r) == 0;

	json_decref(r);
	return ok ? 0 : -1;
}
