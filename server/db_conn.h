/*
 * What the files of struct db_conn share, and nothing outside them uses:
 * the connection (db_conn.c: the connection and one statement now),
 * its pipelined transaction (db_tx.c) and the events that transaction
 * wrote (db_outbox.c).
 */
#ifndef PL_DB_CONN_H
#define PL_DB_CONN_H

#include <stddef.h>

#include "db.h"
#include "db_sql.h"

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
	size_t nread; /* entries of q whose results the batch has read */
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

/* db_conn.c: statements, prepared once per connection by the address of
 * their text. */
int db_conn_prepared_has(const struct db_conn *, const char *sql);
void db_conn_prepared_add(struct db_conn *, const char *sql);
void db_conn_prepared_forget(struct db_conn *, const char *sql);
void db_conn_stmt_name(char name[32], const char *sql);
/* True when a statement with nparams parameters runs by name. */
int db_conn_named(const struct db_conn *, int nparams);
/* One statement outside a transaction, now; plan_each: never prepared. */
PGresult *db_conn_exec(struct db_conn *, const char *sql, int nparams,
                       const char *const *params, int plan_each,
                       struct pl_error *);
/* PQgetResult within the deadline (see db_conn.c). */
PGresult *db_conn_result(struct db_conn *, long long deadline_ms, int *failed,
                         struct pl_error *);
/* A statement whose result only says it ran; 0 when its status was want. */
int db_conn_simple(struct db_conn *, const char *sql, ExecStatusType want);
/* Best effort ROLLBACK; a connection where it fails is broken. */
void db_conn_rollback(struct db_conn *);
/* Failures: the transaction's first is kept (db_conn_fail), repeated to a
 * later caller (db_conn_failed); a lost connection (db_conn_send_failed)
 * and one given up on earlier (db_conn_given_up) answer 503. Each returns
 * the error code. */
int db_conn_fail(struct db_conn *, const struct pl_error *);
int db_conn_failed(struct db_conn *, struct pl_error *);
int db_conn_send_failed(struct db_conn *, struct pl_error *);
int db_conn_given_up(struct db_conn *, struct pl_error *);
/* A round trip past its deadline: cancelled, the connection broken. */
int db_conn_timed_out(struct db_conn *, struct pl_error *);

/* db_tx.c: a statement queued in the open transaction (NULL: err set),
 * the queue sent with one Sync and read back, and a one-batch
 * transaction asked to send early. */
struct db_pending *db_tx_queue(struct db_conn *, enum pend_kind,
                               const char *sql, int nparams,
                               const char *const *params, struct pl_error *);
int db_tx_run(struct db_conn *, struct pl_error *);
int db_tx_misuse(struct db_conn *, const char *what, struct pl_error *);

/* db_outbox.c: the open transaction's events, dropped from the from'th
 * on (a rollback) or all handed to the sink (a commit). */
void db_events_drop_from(struct db_conn *, size_t from);
void db_events_drop(struct db_conn *);
void db_events_deliver(struct db_conn *);

#endif
