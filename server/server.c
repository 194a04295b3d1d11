/*
 * The event loop: accepts clients (within max_connections in all and
 * max_connections_per_ip per address), writes their answers, closes them
 * when idle, and shuts down gracefully: on SIGTERM every line already
 * received is answered (the one being answered runs, the queued ones get
 * 503 shutting_down), each client with nothing left to answer gets a
 * server.closing notification, and padlined exits when its clients have
 * left or drain_timeout has passed. Reading and the input bounds live in
 * server_input.c, answering lines in order in server_dispatch.c, method
 * steps on libuv's worker pool in server_call.c.
 */
#include "server.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "events.h"
#include "log.h"
#include "metrics.h"
#include "mono_time.h"
#include "notify.h"
#include "server_conn.h"
#include "stats.h"
#include "svc_pad.h"
#include "server_tls.h"
#include "mono_time.h"
#include "svc_signup.h"
#include "svc_user_bulk.h"
#include "xalloc.h"

#define RELAY_INTERVAL_MS 1000
#define RELAY_BATCH 500

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
	if (cl->closing)
		return;
	if (status < 0)
		client_close(cl);
	else if (cl->close_after && cl->out_pending == 0)
		client_close(cl);
	else {
		/* The client is reading: that is activity, and it may
		 * unblock lines held back by max_output. */
		client_touch(cl);
		client_process(cl);
	}
}

/* Takes ownership of line. Never refuses one answer for its size: unread
 * output is bounded by holding the next lines back (client_process).
 * With nothing queued before it, the line is written at once, and only
 * what the socket did not take is queued: a uv_write that completes at
 * once still costs the loop a request and, at its callback, a change of
 * the socket's events (one system call per answer). A connection that
 * closes once flushed (close_after) always goes through the callback. */
void
client_send(struct client *cl, char *line, size_t len)
{
	struct write_req *w;
	uv_buf_t buf;
	size_t done = 0;
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
	if (cl->out_pending == 0 && !cl->close_after) {
		buf = uv_buf_init(line, (unsigned)len);
		rc = uv_try_write((uv_stream_t *)&cl->tcp, &buf, 1);
		if (rc == (int)len) {
			free(line);
			/* As client_on_write: the client is reading. */
			client_touch(cl);
			return;
		}
		/* A failure other than a full socket shows in uv_write. */
		if (rc > 0)
			done = (size_t)rc;
	}
	w = xcalloc(1, sizeof *w);
	w->cl = cl;
	w->len = len - done;
	w->buf = line;
	buf = uv_buf_init(line + done, (unsigned)(len - done));
	len -= done;
	cl->out_pending += len;
	if (uv_write(&w->req, (uv_stream_t *)&cl->tcp, &buf, 1,
	             client_on_write) != 0) {
		cl->out_pending -= len;
		free(line);
		free(w);
		client_close(cl);
	}
}

void
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

	if (--cl->handles_open > 0)
		return;
	/* Calls still in flight keep the struct; the last one frees it. */
	if (cl->calls > 0)
		return;
	client_input_release(cl);
	unit_free(cl->unit);
	tls_conn_free(cl->tls);
	free(cl->proxy_buf);
	free(cl);
}

void
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
	stats_connection(srv->app->stats, -1);
	if (cl->peer_counted)
		peers_remove(&srv->peers, cl->peer);
	/* Its share of the input budget goes to the next waiter now. */
	client_input_release(cl);
	log_debug("client closed", "peer=%s", cl->peer);
	uv_close((uv_handle_t *)&cl->idle, client_on_handle_closed);
	uv_close((uv_handle_t *)&cl->tcp, client_on_handle_closed);
	server_maybe_finish(srv);
}

void
server_client_release(struct client *cl)
{
	if (cl->closing && cl->handles_open == 0) {
		cl->handles_open = 1;
		client_on_handle_closed((uv_handle_t *)&cl->tcp);
	}
}

static void
client_on_idle(uv_timer_t *t)
{
	struct client *cl = t->data;

	if (cl->unit != NULL || cl->parsing)
		return; /* a slow request is not the client's idleness */
	if (cl->out_pending >= (size_t)cl->srv->app->cfg->max_output)
		log_warn("client dropped: unread output over limit",
		         "peer=%s pending=%zu", cl->peer, cl->out_pending);
	else
		log_info("client idle, closing", "peer=%s", cl->peer);
	client_close(cl);
}

void
client_touch(struct client *cl)
{
	if (!cl->closing)
		uv_timer_start(&cl->idle, client_on_idle,
		               (uint64_t)cl->srv->app->cfg->idle_timeout * 1000,
		               0);
}

/* ---- accept ---------------------------------------------------------- */

void
client_admit(struct client *cl, int count_peer)
{
	struct server *srv = cl->srv;
	int from_peer = 0;

	if (count_peer) {
		cl->peer_counted = 1;
		from_peer = peers_add(&srv->peers, cl->peer);
	}
	if (srv->nclients > srv->app->cfg->max_connections ||
	    from_peer > srv->app->cfg->max_connections_per_ip ||
	    (srv->draining && srv->tls != NULL)) {
		struct pl_error err;

		pl_error_init(&err);
		pl_error_set(&err, PL_ERR_UNAVAILABLE, "too_many_connections",
		             srv->draining ? "server is shutting down"
		             : srv->nclients > srv->app->cfg->max_connections
		                 ? "too many connections, try again later"
		                 : "too many connections from your address, "
		                   "try again later");
		log_warn("connection refused", "peer=%s reason=%s from_peer=%d",
		         cl->peer, err.reason, from_peer);
		if (srv->tls != NULL) {
			/* A TLS client cannot read a plaintext line, and a
			 * handshake (the dearest thing a connection costs) is
			 * what a refusal under load must not spend, nor wait
			 * for from a client that may stall it: close unsaid. */
			pl_error_clear(&err);
			client_close(cl);
			return;
		}
		/* Before the line: it closes the connection once written. */
		cl->close_after = 1;
		client_send_error(cl, NULL, &err);
		stats_request_refused(srv->app->stats, NULL);
		pl_error_clear(&err);
		return;
	}
	cl->tls =
	    server_tls_accept(srv->tls, (uv_stream_t *)&cl->tcp, cl->peer);
	client_touch(cl);
	client_input_update(cl);
	log_debug("client connected", "peer=%s clients=%d", cl->peer,
	          srv->nclients);
	/* Draining, the listener stays open so that connections the
	 * kernel has queued are told, not reset: each hears at once that
	 * it should go elsewhere. */
	client_say_closing(cl);
}

/* Takes the next connection from the listener, or fd (>= 0): one accepted
 * by hand as the listener closes (server_close_listener). A trusted
 * proxy's connection reads its PROXY header before client_admit. */
static void
server_accept(struct server *srv, int fd)
{
	struct client *cl;
	struct sockaddr_storage sa;
	int salen = sizeof sa, got;

	cl = xcalloc(1, sizeof *cl);
	cl->srv = srv;
	uv_tcp_init(srv->loop, &cl->tcp);
	uv_timer_init(srv->loop, &cl->idle);
	cl->tcp.data = cl->idle.data = cl;
	cl->handles_open = 2;
	if ((fd >= 0 ? uv_tcp_open(&cl->tcp, fd)
	             : uv_accept((uv_stream_t *)&srv->listener,
	                         (uv_stream_t *)&cl->tcp)) != 0) {
		if (fd >= 0)
			close(fd);
		cl->closing = 1;
		uv_close((uv_handle_t *)&cl->idle, client_on_handle_closed);
		uv_close((uv_handle_t *)&cl->tcp, client_on_handle_closed);
		return;
	}
	uv_tcp_nodelay(&cl->tcp, 1);
	snprintf(cl->peer, sizeof cl->peer, "unknown");
	got = uv_tcp_getpeername(&cl->tcp, (struct sockaddr *)&sa, &salen) == 0;
	if (got) {
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
	stats_connection(srv->app->stats, 1);
	if (got && proxy_trust_match(&srv->app->cfg->proxy_trust,
	                             (struct sockaddr *)&sa))
		client_proxy_begin(cl);
	else
		client_admit(cl, 1);
}

static void
server_on_connection(uv_stream_t *ls, int status)
{
	if (status < 0) {
		log_warn("accept failed", "error=%s", uv_strerror(status));
		return;
	}
	server_accept(ls->data, -1);
}

/*
 * Draining and no client left: the listener closes, but first what the
 * kernel has queued on it is accepted by hand and told server.closing, as
 * closing it would reset those connections after their handshake (a
 * balancer then reports a lost request); later connections are refused,
 * which a balancer retries elsewhere.
 */
static void
server_close_listener(struct server *srv)
{
	uv_os_fd_t fd;
	int cfd;

	srv->listener_closed = 1;
	if (!srv->drain_over &&
	    uv_fileno((uv_handle_t *)&srv->listener, &fd) == 0)
		while ((cfd = accept(fd, NULL, NULL)) >= 0)
			server_accept(srv, cfd);
	uv_close((uv_handle_t *)&srv->listener, NULL);
}

/* ---- relay and shutdown ---------------------------------------------- */

#define SIGNUP_PURGE_INTERVAL_MS (3600 * 1000)

/* On the relay's thread: the trash's purge, at the first run and then
 * every trash_purge_interval seconds. */
static void
trash_purge_due(struct server *srv, struct db_conn *db)
{
	long long now = mono_ms();
	struct pl_error err;
	int n;

	if (srv->trash_purge_ran &&
	    now - srv->trash_purged_at <
	        1000LL * srv->app->cfg->trash_purge_interval)
		return;
	srv->trash_purge_ran = 1;
	srv->trash_purged_at = now;
	pl_error_init(&err);
	if (svc_pad_purge_expired(srv->app, db, &n, &err) != 0) {
		log_warn("trash_purge_failed", "error=%s", err.message);
		pl_error_clear(&err);
	}
}

static void
relay_work(uv_work_t *w)
{
	struct server *srv = w->data;
	struct pl_error err;
	struct db_conn *db;

	pl_error_init(&err);
	if (db_pool_borrow(srv->app->db, &db, &err) != 0) {
		pl_error_clear(&err);
		return;
	}
	while (events_relay_run(srv->app->relay, db, RELAY_BATCH) ==
	       RELAY_BATCH)
		;
	/* Hourly, and at start; one relay runs at a time. */
	if (srv->signup_purged_at == 0 ||
	    mono_ms() - srv->signup_purged_at > SIGNUP_PURGE_INTERVAL_MS) {
		srv->signup_purged_at = mono_ms();
		svc_signup_purge(srv->app, db);
		svc_user_bulk_purge_rejected(srv->app, db);
	}
	trash_purge_due(srv, db);
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

static void
client_on_shutdown(uv_shutdown_t *req, int status)
{
	(void)req;
	(void)status; /* a failure shows as a read error or EOF */
}

void
client_say_closing(struct client *cl)
{
	static const char line[] = "{\"jsonrpc\":\"2.0\",\"method\":"
	                           "\"server.closing\",\"params\":{\"reason\":"
	                           "\"shutting_down\"}}\n";

	/* A proxied connection hears it once admitted (client_admit). */
	if (!cl->srv->draining || cl->closing || cl->close_after ||
	    cl->closing_said || cl->proxy_wait || cl->unit != NULL ||
	    cl->parsing || cl->head != NULL)
		return;
	cl->closing_said = 1;
	client_send(cl, xstrdup(line), sizeof line - 1);
	/* A FIN after the line (never a close that unread input would turn
	 * into a reset, losing the line): the client reads it, then EOF,
	 * and goes. */
	if (!cl->closing &&
	    uv_shutdown(&cl->shutdown_req, (uv_stream_t *)&cl->tcp,
	                client_on_shutdown) != 0)
		client_close(cl);
}

/*
 * Once draining and nothing is in flight: when every client has left, or
 * once the drain timeout passed (clients whose replies are still being
 * written close when the write completes, the others now), the remaining
 * handles close and the loop ends.
 */
void
server_maybe_finish(struct server *srv)
{
	if (!srv->draining || srv->inflight > 0 || srv->relay_running ||
	    srv->finishing)
		return;
	srv->finishing = 1;
	for (struct client *cl = srv->clients, *next; srv->drain_over && cl;
	     cl = next) {
		next = cl->next;
		if (cl->out_pending == 0)
			client_close(cl);
		else
			cl->close_after = 1;
	}
	srv->finishing = 0;
	if (srv->clients == NULL && !srv->listener_closed)
		server_close_listener(srv);
	if (srv->clients == NULL && !srv->walked) {
		srv->walked = 1;
		uv_walk(srv->loop, server_close_walk, NULL);
	}
}

static void
server_on_drain_timeout(uv_timer_t *t)
{
	struct server *srv = t->data;

	log_info("drain timeout, closing clients", "clients=%d inflight=%d",
	         srv->nclients, srv->inflight);
	srv->drain_over = 1;
	server_maybe_finish(srv);
}

static void
server_on_signal(uv_signal_t *s, int signum)
{
	struct server *srv = s->data;

	if (srv->draining)
		return;
	log_info("shutting down", "signal=%d inflight=%d clients=%d", signum,
	         srv->inflight, srv->nclients);
	srv->draining = 1;
	notify_stopping(srv->notify);
	srv->notify = NULL;
	metrics_stop(srv->metrics);
	uv_timer_stop(&srv->relay_timer);
	uv_timer_start(&srv->drain_timer, server_on_drain_timeout,
	               (uint64_t)srv->app->cfg->drain_timeout * 1000, 0);
	/* Idle clients hear it now; busy ones after their answer
	 * (client_process). */
	for (struct client *cl = srv->clients, *next; cl; cl = next) {
		next = cl->next;
		client_say_closing(cl);
	}
	server_maybe_finish(srv);
}

int
server_run(struct padlined *app, struct pl_error *err)
{
	struct server srv;
	struct sockaddr_storage addr;
	int rc;

	memset(&srv, 0, sizeof srv);
	srv.app = app;
	srv.loop = uv_default_loop();
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
	if (metrics_start(srv.loop, app, &srv.metrics, err) != 0) {
		uv_close((uv_handle_t *)&srv.listener, NULL);
		uv_run(srv.loop, UV_RUN_DEFAULT);
		server_tls_free(srv.tls);
		return err->code;
	}
	/* Only now: its handle would keep the loops above running. */
	call_sched_init(&srv.sched, srv.loop, app);
	uv_signal_init(srv.loop, &srv.sigterm);
	uv_signal_init(srv.loop, &srv.sigint);
	srv.sigterm.data = srv.sigint.data = &srv;
	uv_signal_start(&srv.sigterm, server_on_signal, SIGTERM);
	uv_signal_start(&srv.sigint, server_on_signal, SIGINT);
	uv_timer_init(srv.loop, &srv.relay_timer);
	srv.relay_timer.data = &srv;
	uv_timer_init(srv.loop, &srv.drain_timer);
	srv.drain_timer.data = &srv;
	uv_timer_start(&srv.relay_timer, relay_on_timer, RELAY_INTERVAL_MS,
	               RELAY_INTERVAL_MS);
	log_info(
	    "listening", "addr=%s:%d workers=%d pool=%d hash_concurrency=%d",
	    app->cfg->listen_host, app->cfg->listen_port, app->cfg->workers,
	    app->cfg->pool_size, app->cfg->hash_concurrency);
	srv.notify = notify_ready(srv.loop, "serving");
	uv_run(srv.loop, UV_RUN_DEFAULT);
	call_sched_stop(&srv.sched);
	uv_loop_close(srv.loop);
	peers_free(&srv.peers);
	server_tls_free(srv.tls);
	log_info("stopped", "%s", "");
	return 0;
}
