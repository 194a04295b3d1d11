/*
 * libpq helpers below struct db_conn (db_conn.c): how a failed result is
 * logged and mapped, the one-off statements of migrations, and field
 * readers. Failures are logged with the server's own message and SQLSTATE;
 * the client only ever sees a generic message (or a specific one chosen by
 * the caller from the SQLSTATE).
 */
#include "db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_num.h"
#include "log.h"
#include "xalloc.h"

int
db_result_error(PGconn *c, const PGresult *r, char sqlstate[8],
                struct pl_error *err)
{
	ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
	const char *state;
	char q[512];

	sqlstate[0] = '\0';
	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
		return 0;
	state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	snprintf(sqlstate, 8, "%s", state ? state : "");
	if (PQstatus(c) != CONNECTION_OK ||
	    (state && strncmp(state, "08", 2) == 0) ||
	    (state && strcmp(state, "57P01") == 0)) {
		log_warn("database connection lost", "error=%s",
		         log_quote(q, sizeof q, PQerrorMessage(c)));
		return pl_error_set(err, PL_ERR_UNAVAILABLE,
		                    "database_unavailable",
		                    "database unavailable, try again shortly");
	}
	/* A standby (this connection outlived a failover, or landed on
	 * one): the primary is elsewhere, so a retry may find it. */
	if (state && strcmp(state, "25006") == 0) {
		log_warn(
		    "database is read-only (a standby)", "error=%s",
		    log_quote(q, sizeof q, r ? PQresultErrorMessage(r) : ""));
		return pl_error_set(err, PL_ERR_UNAVAILABLE,
		                    "database_unavailable",
		                    "database unavailable, try again shortly");
	}
	/* Unique violations are expected (races): the caller maps them, so
	 * they are not worth a warning. */
	if (state == NULL || strcmp(state, "23505") != 0)
		log_warn(
		    "query failed", "sqlstate=%s error=%s", sqlstate,
		    log_quote(q, sizeof q,
		              r ? PQresultErrorMessage(r) : PQerrorMessage(c)));
	return pl_error_set(err, PL_ERR_INTERNAL, "internal", "internal error");
}

PGresult *
db_exec(PGconn *c, const char *sql, int nparams, const char *const *params,
        struct pl_error *err)
{
	char state[8];
	PGresult *r =
	    PQexecParams(c, sql, nparams, NULL, params, NULL, NULL, 0);

	if (db_result_error(c, r, state, err) == 0)
		return r;
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

void
db_close(PGconn *c)
{
	PQfinish(c);
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
