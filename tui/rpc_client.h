/*
 * Non-blocking JSON-RPC client over TCP on a libuv loop. Each call gets a
 * callback; responses come back in request order (the server answers a
 * connection in order), matched by id. A lost connection fails every pending
 * call with 503 reason "disconnected"; the next call reconnects. A new
 * connection that does not connect within 3 s, or says nothing within 10 s
 * of connecting, counts as lost (rpc_watchdog.c).
 */
#ifndef PL_TUI_RPC_CLIENT_H
#define PL_TUI_RPC_CLIENT_H

#include <jansson.h>
#include <uv.h>

#include "pl_error.h"

/* result is borrowed (NULL on error); err->code is 0 on success. */
typedef void (*rpc_cb)(void *ud, json_t *result, const struct pl_error *err);

struct rpc_client;

/* host:port is copied. */
struct rpc_client *rpc_client_new(uv_loop_t *, const char *host, int port);
void rpc_client_free(struct rpc_client *);
/* Sends method(params); params is stolen (NULL = {}). cb may be NULL. */
void rpc_send(struct rpc_client *, const char *method, json_t *params,
              rpc_cb cb, void *ud);
/* The id of the call whose callback runs now (0: none, or a call failed
 * without an answer), and of the last call sent: ids grow with every
 * call, so an answer to a call sent after some moment is told apart. */
long long rpc_answering(const struct rpc_client *);
long long rpc_last_id(const struct rpc_client *);
/* Calls still waiting for their answer. */
int rpc_pending(const struct rpc_client *);
/* Milliseconds since the oldest pending call was sent (0 if none). */
unsigned long rpc_oldest_ms(const struct rpc_client *);
/* How long the next reconnect after server.closing (or 503 shutting_down)
 * waits, in ms: 100, doubled by each connection in a row that ended so
 * before an answer, at most 2000. */
unsigned rpc_move_pause_ms(const struct rpc_client *);
/*
 * Called each time a new connection starts; a non-NULL return is sent as
 * session.resume before anything else (sessions are bound to a connection,
 * so a reconnect must resume before the queued calls run).
 */
typedef json_t *(*rpc_resume_fn)(void *ud);
void rpc_client_on_connect(struct rpc_client *, rpc_resume_fn, void *ud);
/* Drops the connection; pending calls fail with "disconnected". */
void rpc_disconnect(struct rpc_client *);
/* Fills err from a JSON-RPC error object {code, message, data}. */
void rpc_error_from_json(json_t *error, struct pl_error *err);

/*
 * Speak TLS from the next connection on: the certificate is verified
 * against ca_file (NULL: the system CAs), else must be pinned in
 * $XDG_STATE_HOME/padline/known_servers (trust_server asks first), or be
 * trust (a fingerprint, may be NULL: then it is pinned).
 */
int rpc_client_use_tls(struct rpc_client *, const char *ca_file,
                       const char *trust, struct pl_error *);

/* rpc_client_use_tls when server is tls://..., with --ca from PADLINE_CA
 * and --trust from PADLINE_TLS_TRUST; -1 (said on stderr) when either is
 * unusable. */
int rpc_client_tls_for(struct rpc_client *, const char *server);

/* Splits "[tls://]host:port" (port default def_port); returns 0 or -1. */
int rpc_parse_addr(const char *s, char *host, size_t hostsz, int *port,
                   int def_port);

#endif
