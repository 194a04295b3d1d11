/*
 * The event loop: accepts clients, frames their lines, answers each
 * connection's requests strictly in order (one in flight per connection, so
 * a pipelined login is bound before the next request runs), runs method
 * steps on libuv's worker pool and bounds everything a client can make the
 * server hold: line length, queued requests, unread output, idle time.
 */
#include "server.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uv.h>

#include "framing.h"
#include "jsonrpc.h"
#include "log.h"
#include "rpc.h"
#include "events.h"
#include "server_call.h"
#include "server_tls.h"

#define CLIENT_MAX_QUEUED 256 /* stop reading past this many lines */
#define RELAY_INTERVAL_MS 1000
#define RELAY_BATCH 500

struct line {
	struct line *next;
	size_t len;
	char data[]; /* NUL-terminated */
};

struct client {
	uv_tcp_t tcp;
	uv_timer_t idle;
	struct server *srv;
	struct framer framer;
	struct line *head, *tail;
	int queued;
	int busy;        /* a call is in flight */
	int closing;     /* uv_close started or requested */
	int close_after; /* close once output is flushed */
	int reading;
	int handles_open; /* tcp + idle timer still to close */
	size_t out_pending;
	struct tls_conn *tls; /* NULL on a plaintext listener */
	char peer[64];
	struct rpc_session session;
	struct client *prev, *next;
};

struct server {
	uv_loop_t *loop;
	struct app *app;
	uv_tcp_t listener;
	uv_signal_t sigterm, sigint;
	uv_timer_t relay_timer;
	uv_work_t relay_work;
	int relay_running;
	int nclients;
	int inflight;
	int draining;
	int finishing; /* inside server_maybe_finish */
	int walked;    /* final uv_walk done */
	struct client *clients;
	struct call_sched sched;
	struct server_tls *tls;
};

static void client_process(struct client *);
static void client_close(struct client *);
static void server_maybe_finish(struct server *);

/* ---- output ---------------------------------------------------------- */

struct write_req {
	uv_write_t req;
	struct client *cl;
	size_t len;
	char *buf;
};

static void
client_on_write(uv_write_t *req, int status)
{
	struct write_req *w = (struct write_req *)req;
	struct client *cl = w->cl;

	cl->out_pending -= w->len;
	free(w->buf);
	free(w);
	if (status < 0 && !cl->closing)
		client_close(cl);
	else if (cl->close_after && cl->out_pending == 0 && !cl->closing)
		client_close(cl);
}

/* Takes ownership of line. */
static void
client_send(struct client *cl, char *line, size_t len)
{
	struct write_req *w;
	uv_buf_t buf;
	int rc;

	if (line == NULL || cl->closing) {
		free(line);
		return;
	}
	if (cl->tls != NULL && (rc = tls_conn_seal(cl->tls, &line, &len))) {
		if (rc < 0)
			client_close(cl);
		return;
	}
	if (cl->out_pending + len > (size_t)cl->srv->app->cfg->max_output) {
		/* The client is not reading its replies: drop it rather than
		 * buffer without bound. */
		log_warn("client dropped: unread output over limit",
		         "peer=%s pending=%zu", cl->peer, cl->out_pending);
		free(line);
		client_close(cl);
		return;
	}
	w = calloc(1, sizeof *w);
	w->cl = cl;
	w->len = len;
	w->buf = line;
	buf = uv_buf_init(line, (unsigned)len);
	cl->out_pending += len;
	if (uv_write(&w->req, (uv_stream_t *)&cl->tcp, &buf, 1,
	             client_on_write) != 0) {
		cl->out_pending -= len;
		free(line);
		free(w);
		client_close(cl);
	}
}

static void
client_send_error(struct client *cl, json_t *id, const struct pl_error *err)
{
	size_t len = 0;
	char *line = jsonrpc_error_line(id, err, &len);

	client_send(cl, line, len);
}

/* ---- lifecycle ------------------------------------------------------- */

static void
client_on_handle_closed(uv_handle_t *h)
{
	struct client *cl = h->data;
	struct server *srv = cl->srv;

	if (--cl->handles_open > 0)
		return;
	/* A call still in flight keeps the struct; call_finish frees it. */
	if (cl->busy)
		return;
	framer_free(&cl->framer);
	tls_conn_free(cl->tls);
	while (cl->head) {
		struct line *l = cl->head;

		cl->head = l->next;
		free(l);
	}
	free(cl);
	(void)srv;
}

static void
client_close(struct client *cl)
{
	struct server *srv = cl->srv;

	if (cl->closing)
		return;
	cl->closing = 1;
	if (cl->prev)
		cl->prev->next = cl->next;
	else
		srv->clients = cl->next;
	if (cl->next)
		cl->next->prev = cl->prev;
	srv->nclients--;
	log_debug("client closed", "peer=%s", cl->peer);
	uv_close((uv_handle_t *)&cl->idle, client_on_handle_closed);
	uv_close((uv_handle_t *)&cl->tcp, client_on_handle_closed);
	server_maybe_finish(srv);
}

/* Called by server_call.c when the call of a closed client ends. */
void
server_client_release(struct client *cl)
{
	cl->busy = 0;
	if (cl->closing && cl->handles_open == 0) {
		cl->handles_open = 1;
		client_on_handle_closed((uv_handle_t *)&cl->tcp);
	}
}

static void
client_on_idle(uv_timer_t *t)
{
	struct client *cl = t->data;

	if (cl->busy)
		return; /* a slow request is not the client's idleness */
	log_info("client idle, closing", "peer=%s", cl->peer);
	client_close(cl);
}

static void
client_touch(struct client *cl)
{
	if (!cl->closing)
		uv_timer_start(&cl->idle, client_on_idle,
		               (uint64_t)cl->srv->app->cfg->idle_timeout * 1000,
		               0);
}

/* ---- input ----------------------------------------------------------- */

static void
client_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	(void)h;
	buf->base = malloc(suggested);
	buf->len = buf->base ? suggested : 0;
}

static int
client_on_line(void *ud, char *data, size_t len)
{
	struct client *cl = ud;
	struct line *l;

	if (len == 0)
		return 0; /* blank lines between requests are harmless */
	if ((l = malloc(sizeof *l + len + 1)) == NULL)
		return -1;
	l->next = NULL;
	l->len = len;
	memcpy(l->data, data, len + 1);
	if (cl->tail)
		cl->tail->next = l;
	else
		cl->head = l;
	cl->tail = l;
	cl->queued++;
	client_touch(cl);
	return 0;
}

static void
client_on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct client *cl = s->data;
	char *data = buf->base, *plain = NULL;
	size_t len = (size_t)n;
	int rc;

	if (n < 0) {
		free(buf->base);
		if (!cl->closing)
			client_close(cl);
		return;
	}
	if (n == 0 || cl->closing || cl->close_after) {
		free(buf->base);
		return;
	}
	if (cl->tls != NULL) {
		if (tls_conn_input(cl->tls, data, len, &plain, &len) != 0) {
			free(buf->base);
			client_close(cl);
			return;
		}
		data = plain;
	}
	rc = framer_feed(&cl->framer, data, len, client_on_line, cl);
	free(buf->base);
	free(plain);
	if (rc == FRAMER_OVERSIZE) {
		struct pl_error err;

		pl_error_init(&err);
		pl_error_set(&err, PL_ERR_INVALID_REQUEST, "line_too_long",
		             "request line longer than %ld bytes",
		             cl->srv->app->cfg->max_line);
		/* Answer what came before in order, then this, then close:
		 * simplest is to drop the queue and reply now. */
		uv_read_stop(s);
		cl->reading = 0;
		client_send_error(cl, NULL, &err);
		cl->close_after = 1;
		if (cl->out_pending == 0)
			client_close(cl);
		return;
	}
	if (rc != 0) {
		client_close(cl);
		return;
	}
	if (cl->queued >= CLIENT_MAX_QUEUED && cl->reading) {
		uv_read_stop(s);
		cl->reading = 0;
	}
	client_process(cl);
}

/* ---- dispatch -------------------------------------------------------- */

static int
session_valid(const struct rpc_session *s)
{
	return s->active && s->expires_at > (long long)time(NULL);
}

/* Runs the next queued request, if none is in flight. */
static void
client_process(struct client *cl)
{
	struct server *srv = cl->srv;

	while (!cl->busy && cl->head && !cl->closing && !cl->close_after) {
		struct line *l = cl->head;
		struct jsonrpc_request req;
		struct pl_error err;
		const struct rpc_method *m;

		cl->head = l->next;
		if (cl->head == NULL)
			cl->tail = NULL;
		cl->queued--;
		pl_error_init(&err);
		if (jsonrpc_parse_request(l->data, l->len, &req, &err) != 0) {
			free(l);
			client_send_error(cl, req.id, &err);
			jsonrpc_request_free(&req);
			continue;
		}
		free(l);
		if (srv->draining) {
			pl_error_set(&err, PL_ERR_UNAVAILABLE, "shutting_down",
			             "server is shutting down");
			client_send_error(cl, req.id, &err);
			jsonrpc_request_free(&req);
			continue;
		}
		if ((m = rpc_method_find(req.method)) == NULL) {
			pl_error_set(&err, PL_ERR_METHOD_NOT_FOUND, NULL,
			             "unknown method \"%.64s\"", req.method);
			client_send_error(cl, req.id, &err);
			jsonrpc_request_free(&req);
			continue;
		}
		if (m->auth != RPC_AUTH_NONE && !session_valid(&cl->session)) {
			pl_error_set(&err, PL_ERR_UNAUTHORIZED, "not_signed_in",
			             cl->session.active ? "session expired"
			                                : "not signed in");
			memset(&cl->session, 0, sizeof cl->session);
			client_send_error(cl, req.id, &err);
			jsonrpc_request_free(&req);
			continue;
		}
		if (m->auth == RPC_AUTH_ADMIN && !cl->session.is_admin) {
			pl_error_set(&err, PL_ERR_FORBIDDEN, "forbidden",
			             "%s needs the admin role", m->name);
			client_send_error(cl, req.id, &err);
			jsonrpc_request_free(&req);
			continue;
		}
		cl->busy = 1;
		srv->inflight++;
		call_start(&srv->sched, cl, m, &req, cl->peer, &cl->session);
	}
	if (!cl->reading && !cl->closing && !cl->close_after &&
	    cl->queued < CLIENT_MAX_QUEUED / 2) {
		uv_read_start((uv_stream_t *)&cl->tcp, client_alloc,
		              client_on_read);
		cl->reading = 1;
	}
}

/* server_call.c hands the finished reply back here, on the loop thread. */
void
server_call_done(struct client *cl, char *line, size_t len, int session_change,
                 const struct rpc_session *ns)
{
	struct server *srv = cl->srv;

	srv->inflight--;
	if (cl->closing) {
		free(line);
		server_client_release(cl);
		server_maybe_finish(srv);
		return;
	}
	cl->busy = 0;
	if (session_change > 0)
		cl->session = *ns;
	else if (session_change < 0)
		memset(&cl->session, 0, sizeof cl->session);
	client_send(cl, line, len);
	client_touch(cl);
	client_process(cl);
	server_maybe_finish(srv);
}

/* ---- accept ---------------------------------------------------------- */

static void
server_on_connection(uv_stream_t *ls, int status)
{
	struct server *srv = ls->data;
	struct client *cl;
	struct sockaddr_storage sa;
	int salen = sizeof sa;

	if (status < 0) {
		log_warn("accept failed", "error=%s", uv_strerror(status));
		return;
	}
	cl = calloc(1, sizeof *cl);
	cl->srv = srv;
	uv_tcp_init(srv->loop, &cl->tcp);
	uv_timer_init(srv->loop, &cl->idle);
	cl->tcp.data = cl->idle.data = cl;
	cl->handles_open = 2;
	if (uv_accept(ls, (uv_stream_t *)&cl->tcp) != 0) {
		cl->closing = 1;
		uv_close((uv_handle_t *)&cl->idle, client_on_handle_closed);
		uv_close((uv_handle_t *)&cl->tcp, client_on_handle_closed);
		return;
	}
	uv_tcp_nodelay(&cl->tcp, 1);
	snprintf(cl->peer, sizeof cl->peer, "unknown");
	if (uv_tcp_getpeername(&cl->tcp, (struct sockaddr *)&sa, &salen) == 0) {
		if (sa.ss_family == AF_INET)
			uv_ip4_name((struct sockaddr_in *)&sa, cl->peer,
			            sizeof cl->peer);
		else if (sa.ss_family == AF_INET6)
			uv_ip6_name((struct sockaddr_in6 *)&sa, cl->peer,
			            sizeof cl->peer);
	}
	framer_init(&cl->framer, (size_t)srv->app->cfg->max_line);
	cl->next = srv->clients;
	if (srv->clients)
		srv->clients->prev = cl;
	srv->clients = cl;
	srv->nclients++;
	if (srv->nclients > srv->app->cfg->max_connections || srv->draining) {
		struct pl_error err;

		pl_error_init(&err);
		pl_error_set(&err, PL_ERR_UNAVAILABLE, "too_many_connections",
		             srv->draining ? "server is shutting down"
		                           : "too many connections, try again "
		                             "later");
		log_warn("connection refused", "peer=%s reason=%s", cl->peer,
		         err.reason);
		client_send_error(cl, NULL, &err);
		cl->close_after = 1;
		return;
	}
	cl->tls =
	    server_tls_accept(srv->tls, (uv_stream_t *)&cl->tcp, cl->peer);
	client_touch(cl);
	uv_read_start((uv_stream_t *)&cl->tcp, client_alloc, client_on_read);
	cl->reading = 1;
	log_debug("client connected", "peer=%s clients=%d", cl->peer,
	          srv->nclients);
}

/* ---- relay and shutdown ---------------------------------------------- */

static void
relay_work(uv_work_t *w)
{
	struct server *srv = w->data;
	struct pl_error err;
	PGconn *db;

	pl_error_init(&err);
	if (db_pool_borrow(srv->app->db, &db, &err) != 0) {
		pl_error_clear(&err);
		return;
	}
	while (events_relay(srv->app, db, RELAY_BATCH) == RELAY_BATCH)
		;
	db_pool_return(srv->app->db, db);
}

static void
relay_after(uv_work_t *w, int status)
{
	struct server *srv = w->data;

	(void)status;
	srv->relay_running = 0;
	server_maybe_finish(srv);
}

static void
relay_on_timer(uv_timer_t *t)
{
	struct server *srv = t->data;

	if (srv->relay_running || srv->draining)
		return;
	srv->relay_running = 1;
	srv->relay_work.data = srv;
	uv_queue_work(srv->loop, &srv->relay_work, relay_work, relay_after);
}

static void
server_close_walk(uv_handle_t *h, void *arg)
{
	(void)arg;
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

/*
 * Once draining and nothing is in flight: clients whose replies are still
 * being written close when the write completes (client_on_write), the others
 * now; when the last client is gone the remaining handles close and the loop
 * ends.
 */
static void
server_maybe_finish(struct server *srv)
{
	if (!srv->draining || srv->inflight > 0 || srv->relay_running ||
	    srv->finishing)
		return;
	srv->finishing = 1;
	for (struct client *cl = srv->clients, *next; cl; cl = next) {
		next = cl->next;
		if (cl->out_pending == 0)
			client_close(cl);
		else
			cl->close_after = 1;
	}
	srv->finishing = 0;
	if (srv->clients == NULL && !srv->walked) {
		srv->walked = 1;
		uv_walk(srv->loop, server_close_walk, NULL);
	}
}

static void
server_on_signal(uv_signal_t *s, int signum)
{
	struct server *srv = s->data;

	if (srv->draining)
		return;
	log_info("shutting down", "signal=%d inflight=%d", signum,
	         srv->inflight);
	srv->draining = 1;
	uv_close((uv_handle_t *)&srv->listener, NULL);
	uv_timer_stop(&srv->relay_timer);
	/* Idle clients go now; busy ones get their answer first. */
	for (struct client *cl = srv->clients, *next; cl; cl = next) {
		next = cl->next;
		if (!cl->busy)
			client_close(cl);
	}
	server_maybe_finish(srv);
}

int
server_run(struct app *app, struct pl_error *err)
{
	struct server srv;
	struct sockaddr_storage addr;
	int rc;

	memset(&srv, 0, sizeof srv);
	srv.app = app;
	srv.loop = uv_default_loop();
	call_sched_init(&srv.sched, srv.loop, app);
	if (uv_ip4_addr(app->cfg->listen_host, app->cfg->listen_port,
	                (struct sockaddr_in *)&addr) != 0 &&
	    uv_ip6_addr(app->cfg->listen_host, app->cfg->listen_port,
	                (struct sockaddr_in6 *)&addr) != 0)
		return pl_error_set(err, PL_ERR_VALIDATION, "config",
		                    "cannot parse listen address %s",
		                    app->cfg->listen_host);
	if (server_tls_new(app->cfg, &srv.tls, err) != 0)
		return err->code;
	uv_tcp_init(srv.loop, &srv.listener);
	srv.listener.data = &srv;
	if ((rc = uv_tcp_bind(&srv.listener, (struct sockaddr *)&addr, 0)) ||
	    (rc = uv_listen((uv_stream_t *)&srv.listener, 1024,
	                    server_on_connection))) {
		uv_close((uv_handle_t *)&srv.listener, NULL);
		uv_run(srv.loop, UV_RUN_DEFAULT);
		server_tls_free(srv.tls);
		return pl_error_set(err, PL_ERR_INTERNAL, "listen",
		                    "cannot listen on %s:%d: %s",
		                    app->cfg->listen_host,
		                    app->cfg->listen_port, uv_strerror(rc));
	}
	uv_signal_init(srv.loop, &srv.sigterm);
	uv_signal_init(srv.loop, &srv.sigint);
	srv.sigterm.data = srv.sigint.data = &srv;
	uv_signal_start(&srv.sigterm, server_on_signal, SIGTERM);
	uv_signal_start(&srv.sigint, server_on_signal, SIGINT);
	uv_timer_init(srv.loop, &srv.relay_timer);
	srv.relay_timer.data = &srv;
	uv_timer_start(&srv.relay_timer, relay_on_timer, RELAY_INTERVAL_MS,
	               RELAY_INTERVAL_MS);
	log_info(
	    "listening", "addr=%s:%d workers=%d pool=%d hash_concurrency=%d",
	    app->cfg->listen_host, app->cfg->listen_port, app->cfg->workers,
	    app->cfg->pool_size, app->cfg->hash_concurrency);
	uv_run(srv.loop, UV_RUN_DEFAULT);
	uv_loop_close(srv.loop);
	server_tls_free(srv.tls);
	log_info("stopped", "%s", "");
	return 0;
}
