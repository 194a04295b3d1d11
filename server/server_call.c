/*
 * Runs a method's steps one after another on libuv's worker pool. Hash steps
 * wait in a loop-side queue for a slot instead of blocking a worker, so a
 * burst of registrations occupies at most hash_concurrency workers and the
 * rest stay free for everything else. The queue is fair per peer network
 * (fair_queue.h), so a storm delays others by one hash, not by its backlog.
 * A step that must wait (RPC_STEP_RETRY: a login attempt waiting for the
 * ones in flight) waits on a loop timer, never on a worker.
 */
#include "server_call.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "call_loop.h"
#include "idempotency.h"
#include "json_num.h"
#include "log.h"
#include "mono_time.h"
#include "params.h"
#include "stats.h"
#include "svc_idempotency.h"
#include "svc_session.h"
#include "xalloc.h"

/* How long a connection's session is trusted before it is checked against
 * the sessions table again: a logout on another connection (or an expired
 * or deleted session) ends it everywhere within this time. The contract
 * promises 2 s; half of it leaves room for the request that notices. One
 * indexed lookup a second per busy connection is the price. */
#define SESSION_RECHECK_MS 1000

struct call {
	uv_work_t work;
	struct call_sched *sched;
	struct client *cl;
	int slot; /* the entry of the client's line this call answers */
	struct jsonrpc_request req;
	struct rpc_call rc;
	int step;
	int rv;
	int session_checked;
	long long started_us;  /* for server.stats latencies */
	int idem_on;           /* a write sent with an idempotency_key */
	int first_db, last_db; /* its first and last STEP_DB */
	struct svc_idem idem;
	struct fairq_item wait; /* in sched->hash_wait */
	int loop_declined;      /* the step's .queue sent it to a worker */
	struct svc_session_check *check; /* the loop's session check */
	long long check_ms;              /* when it was queued */
};

static void call_schedule(struct call *);
static void call_after(uv_work_t *, int);
static void call_retry_later(struct call *);

void
call_sched_init(struct call_sched *s, uv_loop_t *loop, struct padlined *app)
{
	memset(s, 0, sizeof *s);
	s->loop = loop;
	s->app = app;
	fairq_init(&s->hash_wait);
	call_loop_queue_init(&s->loopq, loop, app->db);
}

void
call_sched_stop(struct call_sched *s)
{
	call_loop_queue_stop(&s->loopq);
}

/* At a method's first database step: checks the caller's session against
 * the sessions table when the last check is older than SESSION_RECHECK_MS,
 * re-reading the roles with it (svc_session_recheck). An ended session
 * answers 401 and is unbound from the connection. */
static int
call_session_due(const struct call *c, long long now)
{
	const struct rpc_call *rc = &c->rc;

	/* A method that needs a fresh session always checks; the roles, as
	 * for any method, once the last check is older than the interval. */
	return !c->session_checked && rc->method->auth != RPC_AUTH_NONE &&
	       rc->session.active &&
	       (rc->method->fresh ||
	        now - rc->session.checked_ms >= SESSION_RECHECK_MS);
}

/* A method that must hold admin rights has them re-read with the session
 * once the last check is older than the interval. */
static int
call_session_need_admin(const struct call *c, long long now)
{
	return c->rc.method->auth == RPC_AUTH_ADMIN &&
	       now - c->rc.session.checked_ms >= SESSION_RECHECK_MS;
}

/* The recheck's answer (rv; is_admin when it passed) applied to the call
 * and, through session_change, to the connection. */
static int
call_session_apply(struct call *c, int rv, int is_admin, long long now)
{
	struct rpc_call *rc = &c->rc;

	if (rv != PL_OK) {
		/* An ended session is unbound; a 403 or reauth_required
		 * binds nothing, so the next call checks again. */
		if (rc->err.code == PL_ERR_UNAUTHORIZED &&
		    strcmp(rc->err.reason, "reauth_required") != 0)
			rc->session_change = -1;
		return rc->err.code;
	}
	/* This call and the connection's next ones see the fresh roles. */
	rc->new_session = rc->session;
	rc->new_session.is_admin = is_admin;
	rc->new_session.checked_ms = now;
	rc->session = rc->new_session;
	rc->session_change = 1;
	return PL_OK;
}

static int
call_session_check(struct call *c)
{
	struct rpc_call *rc = &c->rc;
	long long now = mono_ms();
	int is_admin = 0, rv;

	if (!call_session_due(c, now))
		return PL_OK;
	c->session_checked = 1;
	rv = svc_session_recheck(c->sched->app, rc->db, rc->session.token_hash,
	                         call_session_need_admin(c, now),
	                         rc->method->fresh, &is_admin, &rc->err);
	return call_session_apply(c, rv, is_admin, now);
}

/* The same check as the loop's first batch before a step (call_loop.h). */
static int
call_session_queue(void *arg)
{
	struct call *c = arg;

	c->session_checked = 1;
	c->check_ms = mono_ms();
	return svc_session_recheck_queue(c->sched->app, c->rc.db,
	                                 c->rc.session.token_hash, &c->check,
	                                 &c->rc.err);
}

static int
call_session_dequeue(void *arg, int rv)
{
	struct call *c = arg;
	int is_admin = 0;

	rv = svc_session_recheck_end(
	    c->check, rv, call_session_need_admin(c, c->check_ms),
	    c->rc.method->fresh, &is_admin, &c->rc.err);
	free(c->check);
	c->check = NULL;
	return call_session_apply(c, rv, is_admin, c->check_ms);
}

static const struct call_loop_pre call_session_pre = {
    .queue = call_session_queue,
    .end = call_session_dequeue,
};

/*
 * A write with an idempotency_key: its last database step (the write) runs
 * between svc_idem_begin and svc_idem_commit, so its answer is stored in its
 * transaction; an earlier database step first looks for a stored answer, so
 * a retry is not refused by the checks the first request's write made moot.
 * A stored answer ends the call with it.
 */
static int
call_idem_run(struct call *c, const struct rpc_step *st)
{
	struct rpc_call *rc = &c->rc;
	json_t *stored = NULL;
	int rv;

	if (c->step != c->last_db) {
		if (c->step == c->first_db &&
		    svc_idem_lookup(rc->db, &c->idem, &stored, &rc->err) != 0)
			return rc->err.code;
	} else if (svc_idem_begin(rc->db, &c->idem, &stored, &rc->err) != 0)
		return rc->err.code;
	if (stored != NULL) {
		rc->result = stored;
		return RPC_STEP_DONE;
	}
	rv = st->run(rc);
	if (c->step != c->last_db)
		return rv;
	if (rv != PL_OK && rv != RPC_STEP_DONE) {
		svc_idem_rollback(rc->db);
		return rv;
	}
	/* The answer is stored as a tree: a printed one is read back. */
	if (rc->result == NULL && rc->result_text != NULL) {
		rc->result = json_num_loadb(rc->result_text,
		                            strlen(rc->result_text), 0, NULL);
		free(rc->result_text);
		rc->result_text = NULL;
		if (rc->result == NULL) {
			svc_idem_rollback(rc->db);
			return pl_error_set(&rc->err, PL_ERR_INTERNAL,
			                    "internal", "internal error");
		}
	}
	if (rc->result == NULL)
		rc->result = json_object();
	if (svc_idem_commit(rc->db, &c->idem, rc->result, &rc->err) != 0) {
		json_decref(rc->result);
		rc->result = NULL;
		return rc->err.code;
	}
	return rv;
}

static void
call_work(uv_work_t *w)
{
	struct call *c = w->data;
	const struct rpc_step *st = &c->rc.method->steps[c->step];

	if (st->kind == STEP_DB) {
		if (db_pool_borrow(c->sched->app->db, &c->rc.db, &c->rc.err)) {
			c->rv = c->rc.err.code;
			goto abandon;
		}
		if ((c->rv = call_session_check(c)) != PL_OK) {
			db_pool_return(c->sched->app->db, c->rc.db);
			c->rc.db = NULL;
			goto abandon;
		}
	}
	if (c->idem_on && st->kind == STEP_DB)
		c->rv = call_idem_run(c, st);
	else
		c->rv = st->run(&c->rc);
	if (st->kind == STEP_DB) {
		db_pool_return(c->sched->app->db, c->rc.db);
		c->rc.db = NULL;
	}
	return;
abandon:
	if (c->rc.abandon)
		c->rc.abandon(&c->rc);
}

static void
call_finish(struct call *c)
{
	char *line;
	size_t len = 0;

	if (c->rv != PL_OK && c->rv != RPC_STEP_DONE) {
		if (c->rc.err.code == 0) {
			log_error("step failed without an error",
			          "method=%s step=%d rv=%d", c->rc.method->name,
			          c->step, c->rv);
			pl_error_set(&c->rc.err, PL_ERR_INTERNAL, "internal",
			             "internal error");
		}
		line = jsonrpc_error_line(c->req.id, &c->rc.err, &len);
		/* A failed call binds nothing, but an ended session is
		 * still unbound. */
		if (c->rc.session_change > 0)
			c->rc.session_change = 0;
	} else if (c->rc.result_text != NULL && c->rc.result == NULL) {
		line =
		    jsonrpc_result_text_line(c->req.id, c->rc.result_text,
		                             strlen(c->rc.result_text), &len);
	} else {
		line = jsonrpc_result_line(
		    c->req.id, c->rc.result ? c->rc.result : json_object(),
		    &len);
		c->rc.result = NULL;
	}
	log_debug("request", "method=%s code=%d", c->rc.method->name,
	          c->rc.err.code);
	stats_request_done(c->sched->app->stats, c->rc.method, &c->rc.err,
	                   c->started_us);
	server_call_done(c->cl, c->slot, line, len, c->rc.session_change,
	                 &c->rc.new_session);
	if (c->rc.state_free && c->rc.state)
		c->rc.state_free(c->rc.state);
	json_decref(c->rc.result);
	free(c->rc.result_text);
	pl_error_clear(&c->rc.err);
	jsonrpc_request_free(&c->req);
	free(c->check);
	free(c);
}

static void
call_hash_admit(struct call_sched *s)
{
	struct fairq_item *it;

	while (s->hash_running < s->app->cfg->hash_concurrency &&
	       (it = fairq_pop(&s->hash_wait)) != NULL) {
		struct call *c =
		    (struct call *)((char *)it - offsetof(struct call, wait));

		s->hash_running++;
		uv_queue_work(s->loop, &c->work, call_work, call_after);
	}
}

static void
call_after(uv_work_t *w, int status)
{
	struct call *c = w->data;
	const struct rpc_method *m = c->rc.method;
	struct call_sched *s = c->sched;

	if (m->steps[c->step].kind == STEP_HASH) {
		s->hash_running--;
		call_hash_admit(s);
	}
	if (status != 0 && (c->rv == PL_OK || c->rv == RPC_STEP_RETRY)) {
		pl_error_set(&c->rc.err, PL_ERR_INTERNAL, "internal",
		             "request cancelled");
		c->rv = PL_ERR_INTERNAL;
	}
	if (c->rv == RPC_STEP_RETRY) {
		call_retry_later(c);
		return;
	}
	if (c->rv != PL_OK || c->step + 1 >= RPC_MAX_STEPS ||
	    m->steps[c->step + 1].kind == STEP_NONE) {
		call_finish(c);
		return;
	}
	c->step++;
	c->loop_declined = 0;
	call_schedule(c);
}

static void
call_loop_done(void *arg, int rv)
{
	struct call *c = arg;

	if (rv == RPC_STEP_WORKER) {
		/* After the session check: the step runs on a worker. */
		c->loop_declined = 1;
		call_schedule(c);
		return;
	}
	c->rv = rv;
	call_after(&c->work, 0);
}

/* A database step the loop thread can send as one batch, after the
 * session check when one is due (as call_work does it); never with an
 * idempotency key (call_idem_run's steps run on workers) or an abandon
 * hook (it runs on a worker). */
static int
call_on_loop(struct call *c)
{
	const struct rpc_step *st = &c->rc.method->steps[c->step];

	if (st->kind != STEP_DB || st->queue == NULL || c->idem_on ||
	    c->rc.abandon != NULL || c->loop_declined)
		return 0;
	call_loop_start(&c->sched->loopq, &c->rc, st,
	                call_session_due(c, mono_ms()) ? &call_session_pre
	                                               : NULL,
	                call_loop_done, c);
	return 1;
}

static void
call_schedule(struct call *c)
{
	struct call_sched *s = c->sched;

	c->work.data = c;
	if (call_on_loop(c))
		return; /* c may be gone already */
	if (c->rc.method->steps[c->step].kind == STEP_HASH &&
	    s->hash_running >= s->app->cfg->hash_concurrency) {
		char key[64];

		fairq_peer_key(c->rc.peer, key, sizeof key);
		fairq_push(&s->hash_wait, key, &c->wait);
		return;
	}
	if (c->rc.method->steps[c->step].kind == STEP_HASH)
		s->hash_running++;
	uv_queue_work(s->loop, &c->work, call_work, call_after);
}

static void
call_retry_closed(uv_handle_t *h)
{
	free(h);
}

static void
call_retry_fire(uv_timer_t *t)
{
	struct call *c = t->data;

	uv_close((uv_handle_t *)t, call_retry_closed);
	c->rv = PL_OK;
	call_schedule(c);
}

/* The step asked to run again later: a one-shot timer on the loop, so the
 * wait holds no worker (the work waited for may need one). */
static void
call_retry_later(struct call *c)
{
	uv_timer_t *t = xcalloc(1, sizeof *t);
	int ms = c->rc.retry_ms > 0 ? c->rc.retry_ms : 1;

	uv_timer_init(c->sched->loop, t);
	t->data = c;
	c->rc.retry_ms = 0;
	uv_timer_start(t, call_retry_fire, (uint64_t)ms, 0);
}

struct call_bulk {
	uv_work_t work; /* ours, queued on the pool */
	uv_work_t *job; /* the caller's */
	uv_work_cb run;
	uv_after_work_cb after;
	struct call_sched *sched;
	struct call_bulk *next;
};

/* Big parses are all CPU: no more at once than the cores the hashes
 * leave, however many workers wait on PostgreSQL (each parse holds its
 * line's memory too). */
static int
call_bulk_limit(const struct call_sched *s)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	int n = s->app->cfg->workers - s->app->cfg->hash_concurrency - 1;
	int by_cores = (int)(cores > 1 ? cores : 1) - 1;

	if (n > by_cores)
		n = by_cores;
	return n > 0 ? n : 1;
}

static void
call_bulk_work(uv_work_t *w)
{
	struct call_bulk *b = w->data;

	b->run(b->job);
}

static void call_bulk_admit(struct call_sched *);

static void
call_bulk_after(uv_work_t *w, int status)
{
	struct call_bulk *b = w->data;
	uv_work_t *job = b->job;
	uv_after_work_cb after = b->after;
	struct call_sched *s = b->sched;

	free(b);
	s->bulk_running--;
	call_bulk_admit(s);
	after(job, status);
}

static void
call_bulk_admit(struct call_sched *s)
{
	while (s->bulk_head && s->bulk_running < call_bulk_limit(s)) {
		struct call_bulk *b = s->bulk_head;

		if ((s->bulk_head = b->next) == NULL)
			s->bulk_tail = NULL;
		s->bulk_running++;
		uv_queue_work(s->loop, &b->work, call_bulk_work,
		              call_bulk_after);
	}
}

void
call_bulk_queue(struct call_sched *s, uv_work_t *w, uv_work_cb run,
                uv_after_work_cb after)
{
	struct call_bulk *b = xcalloc(1, sizeof *b);

	b->work.data = b;
	b->job = w;
	b->run = run;
	b->after = after;
	b->sched = s;
	if (s->bulk_tail)
		s->bulk_tail->next = b;
	else
		s->bulk_head = b;
	s->bulk_tail = b;
	call_bulk_admit(s);
}

/* A write's idempotency_key: checked and scoped before any step runs. */
static int
call_idem_init(struct call *c)
{
	struct rpc_call *rc = &c->rc;
	const char *key = NULL, *form_token = NULL;

	if (!pl_idempotent_method(rc->method->name) ||
	    json_object_get(rc->params, "idempotency_key") == NULL)
		return PL_OK;
	if (params_str(rc->params, "idempotency_key", 1, &key, &rc->err) ||
	    params_str(rc->params, "form_token", 0, &form_token, &rc->err))
		return rc->err.code;
	if (svc_idem_init(&c->idem, rc->method->name, key,
	                  rc->session.active ? rc->session.user_id : NULL,
	                  form_token, rc->params, &rc->err) != PL_OK)
		return rc->err.code;
	c->first_db = c->last_db = -1;
	for (int i = 0; i < RPC_MAX_STEPS && rc->method->steps[i].kind; i++)
		if (rc->method->steps[i].kind == STEP_DB) {
			if (c->first_db < 0)
				c->first_db = i;
			c->last_db = i;
		}
	c->idem_on = c->last_db >= 0;
	return PL_OK;
}

void
call_start(struct call_sched *s, struct client *cl, int slot,
           const struct rpc_method *m, struct jsonrpc_request *req,
           const char *peer, const struct rpc_session *session)
{
	struct call *c = xcalloc(1, sizeof *c);
	size_t peer_len;

	c->sched = s;
	c->cl = cl;
	c->started_us = mono_us();
	c->slot = slot;
	c->req = *req;
	memset(req, 0, sizeof *req);
	c->rc.app = s->app;
	c->rc.method = m;
	c->rc.params = c->req.params;
	/* snprintf's "%s" truncation, without a format parsed per call. */
	peer_len = strnlen(peer, sizeof c->rc.peer - 1);
	memcpy(c->rc.peer, peer, peer_len);
	c->rc.peer[peer_len] = '\0';
	c->rc.session = *session;
	pl_error_init(&c->rc.err);
	if ((c->rv = params_check_text(c->rc.params, &c->rc.err)) != PL_OK ||
	    (c->rv = call_idem_init(c)) != PL_OK ||
	    m->steps[0].kind == STEP_NONE) {
		call_finish(c);
		return;
	}
	call_schedule(c);
}
