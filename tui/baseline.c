/*
 * The newest audit event id from events.since(after = x, limit = 1): "is
 * there an event after x" answers with the first such id. Galloping up then
 * bisecting takes about 2·log2(id) calls, once, in the background.
 */
#include "baseline.h"
#include "xalloc.h"

#include <stdlib.h>

struct baseline {
	struct rpc_client *rpc;
	long long lo;   /* an event with this id exists (0: none known) */
	long long hi;   /* no event after this id; -1 while unknown */
	long long step; /* gallop stride while hi is unknown */
	long long asked;
	baseline_cb done;
	void *ud;
};

static void baseline_ask(struct baseline *);

static void
baseline_finish(struct baseline *b, long long last)
{
	b->done(b->ud, last);
	free(b);
}

static void
on_since(void *ud, json_t *result, const struct pl_error *err)
{
	struct baseline *b = ud;
	json_t *ev = json_array_get(json_object_get(result, "events"), 0);

	if (err->code) {
		baseline_finish(b, -1);
		return;
	}
	if (ev) {
		/* Something after `asked`: the log reaches at least its id. */
		b->lo = json_integer_value(json_object_get(ev, "id"));
		if (b->hi < 0)
			b->step *= 2;
	} else {
		b->hi = b->asked;
	}
	if (b->hi >= 0 && b->lo >= b->hi) {
		baseline_finish(b, b->lo);
		return;
	}
	baseline_ask(b);
}

static void
baseline_ask(struct baseline *b)
{
	b->asked = b->hi < 0 ? b->lo + b->step : b->lo + (b->hi - b->lo) / 2;
	rpc_send(
	    b->rpc, "events.since",
	    json_pack("{s:I, s:i}", "after", (json_int_t)b->asked, "limit", 1),
	    on_since, b);
}

void
baseline_find(struct rpc_client *c, baseline_cb done, void *ud)
{
	struct baseline *b = xcalloc(1, sizeof *b);

	b->rpc = c;
	b->hi = -1;
	b->step = 1024;
	b->done = done;
	b->ud = ud;
	/* First question: anything at all (after 0)? */
	b->asked = 0;
	rpc_send(c, "events.since",
	         json_pack("{s:i, s:i}", "after", 0, "limit", 1), on_since, b);
}
