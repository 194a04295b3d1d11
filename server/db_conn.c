/*
 * struct db_conn: one server connection with the statements prepared on it,
 * its deadline and its last failure, and one statement run now outside a
 * transaction (inside one, db_tx.c queues it). The shorthands over db_query
 * are here too.
 */
#include "db_conn.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_wait.h"
#include "log.h"
#include "mono_time.h"
#include "num_text.h"
#include "xalloc.h"

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
	db_events_drop(c);
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
	db_conn_rollback(c);
	return !c->broken && PQtransactionStatus(c->pg) == PQTRANS_IDLE;
}

void
db_conn_read_idle(struct db_conn *c)
{
	/* A server that closed it leaves it CONNECTION_BAD. */
	if (PQconsumeInput(c->pg) == 0)
		c->broken = 1;
}

int
db_conn_prepared_has(const struct db_conn *c, const char *sql)
{
	for (size_t i = 0; i < c->nprepared; i++)
		if (c->prepared[i] == sql)
			return 1;
	return 0;
}

void
db_conn_prepared_add(struct db_conn *c, const char *sql)
{
	if (c->nprepared == c->capprepared) {
		c->capprepared = c->capprepared ? c->capprepared * 2 : 32;
		c->prepared = xreallocarray(c->prepared, c->capprepared,
		                            sizeof *c->prepared);
	}
	c->prepared[c->nprepared++] = sql;
}

void
db_conn_prepared_forget(struct db_conn *c, const char *sql)
{
	for (size_t i = 0; i < c->nprepared; i++)
		if (c->prepared[i] == sql) {
			c->prepared[i] = c->prepared[--c->nprepared];
			return;
		}
}

void
db_conn_stmt_name(char name[32], const char *sql)
{
	_Static_assert(3 + NUM_TEXT_HEX <= 32, "pl_ and an address in hex");
	/* "pl_%jx", without a format parsed for every statement sent. */
	memcpy(name, "pl_", 3);
	num_text_hex(name + 3, (uintmax_t)(uintptr_t)sql);
}

int
db_conn_named(const struct db_conn *c, int nparams)
{
	return c->prepare && nparams > 0;
}

/* ---- waiting for the server, within a deadline ----------------------- */

/* A connection given up on earlier in the request (timed out, lost, a
 * standby): 503 again, without another warning. */
int
db_conn_given_up(struct db_conn *c, struct pl_error *err)
{
	pl_error_set(err, PL_ERR_UNAVAILABLE, "database_unavailable",
	             "database unavailable, try again shortly");
	return db_conn_fail(c, err);
}

/* A round trip past its deadline: cancelled, and the connection is never
 * read or lent again (its late results would answer the next borrower). */
int
db_conn_timed_out(struct db_conn *c, struct pl_error *err)
{
	log_warn("database statement timed out; cancelled, connection dropped",
	         "timeout_ms=%d backend_pid=%d", c->timeout_ms,
	         PQbackendPID(c->pg));
	db_cancel_async(c->pg);
	c->broken = c->lost = 1;
	pl_error_set(err, PL_ERR_UNAVAILABLE, "database_timeout",
	             "database did not answer in time, try again shortly");
	return db_conn_fail(c, err);
}

/* PQgetResult within the deadline. NULL with *failed = 0 ends a
 * statement's results; with *failed set, err says why (503) and the
 * connection is broken. */
PGresult *
db_conn_result(struct db_conn *c, long long deadline_ms, int *failed,
               struct pl_error *err)
{
	int w = db_wait(c->pg, deadline_ms);

	*failed = w != 0;
	if (w > 0)
		db_conn_timed_out(c, err);
	else if (w < 0)
		db_conn_send_failed(c, err);
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

	while ((r = db_conn_result(c, deadline, &failed, err)) != NULL) {
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
PGresult *
db_conn_exec(struct db_conn *c, const char *sql, int nparams,
             const char *const *params, int plan_each, struct pl_error *err)
{
	const char *text = db_sql_text(c->sql, sql);
	char name[32];
	PGresult *r = NULL;
	int ok = 1;

	c->sqlstate[0] = '\0';
	if (c->broken) {
		db_conn_given_up(c, err);
		return NULL;
	}
	if (plan_each || !db_conn_named(c, nparams))
		ok = PQsendQueryParams(c->pg, text, nparams, NULL, params, NULL,
		                       NULL, 0);
	else {
		db_conn_stmt_name(name, sql);
		if (!db_conn_prepared_has(c, sql)) {
			if (!PQsendPrepare(c->pg, name, text, nparams, NULL)) {
				db_conn_send_failed(c, err);
				return NULL;
			}
			if ((r = conn_last_result(c, err)) == NULL)
				return NULL;
			/* A failed Parse is reported as the statement's. */
			if (PQresultStatus(r) == PGRES_COMMAND_OK) {
				db_conn_prepared_add(c, sql);
				PQclear(r);
				r = NULL;
			}
		}
		if (r == NULL)
			ok = PQsendQueryPrepared(c->pg, name, nparams, params,
			                         NULL, NULL, 0);
	}
	if (!ok) {
		db_conn_send_failed(c, err);
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
int
db_conn_simple(struct db_conn *c, const char *sql, ExecStatusType want)
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
void
db_conn_rollback(struct db_conn *c)
{
	if (c->broken || PQtransactionStatus(c->pg) == PQTRANS_IDLE)
		return;
	if (db_conn_simple(c, "ROLLBACK", PGRES_COMMAND_OK) != 0)
		c->broken = 1;
}

int
db_conn_ping(struct db_conn *c)
{
	return PQstatus(c->pg) == CONNECTION_OK &&
	       db_conn_simple(c, "", PGRES_EMPTY_QUERY) == 0;
}

/* Records the transaction's first failure (later ones are consequences). */
int
db_conn_fail(struct db_conn *c, const struct pl_error *e)
{
	if (c->tx_err.code == 0)
		pl_error_set(&c->tx_err, e->code, e->reason, "%s", e->message);
	return c->tx_err.code;
}

/* The transaction's failure, repeated into err for a later caller. */
int
db_conn_failed(struct db_conn *c, struct pl_error *err)
{
	if (err->code == 0)
		pl_error_set(err, c->tx_err.code, c->tx_err.reason, "%s",
		             c->tx_err.message);
	return err->code;
}

int
db_conn_send_failed(struct db_conn *c, struct pl_error *err)
{
	char q[512];

	log_warn("database connection lost", "error=%s",
	         log_quote(q, sizeof q, PQerrorMessage(c->pg)));
	c->broken = c->lost = 1;
	pl_error_set(err, PL_ERR_UNAVAILABLE, "database_unavailable",
	             "database unavailable, try again shortly");
	return db_conn_fail(c, err);
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
		if ((r = db_conn_exec(c, sql, nparams, params, 0, err)) == NULL)
			return err->code;
		if (decode != NULL)
			rc = decode(r, (void *)ctx, err);
		PQclear(r);
		return rc;
	}
	if (c->tx_err.code)
		return db_conn_failed(c, err);
	if ((p = db_tx_queue(c, PEND_STMT, sql, nparams, params, err)) == NULL)
		return err->code;
	p->decode = decode;
	if (ctxlen > 0)
		memcpy(p->ctx, ctx, ctxlen);
	return c->batching ? 0 : db_tx_run(c, err);
}

PGresult *
db_query_result(struct db_conn *c, const char *sql, int nparams,
                const char *const *params, struct pl_error *err)
{
	struct db_pending *p;
	PGresult *r = NULL;

	if (!c->in_tx)
		return db_conn_exec(c, sql, nparams, params, 0, err);
	if (c->one_batch) {
		db_tx_misuse(c, "db_query_result", err);
		return NULL;
	}
	if (c->tx_err.code) {
		db_conn_failed(c, err);
		return NULL;
	}
	if ((p = db_tx_queue(c, PEND_TAKE, sql, nparams, params, err)) == NULL)
		return NULL;
	p->take = &r;
	if (db_tx_run(c, err) != 0) {
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
	return db_conn_exec(c, sql, nparams, params, 1, err);
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
