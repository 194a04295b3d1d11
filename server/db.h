/*
 * Thin helpers over libpq for the repositories: run one parameterised
 * statement, map failures to pl_error (internal detail to the log only), and
 * transaction brackets. SQL is never built from input: parameters only.
 */
#ifndef PL_DB_H
#define PL_DB_H

#include <jansson.h>
#include <libpq-fe.h>

#include "pl_error.h"

/* SQLSTATE of the last failure seen by db_exec on this thread, "" if none. */
const char *db_last_sqlstate(void);

/*
 * Runs sql with text parameters (NULL entries are SQL NULL). Returns the
 * result on PGRES_COMMAND_OK / PGRES_TUPLES_OK (caller PQclear()s it), or
 * NULL with err set: 503 when the connection is gone, 409 username/name
 * conflicts are left to the caller via db_last_sqlstate(), 500 otherwise.
 */
PGresult *db_exec(PGconn *, const char *sql, int nparams,
                  const char *const *params, struct pl_error *err);
/* Like db_exec, but never prepared: planned for these values each time.
 * For a statement whose best plan depends on them (a LIKE search that the
 * trigram indexes answer for rare parts, an index walk for common ones),
 * where a cached generic plan would read every row for some values. */
PGresult *db_exec_custom(PGconn *, const char *sql, int nparams,
                         const char *const *params, struct pl_error *err);
/* Like db_exec for statements whose result is not needed. */
int db_run(PGconn *, const char *sql, int nparams, const char *const *params,
           struct pl_error *err);

/* One statement whose rows each carry a json column "j": *out is the first
 * row's (new reference), NULL when there is no row. */
int db_json_row(PGconn *, const char *sql, int nparams,
                const char *const *params, json_t **out, struct pl_error *err);
/* Same, every row's "j" as a new array. */
int db_json_rows(PGconn *, const char *sql, int nparams,
                 const char *const *params, json_t **out, struct pl_error *err);
/* A write whose affected-row count matters (a conditional UPDATE/DELETE). */
int db_run_count(PGconn *, const char *sql, int nparams,
                 const char *const *params, long long *rows,
                 struct pl_error *err);

/* to_char format of RFC 3339 UTC with microseconds (a SQL literal). */
#define DB_TIME_US "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'"
/*
 * on (the default): a parameterised statement is prepared once per
 * connection and run by name. off: every statement goes unnamed (parse,
 * bind, execute in one message train), as a transaction-pooling PgBouncer
 * needs, where the server connection changes between transactions and
 * named statements do not follow. Set once at startup, before any thread
 * runs a statement.
 */
void db_set_prepare(int on);

/* PQfinish, forgetting what was prepared on the connection. Every server
 * connection is closed through this. */
void db_close(PGconn *);

int db_begin(PGconn *, struct pl_error *);
int db_commit(PGconn *, struct pl_error *);
/* Best effort; never fails the caller. */
void db_rollback(PGconn *);

/* Field helpers: NULL-safe conversions of row r, column by name. */
const char *db_get(const PGresult *, int row, const char *col);
int db_get_bool(const PGresult *, int row, const char *col);
long long db_get_ll(const PGresult *, int row, const char *col);
/* Parses a jsonb/json column (numbers as json_num.h reads them); returns a
 * new reference, json null for SQL NULL, or NULL when the text cannot be
 * read: that is logged with the column and the row's "id", and the caller
 * answers 500 (never a silent null). */
json_t *db_get_json(const PGresult *, int row, const char *col);

#endif
