/*
 * The padlined probe (probe.h): a timer sending server.health on the
 * client's own connection, so a reconnect follows padlined's return, and
 * the up/down state the screens and watch show.
 */
#include "probe.h"

static void
probe_set(struct probe *p, int down)
{
	if (p->down == down)
		return;
	p->down = down;
	if (p->changed)
		p->changed(p->ud, !down);
}

static void
on_health(void *ud, json_t *result, const struct pl_error *err)
{
	struct probe *p = ud;

	(void)result;
	if (!p->rpc)
		return; /* stopped: the client is closing */
	p->waiting = 0;
	if (err->code) {
		/* server.health never fails: the connection did. */
		probe_set(p, 1);
		return;
	}
	p->answered = uv_now(p->timer.loop);
	probe_set(p, 0);
}

static void
on_probe_timer(uv_timer_t *t)
{
	struct probe *p = t->data;
	uint64_t now = uv_now(t->loop);

	if (p->waiting) {
		if (now - p->sent_at >= PROBE_LATE_MS)
			probe_set(p, 1);
		return;
	}
	if (now - p->sent_at < PROBE_EVERY_MS)
		return;
	p->waiting = 1;
	p->sent_at = now;
	rpc_send(p->rpc, "server.health", NULL, on_health, p);
}

void
probe_start(struct probe *p, uv_loop_t *loop, struct rpc_client *rpc,
            probe_changed changed, void *ud)
{
	p->rpc = rpc;
	p->changed = changed;
	p->ud = ud;
	p->waiting = 0;
	p->down = 0;
	p->answered = uv_now(loop);
	p->sent_at = 0;
	uv_timer_init(loop, &p->timer);
	p->timer.data = p;
	/* Ticks finer than the period, so "late" is seen soon after. */
	uv_timer_start(&p->timer, on_probe_timer, 0, 250);
}

void
probe_stop(struct probe *p)
{
	p->rpc = NULL;
	if (!uv_is_closing((uv_handle_t *)&p->timer))
		uv_close((uv_handle_t *)&p->timer, NULL);
}

uint64_t
probe_age_ms(const struct probe *p)
{
	return uv_now(p->timer.loop) - p->answered;
}
