/*
 * libpq helpers used by every repository. Failures are logged here with the
 * server's own message and SQLSTATE; the client only ever sees a generic
 * message (or a specific one chosen by the caller from the SQLSTATE).
 */
#include "db.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"

static _Thread_local char db_sqlstate[8];

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

PGresult *
db_exec(PGconn *c, const char *sql, int nparams, const char *const *params,
	struct pl_error *err)
{
	PGresult *r;
	ExecStatusType st;
	const char *state;
	char q[512];

	db_sqlstate[0] = '\0';
	r = PQexecParams(c, sql, nparams, NULL, params, NULL, NULL, 0);
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
	json_t *j;

	if (v == NULL)
		return json_null();
	j = json_loads(v, JSON_DECODE_ANY, NULL);
	return j ? j : json_null();
}
