/*
 * Safe retries on the TUI's side (docs/protocol.md): every write goes out
 * with an idempotency_key, so after a lost connection it is sent once more
 * on the next one and padlined answers it as before instead of doing it
 * twice (a connection on which the server never said a word, as a balancer
 * with no instance up gives, is not counted: it goes again after a pause,
 * a bounded number of times). A server.closing notification, or an answer 503
 * shutting_down, says the server ran nothing unanswered: those calls move to
 * the next connection (a short pause first, so a balancer can mark the instance
 * down), a bounded number of times, keyed or not; an idle client
 * reconnects then too and resumes its session. The pause doubles with each
 * connection in a row told so before any answer: a lone padlined that
 * drains keeps accepting (and telling) connections while another client
 * holds it up, and an idle client would otherwise come back ten times a
 * second for the whole drain.
 */
#include <stdlib.h>
#include <string.h>

#include "idempotency.h"
#include "rpc_client_int.h"
#include "xalloc.h"

/* How often one call follows a restarting server before it fails. */
#define RPC_MAX_MOVES 20
/* Pause before reconnecting after server.closing, in ms, and the most it
 * doubles to: a fifth of the default drain timeout (10 s), so a drain held
 * up for all of it costs an idle client about 8 connections (not 100),
 * while a call made meanwhile, which waits with the reconnect, waits at
 * most 2 s more once the server (or a balancer's other instance) answers
 * again. */
#define RPC_MOVE_PAUSE_MS 100
#define RPC_MOVE_PAUSE_MAX_MS 2000

int
rpc_retry_key(const char *method, json_t *params)
{
	unsigned char raw[16];
	char key[8 + 2 * sizeof raw + 1];

	if (!pl_idempotent_method(method) || !json_is_object(params))
		return 0;
	if (json_object_get(params, "idempotency_key") != NULL)
		return 1;
	/* user.register is keyed by its form token: none, no key. */
	if (strcmp(method, "user.register") == 0 &&
	    !json_is_string(json_object_get(params, "form_token")))
		return 0;
	if (uv_random(NULL, NULL, raw, sizeof raw, 0, NULL) != 0)
		return 0;
	memcpy(key, "padline-", 8);
	for (size_t i = 0; i < sizeof raw; i++) {
		static const char hex[] = "0123456789abcdef";

		key[8 + 2 * i] = hex[raw[i] >> 4];
		key[8 + 2 * i + 1] = hex[raw[i] & 15];
	}
	key[sizeof key - 1] = '\0';
	json_object_set_new(params, "idempotency_key", json_string(key));
	return 1;
}

int
rpc_retry_closing(struct rpc_client *c, json_t *msg)
{
	const char *m = json_string_value(json_object_get(msg, "method"));

	if (m == NULL || json_object_get(msg, "id") != NULL ||
	    strcmp(m, "server.closing") != 0)
		return 0;
	c->closing_seen = 1;
	return 1;
}

unsigned
rpc_move_pause_ms(const struct rpc_client *c)
{
	unsigned ms = RPC_MOVE_PAUSE_MS;

	for (int i = 0; i < c->closings && ms < RPC_MOVE_PAUSE_MAX_MS; i++)
		ms *= 2;
	return ms < RPC_MOVE_PAUSE_MAX_MS ? ms : RPC_MOVE_PAUSE_MAX_MS;
}

int
rpc_retry_moved(struct rpc_client *c, struct rpc_pending *p,
                const struct pl_error *err)
{
	if (err->code != PL_ERR_UNAVAILABLE ||
	    strcmp(err->reason, "shutting_down") != 0) {
		/* An ordinary answer: this server runs calls, the next
		 * server.closing is met with the shortest pause again. */
		c->closings = 0;
		return 0;
	}
	if (p->line == NULL || p->moves >= RPC_MAX_MOVES)
		return 0;
	p->next = NULL;
	if (c->moved_tail)
		c->moved_tail->next = p;
	else
		c->moved_head = p;
	c->moved_tail = p;
	c->closing_seen = 1;
	return 1;
}

void
rpc_pending_free(struct rpc_pending *p)
{
	free(p->line);
	free(p);
}

static void
rpc_retry_on_timer(uv_timer_t *t)
{
	struct rpc_client *c = t->data;

	if (c->state == RPC_DOWN && (c->out_head != NULL || c->resume))
		rpc_connect(c);
}

/* Whether p goes out again after a connection ended how; heard: the
 * server said anything on it. */
static int
rpc_retry_goes(struct rpc_pending *p, enum rpc_drop_how how, int heard)
{
	if (p->line == NULL || how == RPC_DROP_FAIL)
		return 0;
	if (how == RPC_DROP_MOVED && p->moves < RPC_MAX_MOVES) {
		p->moves++;
		return 1;
	}
	if (how != RPC_DROP_LOST || !p->keyed)
		return 0;
	/* Lost: only a keyed write may run twice without harm, and goes
	 * once more; a connection that ended before the server said a
	 * word (a balancer that found no instance up) does not count. */
	if (!heard && p->moves < RPC_MAX_MOVES) {
		p->moves++;
		return 1;
	}
	if (!p->retried) {
		p->retried = 1;
		return 1;
	}
	return 0;
}

void
rpc_retry_requeue(struct rpc_client *c, struct rpc_pending *pending,
                  enum rpc_drop_how how, struct rpc_pending **fail)
{
	struct rpc_pending *all = c->moved_head, **failtail = fail;
	int went = 0;
	unsigned pause;

	/* The moved ones were answered before the pending ones were. */
	if (c->moved_tail)
		c->moved_tail->next = pending;
	else
		all = pending;
	c->moved_head = c->moved_tail = NULL;
	*fail = NULL;
	while (all) {
		struct rpc_pending *p = all;

		all = p->next;
		p->next = NULL;
		if (!rpc_retry_goes(p, how, c->heard)) {
			*failtail = p;
			failtail = &p->next;
			continue;
		}
		rpc_pending_append(c, p);
		rpc_out_push(c, xstrdup(p->line), p->len);
		went = 1;
	}
	/* After server.closing an idle client reconnects too, so its
	 * session is bound elsewhere before it needs it. */
	if (!went && how != RPC_DROP_MOVED)
		return;
	if (c->again == NULL) {
		c->again = xcalloc(1, sizeof *c->again);
		uv_timer_init(c->loop, c->again);
		c->again->data = c;
	}
	/* Moved calls wait the doubled pause too: the server.health probe
	 * is such a call, and following it every 100 ms would undo the
	 * backoff. Behind a balancer a draining instance is gone within
	 * a few hundred ms, so a moved call rarely meets the third pause. */
	if (how == RPC_DROP_MOVED) {
		pause = rpc_move_pause_ms(c);
		if (pause < RPC_MOVE_PAUSE_MAX_MS)
			c->closings++;
	} else {
		pause = c->heard ? 0 : RPC_MOVE_PAUSE_MS;
	}
	uv_timer_start(c->again, rpc_retry_on_timer, pause, 0);
}
