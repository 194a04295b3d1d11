/*
 * Admin dashboard keys and calls (drawn by screen_dash.c): totals from
 * user.stats, a 60-minute signups chart (block characters, ASCII when not
 * UTF-8) and a live table of the newest signups fed by Redis, gap-filled with
 * events.since after a reconnect. Events only mark the screen dirty; the
 * redraw timer paints.
 */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "baseline.h"
#include "views.h"
#include "widgets.h"

#define BACKFILL_LIMIT 500

static void dash_backfill(struct app *);

static void
on_stats(void *ud, json_t *result, const struct pl_error *err)
{
	struct app *a = ud;

	if (app_failed(a, err, "user.stats"))
		return;
	dash_set_stats(&a->dash.model, result, time(NULL));
	app_dirty(a);
}

static void
on_recent(void *ud, json_t *result, const struct pl_error *err)
{
	struct app *a = ud;
	struct dash_model *d = &a->dash.model;
	json_t *users = json_object_get(result, "users");

	if (err->code || d->n)
		return; /* live events got there first: keep them */
	/* user.list is newest first; the ring wants oldest pushed first. */
	for (size_t i = json_array_size(users); i-- > 0;) {
		struct dash_signup *s = &d->ring[d->head];

		memset(s, 0, sizeof *s);
		dash_signup_from_user(s, json_array_get(users, i));
		d->head = (d->head + 1) % DASH_RING;
		if (d->n < DASH_RING)
			d->n++;
	}
	app_dirty(a);
}

static void
dash_apply(struct app *a, json_t *ev)
{
	struct dash_model *d = &a->dash.model;
	const char *uid;

	/* A user already shown from user.list must not appear twice. */
	if (json_is_string(json_object_get(ev, "action")) &&
	    strcmp(json_string_value(json_object_get(ev, "action")),
	           "user.created") == 0 &&
	    (uid = json_string_value(
	         json_object_get(json_object_get(ev, "subject"), "id")))) {
		for (size_t i = 0; i < d->n; i++)
			if (d->ring[i].event_id == 0 &&
			    strcmp(d->ring[i].id, uid) == 0) {
				dash_seen(d,
				          dash_event_key(
				              json_integer_value(
				                  json_object_get(ev, "id")),
				              json_object_get(ev, "subject")));
				return;
			}
	}
	dash_add_event(d, ev);
}

static void
on_event(void *ud, json_t *ev)
{
	struct app *a = ud;

	if (a->dash.paused) {
		if (!a->dash.held)
			a->dash.held = json_array();
		if (json_array_size(a->dash.held) < 100000)
			json_array_append(a->dash.held, ev);
		a->dash.model.events++; /* counted as received */
		return;
	}
	dash_apply(a, ev);
	if (a->screen == SCR_DASH)
		app_dirty(a); /* painted by the redraw timer, not here */
}

static void
on_since(void *ud, json_t *result, const struct pl_error *err)
{
	struct app *a = ud;
	json_t *events = json_object_get(result, "events");
	size_t i;
	json_t *ev;

	a->dash.backfilling = 0;
	if (app_failed(a, err, "Backfill failed"))
		return;
	json_array_foreach (events, i, ev)
		on_event(a, ev);
	if (json_array_size(events) >= BACKFILL_LIMIT)
		dash_backfill(a);
	app_dirty(a);
}

static void
dash_backfill(struct app *a)
{
	if (a->dash.backfilling || a->dash.model.max_id == 0)
		return;
	a->dash.backfilling = 1;
	rpc_call(a->rpc, "events.since",
	         json_pack("{s:I, s:i}", "after",
	                   (json_int_t)a->dash.model.max_id, "limit",
	                   BACKFILL_LIMIT),
	         on_since, a);
}

static void
on_baseline(void *ud, long long last)
{
	struct app *a = ud;

	if (last > a->dash.model.max_id)
		a->dash.model.max_id = last;
}

static void
on_sub_state(void *ud, int up)
{
	struct app *a = ud;

	/* Before any event has arrived, learn where the log stands so an
	 * outage can be backfilled from there. */
	if (up && !a->dash.subscribed_once && a->dash.model.max_id == 0)
		baseline_find(a->rpc, on_baseline, a);

	/* After a reconnect, ask for what was published while we were away. */
	if (up && a->dash.subscribed_once)
		dash_backfill(a);
	if (up)
		a->dash.subscribed_once = 1;
	app_dirty(a);
}

static void
dash_enter(struct app *a)
{
	rpc_call(a->rpc, "user.stats", NULL, on_stats, a);
	rpc_call(a->rpc, "user.list", json_pack("{s:i}", "limit", 50),
	         on_recent, a);
	if (!a->sub) {
		a->sub =
		    sub_new(a->loop, a->redis_url, sub_hello_channel(a->hello),
		            on_event, on_sub_state, a);
		if (!a->sub)
			app_flash(a, 1, "Bad Redis URL: live updates are off.");
	}
}

static int
dash_key(struct app *a, int is_key, wint_t ch)
{
	struct dash_state *s = &a->dash;

	if (s->filtering) {
		if (!is_key && (ch == '\r' || ch == '\n' || ch == 27)) {
			if (ch == 27)
				s->filter[0] = '\0';
			s->filtering = 0;
		} else {
			field_edit(s->filter, sizeof s->filter, is_key, ch);
		}
		return 1;
	}
	if (is_key)
		return 0;
	switch (ch) {
	case 'p':
		s->paused = !s->paused;
		if (!s->paused && s->held) {
			size_t i;
			json_t *ev;

			json_array_foreach (s->held, i, ev)
				dash_apply(a, ev);
			json_decref(s->held);
			s->held = NULL;
		}
		return 1;
	case '/':
		s->filtering = 1;
		return 1;
	case 27:
		s->filter[0] = '\0';
		return 1;
	case 'R':
		dash_enter(a);
		return 1;
	}
	return 0;
}

/* The chart moves with the clock even when nothing happens. */
void dash_tick(struct app *);
void
dash_tick(struct app *a)
{
	static time_t last;
	time_t now = time(NULL);

	if (a->screen == SCR_DASH && now / 60 != last / 60)
		app_dirty(a);
	last = now;
}

const struct screen screen_dash = {
    .name = "Dashboard",
    .keys = "p pause · / filter · R reload · Tab next screen · ? help · q quit",
    .help =
        "Dashboard (admins)\n\nTotals come from user.stats; the chart "
        "counts signups per minute.\nThe table shows new users as they "
        "register (Redis channel from server.hello);\nafter a reconnect the gap is "
        "filled with events.since, duplicates dropped.\n"
        "p: pause / resume the table · /: filter by username or email\n"
        "R: reload the totals",
    .enter = dash_enter,
    .draw = view_dash,
    .key = dash_key,
};
