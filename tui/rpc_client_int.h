/*
 * Inside the TUI's JSON-RPC client: the connection's state, shared by
 * rpc_client.c (the connection) and rpc_retry.c (idempotency keys and
 * sending calls again on the next connection).
 */
#ifndef PL_TUI_RPC_CLIENT_INT_H
#define PL_TUI_RPC_CLIENT_INT_H

#include <stdint.h>

#include "framing.h"
#include "rpc_client.h"

struct rpc_pending {
	long long id;
	rpc_cb cb;
	void *ud;
	uint64_t sent_ms;
	char *line; /* the request as sent, to send again (rpc_retry.c) */
	size_t len;
	int keyed;   /* carries an idempotency_key */
	int retried; /* already sent again after a lost connection */
	int moves;   /* sent again after server.closing / shutting_down */
	struct rpc_pending *next;
};

struct rpc_out {
	char *line;
	size_t len;
	struct rpc_out *next;
};

enum rpc_state { RPC_DOWN, RPC_CONNECTING, RPC_UP };

struct rpc_client {
	uv_loop_t *loop;
	char host[256];
	int port;
	enum rpc_state state;
	uv_tcp_t *tcp; /* NULL when down; freed in its close callback */
	struct framer fr;
	long long next_id;
	long long answering; /* the id whose answer is being handed over */
	struct rpc_pending *head, *tail;
	struct rpc_out *out_head,
	    *out_tail; /* lines waiting for the connection */
	int npending;
	rpc_resume_fn resume;
	void *resume_ud;
	struct rpc_tls *tls; /* NULL: plaintext */
	int closing_seen;    /* server.closing or 503 shutting_down read */
	int closing;         /* being freed: a new call fails at once */
	int connects;        /* uv_tcp_connect requests not called back yet:
	                        each holds the client, so the last one frees
	                        a client freed meanwhile */
	int heard;           /* a line came on this connection */
	int closings;        /* connections in a row that ended in
	                        server.closing or shutting_down before an
	                        ordinary answer (rpc_retry.c) */
	struct rpc_pending *moved_head, *moved_tail; /* answered 503
	                                                shutting_down */
	uv_timer_t *again;    /* reconnects for the calls sent again */
	uv_timer_t *watchdog; /* a new connection's deadline (rpc_watchdog.c) */
	int tcp_up;           /* the connect completed (the TLS handshake or
	                         the first answer may still be due) */
};

struct rpc_write {
	uv_write_t req;
	char *line;
};

/* How a connection ended, for rpc_drop. */
enum rpc_drop_how {
	RPC_DROP_FAIL,  /* asked for: every call fails "disconnected" */
	RPC_DROP_LOST,  /* EOF or error: keyed writes are sent once again */
	RPC_DROP_MOVED, /* server.closing: nothing unanswered ran, all go
	                   again */
};

void rpc_drop(struct rpc_client *, const char *msg, enum rpc_drop_how);
/* rpc_refuse.c: cb gets 403 read_only on the next loop turn; nothing is
 * sent. */
void rpc_refuse(uv_loop_t *, const char *method, rpc_cb cb, void *ud);
void rpc_connect(struct rpc_client *);
/* Puts p at the end of the calls waiting for an answer. */
void rpc_pending_append(struct rpc_client *, struct rpc_pending *);
/* Appends a line to the queue sent when the connection is up (owned). */
void rpc_out_push(struct rpc_client *, char *line, size_t len);

/* rpc_retry.c */
/* Adds an idempotency_key to the params of a write that has none. Returns
 * 1 when the call carries a key. */
int rpc_retry_key(const char *method, json_t *params);
/* A line read from the server: 1 when it was server.closing (then
 * c->closing_seen is set), 0 otherwise. */
int rpc_retry_closing(struct rpc_client *, json_t *msg);
/* An answer to p: 1 when it was 503 shutting_down and p is kept to be
 * sent again (moved off the pending list), 0 when it is answered as it is
 * (any other answer also ends the backoff of c's reconnects). */
int rpc_retry_moved(struct rpc_client *, struct rpc_pending *p,
                    const struct pl_error *);
/* After a connection ended: moves the calls that go again (the moved
 * ones, then the pending ones that may) to the queues of the next
 * connection, in order; the rest stay on *fail for the caller to fail.
 * Starts the reconnect when any went. */
void rpc_retry_requeue(struct rpc_client *, struct rpc_pending *pending,
                       enum rpc_drop_how, struct rpc_pending **fail);
void rpc_pending_free(struct rpc_pending *);

/* rpc_watchdog.c: a new connection that does not connect, or says nothing
 * once connected, in time is dropped as lost (RPC_DROP_LOST). */
/* A connect starts / completed: the deadline starts again. */
void rpc_watchdog_connecting(struct rpc_client *);
void rpc_watchdog_connected(struct rpc_client *);
/* The server spoke, or the connection ended: no deadline. */
void rpc_watchdog_stop(struct rpc_client *);
void rpc_watchdog_free(struct rpc_client *);

#endif
