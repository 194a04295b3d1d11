/*
 * The view stack: push, pop, the key routing to the top view and the
 * drawing from the topmost full view up. A popped view that still waits
 * for answers (view_call) stays allocated until the last one comes, and
 * the answer is dropped, so a view never hears about a request after it
 * is gone and never has to cancel one; a flow's answer is dropped too
 * once the view that started the flow was left, a screen included.
 */
#include "view.h"

#include <stdlib.h>

#include "readonly.h"
#include "xalloc.h"

int
binding_action(const struct binding *b, int key)
{
	for (; b && b->key; b++)
		if (b->key == key)
			return b->action & ~BIND_ACTS;
	return 0;
}

int
binding_shown(const struct binding *b)
{
	return !(b->action & BIND_ACTS) || !readonly_on();
}

int
binding_shadowed(const struct binding *table, const struct binding *b)
{
	for (; table < b; table++)
		if (table->key == b->key)
			return 1;
	return 0;
}

/* A key that acts, on a read-only console: said, and not passed on. */
static int
binding_refused(struct app *a, const struct binding *b, int key)
{
	const char *what = NULL;

	for (; b && b->key; b++) {
		if (b->help)
			what = b->hint ? b->hint : b->help;
		if (b->key == key)
			return !binding_shown(b) &&
			       readonly_refuse(a, what ? what : "that key");
	}
	return 0;
}

void *
view_new(size_t size, const struct view_ops *ops, struct app *a)
{
	struct view *v = xcalloc(1, size);

	v->ops = ops;
	v->app = a;
	v->refs = 1;
	return v;
}

void
view_push(struct view_stack *s, struct view *v)
{
	if (s->n == VIEW_DEPTH)
		abort(); /* views nest a few deep: a loop pushing them */
	v->popped = 0;
	v->shown++;
	s->v[s->n++] = v;
}

struct view *
view_take(struct view_stack *s)
{
	struct view *v;

	if (!s->n)
		return NULL;
	v = s->v[--s->n];
	v->popped = 1;
	return v;
}

static void
view_unref(struct view *v)
{
	if (--v->refs > 0)
		return;
	if (v->ops->free)
		v->ops->free(v);
	free(v);
}

void
view_release(struct view *v)
{
	if (v && !v->ops->resident)
		view_unref(v);
}

void
view_hold(struct view *v)
{
	v->refs++;
}

void
view_pop(struct view_stack *s)
{
	view_release(view_take(s));
}

int
view_close(struct view_stack *s, struct view *v)
{
	size_t i = s->n;

	while (i > 0 && s->v[i - 1] != v)
		i--;
	if (!i)
		return 0;
	view_pop_to(s, i - 1);
	return 1;
}

void
view_pop_to(struct view_stack *s, size_t n)
{
	/* One at a time from the top: a view's free may still look at
	 * the views beneath it. */
	while (s->n > n)
		view_pop(s);
}

struct view *
view_top(const struct view_stack *s)
{
	return s->n ? s->v[s->n - 1] : NULL;
}

struct view *
view_base(const struct view_stack *s)
{
	return s->n ? s->v[view_base_index(s)] : NULL;
}

const struct binding *
view_keys(struct view *v)
{
	if (!v)
		return NULL;
	return v->ops->keys_now ? v->ops->keys_now(v) : v->ops->keys;
}

int
view_typing(struct view *v)
{
	return v && v->ops->typing && v->ops->typing(v);
}

int
view_stack_key(struct view_stack *s, int key)
{
	struct view *v = view_top(s);
	int used;

	if (!v)
		return 0;
	if (binding_refused(v->app, view_keys(v), key))
		return 1;
	used = v->ops->key(v, binding_action(view_keys(v), key), key);
	return used || v->ops->modal;
}

size_t
view_base_index(const struct view_stack *s)
{
	size_t i = s->n;

	while (i > 0 && s->v[i - 1]->ops->modal)
		i--;
	return i ? i - 1 : 0;
}

/* ---- calls on behalf of a view ---- */

struct view_ticket {
	struct view *v;
	rpc_cb cb;
	void *ud;
	int flow;            /* view_flow_call's */
	view_drop_fn drop;   /* a flow's: ends it unheard (may be NULL) */
	unsigned long shown; /* a flow's: v's showing when it was sent */
};

static void
on_view_answer(void *ud, json_t *result, const struct pl_error *err)
{
	struct view_ticket t = *(struct view_ticket *)ud;
	int heard;

	free(ud);
	if (t.flow)
		heard = !t.v->popped && t.v->shown == t.shown;
	else
		heard = !t.v->popped || t.v->ops->resident;
	if (heard && t.cb)
		t.cb(t.ud, result, err);
	else if (!heard && t.drop)
		t.drop(t.ud);
	view_unref(t.v);
}

static void
view_send(struct view *v, struct rpc_client *rpc, const char *method,
          json_t *params, rpc_cb cb, void *ud, int flow, view_drop_fn drop)
{
	struct view_ticket *t = xmalloc(sizeof *t);

	t->v = v;
	t->cb = cb;
	t->ud = ud;
	t->flow = flow;
	t->drop = drop;
	t->shown = v->shown;
	v->refs++;
	rpc_send(rpc, method, params, on_view_answer, t);
}

void
view_call(struct view *v, struct rpc_client *rpc, const char *method,
          json_t *params, rpc_cb cb, void *ud)
{
	view_send(v, rpc, method, params, cb, ud, 0, NULL);
}

void
view_flow_call(struct view *v, struct rpc_client *rpc, const char *method,
               json_t *params, rpc_cb cb, void *ud, view_drop_fn drop)
{
	view_send(v, rpc, method, params, cb, ud, 1, drop);
}
