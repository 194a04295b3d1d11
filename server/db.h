/*
 * The database layer under the repositories. A server connection is a
 * struct db_conn lent by the pool: it carries its PGconn, the statements
 * prepared on it and its last failure, so nothing about a connection lives
 * in globals or thread-locals. A repository function is one db_query: its
 * SQL, its parameters and a decoder for the result. A transaction
 * (db_tx_begin … db_tx_commit) runs in libpq's pipeline mode: BEGIN goes
 * out with the first statement, the last statements go out with COMMIT,
 * and between them a service may queue several statements (db_tx_batch)
 * so a whole transaction is one round trip; each result reaches the
 * decoder its repository function gave, and any failure rolls the whole
 * transaction back. SQL is never built from input: parameters only.
 */
#ifndef PL_DB_H
#define PL_DB_H

#include <stddef.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "pl_error.h"

struct db_conn;

/*
 * Statements. Each is a string literal (its address names the statement
 * prepared from it) and writes its tables as "@name": the text sent says
 * "schema".name instead (db_sql.h), made once per statement and connection.
 * No statement depends on a search_path, which a transaction-pooling
 * PgBouncer would not carry from one transaction to the next.
 */

/*
 * Reads one statement's result into the outputs ctx points at (the
 * repository function's copy of them, see db_query). Returns 0 or a
 * pl_error code with err set. The result is the layer's to clear.
 */
typedef int (*db_decode_fn)(const PGresult *, void *ctx, struct pl_error *);

/* Largest ctx a decoder may be given: a few output pointers. */
#define DB_CTX_MAX 48

/*
 * Wraps an open connection (ownership moves in, and it is closed on
 * failure; NULL gives NULL, err already set by whoever failed to connect).
 * schema: where the tables of every statement are, quoted once here (see
 * "Statements" above). prepare: run each parameterised statement by name,
 * prepared once per connection; 0 sends every statement unnamed (parse,
 * bind, execute in one message train), as a transaction-pooling PgBouncer
 * needs.
 */
struct db_conn *db_conn_new(PGconn *, const char *schema, int prepare,
                            struct pl_error *);
/* Closes the connection and forgets what was prepared on it. */
void db_conn_free(struct db_conn *);
/*
 * Seconds each round trip (a statement, a batch) may take by default, as
 * PADLINE_DB_QUERY_TIMEOUT's. Past its deadline the statement is cancelled
 * (PQcancel, on a thread of its own: a hung server never answers it), the
 * connection is never read or lent again, and the caller gets 503
 * database_timeout.
 */
#define DB_QUERY_TIMEOUT_DEFAULT 5
void db_conn_set_timeout(struct db_conn *, int timeout_ms);
/* True when the server answered an empty query within the deadline. */
int db_conn_ping(struct db_conn *);
PGconn *db_conn_pg(struct db_conn *);
/* Frees the wrapper and hands its connection (blocking again, nothing
 * pending) to the caller: a check on the way to a one-off tool. */
PGconn *db_conn_take_pg(struct db_conn *);
/* True when the connection can be lent again: open, not in a transaction
 * or pipeline, and never left mid-batch by a broken read. Rolls back an
 * open transaction first (best effort). */
int db_conn_reusable(struct db_conn *);
/* Reads what arrived on a connection nobody uses (a server that closed
 * it, a notice): db_conn_reusable then says whether it may be lent. */
void db_conn_read_idle(struct db_conn *);
/* True when the server itself failed on this connection (lost, past a
 * deadline, read-only): others to the same server are suspect too. */
int db_conn_lost(const struct db_conn *);
/* SQLSTATE of the last failed statement on this connection ("" if none
 * since the last statement or transaction began). */
const char *db_sqlstate(const struct db_conn *);

/*
 * One statement with text parameters (NULL entries are SQL NULL). Outside
 * a transaction it runs now and decode (may be NULL) reads its result
 * before this returns. Inside one it is sent with whatever is queued
 * (BEGIN, at first) and decoded before this returns too, unless the caller
 * asked for a batch (db_tx_batch): then it is queued and decode runs when
 * the batch comes back (db_tx_flush, db_tx_commit), so the outputs must
 * not be read before then. ctx (ctxlen ≤ DB_CTX_MAX bytes, usually the
 * addresses of the caller's outputs) is copied, so it may live on the
 * repository function's stack. Failures: 503 when the connection is gone,
 * 500 otherwise, SQLSTATE kept for db_sqlstate (23505 is the caller's to
 * map); inside a transaction the first failure fails every later call.
 */
int db_query(struct db_conn *, const char *sql, int nparams,
             const char *const *params, db_decode_fn decode, const void *ctx,
             size_t ctxlen, struct pl_error *err);
/* Shorthands over db_query. A statement whose result is not needed: */
int db_query_run(struct db_conn *, const char *sql, int nparams,
                 const char *const *params, struct pl_error *);
/* A write whose affected-row count matters (conditional UPDATE/DELETE). */
int db_query_count(struct db_conn *, const char *sql, int nparams,
                   const char *const *params, long long *rows,
                   struct pl_error *);
/* *hit = 1 when the statement affected exactly one row (a guarded
 * UPDATE/DELETE that may find nothing). */
int db_query_hit(struct db_conn *, const char *sql, int nparams,
                 const char *const *params, int *hit, struct pl_error *);
/* Rows each carrying a json column "j": *out = the first row's (new
 * reference; NULL when there is no row), or every row's as an array. */
int db_query_json(struct db_conn *, const char *sql, int nparams,
                  const char *const *params, json_t **out, struct pl_error *);
int db_query_json_all(struct db_conn *, const char *sql, int nparams,
                      const char *const *params, json_t **out,
                      struct pl_error *);
/*
 * The whole result, now (caller PQclear()s it), or NULL with err set. In
 * a transaction it first sends what is queued: a round trip of its own,
 * for statements whose rows are walked by the caller.
 */
PGresult *db_query_result(struct db_conn *, const char *sql, int nparams,
                          const char *const *params, struct pl_error *);
/*
 * Like db_query_result, but outside a transaction never prepared: planned
 * for these values each time. For a statement whose best plan depends on
 * them (a LIKE search the trigram indexes answer for rare parts, an index
 * walk for common ones), where a cached generic plan would read every row
 * for some values. Inside a transaction it is db_query_result.
 */
PGresult *db_query_result_custom(struct db_conn *, const char *sql, int nparams,
                                 const char *const *params, struct pl_error *);

/*
 * Transactions. db_tx_begin enters pipeline mode and queues BEGIN (sent
 * with the first statement). db_tx_batch: statements queue from here
 * until db_tx_flush or db_tx_commit, instead of each being a round trip —
 * for statements whose outputs nothing reads before then. db_tx_flush
 * sends what is queued and decodes it (one round trip, the transaction
 * stays open) for a caller that must decide on a result before writing;
 * db_tx_commit queues COMMIT, sends the rest and decodes it (one round trip),
 * and on any failure — a statement, a decoder, the commit itself — rolls
 * everything back and returns that first error. db_tx_rollback ends a
 * transaction that is still open (never fails the caller; a no-op when none is
 * open).
 */
int db_tx_begin(struct db_conn *, struct pl_error *);
/*
 * A transaction sent as one batch: everything queues (as after
 * db_tx_batch) and db_tx_commit sends it with one Sync and no BEGIN or
 * COMMIT, which PostgreSQL runs as one implicit transaction — all of it or
 * none. Nothing may be read before the commit: db_tx_flush and
 * db_query_result fail it (INTERNAL). A rollback of what was queued
 * closes the connection rather than send the Sync that would commit it.
 */
int db_tx_begin_one(struct db_conn *, struct pl_error *);
void db_tx_batch(struct db_conn *);
int db_tx_flush(struct db_conn *, struct pl_error *);
int db_tx_commit(struct db_conn *, struct pl_error *);
void db_tx_rollback(struct db_conn *);
/*
 * db_tx_commit of a one-batch transaction (not inside an outer one) for a
 * caller that waits on the connection's socket itself (the loop thread):
 * db_tx_send sends the batch with its Sync; then, each time the socket is
 * ready, db_tx_read reads what arrived. Both return 0 when more is to come
 * (*want_write: wait until the socket takes more, too), 1 when the batch is
 * read, -1 when it failed (err set). db_tx_expire gives up on it at its
 * deadline (db_conn_timeout_ms from the send; 503, the connection broken).
 * Then, whichever it was, db_tx_commit_end ends the transaction as
 * db_tx_commit would have and returns what db_tx_commit would have.
 */
int db_tx_send(struct db_conn *, int *want_write, struct pl_error *);
int db_tx_read(struct db_conn *, int *want_write, struct pl_error *);
void db_tx_expire(struct db_conn *, struct pl_error *);
int db_tx_commit_end(struct db_conn *, struct pl_error *);
int db_conn_socket(const struct db_conn *);
int db_conn_timeout_ms(const struct db_conn *);
/* Ends a transaction by how it went: rc 0 commits (db_tx_commit), else
 * (or when the commit fails) rolls back. Returns 0 or the failure's code
 * (err set; PL_ERR_INTERNAL when rc was a code without a message). */
int db_tx_finish(struct db_conn *, int rc, struct pl_error *);

/*
 * The outbox hook. A statement's decoder hands the event its row carries
 * to db_tx_event (repo_audit_insert does, for every audit row); inside a
 * transaction the connection keeps it until the end, then gives it to the
 * sink if the transaction committed, in order, or drops it if it rolled
 * back. Outside a transaction the statement has committed on its own and
 * the event goes to the sink at once. With no sink the event stays
 * unpublished in audit_log, for the relay (events.h). The sink runs on
 * the thread that committed and must not block (outbox.c's queues the
 * event for the publisher thread).
 */
typedef void (*db_event_sink_fn)(void *arg, long long id, const char *event);
void db_conn_set_event_sink(struct db_conn *, db_event_sink_fn, void *arg);
/* event is copied. */
void db_tx_event(struct db_conn *, long long id, const char *event);

/*
 * A transaction around a service's own (safe retries, svc_idempotency.h):
 * between db_outer_begin and db_outer_commit or db_outer_rollback,
 * db_tx_begin and db_tx_begin_one open a savepoint instead of a
 * transaction, db_tx_commit releases it and a rollback returns to it, so a
 * service runs unchanged and its writes commit with what the caller adds.
 * db_outer_commit fails (and rolls back) when anything in it failed.
 * Events of the savepoints' transactions (db_tx_event) reach the sink only
 * after db_outer_commit's COMMIT; an outer rollback drops them.
 */
int db_outer_begin(struct db_conn *, struct pl_error *);
int db_outer_commit(struct db_conn *, struct pl_error *);
void db_outer_rollback(struct db_conn *);

/* ---- one-off PGconn helpers (migrations, connecting) ---------------- */

/* 0 when r is PGRES_COMMAND_OK / PGRES_TUPLES_OK; else logs the failure
 * (not a 23505, which callers expect in races), copies its SQLSTATE to
 * sqlstate ("" if none) and sets err: 503 when the connection is gone or
 * the server is a standby (25006: the connection must be dropped), 500
 * otherwise. r may be NULL (out of memory, connection lost). */
int db_result_error(PGconn *, const PGresult *r, char sqlstate[8],
                    struct pl_error *err);

/* Runs sql unnamed with text parameters; the result on PGRES_COMMAND_OK /
 * PGRES_TUPLES_OK (caller PQclear()s it), or NULL with err set as
 * db_query does. */
PGresult *db_exec(PGconn *, const char *sql, int nparams,
                  const char *const *params, struct pl_error *err);
int db_run(PGconn *, const char *sql, int nparams, const char *const *params,
           struct pl_error *err);
int db_begin(PGconn *, struct pl_error *);
int db_commit(PGconn *, struct pl_error *);
/* Best effort; never fails the caller. */
void db_rollback(PGconn *);
/* PQfinish (NULL-safe). */
void db_close(PGconn *);

/* to_char format of RFC 3339 UTC with microseconds (a SQL literal). */
#define DB_TIME_US "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'"

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
