/*
 * The screens under the view stack: the screen table (screens.h), each
 * screen as the bottom view of the stack (struct screen_view: its state
 * lives as long as the app, across tab switches), which screens a user may
 * see and in what tab order, switching, and the status message, which
 * belongs to the screen it was said on (app.h's app_flash).
 */
#include "app_screens.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#define SCREEN_ENTRY(n) &screen_##n,
static const struct screen *const screens[SCREEN_COUNT] = {
    SCREENS(SCREEN_ENTRY)};
#undef SCREEN_ENTRY

/* A screen as the bottom of the view stack: it lives as long as the app
 * (its state too, across tab switches) and keeps its status message. */
struct screen_view {
	struct view v;
	struct view_ops ops; /* the screen's table and texts, for the stack */
	const struct screen *s;
	void *st;
	char flash[320];
	int flash_err;
	uint64_t flash_at;
	/* The last call sent when the user acted after it (LLONG_MAX: not
	 * yet): a success of a later call ends an error. */
	long long flash_calls;
};

static struct screen_view *
screen_of(struct view *v)
{
	return (struct screen_view *)v;
}

static const struct binding *
screen_keys_now(struct view *v)
{
	struct screen_view *sv = screen_of(v);

	return sv->s->keys_now ? sv->s->keys_now(v->app, sv->st) : sv->s->keys;
}

/* A signed-out screen is all fields: it always types. */
static int
screen_typing(struct view *v)
{
	struct screen_view *sv = screen_of(v);

	return sv->s->signed_out ||
	       (sv->s->typing && sv->s->typing(v->app, sv->st));
}

static void
screen_draw(struct view *v, int rows, int cols)
{
	struct screen_view *sv = screen_of(v);

	sv->s->draw(v->app, sv->st, rows, cols);
}

static int
screen_key(struct view *v, int action, int key)
{
	struct screen_view *sv = screen_of(v);

	return sv->s->key(v->app, sv->st, action, key);
}

static struct screen_view *
screen_view_new(struct app *a, const struct screen *s)
{
	struct screen_view *sv = xcalloc(1, sizeof *sv);

	sv->s = s;
	sv->ops = (struct view_ops){
	    .name = s->name,
	    .about = s->about,
	    .keys = s->keys,
	    .keys_now = screen_keys_now,
	    .typing = screen_typing,
	    .draw = screen_draw,
	    .key = screen_key,
	    .resident = 1,
	};
	sv->v.ops = &sv->ops;
	sv->v.app = a;
	sv->v.refs = 1;
	sv->st = s->init ? s->init(a) : NULL;
	return sv;
}

/* The screen shown: the bottom of the stack (before the first and after
 * the last, the first screen). */
static struct screen_view *
current(const struct app *a)
{
	return a->views.n ? screen_of(a->views.v[0]) : a->screens[0];
}

static size_t
screen_index(const struct screen *s)
{
	for (size_t i = 0; i < SCREEN_COUNT; i++)
		if (screens[i] == s)
			return i;
	abort(); /* not in screens.h: a programming error */
}

size_t
app_current_index(const struct app *a)
{
	return screen_index(current(a)->s);
}

void
app_flash(struct app *a, int is_error, const char *fmt, ...)
{
	struct screen_view *sv = current(a);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sv->flash, sizeof sv->flash, fmt, ap);
	va_end(ap);
	sv->flash_err = is_error;
	sv->flash_at = uv_now(a->loop);
	sv->flash_calls = LLONG_MAX;
	app_dirty(a);
}

const char *
app_flash_text(struct app *a, int *is_error)
{
	struct screen_view *sv = current(a);

	*is_error = sv->flash_err;
	return sv->flash[0] ? sv->flash : NULL;
}

void
app_push(struct app *a, struct view *v)
{
	view_push(&a->views, v);
	app_dirty(a);
}

void
app_flow_call(struct app *a, const char *method, json_t *params, rpc_cb cb,
              void *ud, view_drop_fn drop)
{
	view_flow_call(view_base(&a->views), a->rpc, method, params, cb, ud,
	               drop);
}

int
app_pop(struct app *a, struct view *v)
{
	app_dirty(a);
	return view_close(&a->views, v);
}

const struct screen *
app_current(const struct app *a)
{
	return current(a)->s;
}

void *
app_state(struct app *a, const struct screen *s)
{
	return a->screens[screen_index(s)]->st;
}

int
app_showing(const struct app *a, const struct screen *s)
{
	return current(a)->s == s;
}

static int
screen_allowed(const struct app *a, const struct screen *s)
{
	if (s->signed_out)
		return !a->me;
	return a->me && (!s->admin_only || a->admin);
}

void
app_switch(struct app *a, const struct screen *s)
{
	size_t i = screen_index(s);

	if (!screen_allowed(a, s)) {
		if (a->me && s->admin_only)
			app_flash(a, 1, "That screen is for administrators.");
		return;
	}
	/* A tab replaces the stack: the views of the last one go. */
	view_pop_to(&a->views, 0);
	view_push(&a->views, &a->screens[i]->v);
	if (s->enter)
		s->enter(a, a->screens[i]->st);
	app_dirty(a);
}

/* The screens the tab bar shows, in order: tabs[n] for key n + 1. */
size_t
app_tabs(const struct app *a, size_t tabs[SCREEN_COUNT])
{
	size_t n = 0;

	for (size_t i = 0; i < SCREEN_COUNT; i++)
		if (!screens[i]->signed_out && screen_allowed(a, screens[i]))
			tabs[n++] = i;
	return n;
}

/* The first screen of the current state (sign-in or the first tab). */
size_t
app_home_index(const struct app *a)
{
	for (size_t i = 0; i < SCREEN_COUNT; i++)
		if (screen_allowed(a, screens[i]))
			return i;
	return 0;
}

void
app_go_home(struct app *a)
{
	app_switch(a, screens[app_home_index(a)]);
}

int
app_failed(struct app *a, const struct pl_error *err, const char *what)
{
	struct screen_view *sv = current(a);

	if (!err->code) {
		/* Something the user asked after reading an error worked:
		 * the error is old news (answers to older calls leave it). */
		if (sv->flash_err && rpc_answering(a->rpc) > sv->flash_calls) {
			sv->flash[0] = '\0';
			app_dirty(a);
		}
		return 0;
	}
	if (!app_auth_lost(a, err))
		app_flash(a, 1, "%s: %s", what, err->message);
	return 1;
}

const struct screen *
app_screen_at(size_t i)
{
	return screens[i];
}

void
app_screens_init(struct app *a)
{
	for (size_t i = 0; i < SCREEN_COUNT; i++)
		a->screens[i] = screen_view_new(a, screens[i]);
}

void
app_screens_free(struct app *a)
{
	for (size_t i = 0; i < SCREEN_COUNT; i++) {
		if (screens[i]->free)
			screens[i]->free(a->screens[i]->st);
		free(a->screens[i]);
		a->screens[i] = NULL;
	}
}

void
app_screens_tick(struct app *a)
{
	struct screen_view *sv = current(a);

	for (size_t i = 0; i < SCREEN_COUNT; i++)
		if (screens[i]->tick)
			screens[i]->tick(a, a->screens[i]->st);
	/* Status messages fade after 6 s. */
	if (sv->flash[0] && uv_now(a->loop) - sv->flash_at > 6000) {
		sv->flash[0] = '\0';
		a->dirty = 1;
	}
}

void
app_screens_event(struct app *a, json_t *ev)
{
	for (size_t i = 0; i < SCREEN_COUNT; i++)
		if (screens[i]->on_event)
			screens[i]->on_event(a, a->screens[i]->st, ev);
	/* And the views over the current screen (v[0] is the screen). */
	for (size_t i = 1; i < a->views.n; i++)
		if (a->views.v[i]->ops->on_event)
			a->views.v[i]->ops->on_event(a->views.v[i], ev);
}

void
app_screen_enter(struct app *a)
{
	struct screen_view *sv = current(a);

	if (sv->s->enter)
		sv->s->enter(a, sv->st);
}

void
app_flash_clear(struct app *a)
{
	current(a)->flash[0] = '\0';
}

void
app_flash_seen(struct app *a)
{
	struct screen_view *sv = current(a);

	/* What the user does next, once they saw the message, answers it
	 * when it works (not what was asked along with the message). */
	if (sv->flash_calls == LLONG_MAX)
		sv->flash_calls = rpc_last_id(a->rpc);
}
