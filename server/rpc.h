/*
 * The RPC method table (tmux cmd_entry style): every method is one
 * `const struct rpc_method` with its name, the auth it needs (checked by the
 * dispatcher, never by the method) and up to RPC_MAX_STEPS steps. Each step
 * runs on libuv's worker pool:
 *   STEP_CPU   plain work, no database (validation, parsing);
 *   STEP_HASH  argon2 work, admitted only while fewer than hash_concurrency
 *              hashes run, so registrations never starve other requests;
 *   STEP_DB    call->db holds a pooled PostgreSQL connection for the step.
 * A step returns PL_OK to go on, RPC_STEP_DONE to finish early,
 * RPC_STEP_RETRY to be run again after call->retry_ms (a timer on the loop:
 * waiting never holds a worker), or an error code with call->err filled.
 * The last step sets call->result.
 */
#ifndef PL_RPC_H
#define PL_RPC_H

#include <jansson.h>
#include <stddef.h>

#include "pl_error.h"

struct padlined;
struct db_conn;

#define RPC_STEP_DONE 1
#define RPC_STEP_RETRY 2
#define RPC_STEP_WORKER 3 /* from .queue: run the step on a worker */
#define RPC_MAX_STEPS 4

enum rpc_auth { RPC_AUTH_NONE, RPC_AUTH_USER, RPC_AUTH_ADMIN };
enum rpc_step_kind { STEP_NONE = 0, STEP_CPU, STEP_HASH, STEP_DB };

/* What a connection knows about who is signed in on it. */
struct rpc_session {
	int active;
	char user_id[40];    /* uuid text */
	char token_hash[72]; /* hex of the session token's hash */
	int is_admin;
	long long expires_at; /* unix seconds */
	long long checked_ms; /* monotonic ms of the last check against the
	                         sessions table (logout elsewhere ends it) */
};

struct rpc_call {
	struct padlined *app;
	const struct rpc_method *method;
	json_t *params;             /* borrowed; always an object */
	char peer[64];              /* client address, for rate limits */
	struct rpc_session session; /* the connection's session (read-only) */
	/* Set by session methods: 1 bind new_session, -1 unbind. */
	int session_change;
	struct rpc_session new_session;
	struct db_conn *db;         /* valid during STEP_DB only */
	void *state;                /* method-private, kept across steps */
	void (*state_free)(void *); /* frees state when the call ends */
	/* Run on a worker when a STEP_DB step cannot run (no connection, the
	 * session ended): gives back what earlier steps hold outside the
	 * call (a reserved login attempt). May be NULL. */
	void (*abandon)(struct rpc_call *);
	int retry_ms;   /* with RPC_STEP_RETRY */
	json_t *result; /* owned; set by the final step */
	/* Owned; instead of result, the result as JSON text: a reply of
	 * fixed shape printed without building a tree (json_write.h). */
	char *result_text;
	struct pl_error err;
};

typedef int (*rpc_step_fn)(struct rpc_call *);

struct rpc_step {
	enum rpc_step_kind kind;
	rpc_step_fn run;
	/* STEP_DB, optional: the step as one batch sent from the loop thread,
	 * which holds no worker while PostgreSQL works. queue decodes the
	 * params and queues the step's statements on call->db as a one-batch
	 * transaction (db_tx_begin_one), or returns RPC_STEP_WORKER having
	 * queued nothing (.run then does the step on a worker); end gets the
	 * commit's outcome (0, or the error code with call->err set) and
	 * returns the step's. Without them, or whenever the loop cannot take
	 * the step (an idempotency key, a session check due, no connection
	 * ready), .run does it. */
	rpc_step_fn queue;
	int (*end)(struct rpc_call *, int rv);
};

struct rpc_method {
	const char *name;
	enum rpc_auth auth;
	/* 1: 401 reauth_required unless the session signed in or passed
	 * session.reauth within PADLINE_REAUTH_WINDOW (checked with the
	 * session, before the first database step). */
	int fresh;
	struct rpc_step steps[RPC_MAX_STEPS]; /* ends at first STEP_NONE */
};

/* Looks a method up in rpc_table.c's table; NULL when unknown. */
const struct rpc_method *rpc_method_find(const char *name);
/* The table in order: entries 0 .. rpc_method_count() - 1. */
size_t rpc_method_count(void);
const struct rpc_method *rpc_method_at(size_t i);

#endif
