/*
 * struct db_conn: one server connection with the statements prepared on it
 * and its last failure, and the pipelined transaction that runs on it (one
 * Sync per batch: BEGIN, the queued statements and COMMIT go out together
 * and their results come back in order to the decoders that queued them),
 * and the events a transaction wrote, handed to the event sink once it
 * has committed (the outbox hook, db.h).
 */
#include "db.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_sql.h"
#include "db_wait.h"
#include "log.h"
#include "mono_time.h"
#include "xalloc.h"

/* What a queued entry expects back. */
enum pend_kind {
	PEND_PREPARE, /* a Parse of sql, recorded as prepared when sent */
	PEND_STMT,    /* a statement: its result goes to decode */
	PEND_TAKE,    /* a statement whose result the caller takes whole */
};

struct db_pending {
	enum pend_kind kind;
	const char *sql;
	db_decode_fn decode;
	PGresult **take;
	unsigned char ctx[DB_CTX_MAX];
};

struct db_conn {
	PGconn *pg;
	struct db_sql *sql; /* the text each statement is sent as */
	int prepare;
	/* Statements are string literals: the text's address names them. */
	const char **prepared;
	size_t nprepared, capprepared;
	char sqlstate[8];
	int in_tx;      /* between db_tx_begin and its end */
	int batching;   /* db_tx_batch: queue until the next flush/commit */
	int one_batch;  /* db_tx_begin_one: no BEGIN/COMMIT, the Sync ends it */
	int broken;     /* a batch was not read to its end: close, never lend */
	int timeout_ms; /* deadline of each round trip */
	int lost;       /* the server failed: gone, hung or a standby now */
	int outer;      /* db_outer_begin: transactions are savepoints in it */
	int released;   /* outer: the savepoint's transaction committed */
	struct pl_error tx_err; /* first failure of this transaction */
	struct db_pending *q;
	size_t nq, capq;
	/* Events of the open transaction, for the sink after commit. */
	struct db_event {
		long long id;
		char *event; /* owned */
	} * ev;
	size_t nev, capev;
	size_t ev_mark; /* outer: events queued before this savepoint */
	db_event_sink_fn sink;
	void *sink_arg;
};

static int send_failed(struct db_conn *, struct pl_error *);
static void conn_rollback(struct db_conn *);
static int tx_fail(struct db_conn *, const struct pl_error *);

/* A rolled-back transaction's events never happened: those from the
 * from'th on (a savepoint's rollback keeps what came before it). */
static void
events_drop_from(struct db_conn *c, size_t from)
{
	for (size_t i = from; i < c->nev; i++)
		free(c->ev[i].event);
	if (c->nev > from)
		c->nev = from;
}

static void
events_drop(struct db_conn *c)
{
	events_drop_from(c, 0);
}

/* After commit: every event, in order, to the sink. */
static void
events_deliver(struct db_conn *c)
{
	for (size_t i = 0; i < c->nev && c->sink != NULL; i++)
		c->sink(c->sink_arg, c->ev[i].id, c->ev[i].event);
	events_drop(c);
}

void
db_conn_set_event_sink(struct db_conn *c, db_event_sink_fn sink, void *arg)
{
	c->sink = sink;
	c->sink_arg = arg;
}

void
db_tx_event(struct db_conn *c, long long id, const char *event)
{
	if (c->nev == c->capev) {
		c->capev = c->capev ? c->capev * 2 : 4;
		c->ev = xreallocarray(c->ev, c->capev, sizeof *c->ev);
	}
	c->ev[c->nev++] = (struct db_event){id, xstrdup(event)};
	/* Inside an outer transaction nothing has committed yet. */
	if (!c->in_tx && !c->outer)
		events_deliver(c);
}

struct db_conn *
db_conn_new(PGconn *pg, const char *schema, int prepare, struct pl_error *err)
{
	struct db_sql *sql;
	struct db_conn *c;

	if (pg == NULL)
		return NULL;
	if ((sql = db_sql_new(pg, schema, err)) == NULL) {
		PQfinish(pg);
		return NULL;
	}
	c = xcalloc(1, sizeof *c);
	c->pg = pg;
	c->sql = sql;
	c->prepare = prepare;
	c->timeout_ms = DB_QUERY_TIMEOUT_DEFAULT * 1000;
	pl_error_init(&c->tx_err);
	/* Sends never block: a server that stops reading cannot hold a
	 * worker in write() past the deadline (db_wait flushes). */
	PQsetnonblocking(pg, 1);
	return c;
}

void
db_conn_set_timeout(struct db_conn *c, int timeout_ms)
{
	c->timeout_ms = timeout_ms;
}

void
db_conn_free(struct db_conn *c)
{
	if (c == NULL)
		return;
	PQfinish(c->pg);
	db_sql_free(c->sql);
	pl_error_clear(&c->tx_err);
	events_drop(c);
	free(c->ev);
	free(c->prepared);
	free(c->q);
	free(c);
}

PGconn *
db_conn_pg(struct db_conn *c)
{
	return c->pg;
}

int
db_conn_lost(const struct db_conn *c)
{
	return c->lost;
}

PGconn *
db_conn_take_pg(struct db_conn *c)
{
	PGconn *pg = c->pg;

	PQsetnonblocking(pg, 0);
	c->pg = NULL;
	db_conn_free(c);
	return pg;
}

const char *
db_sqlstate(const struct db_conn *c)
{
	return c->sqlstate;
}

int
db_conn_reusable(struct db_conn *c)
{
	if (c->outer)
		db_outer_rollback(c);
	if (c->in_tx)
		db_tx_rollback(c);
	if (c->broken || PQstatus(c->pg) != CONNECTION_OK ||
	    PQpipelineStatus(c->pg) != PQ_PIPELINE_OFF)
		return 0;
	conn_rollback(c);
	return !c->broken && PQtransactionStatus(c->pg) == PQTRANS_IDLE;
}

static int
prepared_has(const struct db_conn *c, const char *sql)
{
	for (size_t i = 0; i < c->nprepared; i++)
		if (c->prepared[i] == sql)
			return 1;
	return 0;
}

static void
prepared_add(struct db_conn *c, const char *sql)
{
	if (c->nprepared == c->capprepared) {
		c->capprepared = c->capprepared ? c->capprepared * 2 : 32;
		c->prepared = xreallocarray(c->prepared, c->capprepared,
		                            sizeof *c->prepared);
	}
	c->prepared[c->nprepared++] = sql;
}

static void
prepared_forget(struct db_conn *c, const char *sql)
{
	for (size_t i = 0; i < c->nprepared; i++)
		if (c->prepared[i] == sql) {
			c->prepared[i] = c->prepared[--c->nprepared];
			return;
		}
}

static void
stmt_name(char name[32], const char *sql)
{
	snprintf(name, 32, "pl_%jx", (uintmax_t)(uintptr_t)sql);
}

static int
named(const struct db_conn *c, int nparams)
{
	return c->prepare && nparams > 0;
}

/* ---- waiting for the server, within a deadline ----------------------- */

/* A connection given up on earlier in the request (timed out, lost, a
 * standby): 503 again, without another warning. */
static int
given_up(struct db_conn *c, struct pl_error *err)
{
	pl_error_set(err, PL_ERR_UNAVAILABLE, "database_unavailable",
	             "database unavailable, try again shortly");
	return tx_fail(c, err);
}

/* A round trip past its deadline: cancelled, and the connection is never
 * read or lent again (its late results would answer the next borrower). */
static int
conn_timed_out(struct db_conn *c, struct pl_error *err)
{
	log_warn("database statement timed out; cancelled, connection dropped",
	         "timeout_ms=%d backend_pid=%d", c->timeout_ms,
	         PQbackendPID(c->pg));
	db_cancel_async(c->pg);
	c->broken = c->lost = 1;
	pl_error_set(err, PL_ERR_UNAVAILABLE, "database_timeout",
	             "database did not answer in time, try again shortly");
	return tx_fail(c, err);
}

/* PQgetResult within the deadline. NULL with *failed = 0 ends a
 * statement's results; with *failed set, err says why (503) and the
 * connection is broken. */
static PGresult *
conn_result(struct db_conn *c, long long deadline_ms, int *failed,
            struct pl_error *err)
{
	int w = db_wait(c->pg, deadline_ms);

	*failed = w != 0;
	if (w > 0)
		conn_timed_out(c, err);
	else if (w < 0)
		send_failed(c, err);
	return w == 0 ? PQgetResult(c->pg) : NULL;
}

/* What was sent outside a pipeline, read to its end: the last result
 * (PQexec's rule), or NULL with err set when the connection failed or the
 * deadline passed. */
static PGresult *
conn_last_result(struct db_conn *c, struct pl_error *err)
{
	long long deadline = mono_ms() + c->timeout_ms;
	PGresult *last = NULL, *r;
	int failed;

	while ((r = conn_result(c, deadline, &failed, err)) != NULL) {
		PQclear(last);
		last = r;
	}
	if (failed) {
		PQclear(last);
		return NULL;
	}
	return last;
}

/* ---- outside a transaction: one statement, now ----------------------- */

/* plan_each: never prepared, so PostgreSQL plans it for these values. */
static PGresult *
conn_exec(struct db_conn *c, const char *sql, int nparams,
          const char *const *params, int plan_each, struct pl_error *err)
{
	const char *text = db_sql_text(c->sql, sql);
	char name[32];
	PGresult *r = NULL;
	int ok = 1;

	c->sqlstate[0] = '\0';
	if (c->broken) {
		given_up(c, err);
		return NULL;
	}
	if (plan_each || !named(c, nparams))
		ok = PQsendQueryParams(c->pg, text, nparams, NULL, params, NULL,
		                       NULL, 0);
	else {
		stmt_name(name, sql);
		if (!prepared_has(c, sql)) {
			if (!PQsendPrepare(c->pg, name, text, nparams, NULL)) {
				send_failed(c, err);
				return NULL;
			}
			if ((r = conn_last_result(c, err)) == NULL)
				return NULL;
			/* A failed Parse is reported as the statement's. */
			if (PQresultStatus(r) == PGRES_COMMAND_OK) {
				prepared_add(c, sql);
				PQclear(r);
				r = NULL;
			}
		}
		if (r == NULL)
			ok = PQsendQueryPrepared(c->pg, name, nparams, params,
			                         NULL, NULL, 0);
	}
	if (!ok) {
		send_failed(c, err);
		return NULL;
	}
	if (r == NULL && (r = conn_last_result(c, err)) == NULL)
		return NULL;
	if (db_result_error(c->pg, r, c->sqlstate, err) != 0) {
		/* Gone, or a standby now: never lent again. */
		if (err->code == PL_ERR_UNAVAILABLE)
			c->broken = c->lost = 1;
		PQclear(r);
		return NULL;
	}
	return r;
}

/* A statement whose result only says it ran (a ping, a ROLLBACK), within
 * the deadline; 0 when its status was want. */
static int
conn_simple(struct db_conn *c, const char *sql, ExecStatusType want)
{
	struct pl_error e;
	PGresult *r = NULL;
	int ok;

	pl_error_init(&e);
	ok = !c->broken && PQsendQuery(c->pg, sql) &&
	     (r = conn_last_result(c, &e)) != NULL && PQresultStatus(r) == want;
	PQclear(r);
	pl_error_clear(&e);
	return ok ? 0 : -1;
}

/* Best effort: a connection whose ROLLBACK fails or hangs is broken. */
static void
conn_rollback(struct db_conn *c)
{
	if (c->broken || PQtransactionStatus(c->pg) == PQTRANS_IDLE)
		return;
	if (conn_simple(c, "ROLLBACK", PGRES_COMMAND_OK) != 0)
		c->broken = 1;
}

int
db_conn_ping(struct db_conn *c)
{
	return PQstatus(c->pg) == CONNECTION_OK &&
	       conn_simple(c, "", PGRES_EMPTY_QUERY) == 0;
}

/* ---- inside a transaction: queued, sent as one batch ----------------- */

static struct db_pending *
queue_push(struct db_conn *c, enum pend_kind kind, const char *sql)
{
	struct db_pending *p;

	if (c->nq == c->capq) {
		c->capq = c->capq ? c->capq * 2 : 16;
		c->q = xreallocarray(c->q, c->capq, sizeof *c->q);
	}
	p = &c->q[c->nq++];
	memset(p, 0, sizeof *p);
	p->kind = kind;
	p->sql = sql;
	return p;
}

/* Records the transaction's first failure (later ones are consequences). */
static int
tx_fail(struct db_conn *c, const struct pl_error *e)
{
	if (c->tx_err.code == 0)
		pl_error_set(&c->tx_err, e->code, e->reason, "%s", e->message);
	return c->tx_err.code;
}

/* The transaction's failure, repeated into err for a later caller. */
static int
tx_failed(struct db_conn *c, struct pl_error *err)
{
	if (err->code == 0)
		pl_error_set(err, c->tx_err.code, c->tx_err.reason, "%s",
		             c->tx_err.message);
	return err->code;
}

static int
send_failed(struct db_conn *c, struct pl_error *err)
{
	char q[512];

	log_warn("database connection lost", "error=%s",
	         log_quote(q, sizeof q, PQerrorMessage(c->pg)));
	c->broken = c->lost = 1;
	pl_error_set(err, PL_ERR_UNAVAILABLE, "database_unavailable",
	             "database unavailable, try again shortly");
	return tx_fail(c, err);
}

/* A one-batch transaction asked to send early: its Sync would commit. */
static int
one_batch_misuse(struct db_conn *c, const char *what, struct pl_error *err)
{
	struct pl_error e;

	log_error("one-batch transaction sent early", "call=%s", what);
	pl_error_init(&e);
	pl_error_set(&e, PL_ERR_INTERNAL, "internal", "internal error");
	tx_fail(c, &e);
	pl_error_clear(&e);
	return tx_failed(c, err);
}

static struct db_pending *
queue_stmt(struct db_conn *c, enum pend_kind kind, const char *sql, int nparams,
           const char *const *params, struct pl_error *err)
{
	const char *text = db_sql_text(c->sql, sql);
	char name[32];
	int ok;

	if (!named(c, nparams))
		ok = PQsendQueryParams(c->pg, text, nparams, NULL, params, NULL,
		                       NULL, 0);
	else {
		stmt_name(name, sql);
		if (!prepared_has(c, sql)) {
			if (!PQsendPrepare(c->pg, name, text, nparams, NULL)) {
				send_failed(c, err);
				return NULL;
			}
			queue_push(c, PEND_PREPARE, sql);
			prepared_add(c, sql);
		}
		ok = PQsendQueryPrepared(c->pg, name, nparams, params, NULL,
		                         NULL, 0);
	}
	if (!ok) {
		send_failed(c, err);
		return NULL;
	}
	return queue_push(c, kind, sql);
}

/* One queued entry's result. A failed Parse is forgotten again; after the
 * batch's first failure later statements are only drained. */
static void
batch_result(struct db_conn *c, struct db_pending *p, PGresult *r)
{
	struct pl_error e;
	ExecStatusType st = PQresultStatus(r);
	char state[8];

	if (st == PGRES_PIPELINE_ABORTED) {
		if (p->kind == PEND_PREPARE)
			prepared_forget(c, p->sql);
		PQclear(r);
		return;
	}
	pl_error_init(&e);
	if (db_result_error(c->pg, r, state, &e) != 0) {
		if (p->kind == PEND_PREPARE)
			prepared_forget(c, p->sql);
		/* Gone, or a standby now: never lent again. */
		if (e.code == PL_ERR_UNAVAILABLE)
			c->broken = c->lost = 1;
		/* The first failure is the one the caller maps. */
		if (c->tx_err.code == 0)
			memcpy(c->sqlstate, state, sizeof state);
		tx_fail(c, &e);
		pl_error_clear(&e);
		PQclear(r);
		return;
	}
	if (p->kind == PEND_TAKE && c->tx_err.code == 0) {
		*p->take = r;
		return;
	}
	if (p->kind == PEND_STMT && p->decode && c->tx_err.code == 0 &&
	    p->decode(r, p->ctx, &e) != 0)
		tx_fail(c, &e);
	pl_error_clear(&e);
	PQclear(r);
}

/*
 * Sends the queued statements with one Sync and reads their results in
 * order up to the Sync's. A connection that stops answering mid-batch is
 * marked broken (the pool closes it) so no later batch reads stale
 * results.
 */
static int
batch_run(struct db_conn *c, struct pl_error *err)
{
	size_t next = 0;
	int nulls = 0, failed;
	long long deadline = mono_ms() + c->timeout_ms;
	PGresult *r;

	if (PQpipelineSync(c->pg) != 1) {
		c->nq = 0;
		send_failed(c, err);
		return tx_failed(c, err);
	}
	for (;;) {
		if ((r = conn_result(c, deadline, &failed, err)) == NULL) {
			/* One NULL ends each statement's results; two in a
			 * row mean the server has gone. */
			if (failed)
				break;
			if (++nulls < 2 && PQstatus(c->pg) == CONNECTION_OK)
				continue;
			send_failed(c, err);
			break;
		}
		nulls = 0;
		if (PQresultStatus(r) == PGRES_PIPELINE_SYNC) {
			PQclear(r);
			break;
		}
		if (next == c->nq) {
			log_error("unexpected result in a batch", "status=%s",
			          PQresStatus(PQresultStatus(r)));
			PQclear(r);
			c->broken = 1;
			pl_error_set(&c->tx_err, PL_ERR_INTERNAL, "internal",
			             "internal error");
			continue;
		}
		batch_result(c, &c->q[next++], r);
	}
	/* Entries never answered (a lost connection) were not prepared. */
	for (; next < c->nq; next++)
		if (c->q[next].kind == PEND_PREPARE)
			prepared_forget(c, c->q[next].sql);
	c->nq = 0;
	return c->tx_err.code ? tx_failed(c, err) : 0;
}

int
db_query(struct db_conn *c, const char *sql, int nparams,
         const char *const *params, db_decode_fn decode, const void *ctx,
         size_t ctxlen, struct pl_error *err)
{
	struct db_pending *p;
	PGresult *r;
	int rc = 0;

	if (ctxlen > DB_CTX_MAX) {
		log_error("decoder context too large", "bytes=%zu", ctxlen);
		return pl_error_set(err, PL_ERR_INTERNAL, "internal",
		                    "internal error");
	}
	if (!c->in_tx) {
		if ((r = conn_exec(c, sql, nparams, params, 0, err)) == NULL)
			return err->code;
		if (decode != NULL)
			rc = decode(r, (void *)ctx, err);
		PQclear(r);
		return rc;
	}
	if (c->tx_err.code)
		return tx_failed(c, err);
	if ((p = queue_stmt(c, PEND_STMT, sql, nparams, params, err)) == NULL)
		return err->code;
	p->decode = decode;
	if (ctxlen > 0)
		memcpy(p->ctx, ctx, ctxlen);
	return c->batching ? 0 : batch_run(c, err);
}

PGresult *
db_query_result(struct db_conn *c, const char *sql, int nparams,
                const char *const *params, struct pl_error *err)
{
	struct db_pending *p;
	PGresult *r = NULL;

	if (!c->in_tx)
		return conn_exec(c, sql, nparams, params, 0, err);
	if (c->one_batch) {
		one_batch_misuse(c, "db_query_result", err);
		return NULL;
	}
	if (c->tx_err.code) {
		tx_failed(c, err);
		return NULL;
	}
	if ((p = queue_stmt(c, PEND_TAKE, sql, nparams, params, err)) == NULL)
		return NULL;
	p->take = &r;
	if (batch_run(c, err) != 0) {
		PQclear(r);
		return NULL;
	}
	return r;
}

PGresult *
db_query_result_custom(struct db_conn *c, const char *sql, int nparams,
                       const char *const *params, struct pl_error *err)
{
	if (c->in_tx)
		return db_query_result(c, sql, nparams, params, err);
	return conn_exec(c, sql, nparams, params, 1, err);
}

static int
tx_start(struct db_conn *c, int one_batch, struct pl_error *err)
{
	c->sqlstate[0] = '\0';
	pl_error_clear(&c->tx_err);
	pl_error_init(&c->tx_err);
	c->nq = 0;
	/* An outer transaction's events wait for its commit. */
	if (!c->outer)
		events_drop(c);
	c->ev_mark = c->nev;
	c->batching = one_batch;
	c->one_batch = one_batch;
	c->released = 0;
	if (c->broken)
		return given_up(c, err);
	if (PQenterPipelineMode(c->pg) != 1)
		return send_failed(c, err);
	c->in_tx = 1;
	return 0;
}

int
db_tx_begin(struct db_conn *c, struct pl_error *err)
{
	if (tx_start(c, 0, err) != 0)
		return err->code;
	if (queue_stmt(c, PEND_STMT, c->outer ? "SAVEPOINT pl_tx" : "BEGIN", 0,
	               NULL, err) == NULL) {
		db_tx_rollback(c);
		return err->code;
	}
	return 0;
}

int
db_tx_begin_one(struct db_conn *c, struct pl_error *err)
{
	/* Inside an outer transaction a Sync commits nothing: a savepoint
	 * batched to the end does what the one batch promises. */
	if (c->outer) {
		if (db_tx_begin(c, err) != 0)
			return err->code;
		db_tx_batch(c);
		return 0;
	}
	return tx_start(c, 1, err);
}

void
db_tx_batch(struct db_conn *c)
{
	if (c->in_tx)
		c->batching = 1;
}

int
db_tx_flush(struct db_conn *c, struct pl_error *err)
{
	if (!c->in_tx)
		return 0;
	if (c->one_batch)
		return one_batch_misuse(c, "db_tx_flush", err);
	c->batching = 0;
	if (c->tx_err.code)
		return tx_failed(c, err);
	/* Nothing queued: every statement already went out on its own. */
	return c->nq > 0 ? batch_run(c, err) : 0;
}

/* Leaves pipeline mode (every result has been read by then) and rolls
 * back what the server still holds open. */
static void
tx_end(struct db_conn *c)
{
	c->in_tx = 0;
	c->batching = 0;
	c->one_batch = 0;
	c->nq = 0;
	if (!c->broken && PQexitPipelineMode(c->pg) != 1)
		c->broken = 1;
	if (!c->outer)
		conn_rollback(c);
	else if (!c->released && !c->broken)
		/* Best effort, bounded like any statement: if it fails, the
		 * outer transaction is failed and db_outer_commit refuses
		 * it. */
		(void)conn_simple(c, "ROLLBACK TO SAVEPOINT pl_tx",
		                  PGRES_COMMAND_OK);
}

int
db_tx_commit(struct db_conn *c, struct pl_error *err)
{
	if (!c->in_tx)
		return pl_error_set(err, PL_ERR_INTERNAL, "internal",
		                    "internal error");
	/* A one-batch transaction commits at its Sync: statements in one
	 * pipeline segment run as one implicit transaction, and a failure
	 * rolls all of them back (PostgreSQL protocol, "Pipelining"). */
	if (c->tx_err.code == 0 &&
	    (c->one_batch ||
	     queue_stmt(c, PEND_STMT,
	                c->outer ? "RELEASE SAVEPOINT pl_tx" : "COMMIT", 0,
	                NULL, err) != NULL))
		batch_run(c, err);
	else if (c->one_batch && c->nq > 0 && !c->broken)
		/* Never Sync a failed one-batch transaction (it would
		 * commit what went out): close the connection instead,
		 * which aborts it. */
		c->broken = 1;
	if (c->tx_err.code)
		tx_failed(c, err);
	else
		c->released = 1;
	tx_end(c);
	if (c->tx_err.code != 0)
		events_drop_from(c, c->ev_mark);
	else if (!c->outer)
		events_deliver(c);
	return err->code;
}

void
db_tx_rollback(struct db_conn *c)
{
	struct pl_error e;

	if (!c->in_tx)
		return;
	/* Statements queued but not sent still need their Sync read. A
	 * one-batch transaction's Sync would commit them: its connection is
	 * closed instead (the pool never lends a broken one), which aborts
	 * the transaction on the server. */
	pl_error_init(&e);
	if (c->nq > 0 && !c->broken && c->one_batch)
		c->broken = 1;
	else if (c->nq > 0 && !c->broken)
		batch_run(c, &e);
	pl_error_clear(&e);
	tx_end(c);
	events_drop_from(c, c->ev_mark);
}

int
db_tx_finish(struct db_conn *c, int rc, struct pl_error *err)
{
	if (rc == 0 && db_tx_commit(c, err) == 0)
		return PL_OK;
	db_tx_rollback(c);
	return err->code ? err->code : PL_ERR_INTERNAL;
}

/* ---- a transaction around the service's ------------------------------ */

int
db_outer_begin(struct db_conn *c, struct pl_error *err)
{
	if (c->in_tx || c->outer)
		return pl_error_set(err, PL_ERR_INTERNAL, "internal",
		                    "internal error");
	events_drop(c);
	if (db_query_run(c, "BEGIN", 0, NULL, err) != 0)
		return err->code;
	c->outer = 1;
	return 0;
}

int
db_outer_commit(struct db_conn *c, struct pl_error *err)
{
	if (!c->outer || c->in_tx)
		return pl_error_set(err, PL_ERR_INTERNAL, "internal",
		                    "internal error");
	/* COMMIT of a failed transaction "succeeds" as a ROLLBACK. */
	if (c->broken || PQtransactionStatus(c->pg) != PQTRANS_INTRANS) {
		db_outer_rollback(c);
		return pl_error_set(err, PL_ERR_INTERNAL, "internal",
		                    "internal error");
	}
	c->outer = 0;
	if (db_query_run(c, "COMMIT", 0, NULL, err) != 0) {
		conn_rollback(c);
		events_drop(c);
		return err->code;
	}
	/* Only now are the savepoints' events committed. */
	events_deliver(c);
	return 0;
}

void
db_outer_rollback(struct db_conn *c)
{
	if (c->in_tx)
		db_tx_rollback(c);
	c->outer = 0;
	conn_rollback(c);
	events_drop(c);
}

/* ---- shorthands ------------------------------------------------------ */

static int
decode_count(const PGresult *r, void *ctx, struct pl_error *err)
{
	long long *rows = *(long long **)ctx;

	(void)err;
	*rows = strtoll(PQcmdTuples((PGresult *)r), NULL, 10);
	return 0;
}

static int
decode_hit(const PGresult *r, void *ctx, struct pl_error *err)
{
	int *hit = *(int **)ctx;

	(void)err;
	*hit = strcmp(PQcmdTuples((PGresult *)r), "1") == 0;
	return 0;
}

static int
decode_json(const PGresult *r, void *ctx, struct pl_error *err)
{
	json_t **out = *(json_t ***)ctx;

	(void)err;
	if (PQntuples(r) > 0)
		*out = db_get_json(r, 0, "j");
	return 0;
}

static int
decode_json_all(const PGresult *r, void *ctx, struct pl_error *err)
{
	json_t **out = *(json_t ***)ctx;

	(void)err;
	*out = json_array();
	for (int i = 0; i < PQntuples(r); i++)
		json_array_append_new(*out, db_get_json(r, i, "j"));
	return 0;
}

int
db_query_run(struct db_conn *c, const char *sql, int nparams,
             const char *const *params, struct pl_error *err)
{
	return db_query(c, sql, nparams, params, NULL, NULL, 0, err);
}

int
db_query_count(struct db_conn *c, const char *sql, int nparams,
               const char *const *params, long long *rows, struct pl_error *err)
{
	*rows = 0;
	return db_query(c, sql, nparams, params, decode_count, &rows,
	                sizeof rows, err);
}

int
db_query_hit(struct db_conn *c, const char *sql, int nparams,
             const char *const *params, int *hit, struct pl_error *err)
{
	*hit = 0;
	return db_query(c, sql, nparams, params, decode_hit, &hit, sizeof hit,
	                err);
}

int
db_query_json(struct db_conn *c, const char *sql, int nparams,
              const char *const *params, json_t **out, struct pl_error *err)
{
	*out = NULL;
	return db_query(c, sql, nparams, params, decode_json, &out, sizeof out,
	                err);
}

int
db_query_json_all(struct db_conn *c, const char *sql, int nparams,
                  const char *const *params, json_t **out, struct pl_error *err)
{
	*out = NULL;
	return db_query(c, sql, nparams, params, decode_json_all, &out,
	                sizeof out, err);
}
