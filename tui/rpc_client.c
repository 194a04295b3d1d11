/*
 * The TUI's connection to padlined: connect on demand, queue lines written
 * before the connection is up, frame replies and hand each to the callback of
 * the pending call with the same id.
 */
#include "rpc_client.h"

#include "rpc_client_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "framing.h"
#include "json_num.h"
#include "protocol.h"
#include "readonly.h"
#include "rpc_tls.h"
#include "term_safe.h"
#include "xalloc.h"

static void rpc_fail_list(struct rpc_pending *, int code, const char *reason,
                          const char *msg);

void
rpc_error_from_json(json_t *error, struct pl_error *err)
{
	json_t *data = json_object_get(error, "data");
	const char *msg = json_string_value(json_object_get(error, "message"));
	const char *reason = json_string_value(json_object_get(data, "reason"));
	json_t *viol = json_object_get(data, "violations");

	pl_error_clear(err);
	pl_error_set(err,
	             (int)json_integer_value(json_object_get(error, "code")),
	             reason, "%s", msg ? msg : "error");
	if (err->code == 0)
		err->code = PL_ERR_INTERNAL;
	if (json_is_array(viol))
		err->violations = json_deep_copy(viol);
	err->retry_after =
	    (int)json_integer_value(json_object_get(data, "retry_after"));
	/* The rest of data (a version conflict's current, ...) for callers
	 * that act on it; reason, violations, retry_after have fields. */
	if (json_is_object(data)) {
		err->data = json_deep_copy(data);
		json_object_del(err->data, "reason");
		json_object_del(err->data, "violations");
		json_object_del(err->data, "retry_after");
		if (json_object_size(err->data) == 0) {
			json_decref(err->data);
			err->data = NULL;
		}
	}
}

int
rpc_parse_addr(const char *s, char *host, size_t hostsz, int *port,
               int def_port)
{
	const char *colon;
	size_t n;
	char *end;
	long p = def_port;

	if (strncmp(s, "tls://", 6) == 0)
		s += 6;
	colon = strrchr(s, ':');
	n = colon ? (size_t)(colon - s) : strlen(s);
	if (colon) {
		p = strtol(colon + 1, &end, 10);
		if (*end || p <= 0 || p > 65535)
			return -1;
	}
	if (n == 0 || n >= hostsz)
		return -1;
	memcpy(host, s, n);
	host[n] = '\0';
	*port = (int)p;
	return 0;
}

struct rpc_client *
rpc_client_new(uv_loop_t *loop, const char *host, int port)
{
	struct rpc_client *c = xcalloc(1, sizeof *c);

	c->loop = loop;
	snprintf(c->host, sizeof c->host, "%s", host);
	c->port = port;
	c->next_id = 1;
	framer_init(&c->fr, PL_CLIENT_MAX_LINE);
	return c;
}

static void
rpc_on_close(uv_handle_t *h)
{
	free(h);
}

void
rpc_drop(struct rpc_client *c, const char *msg, enum rpc_drop_how how)
{
	struct rpc_pending *pending = c->head, *fail = NULL;

	if (c->tcp) {
		uv_read_stop((uv_stream_t *)c->tcp);
		uv_close((uv_handle_t *)c->tcp, rpc_on_close);
		c->tcp = NULL;
	}
	rpc_watchdog_stop(c);
	c->state = RPC_DOWN;
	c->closing_seen = 0;
	framer_free(&c->fr);
	framer_init(&c->fr, PL_CLIENT_MAX_LINE);
	while (c->out_head) {
		struct rpc_out *o = c->out_head;

		c->out_head = o->next;
		free(o->line);
		free(o);
	}
	c->out_tail = NULL;
	c->head = c->tail = NULL;
	c->npending = 0;
	rpc_retry_requeue(c, pending, how, &fail);
	c->heard = 0;
	/* What does not go again fails, after what does was queued (a
	 * callback may make new calls behind it). */
	rpc_fail_list(fail, PL_ERR_UNAVAILABLE, "disconnected", msg);
}

void
rpc_disconnect(struct rpc_client *c)
{
	rpc_drop(c, "connection closed", RPC_DROP_FAIL);
}

void
rpc_client_free(struct rpc_client *c)
{
	if (!c)
		return;
	c->closing = 1;
	rpc_drop(c, "client closed", RPC_DROP_FAIL);
	if (c->again)
		uv_close((uv_handle_t *)c->again, rpc_on_close);
	rpc_watchdog_free(c);
	framer_free(&c->fr);
	rpc_tls_free(c->tls);
	c->tls = NULL;
	if (c->connects == 0)
		free(c);
}

/* Fails every call of a list no longer pending. */
static void
rpc_fail_list(struct rpc_pending *list, int code, const char *reason,
              const char *msg)
{
	struct pl_error err;

	pl_error_init(&err);
	pl_error_set(&err, code, reason, "%s", msg);
	while (list) {
		struct rpc_pending *p = list;

		list = p->next;
		if (p->cb)
			p->cb(p->ud, NULL, &err);
		rpc_pending_free(p);
	}
	pl_error_clear(&err);
}

static void
rpc_on_write(uv_write_t *req, int status)
{
	struct rpc_write *w = (struct rpc_write *)req;

	(void)status; /* a failed write shows up as a read error / EOF */
	free(w->line);
	free(w);
}

static void
rpc_write_raw(struct rpc_client *c, char *line, size_t len)
{
	struct rpc_write *w = xcalloc(1, sizeof *w);
	uv_buf_t buf = uv_buf_init(line, (unsigned)len);

	w->line = line;
	if (uv_write(&w->req, (uv_stream_t *)c->tcp, &buf, 1, rpc_on_write)) {
		free(line);
		free(w);
	}
}

static void
rpc_write_line(struct rpc_client *c, char *line, size_t len)
{
	if (c->tls && rpc_tls_seal(c->tls, &line, &len) != 0)
		return;
	rpc_write_raw(c, line, len);
}

static int
rpc_on_line(void *ud, char *line, size_t len)
{
	struct rpc_client *c = ud;
	json_error_t jerr;
	/* Numbers as padline promises them: beyond 64-bit integers too. */
	json_t *root = json_num_loadb(line, len, 0, &jerr);
	struct rpc_pending *p = c->head;
	struct pl_error err;

	if (!c->heard)
		rpc_watchdog_stop(c);
	c->heard = 1;
	if (!root || rpc_retry_closing(c, root) || !p)
		goto out;
	/* In order: the head is the answer unless the server says otherwise. */
	if (json_integer_value(json_object_get(root, "id")) != p->id &&
	    !json_is_null(json_object_get(root, "id")))
		goto out;
	c->head = p->next;
	if (!c->head)
		c->tail = NULL;
	c->npending--;
	pl_error_init(&err);
	if (json_object_get(root, "error"))
		rpc_error_from_json(json_object_get(root, "error"), &err);
	if (rpc_retry_moved(c, p, &err)) {
		pl_error_clear(&err);
		goto out;
	}
	if (p->cb) {
		c->answering = p->id;
		p->cb(p->ud, err.code ? NULL : json_object_get(root, "result"),
		      &err);
		c->answering = 0;
	}
	pl_error_clear(&err);
	rpc_pending_free(p);
out:
	json_decref(root);
	return 0;
}

static void
rpc_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	(void)h;
	(void)hint;
	buf->base = xmalloc(65536);
	buf->len = 65536;
}

static void
rpc_flush_out(struct rpc_client *c)
{
	c->state = RPC_UP;
	while (c->out_head) {
		struct rpc_out *o = c->out_head;

		c->out_head = o->next;
		rpc_write_line(c, o->line, o->len);
		free(o);
	}
	c->out_tail = NULL;
}

/* Queued requests go out only once the server is verified. */
/* A line past the limit would leave the framer stuck mid-line, dropping
 * every later reply: the connection is dropped instead (calls fail as
 * unavailable, the next one reconnects). */
static void
rpc_feed(struct rpc_client *c, const char *data, size_t n)
{
	if (framer_feed(&c->fr, data, n, rpc_on_line, c) == FRAMER_OVERSIZE)
		rpc_drop(c,
		         "the server sent a line over the client's 16 MB limit",
		         RPC_DROP_FAIL);
}

static void
rpc_on_tls_read(struct rpc_client *c, const char *in, size_t n)
{
	struct pl_error err;
	char *plain, *send;
	size_t plain_len, send_len;
	int ready, rc;

	pl_error_init(&err);
	rc = rpc_tls_input(c->tls, in, n, &plain, &plain_len, &send, &send_len,
	                   &ready, &err);
	if (send)
		rpc_write_raw(c, send, send_len);
	if (rc != 0) {
		free(plain);
		rpc_drop(c, err.message, RPC_DROP_LOST);
		pl_error_clear(&err);
		return;
	}
	if (ready)
		rpc_flush_out(c);
	if (plain_len > 0)
		rpc_feed(c, plain, plain_len);
	free(plain);
	if (c->closing_seen)
		rpc_drop(c, "server is restarting", RPC_DROP_MOVED);
}

static void
rpc_on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct rpc_client *c = s->data;

	if (n > 0 && c->tls) {
		rpc_on_tls_read(c, buf->base, (size_t)n);
		free(buf->base);
		return;
	}
	if (n > 0)
		rpc_feed(c, buf->base, (size_t)n);
	free(buf->base);
	if (c->closing_seen)
		rpc_drop(c, "server is restarting", RPC_DROP_MOVED);
	else if (n < 0 && c->tls && c->state != RPC_UP)
		/* padlined closes a TLS connection over its limits unsaid. */
		rpc_drop(c,
		         "server closed the connection during the TLS "
		         "handshake (full or shutting down?)",
		         RPC_DROP_LOST);
	else if (n < 0)
		rpc_drop(c, "server closed the connection", RPC_DROP_LOST);
}

static void
rpc_on_connect(uv_connect_t *req, int status)
{
	struct rpc_client *c = req->data;
	int stale = req->handle != (uv_stream_t *)c->tcp;

	free(req);
	c->connects--;
	if (c->closing) { /* rpc_client_free left the client to us */
		if (c->connects == 0)
			free(c);
		return;
	}
	if (stale) /* an attempt abandoned by rpc_drop */
		return;
	if (status < 0) {
		char msg[400];

		snprintf(msg, sizeof msg, "cannot reach %s:%d (%s)", c->host,
		         c->port, uv_strerror(status));
		rpc_drop(c, msg, RPC_DROP_FAIL);
		return;
	}
	rpc_watchdog_connected(c);
	uv_read_start((uv_stream_t *)c->tcp, rpc_alloc, rpc_on_read);
	if (c->tls) {
		size_t n;
		char *hello = rpc_tls_begin(c->tls, &n);

		if (hello)
			rpc_write_raw(c, hello, n);
		return;
	}
	rpc_flush_out(c);
}

int
rpc_client_tls_for(struct rpc_client *c, const char *server)
{
	struct pl_error err;

	if (strncmp(server, "tls://", 6) != 0)
		return 0;
	pl_error_init(&err);
	if (rpc_client_use_tls(c, getenv("PADLINE_CA"),
	                       getenv("PADLINE_TLS_TRUST"), &err) != 0) {
		term_safe_println(stderr, "padline: %s", err.message);
		pl_error_clear(&err);
		return -1;
	}
	return 0;
}

int
rpc_client_use_tls(struct rpc_client *c, const char *ca_file, const char *trust,
                   struct pl_error *err)
{
	rpc_tls_free(c->tls);
	c->tls = NULL;
	return rpc_tls_new(c->host, c->port, ca_file, trust, &c->tls, err);
}

void
rpc_client_on_connect(struct rpc_client *c, rpc_resume_fn fn, void *ud)
{
	c->resume = fn;
	c->resume_ud = ud;
}

/* Puts session.resume at the front of both queues. */
static void
rpc_prepend_resume(struct rpc_client *c)
{
	json_t *params = c->resume ? c->resume(c->resume_ud) : NULL;
	struct rpc_pending *p;
	struct rpc_out *o;
	json_t *req;
	char *line;
	size_t len;

	if (!params)
		return;
	p = xcalloc(1, sizeof *p);
	o = xcalloc(1, sizeof *o);
	p->id = c->next_id++;
	p->sent_ms = uv_now(c->loop);
	req = json_pack("{s:s, s:I, s:s, s:o}", "jsonrpc", "2.0", "id",
	                (json_int_t)p->id, "method", "session.resume", "params",
	                params);
	line = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	len = strlen(line);
	line = xrealloc(line, len + 2);
	line[len] = '\n';
	line[len + 1] = '\0';
	o->line = line;
	o->len = len + 1;
	p->next = c->head;
	c->head = p;
	if (!c->tail)
		c->tail = p;
	o->next = c->out_head;
	c->out_head = o;
	if (!c->out_tail)
		c->out_tail = o;
	c->npending++;
}

void
rpc_pending_append(struct rpc_client *c, struct rpc_pending *p)
{
	p->next = NULL;
	if (c->tail)
		c->tail->next = p;
	else
		c->head = p;
	c->tail = p;
	c->npending++;
}

void
rpc_connect(struct rpc_client *c)
{
	struct sockaddr_storage sa;
	char msg[400];

	if (uv_ip4_addr(c->host, c->port, (struct sockaddr_in *)&sa) &&
	    uv_ip6_addr(c->host, c->port, (struct sockaddr_in6 *)&sa)) {
		/* Not a literal address: resolve synchronously (once, small).
		 */
		uv_getaddrinfo_t gai;
		struct addrinfo hints = {.ai_socktype = SOCK_STREAM};
		char port[16];

		snprintf(port, sizeof port, "%d", c->port);
		if (uv_getaddrinfo(c->loop, &gai, NULL, c->host, port,
		                   &hints) ||
		    !gai.addrinfo) {
			snprintf(msg, sizeof msg, "cannot resolve %s", c->host);
			rpc_drop(c, msg, RPC_DROP_FAIL);
			return;
		}
		memcpy(&sa, gai.addrinfo->ai_addr, gai.addrinfo->ai_addrlen);
		uv_freeaddrinfo(gai.addrinfo);
	}
	uv_connect_t *req = xcalloc(1, sizeof *req);

	rpc_prepend_resume(c);
	c->tcp = xcalloc(1, sizeof *c->tcp);
	uv_tcp_init(c->loop, c->tcp);
	uv_tcp_nodelay(c->tcp, 1);
	c->tcp->data = c;
	req->data = c;
	c->state = RPC_CONNECTING;
	if (uv_tcp_connect(req, c->tcp, (struct sockaddr *)&sa,
	                   rpc_on_connect) == 0) {
		c->connects++;
		rpc_watchdog_connecting(c);
	} else {
		free(req);
		snprintf(msg, sizeof msg, "cannot connect to %s:%d", c->host,
		         c->port);
		rpc_drop(c, msg, RPC_DROP_FAIL);
	}
}

void
rpc_send(struct rpc_client *c, const char *method, json_t *params, rpc_cb cb,
         void *ud)
{
	struct rpc_pending *p;
	json_t *req;
	char *line;

	if (c->closing) { /* from a callback of the client's last calls */
		struct pl_error err;

		json_decref(params);
		pl_error_init(&err);
		pl_error_set(&err, PL_ERR_UNAVAILABLE, "disconnected",
		             "client closed");
		if (cb)
			cb(ud, NULL, &err);
		pl_error_clear(&err);
		return;
	}
	if (readonly_on() && !readonly_allows(method)) {
		json_decref(params);
		rpc_refuse(c->loop, method, cb, ud);
		return;
	}
	p = xcalloc(1, sizeof *p);
	p->id = c->next_id++;
	p->cb = cb;
	p->ud = ud;
	p->sent_ms = uv_now(c->loop);
	if (!params)
		params = json_object();
	p->keyed = rpc_retry_key(method, params);
	req = json_pack("{s:s, s:I, s:s, s:o}", "jsonrpc", "2.0", "id",
	                (json_int_t)p->id, "method", method, "params", params);
	line = json_num_dumps(req, JSON_COMPACT);
	json_decref(req);
	rpc_pending_append(c, p);
	p->len = strlen(line) + 1;
	line = xrealloc(line, p->len + 1);
	line[p->len - 1] = '\n';
	line[p->len] = '\0';
	p->line = xstrdup(line);
	if (c->state == RPC_UP) {
		rpc_write_line(c, line, p->len);
		return;
	}
	rpc_out_push(c, line, p->len);
	/* While calls wait out the pause after server.closing, this one
	 * waits with them (rpc_retry.c). */
	if (c->state == RPC_DOWN &&
	    !(c->again && uv_is_active((uv_handle_t *)c->again)))
		rpc_connect(c);
}

void
rpc_out_push(struct rpc_client *c, char *line, size_t len)
{
	struct rpc_out *o = xcalloc(1, sizeof *o);

	o->line = line;
	o->len = len;
	if (c->out_tail)
		c->out_tail->next = o;
	else
		c->out_head = o;
	c->out_tail = o;
}

int
rpc_pending(const struct rpc_client *c)
{
	return c->npending;
}

unsigned long
rpc_oldest_ms(const struct rpc_client *c)
{
	if (!c->head)
		return 0;
	return (unsigned long)(uv_now(c->loop) - c->head->sent_ms);
}

long long
rpc_answering(const struct rpc_client *c)
{
	return c->answering;
}

long long
rpc_last_id(const struct rpc_client *c)
{
	return c->next_id - 1;
}
