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
	return ts_client_connect_from(NULL, port);
}

struct ts_client *
ts_client_connect_from(const char *src, int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	struct sockaddr_in from = {.sin_family = AF_INET};
	struct ts_client *c;
	/* Close-on-exec: a padlined or HAProxy the suite starts later must
	 * not hold the connection open after the test closes it. */
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0)
		return NULL;
	if (src != NULL &&
	    (inet_pton(AF_INET, src, &from.sin_addr) != 1 ||
	     bind(fd, (struct sockaddr *)&from, sizeof from) != 0)) {
		close(fd);
		return NULL;
	}
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

int
ts_client_fd(const struct ts_client *c)
{
	return c->fd;
}

size_t
ts_proxy_v2(unsigned char *out, const char *src, const char *dst,
            size_t tlv_bytes)
{
	static const unsigned char sig[12] = {0x0d, 0x0a, 0x0d, 0x0a,
	                                      0x00, 0x0d, 0x0a, 0x51,
	                                      0x55, 0x49, 0x54, 0x0a};
	size_t body = 0;
	unsigned char *p = out + 16;

	memcpy(out, sig, sizeof sig);
	out[12] = src ? 0x21 : 0x20;
	out[13] = 0x00;
	if (src != NULL && inet_pton(AF_INET, src, p) == 1 &&
	    inet_pton(AF_INET, dst, p + 4) == 1) {
		out[13] = 0x11;
		p[8] = 0xd4; /* source port 54321 */
		p[9] = 0x31;
		p[10] = 0x1c; /* destination port 7411 */
		p[11] = 0xf3;
		body = 12;
	} else if (src != NULL && inet_pton(AF_INET6, src, p) == 1 &&
	           inet_pton(AF_INET6, dst, p + 16) == 1) {
		out[13] = 0x21;
		memset(p + 32, 0, 4);
		body = 36;
	}
	if (tlv_bytes >= 3) {
		unsigned char *t = out + 16 + body;

		t[0] = 0x04; /* PP2_TYPE_NOOP */
		t[1] = (unsigned char)((tlv_bytes - 3) >> 8);
		t[2] = (unsigned char)(tlv_bytes - 3);
		memset(t + 3, 'x', tlv_bytes - 3);
		body += tlv_bytes;
	}
	out[14] = (unsigned char)(body >> 8);
	out[15] = (unsigned char)body;
	return 16 + body;
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

struct ts_client *
ts_client_proxied(int port, const char *src)
{
	unsigned char h[128];
	struct ts_client *c = ts_client_connect(port);
	const char *dst = strchr(src, ':') ? "2001:db8::1" : "192.0.2.1";

	if (c != NULL && ts_client_send_raw(c, (char *)h,
	                                    ts_proxy_v2(h, src, dst, 0)) != 0) {
		ts_client_free(c);
		c = NULL;
	}
	return c;
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

int
ts_client_shutdown_write(struct ts_client *c)
{
	return shutdown(c->fd, SHUT_WR);
}

/* Reads what arrives before deadline into the buffer: the bytes read,
 * 0 at the end of the stream (or a read error, which ends it too), -1 when
 * nothing came in time. */
static ssize_t
client_fill(struct ts_client *c, long long deadline)
{
	for (;;) {
		struct pollfd p = {c->fd, POLLIN, 0};
		long long left = deadline - ts_now_ms();
		ssize_t n;

		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			return -1;
		if (c->cap - c->len < 65536) {
			c->cap = c->cap ? c->cap * 2 : 131072;
			c->buf = realloc(c->buf, c->cap);
		}
		n = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return 0;
		c->len += (size_t)n;
		return n;
	}
}

char *
ts_client_read_line(struct ts_client *c, int timeout_ms, int *eof)
{
	long long deadline = ts_now_ms() + timeout_ms;
	ssize_t n;

	if (eof)
		*eof = 0;
	for (;;) {
		char *nl = c->buf ? memchr(c->buf, '\n', c->len) : NULL;

		if (nl) {
			size_t l = (size_t)(nl - c->buf);
			char *line = malloc(l + 1);

			memcpy(line, c->buf, l);
			line[l] = '\0';
			memmove(c->buf, nl + 1, c->len - l - 1);
			c->len -= l + 1;
			return line;
		}
		if ((n = client_fill(c, deadline)) <= 0) {
			if (eof && n == 0)
				*eof = 1;
			return NULL;
		}
	}
}

char *
ts_client_read_all(struct ts_client *c, int timeout_ms, size_t *len)
{
	long long deadline = ts_now_ms() + timeout_ms;
	ssize_t n;
	char *all;

	while ((n = client_fill(c, deadline)) > 0)
		;
	if (n < 0)
		return NULL;
	all = malloc(c->len + 1);
	if (c->len > 0)
		memcpy(all, c->buf, c->len);
	all[c->len] = '\0';
	if (len)
		*len = c->len;
	c->len = 0;
	return all;
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
