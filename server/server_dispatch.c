/*
 * Answers a connection's lines strictly in order, one line at a time: a
 * request, or a batch (JSON-RPC 2.0 section 6) answered together as one
 * array. A line is started only when the previous one is fully answered, so
 * a pipelined login is bound before the next request runs and a batch never
 * overtakes or is overtaken by its neighbours. A batch's entries run
 * concurrently (at most `workers` at once) and all see the session the
 * connection had when it started, unless the batch holds a method that
 * changes the session (sequential_methods): then they run one after another,
 * each seeing the session the previous one left, as pipelined lines would.
 * Notifications run but are never answered, not even with an error.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "server_conn.h"
#include "stats.h"
#include "svc_session.h"
#include "xalloc.h"

/* Lines longer than this are parsed on a worker: jansson spends tens of
 * milliseconds on a megabyte, which every other client would wait for if
 * the loop spent it. */
#define PARSE_INLINE_MAX (16 * 1024)

struct parse_job {
	uv_work_t work;
	struct client *cl;
	struct line *l;
	struct unit *u;
};

/* Methods that bind or end the connection's session. session.revoke ends
 * it only for the connection's own session, which is not known before the
 * call runs: any revoke makes its batch sequential. */
static const char *const sequential_methods[] = {
    "session.login", "session.resume", "session.logout", "session.revoke"};

static int
session_valid(const struct rpc_session *s)
{
	return s->active && s->expires_at > (long long)time(NULL);
}

static int
entry_changes_session(const struct entry *e)
{
	size_t n = sizeof sequential_methods / sizeof sequential_methods[0];

	if (e->req.method == NULL)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (strcmp(e->req.method, sequential_methods[i]) == 0)
			return 1;
	return 0;
}

/* In a sequential batch, what the entry did to the session is what the
 * next entry sees. */
static void
unit_session_apply(struct unit *u, const struct entry *e)
{
	if (!u->sequential)
		return;
	if (e->session_change > 0)
		u->session = e->new_session;
	else if (e->session_change < 0)
		memset(&u->session, 0, sizeof u->session);
}

/* Fills entry slot with an error answer (none for a notification). */
static void
entry_fail(struct entry *e, const struct pl_error *err)
{
	if (!e->notification)
		e->reply = jsonrpc_error_line(e->req.id, err, &e->reply_len);
	jsonrpc_request_free(&e->req);
}

/* Checks what the loop can check and starts the entry's call, or answers
 * it here. Returns 1 when a call was started. */
static int
entry_start(struct client *cl, struct unit *u, int slot)
{
	struct server *srv = cl->srv;
	struct entry *e = &u->e[slot];
	const struct rpc_method *m = NULL;
	struct pl_error err;

	pl_error_init(&err);
	if (e->reply != NULL || e->req.root == NULL)
		return 0; /* answered when the line was read */
	if (srv->draining)
		pl_error_set(&err, PL_ERR_UNAVAILABLE, "shutting_down",
		             "server is shutting down");
	else if ((m = rpc_method_find(e->req.method)) == NULL)
		pl_error_set(&err, PL_ERR_METHOD_NOT_FOUND, NULL,
		             "unknown method \"%.64s\"", e->req.method);
	else if (m->auth != RPC_AUTH_NONE && !session_valid(&u->session)) {
		if (u->session.active) {
			pl_error_set(&err, PL_ERR_UNAUTHORIZED,
			             "session_expired", "%s",
			             SVC_SESSION_EXPIRED_MSG);
			e->session_change = -1;
		} else
			pl_error_set(&err, PL_ERR_UNAUTHORIZED, "not_signed_in",
			             "not signed in");
	} else if (m->auth == RPC_AUTH_ADMIN && !u->session.is_admin)
		pl_error_set(&err, PL_ERR_FORBIDDEN, "forbidden",
		             "%s needs the admin role", m->name);
	else {
		cl->calls++;
		u->running++;
		srv->inflight++;
		call_start(&srv->sched, cl, slot, m, &e->req, cl->peer,
		           &u->session);
		return 1;
	}
	entry_fail(e, &err);
	unit_session_apply(u, e);
	stats_request_refused(srv->app->stats, m);
	u->done++;
	pl_error_clear(&err);
	return 0;
}

/* Starts entries while the batch's concurrency allows. A call that ends
 * at once reports back while u->starting: the caller finishes the unit. */
static void
unit_start_more(struct client *cl, struct unit *u)
{
	int limit = u->batch && !u->sequential ? cl->srv->app->cfg->workers : 1;

	u->starting = 1;
	while (u->next < u->n && u->running < limit && !cl->closing)
		entry_start(cl, u, u->next++);
	u->starting = 0;
}

/* Every entry is answered: applies session changes, sends the answer. */
static void
unit_finish(struct client *cl)
{
	struct unit *u = cl->unit;
	char *line;
	size_t len = 0;

	cl->unit = NULL;
	for (int i = 0; i < u->n; i++) {
		if (u->e[i].session_change > 0)
			cl->session = u->e[i].new_session;
		else if (u->e[i].session_change < 0)
			memset(&cl->session, 0, sizeof cl->session);
	}
	if (u->batch) {
		char **lines = xcalloc((size_t)u->n, sizeof *lines);
		size_t *lens = xcalloc((size_t)u->n, sizeof *lens);

		for (int i = 0; i < u->n; i++) {
			lines[i] = u->e[i].reply;
			lens[i] = u->e[i].reply_len;
		}
		line = jsonrpc_batch_line(lines, lens, (size_t)u->n, &len);
		free(lines);
		free(lens);
	} else {
		line = u->e[0].reply;
		len = u->e[0].reply_len;
	}
	free(u);
	client_send(cl, line, len);
}

/* Reads one line into a unit: a request, or a batch's entries. Lines that
 * are not requests at all get their error as the unit's only entry. */
static struct unit *
unit_new(struct server *srv, const struct line *l)
{
	struct pl_error err;
	json_t *root = NULL;
	struct unit *u;
	size_t n = 1;
	int batch = 0;

	pl_error_init(&err);
	if (jsonrpc_parse_line(l->data, l->len, &root, &err) == PL_OK &&
	    json_is_array(root) && json_array_size(root) > 0) {
		n = json_array_size(root);
		batch = 1;
		if (n > (size_t)srv->app->cfg->max_batch) {
			pl_error_set(&err, PL_ERR_INVALID_REQUEST,
			             "batch_too_long",
			             "a batch holds at most %d requests",
			             srv->app->cfg->max_batch);
			n = 1;
			batch = 0;
		}
	}
	if (err.code == 0 && json_is_array(root) && !batch)
		pl_error_set(&err, PL_ERR_INVALID_REQUEST, NULL,
		             "a batch must hold at least one request");
	u = xcalloc(1, sizeof *u + n * sizeof u->e[0]);
	u->batch = batch;
	u->n = (int)n;
	u->charge = sizeof *l + l->len + 1;
	for (size_t i = 0; i < n; i++) {
		struct entry *e = &u->e[i];
		json_t *v = batch ? json_array_get(root, i) : root;
		int rc = err.code;

		if (rc == 0)
			rc = jsonrpc_request_from_json(v, &e->req, &err);
		e->notification = e->req.notification;
		if (rc != 0) {
			/* An invalid request is answered even without an id
			 * (section 5: the id is null then); a valid
			 * notification with bad params is not. */
			entry_fail(e, &err);
			u->done++;
		}
		if (batch && entry_changes_session(e))
			u->sequential = 1;
		pl_error_clear(&err);
		pl_error_init(&err);
	}
	json_decref(root);
	return u;
}

void
unit_free(struct unit *u)
{
	if (u == NULL)
		return;
	for (int i = 0; i < u->n; i++) {
		free(u->e[i].reply);
		jsonrpc_request_free(&u->e[i].req);
	}
	free(u);
}

/* Makes u the line being answered and starts its entries. */
static void
unit_begin(struct client *cl, struct unit *u)
{
	/* Entries answered while the line was read were refused. */
	for (int i = 0; i < u->done; i++)
		stats_request_refused(cl->srv->app->stats, NULL);
	u->session = cl->session;
	cl->unit = u;
	unit_start_more(cl, u);
	if (!cl->closing && u->done == u->n)
		unit_finish(cl);
}

static void
parse_work(uv_work_t *w)
{
	struct parse_job *j = w->data;

	j->u = unit_new(j->cl->srv, j->l);
}

static void
parse_after(uv_work_t *w, int status)
{
	struct parse_job *j = w->data;
	struct client *cl = j->cl;
	struct server *srv = cl->srv;
	struct unit *u = j->u;

	(void)status; /* cancelled: u is NULL */
	free(j->l);
	free(j);
	srv->inflight--;
	cl->calls--;
	cl->parsing = 0;
	cl->parse_charge = 0;
	if (cl->closing || u == NULL) {
		unit_free(u);
		if (!cl->closing)
			client_close(cl);
		else if (cl->calls == 0)
			server_client_release(cl);
		server_maybe_finish(srv);
		return;
	}
	unit_begin(cl, u);
	client_touch(cl);
	client_process(cl);
	server_maybe_finish(srv);
}

/* Parses a big line on a worker; the connection's next lines wait. */
static void
client_parse_later(struct client *cl, struct line *l)
{
	struct parse_job *j = xcalloc(1, sizeof *j);

	j->cl = cl;
	j->l = l;
	j->work.data = j;
	cl->parsing = 1;
	cl->parse_charge = sizeof *l + l->len + 1;
	cl->calls++;
	cl->srv->inflight++;
	call_bulk_queue(&cl->srv->sched, &j->work, parse_work, parse_after);
}

/* The oversize marker's turn: -32600, then close once it is written. */
static void
client_answer_oversize(struct client *cl)
{
	struct pl_error err;

	pl_error_init(&err);
	pl_error_set(&err, PL_ERR_INVALID_REQUEST, "line_too_long",
	             "request line longer than %ld bytes",
	             cl->srv->app->cfg->max_line);
	/* Before the line: it closes the connection once written. */
	cl->close_after = 1;
	client_send_error(cl, NULL, &err);
	stats_request_refused(cl->srv->app->stats, NULL);
	pl_error_clear(&err);
	if (cl->out_pending == 0)
		client_close(cl);
}

void
client_process(struct client *cl)
{
	struct server *srv = cl->srv;

	/* Unread output at max_output holds the next line back: a client
	 * that does not read stops being answered (and, no longer read,
	 * meets the idle timeout), while one big answer still goes out. */
	while (!cl->closing && !cl->close_after && cl->unit == NULL &&
	       !cl->parsing && cl->head &&
	       cl->out_pending < (size_t)srv->app->cfg->max_output) {
		struct line *l = cl->head;
		struct unit *u;

		cl->head = l->next;
		if (cl->head == NULL)
			cl->tail = NULL;
		cl->queued -= sizeof *l + l->len + 1;
		if (l->oversize) {
			free(l);
			client_answer_oversize(cl);
			break;
		}
		if (l->len > PARSE_INLINE_MAX) {
			client_parse_later(cl, l);
			break;
		}
		u = unit_new(srv, l);
		free(l);
		unit_begin(cl, u);
	}
	if (cl->closing)
		return;
	client_input_update(cl);
	if (cl->input_ended && !cl->close_after && cl->unit == NULL &&
	    !cl->parsing && cl->head == NULL && cl->out_pending == 0)
		client_close(cl);
	else
		client_say_closing(cl);
}

/* server_call.c hands a finished call's reply back here, on the loop
 * thread. */
void
server_call_done(struct client *cl, int slot, char *line, size_t len,
                 int session_change, const struct rpc_session *ns)
{
	struct server *srv = cl->srv;
	struct unit *u = cl->unit;
	struct entry *e;

	srv->inflight--;
	cl->calls--;
	if (cl->closing) {
		free(line);
		if (cl->calls == 0)
			server_client_release(cl);
		server_maybe_finish(srv);
		return;
	}
	e = &u->e[slot];
	if (e->notification) {
		free(line);
		line = NULL;
		len = 0;
	}
	e->reply = line;
	e->reply_len = len;
	e->session_change = session_change;
	if (session_change > 0)
		e->new_session = *ns;
	unit_session_apply(u, e);
	memset(&e->req, 0, sizeof e->req); /* the call freed it */
	u->running--;
	u->done++;
	if (u->starting)
		return; /* ended at once: unit_start_more's caller goes on */
	unit_start_more(cl, u);
	if (u->done == u->n) {
		unit_finish(cl);
		client_touch(cl);
		client_process(cl);
	}
	server_maybe_finish(srv);
}
