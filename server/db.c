/*
 * libpq helpers used by every repository. Failures are logged here with the
 * server's own message and SQLSTATE; the client only ever sees a generic
 * message (or a specific one chosen by the caller from the SQLSTATE).
 */
#include "db.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_num.h"
#include "log.h"
#include "xalloc.h"

static _Thread_local char db_sqlstate[8];

/* PADLINE_DB_PREPARE; written once before the workers start, like the log
 * level. */
static int db_prepare = 1;

void
db_set_prepare(int on)
{
	db_prepare = on;
}

/*
 * Prepared statements: every parameterised statement is prepared once per
 * connection, the first time that connection runs it, and executed by name
 * afterwards. Statements are string literals, so the text's address names
 * them. The record of what each connection has prepared is shared by the
 * worker threads (a connection moves between them) and dropped by
 * db_close, so a reused PGconn address never inherits another's record.
 */
struct prepared_conn {
	PGconn *conn;
	const char **sqls;
	size_t n, cap;
};

static pthread_mutex_t prepared_mu = PTHREAD_MUTEX_INITIALIZER;
static struct prepared_conn *prepared;
static size_t nprepared;

static struct prepared_conn *
prepared_find(PGconn *c, int create)
{
	for (size_t i = 0; i < nprepared; i++)
		if (prepared[i].conn == c)
			return &prepared[i];
	if (!create)
		return NULL;
	prepared = xreallocarray(prepared, nprepared + 1, sizeof *prepared);
	memset(&prepared[nprepared], 0, sizeof *prepared);
	prepared[nprepared].conn = c;
	return &prepared[nprepared++];
}

static int
prepared_has(PGconn *c, const char *sql)
{
	struct prepared_conn *pc;
	int found = 0;

	pthread_mutex_lock(&prepared_mu);
	if ((pc = prepared_find(c, 0)) != NULL)
		for (size_t i = 0; i < pc->n && !found; i++)
			found = pc->sqls[i] == sql;
	pthread_mutex_unlock(&prepared_mu);
	return found;
}

static void
prepared_add(PGconn *c, const char *sql)
{
	struct prepared_conn *pc;

	pthread_mutex_lock(&prepared_mu);
	pc = prepared_find(c, 1);
	if (pc->n == pc->cap) {
		pc->cap = pc->cap ? pc->cap * 2 : 32;
		pc->sqls = xreallocarray(pc->sqls, pc->cap, sizeof *pc->sqls);
	}
	pc->sqls[pc->n++] = sql;
	pthread_mutex_unlock(&prepared_mu);
}

void
db_close(PGconn *c)
{
	pthread_mutex_lock(&prepared_mu);
	for (size_t i = 0; i < nprepared; i++)
		if (prepared[i].conn == c) {
			free(prepared[i].sqls);
			prepared[i] = prepared[--nprepared];
			break;
		}
	if (nprepared == 0) {
		free(prepared);
		prepared = NULL;
	}
	pthread_mutex_unlock(&prepared_mu);
	PQfinish(c);
}

/* Runs sql by its prepared name, preparing it first on this connection
 * when needed. Statements without parameters, and every statement with
 * PADLINE_DB_PREPARE=off, run unnamed. */
static PGresult *
db_exec_prepared(PGconn *c, const char *sql, int nparams,
                 const char *const *params, int prepare)
{
	char name[32];
	PGresult *r;

	if (nparams == 0 || !db_prepare || !prepare)
		return PQexecParams(c, sql, nparams, NULL, params, NULL, NULL,
		                    0);
	snprintf(name, sizeof name, "pl_%jx", (uintmax_t)(uintptr_t)sql);
	if (!prepared_has(c, sql)) {
		r = PQprepare(c, name, sql, nparams, NULL);
		if (PQresultStatus(r) != PGRES_COMMAND_OK)
			return r; /* reported like any failed statement */
		PQclear(r);
		prepared_add(c, sql);
	}
	return PQexecPrepared(c, name, nparams, params, NULL, NULL, 0);
}

const char *
db_last_sqlstate(void)
{
	return db_sqlstate;
}

static int
db_conn_lost(PGconn *c)
{
	return PQstatus(c) != CONNECTION_OK;
}

static PGresult *
db_exec_how(PGconn *c, const char *sql, int nparams, const char *const *params,
            int prepare, struct pl_error *err)
{
	PGresult *r;
	ExecStatusType st;
	const char *state;
	char q[512];

	db_sqlstate[0] = '\0';
	r = db_exec_prepared(c, sql, nparams, params, prepare);
	st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
		return r;
	state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	snprintf(db_sqlstate, sizeof db_sqlstate, "%s", state ? state : "");
	if (db_conn_lost(c) || (state && strncmp(state, "08", 2) == 0) ||
	    (state && strcmp(state, "57P01") == 0)) {
		log_warn("database connection lost", "error=%s",
		         log_quote(q, sizeof q, PQerrorMessage(c)));
		pl_error_set(err, PL_ERR_UNAVAILABLE, "database_unavailable",
		             "database unavailable, try again shortly");
	} else {
		/* Unique violations are expected (races): the caller maps
		 * them, so they are not worth a warning. */
		if (state == NULL || strcmp(state, "23505") != 0)
			log_warn("query failed", "sqlstate=%s error=%s",
			         db_sqlstate,
			         log_quote(q, sizeof q,
			                   r ? PQresultErrorMessage(r)
			                     : PQerrorMessage(c)));
		pl_error_set(err, PL_ERR_INTERNAL, "internal",
		             "internal error");
	}
	PQclear(r);
	return NULL;
}

PGresult *
db_exec(PGconn *c, const char *sql, int nparams, const char *const *params,
        struct pl_error *err)
{
	return db_exec_how(c, sql, nparams, params, 1, err);
}

PGresult *
db_exec_custom(PGconn *c, const char *sql, int nparams,
               const char *const *params, struct pl_error *err)
{
	return db_exec_how(c, sql, nparams, params, 0, err);
}

int
db_run(PGconn *c, const char *sql, int nparams, const char *const *params,
       struct pl_error *err)
{
	PGresult *r = db_exec(c, sql, nparams, params, err);

	if (r == NULL)
		return err->code;
	PQclear(r);
	return 0;
}

int
db_json_row(PGconn *c, const char *sql, int nparams, const char *const *params,
            json_t **out, struct pl_error *err)
{
	PGresult *r = db_exec(c, sql, nparams, params, err);

	*out = NULL;
	if (r == NULL)
		return err->code;
	if (PQntuples(r) > 0)
		*out = db_get_json(r, 0, "j");
	PQclear(r);
	return PL_OK;
}

int
db_json_rows(PGconn *c, const char *sql, int nparams, const char *const *params,
             json_t **out, struct pl_error *err)
{
	PGresult *r = db_exec(c, sql, nparams, params, err);

	*out = NULL;
	if (r == NULL)
		return err->code;
	*out = json_array();
	for (int i = 0; i < PQntuples(r); i++)
		json_array_append_new(*out, db_get_json(r, i, "j"));
	PQclear(r);
	return PL_OK;
}

int
db_run_count(PGconn *c, const char *sql, int nparams, const char *const *params,
             long long *rows, struct pl_error *err)
{
	PGresult *r = db_exec(c, sql, nparams, params, err);

	*rows = 0;
	if (r == NULL)
		return err->code;
	*rows = strtoll(PQcmdTuples(r), NULL, 10);
	PQclear(r);
	return PL_OK;
}

int
db_begin(PGconn *c, struct pl_error *err)
{
	return db_run(c, "BEGIN", 0, NULL, err);
}

int
db_commit(PGconn *c, struct pl_error *err)
{
	return db_run(c, "COMMIT", 0, NULL, err);
}

void
db_rollback(PGconn *c)
{
	PGresult *r;

	if (PQtransactionStatus(c) == PQTRANS_IDLE)
		return;
	r = PQexec(c, "ROLLBACK");
	PQclear(r);
}

const char *
db_get(const PGresult *r, int row, const char *col)
{
	int n = PQfnumber(r, col);

	if (n < 0 || row >= PQntuples(r) || PQgetisnull(r, row, n))
		return NULL;
	return PQgetvalue(r, row, n);
}

int
db_get_bool(const PGresult *r, int row, const char *col)
{
	const char *v = db_get(r, row, col);

	return v != NULL && v[0] == 't';
}

long long
db_get_ll(const PGresult *r, int row, const char *col)
{
	const char *v = db_get(r, row, col);

	return v ? strtoll(v, NULL, 10) : 0;
}

json_t *
db_get_json(const PGresult *r, int row, const char *col)
{
	const char *v = db_get(r, row, col);
	const char *id = db_get(r, row, "id");
	json_error_t jerr;
	json_t *j;
	char q[256];

	if (v == NULL)
		return json_null();
	j = json_num_loadb(v, strlen(v), JSON_DECODE_ANY, &jerr);
	if (j == NULL)
		log_error("stored JSON unreadable", "column=%s id=%s error=%s",
		          col, id ? id : "-",
		          log_quote(q, sizeof q, jerr.text));
	return j;
}
