/*
 * The metrics listener: accepts scrapers, reads one request head within a
 * deadline (metrics_http.c judges it), answers from the live counters and
 * the last probe (metrics_text.c renders them) and closes. The probe of
 * PostgreSQL and Redis runs on libuv's worker pool, one at a time, so a
 * hung database delays the figures it owns (their age is exported) but
 * never a scrape.
 */
#include "metrics.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "metrics_http.h"
#include "metrics_text.h"
#include "mono_time.h"
#include "stats.h"
#include "xalloc.h"

#define PROBE_INTERVAL_MS 5000
#define REQUEST_TIMEOUT_MS 5000 /* from accept to the answer written */
#define LINGER_MS 2000          /* then, for the client to read it */
#define MAX_CONNECTIONS 16      /* scrapers at once; more are closed */

struct mconn {
	uv_tcp_t tcp;
	uv_timer_t timer; /* REQUEST_TIMEOUT_MS, then LINGER_MS */
	uv_write_t write;
	uv_shutdown_t shutdown;
	struct metrics *m;
	struct mconn *prev, *next;
	char *out;    /* the response, until the connection is gone */
	size_t len;   /* request bytes in buf */
	int answered; /* further input is read and dropped */
	int written;  /* the answer has gone to the kernel */
	int eof;      /* the client ended its side before that */
	int closing;
	int handles_open;
	char buf[METRICS_HTTP_MAX];
};

struct metrics {
	uv_loop_t *loop;
	struct padlined *app;
	uv_tcp_t listener;
	uv_timer_t probe_timer;
	uv_work_t probe_work;
	int probing;              /* probe_work in flight */
	struct stats_probe fresh; /* the worker's, taken in probe_done */
	struct stats_probe probe; /* the last one finished */
	long long probe_us;       /* when it finished; 0: none yet */
	struct mconn *conns;
	int nconns;
	int nclosing; /* of nconns, closing: their sockets are closed */
	int stopping;
	int handles_open; /* listener and probe timer */
};

static void
metrics_maybe_free(struct metrics *m)
{
	if (m->stopping && m->handles_open == 0 && m->nconns == 0 &&
	    !m->probing)
		free(m);
}

static void
metrics_on_handle_closed(uv_handle_t *h)
{
	struct metrics *m = h->data;

	m->handles_open--;
	metrics_maybe_free(m);
}

/* ---- connections ----------------------------------------------------- */

static void
conn_on_closed(uv_handle_t *h)
{
	struct mconn *c = h->data;
	struct metrics *m = c->m;

	if (--c->handles_open > 0)
		return;
	if (c->prev)
		c->prev->next = c->next;
	else
		m->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	m->nconns--;
	m->nclosing--;
	free(c->out);
	free(c);
	metrics_maybe_free(m);
}

static void
conn_close(struct mconn *c)
{
	if (c->closing)
		return;
	c->closing = 1;
	c->m->nclosing++;
	uv_close((uv_handle_t *)&c->timer, conn_on_closed);
	uv_close((uv_handle_t *)&c->tcp, conn_on_closed);
}

static void
conn_on_timer(uv_timer_t *t)
{
	conn_close(t->data);
}

static void
conn_on_shutdown(uv_shutdown_t *req, int status)
{
	struct mconn *c = req->data;

	/* Otherwise keep reading until the client closes (or the linger
	 * ends): closing with its bytes unread would reset the connection
	 * and could cost it the answer. */
	if (status < 0)
		conn_close(c);
}

static void
conn_on_written(uv_write_t *req, int status)
{
	struct mconn *c = req->data;

	c->written = 1;
	if (status < 0 || c->closing || c->eof) {
		conn_close(c);
		return;
	}
	c->shutdown.data = c;
	if (uv_shutdown(&c->shutdown, (uv_stream_t *)&c->tcp,
	                conn_on_shutdown) != 0)
		conn_close(c);
	else
		uv_timer_start(&c->timer, conn_on_timer, LINGER_MS, 0);
}

static char *
metrics_body(struct metrics *m, size_t *len)
{
	json_t *report =
	    stats_report_json(m->app, m->probe_us ? &m->probe : NULL);
	double age = m->probe_us ? (double)(mono_us() - m->probe_us) / 1e6 : -1;
	char *text = metrics_text_render(report, age, len);

	json_decref(report);
	return text;
}

static void
conn_answer(struct mconn *c, int status)
{
	char *body = NULL;
	size_t body_len = 0;
	uv_buf_t buf;

	c->answered = 1;
	if (status == 200)
		body = metrics_body(c->m, &body_len);
	else
		log_debug("metrics request refused", "status=%d", status);
	c->out = metrics_http_response(status, body, body_len, &c->len);
	free(body);
	buf = uv_buf_init(c->out, (unsigned)c->len);
	c->write.data = c;
	if (uv_write(&c->write, (uv_stream_t *)&c->tcp, &buf, 1,
	             conn_on_written) != 0)
		conn_close(c);
}

static void
conn_on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct mconn *c = h->data;

	(void)suggested;
	/* After the answer, input only lands here to be dropped. */
	if (c->answered)
		*buf = uv_buf_init(c->buf, sizeof c->buf);
	else
		*buf = uv_buf_init(c->buf + c->len,
		                   (unsigned)(sizeof c->buf - c->len));
}

static void
conn_on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct mconn *c = s->data;
	int status;

	(void)buf;
	if (nread == UV_EOF && c->answered && !c->written) {
		/* A client may end its side right after the request: the
		 * answer still goes out, then the connection closes. */
		c->eof = 1;
		uv_read_stop(s);
		return;
	}
	if (nread < 0) {
		conn_close(c);
		return;
	}
	if (nread == 0 || c->answered || c->closing)
		return;
	c->len += (size_t)nread;
	if ((status = metrics_http_read(c->buf, c->len)) != 0)
		conn_answer(c, status);
}

static void
metrics_on_connection(uv_stream_t *ls, int status)
{
	struct metrics *m = ls->data;
	struct mconn *c;

	if (status < 0) {
		log_warn("metrics accept failed", "error=%s",
		         uv_strerror(status));
		return;
	}
	c = xcalloc(1, sizeof *c);
	c->m = m;
	uv_tcp_init(m->loop, &c->tcp);
	uv_timer_init(m->loop, &c->timer);
	c->tcp.data = c->timer.data = c;
	c->handles_open = 2;
	c->next = m->conns;
	if (m->conns)
		m->conns->prev = c;
	m->conns = c;
	m->nconns++;
	/* Those closing count no more: their clients have seen the end,
	 * and their handles finish closing later in this loop turn. */
	if (uv_accept(ls, (uv_stream_t *)&c->tcp) != 0 ||
	    m->nconns - m->nclosing > MAX_CONNECTIONS) {
		conn_close(c);
		return;
	}
	uv_timer_start(&c->timer, conn_on_timer, REQUEST_TIMEOUT_MS, 0);
	if (uv_read_start((uv_stream_t *)&c->tcp, conn_on_alloc,
	                  conn_on_read) != 0)
		conn_close(c);
}

/* ---- the probe ------------------------------------------------------- */

static void
probe_run(uv_work_t *w)
{
	struct metrics *m = w->data;

	stats_probe(m->app, &m->fresh);
}

static void
probe_done(uv_work_t *w, int status)
{
	struct metrics *m = w->data;

	m->probing = 0;
	if (status == 0) {
		m->probe = m->fresh;
		m->probe_us = mono_us();
	}
	metrics_maybe_free(m);
}

static void
probe_on_timer(uv_timer_t *t)
{
	struct metrics *m = t->data;

	if (m->probing || m->stopping)
		return;
	m->probing = 1;
	m->probe_work.data = m;
	uv_queue_work(m->loop, &m->probe_work, probe_run, probe_done);
}

/* ---- start and stop -------------------------------------------------- */

int
metrics_start(uv_loop_t *loop, struct padlined *app, struct metrics **out,
              struct pl_error *err)
{
	const char *host = app->cfg->metrics_host;
	int port = app->cfg->metrics_port, rc;
	struct sockaddr_storage addr;
	struct metrics *m;

	*out = NULL;
	if (host == NULL)
		return 0;
	if (uv_ip4_addr(host, port, (struct sockaddr_in *)&addr) != 0 &&
	    uv_ip6_addr(host, port, (struct sockaddr_in6 *)&addr) != 0)
		return pl_error_set(err, PL_ERR_VALIDATION, "config",
		                    "cannot parse metrics address %s", host);
	m = xcalloc(1, sizeof *m);
	m->loop = loop;
	m->app = app;
	uv_tcp_init(loop, &m->listener);
	m->listener.data = m;
	m->handles_open = 1;
	if ((rc = uv_tcp_bind(&m->listener, (struct sockaddr *)&addr, 0)) ||
	    (rc = uv_listen((uv_stream_t *)&m->listener, 128,
	                    metrics_on_connection))) {
		m->stopping = 1;
		uv_close((uv_handle_t *)&m->listener, metrics_on_handle_closed);
		return pl_error_set(err, PL_ERR_INTERNAL, "listen",
		                    "cannot listen for metrics on %s:%d: %s",
		                    host, port, uv_strerror(rc));
	}
	uv_timer_init(loop, &m->probe_timer);
	m->probe_timer.data = m;
	m->handles_open++;
	uv_timer_start(&m->probe_timer, probe_on_timer, 0, PROBE_INTERVAL_MS);
	log_info("metrics listening", "addr=%s:%d", host, port);
	*out = m;
	return 0;
}

void
metrics_stop(struct metrics *m)
{
	if (m == NULL || m->stopping)
		return;
	m->stopping = 1;
	uv_close((uv_handle_t *)&m->listener, metrics_on_handle_closed);
	uv_close((uv_handle_t *)&m->probe_timer, metrics_on_handle_closed);
	for (struct mconn *c = m->conns; c; c = c->next)
		conn_close(c);
}
