/*
 * The pipelined transaction of a struct db_conn: one Sync per batch, so
 * BEGIN, the queued statements and COMMIT go out together and their
 * results come back in order to the decoders that queued them; and the
 * outer transaction whose inner ones are savepoints.
 */
#include "db_conn.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "mono_time.h"
#include "xalloc.h"

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

/* A one-batch transaction asked to send early: its Sync would commit. */
int
db_tx_misuse(struct db_conn *c, const char *what, struct pl_error *err)
{
	struct pl_error e;

	log_error("one-batch transaction sent early", "call=%s", what);
	pl_error_init(&e);
	pl_error_set(&e, PL_ERR_INTERNAL, "internal", "internal error");
	db_conn_fail(c, &e);
	pl_error_clear(&e);
	return db_conn_failed(c, err);
}

struct db_pending *
db_tx_queue(struct db_conn *c, enum pend_kind kind, const char *sql,
            int nparams, const char *const *params, struct pl_error *err)
{
	const char *text = db_sql_text(c->sql, sql);
	char name[32];
	int ok;

	if (!db_conn_named(c, nparams))
		ok = PQsendQueryParams(c->pg, text, nparams, NULL, params, NULL,
		                       NULL, 0);
	else {
		db_conn_stmt_name(name, sql);
		if (!db_conn_prepared_has(c, sql)) {
			if (!PQsendPrepare(c->pg, name, text, nparams, NULL)) {
				db_conn_send_failed(c, err);
				return NULL;
			}
			queue_push(c, PEND_PREPARE, sql);
			db_conn_prepared_add(c, sql);
		}
		ok = PQsendQueryPrepared(c->pg, name, nparams, params, NULL,
		                         NULL, 0);
	}
	if (!ok) {
		db_conn_send_failed(c, err);
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
			db_conn_prepared_forget(c, p->sql);
		PQclear(r);
		return;
	}
	pl_error_init(&e);
	if (db_result_error(c->pg, r, state, &e) != 0) {
		if (p->kind == PEND_PREPARE)
			db_conn_prepared_forget(c, p->sql);
		/* Gone, or a standby now: never lent again. */
		if (e.code == PL_ERR_UNAVAILABLE)
			c->broken = c->lost = 1;
		/* The first failure is the one the caller maps. */
		if (c->tx_err.code == 0)
			memcpy(c->sqlstate, state, sizeof state);
		db_conn_fail(c, &e);
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
		db_conn_fail(c, &e);
	pl_error_clear(&e);
	PQclear(r);
}

/* One result of the batch in flight, in order; 1 when it was the Sync's
 * (the batch is read). */
static int
batch_take(struct db_conn *c, PGresult *r)
{
	if (PQresultStatus(r) == PGRES_PIPELINE_SYNC) {
		PQclear(r);
		return 1;
	}
	if (c->nread == c->nq) {
		log_error("unexpected result in a batch", "status=%s",
		          PQresStatus(PQresultStatus(r)));
		PQclear(r);
		c->broken = 1;
		pl_error_set(&c->tx_err, PL_ERR_INTERNAL, "internal",
		             "internal error");
		return 0;
	}
	batch_result(c, &c->q[c->nread++], r);
	return 0;
}

/* The batch read to its Sync, or given up on. */
static int
batch_end(struct db_conn *c, struct pl_error *err)
{
	/* Entries never answered (a lost connection) were not prepared. */
	for (size_t i = c->nread; i < c->nq; i++)
		if (c->q[i].kind == PEND_PREPARE)
			db_conn_prepared_forget(c, c->q[i].sql);
	c->nq = c->nread = 0;
	return c->tx_err.code ? db_conn_failed(c, err) : 0;
}

/* The Sync that ends the queued statements. */
static int
batch_sync(struct db_conn *c, struct pl_error *err)
{
	c->nread = 0;
	if (PQpipelineSync(c->pg) == 1)
		return 0;
	c->nq = 0;
	db_conn_send_failed(c, err);
	return db_conn_failed(c, err);
}

/*
 * Sends the queued statements with one Sync and reads their results in
 * order up to the Sync's. A connection that stops answering mid-batch is
 * marked broken (the pool closes it) so no later batch reads stale
 * results.
 */
int
db_tx_run(struct db_conn *c, struct pl_error *err)
{
	int nulls = 0, failed;
	long long deadline = mono_ms() + c->timeout_ms;
	PGresult *r;

	if (batch_sync(c, err) != 0)
		return err->code;
	for (;;) {
		if ((r = db_conn_result(c, deadline, &failed, err)) == NULL) {
			/* One NULL ends each statement's results; two in a
			 * row mean the server has gone. */
			if (failed)
				break;
			if (++nulls < 2 && PQstatus(c->pg) == CONNECTION_OK)
				continue;
			db_conn_send_failed(c, err);
			break;
		}
		nulls = 0;
		if (batch_take(c, r))
			break;
	}
	return batch_end(c, err);
}
static int
tx_start(struct db_conn *c, int one_batch, struct pl_error *err)
{
	c->sqlstate[0] = '\0';
	pl_error_clear(&c->tx_err);
	pl_error_init(&c->tx_err);
	c->nq = c->nread = 0;
	/* An outer transaction's events wait for its commit. */
	if (!c->outer)
		db_events_drop(c);
	c->ev_mark = c->nev;
	c->batching = one_batch;
	c->one_batch = one_batch;
	c->released = 0;
	if (c->broken)
		return db_conn_given_up(c, err);
	if (PQenterPipelineMode(c->pg) != 1)
		return db_conn_send_failed(c, err);
	c->in_tx = 1;
	return 0;
}

int
db_tx_begin(struct db_conn *c, struct pl_error *err)
{
	if (tx_start(c, 0, err) != 0)
		return err->code;
	if (db_tx_queue(c, PEND_STMT, c->outer ? "SAVEPOINT pl_tx" : "BEGIN", 0,
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
		return db_tx_misuse(c, "db_tx_flush", err);
	c->batching = 0;
	if (c->tx_err.code)
		return db_conn_failed(c, err);
	/* Nothing queued: every statement already went out on its own. */
	return c->nq > 0 ? db_tx_run(c, err) : 0;
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
		db_conn_rollback(c);
	else if (!c->released && !c->broken)
		/* Best effort, bounded like any statement: if it fails, the
		 * outer transaction is failed and db_outer_commit refuses
		 * it. */
		(void)db_conn_simple(c, "ROLLBACK TO SAVEPOINT pl_tx",
		                     PGRES_COMMAND_OK);
}

/* The end of db_tx_commit, once its batch is read (or given up on). */
static int
tx_commit_end(struct db_conn *c, struct pl_error *err)
{
	if (c->tx_err.code)
		db_conn_failed(c, err);
	else
		c->released = 1;
	tx_end(c);
	if (c->tx_err.code != 0)
		db_events_drop_from(c, c->ev_mark);
	else if (!c->outer)
		db_events_deliver(c);
	return err->code;
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
	     db_tx_queue(c, PEND_STMT,
	                 c->outer ? "RELEASE SAVEPOINT pl_tx" : "COMMIT", 0,
	                 NULL, err) != NULL))
		db_tx_run(c, err);
	else if (c->one_batch && c->nq > 0 && !c->broken)
		/* Never Sync a failed one-batch transaction (it would
		 * commit what went out): close the connection instead,
		 * which aborts it. */
		c->broken = 1;
	return tx_commit_end(c, err);
}

/* ---- a one-batch commit whose caller waits on the socket itself ------ */

int
db_tx_send(struct db_conn *c, int *want_write, struct pl_error *err)
{
	if (!c->in_tx || !c->one_batch || c->outer) {
		db_tx_misuse(c, "db_tx_send", err);
		return -1;
	}
	if (c->tx_err.code != 0) {
		/* As db_tx_commit: never Sync a failed one-batch one. */
		if (c->nq > 0 && !c->broken)
			c->broken = 1;
		db_conn_failed(c, err);
		return -1;
	}
	if (batch_sync(c, err) != 0)
		return -1;
	/* Sent whole, its results cannot be in yet: the caller waits for
	 * the socket rather than try a read that would find nothing. Sent
	 * in part, libpq may have read already (it does so while a send
	 * blocks): db_tx_read looks. */
	if (PQflush(c->pg) == 0) {
		*want_write = 0;
		return 0;
	}
	return db_tx_read(c, want_write, err);
}

int
db_tx_read(struct db_conn *c, int *want_write, struct pl_error *err)
{
	int unsent = PQflush(c->pg), nulls = 0;
	PGresult *r;

	*want_write = unsent > 0;
	if (unsent < 0 || PQconsumeInput(c->pg) == 0) {
		db_conn_send_failed(c, err);
		batch_end(c, err);
		return -1;
	}
	while (!PQisBusy(c->pg)) {
		if ((r = PQgetResult(c->pg)) == NULL) {
			/* As db_tx_run: two NULLs in a row, the server has
			 * gone. */
			if (++nulls < 2 && PQstatus(c->pg) == CONNECTION_OK)
				continue;
			db_conn_send_failed(c, err);
			batch_end(c, err);
			return -1;
		}
		nulls = 0;
		if (batch_take(c, r))
			return batch_end(c, err) == 0 ? 1 : -1;
	}
	return 0;
}

void
db_tx_expire(struct db_conn *c, struct pl_error *err)
{
	db_conn_timed_out(c, err);
	batch_end(c, err);
}

int
db_tx_commit_end(struct db_conn *c, struct pl_error *err)
{
	return tx_commit_end(c, err);
}

int
db_conn_socket(const struct db_conn *c)
{
	return PQsocket(c->pg);
}

int
db_conn_timeout_ms(const struct db_conn *c)
{
	return c->timeout_ms;
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
		db_tx_run(c, &e);
	pl_error_clear(&e);
	tx_end(c);
	db_events_drop_from(c, c->ev_mark);
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
	db_events_drop(c);
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
		db_conn_rollback(c);
		db_events_drop(c);
		return err->code;
	}
	/* Only now are the savepoints' events committed. */
	db_events_deliver(c);
	return 0;
}

void
db_outer_rollback(struct db_conn *c)
{
	if (c->in_tx)
		db_tx_rollback(c);
	c->outer = 0;
	db_conn_rollback(c);
	db_events_drop(c);
}
