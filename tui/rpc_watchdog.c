/*
 * The deadline of a new connection: its connect must complete within
 * RPC_CONNECT_MS and the server's first line come within RPC_FIRST_WORD_MS
 * of that, else the connection is given up as lost (what may go again
 * goes, the rest fails "disconnected") and the next call connects anew.
 */
#include <stdio.h>
#include <stdlib.h>

#include "rpc_client_int.h"
#include "xalloc.h"

/* The kernel sends an unanswered SYN again 1 s and 3 s after the first,
 * then 7, 15, 31 and 63 s after it: a connect whose SYNs were dropped
 * (a port whose listener does not accept, a firewall while padlined is
 * away) would be answered only at the kernel's next try, up to a minute
 * after padlined listens. A new connect after two tries is answered at
 * once. */
#define RPC_CONNECT_MS 3000
/* Over padlined's default statement timeout (5 s, answered 503): a first
 * answer that slow still comes from a padlined that is there. */
#define RPC_FIRST_WORD_MS 10000

static void
rpc_watchdog_fire(uv_timer_t *t)
{
	struct rpc_client *c = t->data;
	char msg[400];

	if (c->state == RPC_DOWN || c->heard)
		return;
	if (c->tcp_up)
		snprintf(msg, sizeof msg, "no answer from %s:%d within %d s",
		         c->host, c->port, RPC_FIRST_WORD_MS / 1000);
	else
		snprintf(msg, sizeof msg,
		         "cannot reach %s:%d (no connection within %d s)",
		         c->host, c->port, RPC_CONNECT_MS / 1000);
	rpc_drop(c, msg, RPC_DROP_LOST);
}

static void
rpc_watchdog_start(struct rpc_client *c, uint64_t ms)
{
	if (c->watchdog == NULL) {
		c->watchdog = xcalloc(1, sizeof *c->watchdog);
		uv_timer_init(c->loop, c->watchdog);
		c->watchdog->data = c;
	}
	uv_timer_start(c->watchdog, rpc_watchdog_fire, ms, 0);
}

void
rpc_watchdog_connecting(struct rpc_client *c)
{
	c->tcp_up = 0;
	rpc_watchdog_start(c, RPC_CONNECT_MS);
}

void
rpc_watchdog_connected(struct rpc_client *c)
{
	c->tcp_up = 1;
	rpc_watchdog_start(c, RPC_FIRST_WORD_MS);
}

void
rpc_watchdog_stop(struct rpc_client *c)
{
	if (c->watchdog)
		uv_timer_stop(c->watchdog);
}

static void
rpc_watchdog_closed(uv_handle_t *h)
{
	free(h);
}

void
rpc_watchdog_free(struct rpc_client *c)
{
	if (c->watchdog)
		uv_close((uv_handle_t *)c->watchdog, rpc_watchdog_closed);
	c->watchdog = NULL;
}
