/*
 * The loop side's shared state: one struct client per connection and the
 * struct server owning them, split across server.c (accept, output,
 * lifecycle, shutdown), server_input.c (reading, framing, the input byte
 * bounds), server_dispatch.c (one line at a time: a request or a batch),
 * server_proxy.c (a trusted proxy's PROXY header, which names the peer) and
 * server_peers.c (connections per address). Loop thread only.
 */
#ifndef PL_SERVER_CONN_H
#define PL_SERVER_CONN_H

#include <stddef.h>
#include <uv.h>

#include "app.h"
#include "framing.h"
#include "jsonrpc.h"
#include "rpc.h"
#include "server_call.h"

struct metrics;
struct tls_conn;
struct server_tls;

/* Input a connection may hold (queued lines, a partial line, the line being
 * answered) without a share of the total input budget. Ordinary requests
 * stay below it; big lines need a reservation (server_input.c). */
#define CLIENT_FREE_INPUT (16 * 1024)
#define CLIENT_READ_CHUNK (64 * 1024)

/* A complete line waiting its turn. */
struct line {
	struct line *next;
	size_t len;
	int oversize; /* stands for the line that passed max_line: answered
	                 -32600 in its turn, then the connection closes */
	char data[];  /* NUL-terminated */
};

/* One request of the line being answered. */
struct entry {
	struct jsonrpc_request req;
	char *reply; /* owned response line, NULL when there is none */
	size_t reply_len;
	int notification;   /* never answered */
	int session_change; /* as rpc_call: 1 bind new_session, -1 unbind */
	struct rpc_session new_session;
};

/* The line being answered: a single request (n == 1, !batch) or a batch.
 * The next line waits until every entry has its reply. */
struct unit {
	int batch;
	size_t charge;  /* input bytes it counts for until answered */
	int n;          /* entries */
	int next;       /* first entry not started yet */
	int running;    /* entries whose calls are in flight */
	int done;       /* entries answered */
	int starting;   /* inside unit_start: completions wait for it */
	int sequential; /* a batch that changes the session: one entry at a
	                   time, each after the previous one's change */
	struct rpc_session
	    session; /* the connection's, when it started; in a
	                sequential batch, as its entries leave it */
	struct entry e[];
};

struct client {
	uv_tcp_t tcp;
	uv_timer_t idle;
	struct server *srv;
	struct framer framer;
	struct line *head, *tail;
	size_t queued;     /* bytes of the lines waiting (with their headers) */
	struct unit *unit; /* being answered, NULL when none */
	int parsing;       /* a big line is being parsed on a worker */
	size_t parse_charge; /* its bytes, until it becomes the unit */
	int calls;           /* calls in flight for it (a batch runs several) */
	int closing;         /* uv_close started or requested */
	int close_after;     /* close once output is flushed */
	int closing_said;    /* draining: server.closing was sent, then our
	                        side shut down; what it sends is dropped */
	uv_shutdown_t shutdown_req;
	int input_ended; /* EOF or an oversize line: read nothing more */
	int reading;
	int reserved; /* holds a share of the input budget */
	int waiting;  /* queued for a share */
	struct client *wait_next;
	int handles_open; /* tcp + idle timer still to close */
	int peer_counted; /* counted in the per-address table */
	int proxy_wait;   /* a trusted proxy's: its PROXY header comes
	                     first (server_proxy.c) */
	char *proxy_buf;  /* the header's bytes so far, or NULL */
	size_t proxy_len;
	size_t out_pending; /* bytes written but not yet taken by the client */
	struct tls_conn *tls; /* NULL on a plaintext listener */
	char peer[64];        /* the client's address: a trusted proxy's header
	                         replaces the connection's own */
	struct rpc_session session;
	struct client *prev, *next;
};

/* Connections per peer address: a small chained hash table. */
struct peer_count;
struct peer_table {
	struct peer_count *bucket[256];
};

struct server {
	uv_loop_t *loop;
	struct padlined *app;
	uv_tcp_t listener;
	uv_signal_t sigterm, sigint;
	uv_timer_t relay_timer;
	uv_work_t relay_work;
	int relay_running;
	int trash_purge_ran;        /* the relay has purged the trash once */
	long long trash_purged_at;  /* mono_ms() of its last purge */
	long long signup_purged_at; /* mono_ms() of the last signup purge */
	int nclients;
	int inflight;
	int draining;
	int drain_over; /* the drain timeout passed: every client goes */
	int listener_closed;
	uv_timer_t drain_timer;
	int finishing; /* inside server_maybe_finish */
	int walked;    /* final uv_walk done */
	struct client *clients;
	struct call_sched sched;
	size_t input_reserved; /* bytes of the budget handed out */
	struct client *wait_head, *wait_tail; /* waiting for a share */
	struct peer_table peers;
	struct notify *notify;   /* systemd watchdog, if any */
	struct server_tls *tls;  /* NULL: plaintext listener */
	struct metrics *metrics; /* NULL: no metrics endpoint */
	/* Every read lands here: read callbacks run one at a time on the
	 * loop and copy what they keep (the framer), so one buffer serves
	 * all connections without a malloc and free per read. */
	char read_buf[CLIENT_READ_CHUNK];
};

/* server.c */
void client_close(struct client *);
void client_touch(struct client *);
/* Writes a response line (owned; NULL is nothing). */
void client_send(struct client *, char *line, size_t len);
void client_send_error(struct client *, json_t *id, const struct pl_error *);
void server_maybe_finish(struct server *);
/* Draining: tells a client with nothing left to answer that the server is
 * going (server.closing), once, and shuts our side down after it; the
 * connection closes at the client's EOF or the drain timeout. */
void client_say_closing(struct client *);
/* Lets a connection in once its peer is known: checks the connection
 * limits (counting it against its peer when count_peer), starts TLS and
 * reading. */
void client_admit(struct client *, int count_peer);
/* The last call of a closed client ended: frees it if its handles are. */
void server_client_release(struct client *);

/* server_input.c */
/* Starts or stops reading as the connection's bounds allow, and takes or
 * returns its share of the input budget. Call after anything that changes
 * what it holds. */
void client_input_update(struct client *);
/* Drops its queued lines and its share (the connection is closing). */
void client_input_release(struct client *);

/* server_dispatch.c */
void unit_free(struct unit *);
/* Answers the next queued lines while nothing is in flight and the
 * client's unread output is below max_output; closes a connection whose
 * input ended once everything is answered and written. */
void client_process(struct client *);

/* server_proxy.c */
/* A trusted proxy's new connection: nothing but its PROXY header is read,
 * and only for a second. */
void client_proxy_begin(struct client *);
/* Takes header bytes from a read (*data, *len): returns 1 when the read is
 * used up (header unfinished, or the connection closed), else 0 with the
 * connection admitted and *data, *len the bytes after the header. */
int client_proxy_input(struct client *, char **data, size_t *len);

/* server_peers.c */
/* Counts one more connection from addr and returns how many there are. */
int peers_add(struct peer_table *, const char *addr);
void peers_remove(struct peer_table *, const char *addr);
void peers_free(struct peer_table *);

#endif
