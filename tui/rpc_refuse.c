/*
 * The answer to a call a read-only console does not send (readonly.h): its
 * callback gets 403 read_only on the next loop turn, as an answer would
 * come, so callers need no path of their own for it.
 */
#include <stdio.h>
#include <stdlib.h>

#include "rpc_client_int.h"
#include "xalloc.h"

struct rpc_refusal {
	uv_timer_t timer;
	rpc_cb cb;
	void *ud;
	char method[64];
};

static void
refusal_closed(uv_handle_t *h)
{
	free(h->data);
}

static void
refusal_fire(uv_timer_t *t)
{
	struct rpc_refusal *r = t->data;
	struct pl_error err;

	pl_error_init(&err);
	pl_error_set(&err, PL_ERR_FORBIDDEN, "read_only",
	             "read-only console: %s is not sent", r->method);
	if (r->cb)
		r->cb(r->ud, NULL, &err);
	pl_error_clear(&err);
	uv_close((uv_handle_t *)&r->timer, refusal_closed);
}

void
rpc_refuse(uv_loop_t *loop, const char *method, rpc_cb cb, void *ud)
{
	struct rpc_refusal *r = xcalloc(1, sizeof *r);

	r->cb = cb;
	r->ud = ud;
	snprintf(r->method, sizeof r->method, "%s", method);
	uv_timer_init(loop, &r->timer);
	r->timer.data = r;
	uv_timer_start(&r->timer, refusal_fire, 0, 0);
}
