/*
 * Reading clients: framing their bytes into queued lines, and bounding the
 * input the server holds in bytes, per connection and in all, by not
 * reading (TCP backpressure) rather than by buffering or dropping.
 *
 * Per connection: reading stops while its queued lines and partial line
 * reach max_line. In all: a connection may hold CLIENT_FREE_INPUT without
 * asking; past that it needs a share of max_input_total big enough to finish
 * a line while another is answered (client_share). Shares are handed out
 * first come, first served, and holders take turns while others wait; one
 * is always granted when none is out, so the server makes progress even with
 * a budget below one share. A connection without a share is not read until
 * it gets one. So input held in all stays below max_input_total plus, per
 * connection, CLIENT_FREE_INPUT and one read.
 */
#include <stdlib.h>
#include <string.h>

#include "server_conn.h"
#include "server_tls.h"
#include "stats.h"
#include "xalloc.h"

static void client_on_read(uv_stream_t *, ssize_t, const uv_buf_t *);

/* What a connection counts for: queued lines, the partial line in the
 * framer and the line being answered. */
static size_t
client_held(const struct client *cl)
{
	return cl->queued + cl->framer.len + cl->parse_charge +
	       (cl->unit ? cl->unit->charge : 0);
}

/* The share of the budget one connection reserves: a line being answered,
 * a queue of up to max_line and one more read. */
static size_t
client_share(const struct server *srv)
{
	return 2 * (size_t)srv->app->cfg->max_line + CLIENT_READ_CHUNK;
}

static int
server_input_grant(struct server *srv, struct client *cl)
{
	size_t share = client_share(srv);

	if (srv->input_reserved != 0 &&
	    srv->input_reserved + share >
	        (size_t)srv->app->cfg->max_input_total)
		return 0;
	srv->input_reserved += share;
	cl->reserved = 1;
	return 1;
}

static void
server_input_unwait(struct server *srv, struct client *cl)
{
	struct client **p = &srv->wait_head, *prev = NULL;

	if (!cl->waiting)
		return;
	while (*p && *p != cl) {
		prev = *p;
		p = &(*p)->wait_next;
	}
	if (*p)
		*p = cl->wait_next;
	if (srv->wait_tail == cl)
		srv->wait_tail = prev;
	cl->wait_next = NULL;
	cl->waiting = 0;
}

/* Hands freed budget to the connections waiting for it, in order. */
static void
server_input_grant_waiters(struct server *srv)
{
	while (srv->wait_head) {
		struct client *cl = srv->wait_head;

		if (!server_input_grant(srv, cl))
			return;
		server_input_unwait(srv, cl);
		client_input_update(cl);
	}
}

static void
client_input_return(struct client *cl)
{
	struct server *srv = cl->srv;

	if (!cl->reserved)
		return;
	cl->reserved = 0;
	srv->input_reserved -= client_share(srv);
	server_input_grant_waiters(srv);
}

static void
client_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct client *cl = h->data;
	size_t held = client_held(cl), size = CLIENT_READ_CHUNK;

	(void)suggested;
	/* Without a share, read no further than the free allowance. */
	if (!cl->reserved)
		size = held + 4096 < CLIENT_FREE_INPUT
		           ? CLIENT_FREE_INPUT - held
		           : 4096;
	buf->base = cl->srv->read_buf;
	buf->len = size;
}

void
client_input_update(struct client *cl)
{
	struct server *srv = cl->srv;
	size_t held = client_held(cl);
	int want, yield;

	if (cl->closing)
		return;
	/* While others wait for a share, a holder takes turns: once it has
	 * a whole line it reads no more, answers what it holds and gives the
	 * share back, keeping at most one read of its next line. Without
	 * that, a client pipelining big lines would keep its share forever. */
	yield = cl->reserved && srv->wait_head != NULL;
	if (cl->reserved && (held < CLIENT_FREE_INPUT ||
	                     (yield && cl->queued == 0 && cl->unit == NULL &&
	                      held < CLIENT_FREE_INPUT + CLIENT_READ_CHUNK)))
		client_input_return(cl);
	want = !cl->input_ended && !cl->close_after &&
	       cl->queued + cl->framer.len < (size_t)srv->app->cfg->max_line &&
	       !(yield && (cl->queued > 0 || cl->unit != NULL || cl->parsing));
	if (want && held >= CLIENT_FREE_INPUT && !cl->reserved) {
		/* Waiters are served in order by server_input_grant_waiters;
		 * only a newcomer may take what is free right now. */
		if (cl->waiting || !server_input_grant(srv, cl)) {
			if (!cl->waiting) {
				cl->waiting = 1;
				if (srv->wait_tail)
					srv->wait_tail->wait_next = cl;
				else
					srv->wait_head = cl;
				srv->wait_tail = cl;
			}
			want = 0;
		}
	} else
		server_input_unwait(srv, cl);
	if (want && !cl->reading) {
		if (uv_read_start((uv_stream_t *)&cl->tcp, client_alloc,
		                  client_on_read) == 0)
			cl->reading = 1;
	} else if (!want && cl->reading) {
		uv_read_stop((uv_stream_t *)&cl->tcp);
		cl->reading = 0;
	}
}

void
client_input_release(struct client *cl)
{
	server_input_unwait(cl->srv, cl);
	client_input_return(cl);
	framer_free(&cl->framer);
	while (cl->head) {
		struct line *l = cl->head;

		cl->head = l->next;
		free(l);
	}
	cl->tail = NULL;
	cl->queued = 0;
}

static void
client_queue_line(struct client *cl, struct line *l)
{
	l->next = NULL;
	if (cl->tail)
		cl->tail->next = l;
	else
		cl->head = l;
	cl->tail = l;
	cl->queued += sizeof *l + l->len + 1;
}

static int
client_on_line(void *ud, char *data, size_t len)
{
	struct client *cl = ud;
	struct line *l;

	/* Blank lines between requests are harmless, whitespace or not. */
	if (strspn(data, " \t\r") == len)
		return 0;
	l = xmalloc(sizeof *l + len + 1);
	l->len = len;
	l->oversize = 0;
	memcpy(l->data, data, len + 1);
	client_queue_line(cl, l);
	client_touch(cl);
	return 0;
}

/* The line that passed max_line: it is answered after the lines before it,
 * then the connection closes; nothing after it is read. */
static void
client_on_oversize(struct client *cl)
{
	struct line *l = xcalloc(1, sizeof *l + 1);

	l->oversize = 1;
	client_queue_line(cl, l);
	framer_free(&cl->framer);
	cl->input_ended = 1;
}

static void
client_on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct client *cl = s->data;
	char *data = buf->base, *plain = NULL;
	size_t len = (size_t)n;
	int rc;

	if (n == UV_EOF) {
		/* A half-close (shutdown(SHUT_WR), nc -N): answer what came
		 * in, then close. An unfinished last line is dropped. */
		framer_free(&cl->framer);
		cl->input_ended = 1;
		client_input_update(cl);
		client_process(cl);
		return;
	}
	if (n < 0) {
		if (!cl->closing)
			client_close(cl);
		return;
	}
	/* After server.closing nothing more is answered (docs/protocol.md):
	 * input is read only to see the client's EOF. */
	if (n == 0 || cl->closing || cl->input_ended || cl->closing_said)
		return;
	if (cl->proxy_wait && (client_proxy_input(cl, &data, &len) != 0 ||
	                       len == 0 || cl->closing || cl->close_after))
		return;
	if (cl->tls != NULL) {
		rc = tls_conn_input(cl->tls, data, len, &plain, &len);
		if (rc == TLS_CONN_PLAINTEXT)
			stats_request_refused(cl->srv->app->stats, NULL);
		if (rc != 0) {
			client_close(cl);
			return;
		}
		data = plain;
	}
	rc = framer_feed(&cl->framer, data, len, client_on_line, cl);
	free(plain);
	if (rc == FRAMER_OVERSIZE)
		client_on_oversize(cl);
	else if (rc != 0) {
		client_close(cl);
		return;
	}
	client_input_update(cl);
	client_process(cl);
}
