/*
 * The admin dashboard: whether padlined answers and how old the figures
 * are, totals from user.stats, the rates strip and alarms panel, and a live
 * table of the newest signups fed by the app's live feed (gap-filled with
 * events.since after a reconnect), filtered by the filter language. Events
 * only mark the screen dirty; the redraw timer paints.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "act.h"
#include "app.h"
#include "dash.h"
#include "model_console.h"
#include "term.h"
#include "widgets.h"
#include "xalloc.h"

/* Events held while paused, at most (about 1 KB each). */
#define DASH_HELD_MAX 100000

enum {
	A_PAUSE = 1,
	A_FILTER,
	A_RELOAD,
	A_BACK,
	A_KEEP,
	A_CLEAR,
	A_LIVE,
	A_OPEN,
	A_NETWORK,
	A_BULK,
	A_UNDO,
	A_BLOCK,
	A_EXPORT
};

static const struct binding dash_keys[] = {
    {' ', A_PAUSE, "pause / resume the table (nothing is dropped)", "pause"},
    {'p', A_PAUSE, "pause / resume the table", NULL},
    {'G', A_LIVE, "back to live: resume, the newest on top", NULL},
    {'/', A_FILTER, "filter (net:CIDR domain:D flag:F ..., see the man page)",
     "filter"},
    {'R', A_RELOAD, "reload the totals", "reload"},
    {K_ENTER, A_OPEN, "the highlighted signup's timeline", "timeline"},
    {'N', A_NETWORK, "the attempts from its network", NULL},
    {'X', A_BULK | BIND_ACTS, "act on every account the filter matches (asks)",
     "act"},
    {'u', A_UNDO | BIND_ACTS, "undo the last bulk action", NULL},
    {'b', A_BLOCK | BIND_ACTS, "block its email domain or network (a rule)",
     NULL},
    {'e', A_EXPORT | BIND_ACTS, "export the rows the filter shows", NULL},
    NAV_KEYS,
    {'q', A_BACK, "clear the filter, else back", NULL},
    {K_ESC, A_BACK, "clear the filter, else back (never quits)", NULL},
    {0, 0, NULL, NULL},
};

static const struct binding filter_keys[] = {
    {K_ENTER, A_KEEP, "keep the filter", "keep"},
    {K_ESC, A_CLEAR, "clear it", "clear"},
    {0, 0, NULL, NULL},
};

static const struct key_mode key_modes[] = {
    {"typing a filter", filter_keys},
    {NULL, NULL},
};

static void
on_stats(void *ud, json_t *result, const struct pl_error *err)
{
	struct dash_screen *s = ud;

	if (app_failed(s->app, err, "user.stats"))
		return;
	dash_set_stats(&s->model, result);
	s->stats_at = time(NULL);
	app_dirty(s->app);
}

static void
on_rates(void *ud, json_t *result, const struct pl_error *err)
{
	struct dash_screen *s = ud;

	s->rates.out = 0;
	if (err->code)
		return; /* the header says how old the strip is */
	dash_rates_set(&s->rates, result, time(NULL));
	app_dirty(s->app);
}

static void
ask_rates(struct dash_screen *s)
{
	s->rates.out = 1;
	s->rates.asked = time(NULL);
	rpc_send(s->app->rpc, "signup.stats",
	         json_pack("{s:i}", "window_min", 60), on_rates, s);
}

static void
on_attempts(void *ud, json_t *result, const struct pl_error *err)
{
	struct dash_screen *s = ud;
	json_t *at;
	size_t i;

	if (err->code)
		return; /* the rows stay without network, fill and flags */
	json_array_foreach (json_object_get(result, "attempts"), i, at)
		dash_signup_attempt(&s->model, at);
	app_dirty(s->app);
}

static void
on_recent(void *ud, json_t *result, const struct pl_error *err)
{
	struct dash_screen *s = ud;
	struct dash_model *d = &s->model;
	json_t *users = json_object_get(result, "users");

	if (err->code || d->n)
		return; /* live events got there first: keep them */
	/* user.list is newest first; the ring wants oldest pushed first. */
	for (size_t i = json_array_size(users); i-- > 0;) {
		struct dash_signup *su = &d->ring[d->head];

		memset(su, 0, sizeof *su);
		dash_signup_from_user(su, json_array_get(users, i));
		d->head = (d->head + 1) % DASH_RING;
		if (d->n < DASH_RING)
			d->n++;
	}
	/* user.list knows nothing of the signup: the attempts do. */
	rpc_send(s->app->rpc, "signup.attempts",
	         json_pack("{s:i}", "limit", 200), on_attempts, s);
	app_dirty(s->app);
}

int
dash_row_matches(const struct dash_screen *s, const struct dash_signup *su)
{
	struct filter_record rec;
	char addr[SIGNUP_NETWORK_MAX];

	if (!s->flt)
		return 1;
	dash_signup_record(su, &rec, addr);
	return filter_match(s->flt, &rec);
}

/* The filter text compiled again after an edit: a text that does not parse
 * keeps the last good filter and says where it goes wrong. */
static void
filter_compile(struct dash_screen *s)
{
	struct filter *f = NULL;

	if (filter_field_compile(s->filter, &f, s->flt_error,
	                         sizeof s->flt_error) != 0)
		return;
	filter_free(s->flt);
	s->flt = f;
	s->top = 0;
}

/* The operator's actions on the highlighted row (act.h). */
static int
dash_act(struct app *a, struct dash_screen *s, int action)
{
	const struct dash_signup *su = dash_selected(s);

	if (action == A_BULK)
		bulk_flow_start(a, s->filter, 0);
	else if (action == A_UNDO)
		bulk_flow_undo(a);
	else if (action == A_EXPORT)
		export_flow_start(a, dash_rows(s), dash_export_columns,
		                  "signups");
	else if (action == A_BLOCK)
		block_flow_start(a, su ? su->id : "", su ? su->username : "");
	else if (!su)
		app_flash(a, 1, "No signup shown.");
	else if (action == A_OPEN)
		timeline_push(a, su->id, su->username);
	else
		attempts_push_network(a, su->id);
	return 1;
}

static void
dash_apply(struct dash_screen *s, json_t *ev)
{
	struct dash_model *d = &s->model;
	const char *uid;

	/* A user already shown from user.list must not appear twice. */
	if (strcmp(jstr(ev, "action"), "user.created") == 0 &&
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
	/* The totals are asked again at the next tick (once for a burst):
	 * an answer may already count this deletion, so no arithmetic. */
	if (strcmp(jstr(ev, "action"), "user.deleted") == 0)
		s->polled = 0;
	/* Scrolled back: the rows in view stay where they are. */
	if (dash_add_event(d, ev) == 1 && s->top &&
	    dash_row_matches(s, dash_signup_at(d, 0)))
		s->top++;
}

/* What arrived while paused goes in, in its order. */
static void
held_apply(struct dash_screen *s)
{
	size_t i;
	json_t *ev;

	if (!s->held)
		return;
	/* Counted once already, when it arrived. */
	s->model.events -= json_array_size(s->held);
	json_array_foreach (s->held, i, ev)
		dash_apply(s, ev);
	json_decref(s->held);
	s->held = NULL;
}

static void
dash_take_event(struct dash_screen *s, json_t *ev)
{
	/* Alarms are not the table's: they show (and ring) even paused. */
	if (strcmp(jstr(ev, "action"), "signup.alarm") == 0) {
		if (dash_add_event(&s->model, ev) == 0)
			dash_alarms_add(&s->alarms, ev);
	} else if (s->paused) {
		/* A pause that outlasts DASH_HELD_MAX events moves the table
		 * once rather than drop any or grow without end. */
		if (json_array_size(s->held) >= DASH_HELD_MAX)
			held_apply(s);
		if (!s->held)
			s->held = json_array();
		json_array_append(s->held, ev);
		if (strcmp(jstr(ev, "action"), "user.created") == 0)
			s->held_new++;
		s->model.events++; /* counted as received (header) */
	} else {
		dash_apply(s, ev);
	}
	if (app_showing(s->app, &screen_dash))
		app_dirty(s->app); /* painted by the redraw timer, not here */
}

/* Back to live. */
static void
dash_resume(struct dash_screen *s)
{
	s->paused = 0;
	held_apply(s);
	s->held_new = 0;
}

static void
dash_on_event(struct app *a, void *st, json_t *ev)
{
	(void)a;
	if (ev)
		dash_take_event(st, ev);
	else if (app_showing(a, &screen_dash))
		app_dirty(a);
}

static void *
dash_init_state(struct app *a)
{
	struct dash_screen *s = xcalloc(1, sizeof *s);

	s->app = a;
	dash_init(&s->model);
	dash_alarms_init(&s->alarms);
	return s;
}

static void
dash_free(void *st)
{
	struct dash_screen *s = st;

	json_decref(s->held);
	filter_free(s->flt);
	free(s);
}

static void
dash_enter(struct app *a, void *st)
{
	((struct dash_screen *)st)->polled = time(NULL);
	rpc_send(a->rpc, "user.stats", NULL, on_stats, st);
	rpc_send(a->rpc, "user.list", json_pack("{s:i}", "limit", 50),
	         on_recent, st);
	if (!((struct dash_screen *)st)->rates.out)
		ask_rates(st);
	app_live(a);
}

static const struct binding *
dash_keys_now(struct app *a, void *st)
{
	struct dash_screen *s = st;

	(void)a;
	return s->filtering ? filter_keys : dash_keys;
}

static int
dash_typing(struct app *a, void *st)
{
	(void)a;
	return ((struct dash_screen *)st)->filtering;
}

static int
dash_key(struct app *a, void *st, int action, int key)
{
	struct dash_screen *s = st;

	switch (action) {
	case NAV_UP:
		s->top = s->top ? s->top - 1 : 0;
		return 1;
	case NAV_DOWN:
		s->top++;
		return 1;
	case NAV_PGUP:
		s->top = s->top > s->page ? s->top - s->page : 0;
		return 1;
	case NAV_PGDN:
		s->top += s->page;
		return 1;
	case NAV_HOME:
		s->top = 0;
		return 1;
	case NAV_END:
		s->top = (size_t)-1 / 2; /* clamped by the draw */
		return 1;
	case A_KEEP:
		s->filtering = 0;
		return 1;
	case A_CLEAR:
		edit_clear(s->filter, &s->filter_cur);
		filter_compile(s);
		s->filtering = 0;
		return 1;
	case A_PAUSE:
		if (s->paused)
			dash_resume(s);
		else
			s->paused = 1;
		return 1;
	case A_LIVE:
		dash_resume(s);
		s->top = 0;
		return 1;
	case A_FILTER:
		s->filtering = 1;
		return 1;
	case A_RELOAD:
		dash_enter(a, st);
		return 1;
	case A_OPEN:
	case A_NETWORK:
	case A_BULK:
	case A_UNDO:
	case A_BLOCK:
	case A_EXPORT:
		return dash_act(a, s, action);
	case A_BACK:
		if (!s->filter[0])
			return 0;
		edit_clear(s->filter, &s->filter_cur);
		filter_compile(s);
		return 1;
	}
	if (s->filtering) {
		edit_key(s->filter, sizeof s->filter, &s->filter_cur, key);
		filter_compile(s);
		return 1;
	}
	return 0;
}

/* The chart moves with the clock even when nothing happens, and the
 * figures are asked again now and then. */
static void
dash_tick(struct app *a, void *st)
{
	struct dash_screen *s = st;
	time_t now = time(NULL);

	long idle = (long)json_integer_value(json_object_get(
	    json_object_get(a->hello, "limits"), "session_idle_s"));
	/* A dashboard left open is in use: its figures are asked again well
	 * within the server's idle limit, which keeps the session. */
	long every = idle <= 0 || idle >= 180 ? 60 : idle >= 3 ? idle / 3 : 1;

	int new_second = now != s->last_tick;

	if (app_showing(a, &screen_dash) && now / 60 != s->last_tick / 60)
		app_dirty(a);
	s->last_tick = now;
	if (app_showing(a, &screen_dash) && a->me && now - s->polled >= every) {
		s->polled = now;
		rpc_send(a->rpc, "user.stats", NULL, on_stats, s);
	}
	/* One call out at a time, and not more often than every few s. */
	if (app_showing(a, &screen_dash) && a->me && !s->rates.out &&
	    now - s->rates.asked >= DASH_RATES_EVERY_S)
		ask_rates(s);
	/* The ages the header shows move with the clock. */
	if (app_showing(a, &screen_dash) && s->rates.at &&
	    now - s->rates.at >= 2 * DASH_RATES_EVERY_S && new_second)
		app_dirty(a);
}

/* What the feed dropped from Redis, where the Redis trouble line goes. */
static void
dash_draw_dropped(const struct feed *f, int y, int cols)
{
	unsigned long dropped, replayed;
	char text[160] = "";
	size_t n;

	feed_dropped(f, &dropped, &replayed);
	if (dropped)
		snprintf(text, sizeof text, "%lu unsigned event%s dropped",
		         dropped, dropped == 1 ? "" : "s");
	n = strlen(text);
	if (replayed)
		snprintf(text + n, sizeof text - n,
		         "%s%lu replayed event%s dropped", n ? " · " : "",
		         replayed, replayed == 1 ? "" : "s");
	if (!text[0])
		return;
	ui_attr(UI_ERR);
	ui_putf(y, 1, cols - 2, "%s", text);
	ui_attr(UI_NORMAL);
}

/* An age as the header says it: "40s", "2m", "3h". */
static void
age_text(long s, char *buf, size_t size)
{
	if (s < 120)
		snprintf(buf, size, "%lds", s);
	else if (s < 2 * 3600)
		snprintf(buf, size, "%ldm", s / 60);
	else
		snprintf(buf, size, "%ldh", s / 3600);
}

/* The second header row: paused, padlined's reachability, old figures. */
static void
dash_draw_state(struct app *a, struct dash_screen *s, int y, int cols)
{
	time_t now = time(NULL);
	char text[300] = "", age[24];
	size_t n = 0;
	int bad = a->probe.down;

	if (s->paused)
		n = (size_t)snprintf(text, sizeof text, "paused · +%zu new · ",
		                     s->held_new);
	if (a->probe.down) {
		time_t since = now - (time_t)(probe_age_ms(&a->probe) / 1000);
		struct tm tm;

		gmtime_r(&since, &tm);
		n += strftime(text + n, sizeof text - n,
		              "padlined unreachable since %H:%M:%S UTC", &tm);
	} else {
		n += (size_t)snprintf(text + n, sizeof text - n,
		                      "padlined answers");
	}
	if (s->rates.at && now - s->rates.at >= 2 * DASH_RATES_EVERY_S) {
		age_text((long)(now - s->rates.at), age, sizeof age);
		n += (size_t)snprintf(text + n, sizeof text - n,
		                      " · rates %s old", age);
		bad = 1;
	}
	if (s->stats_at && now - s->stats_at >= 3 * 60) {
		age_text((long)(now - s->stats_at), age, sizeof age);
		snprintf(text + n, sizeof text - n, " · totals %s old", age);
		bad = 1;
	}
	ui_attr(bad ? UI_ERR : s->paused ? UI_SEL : UI_NORMAL);
	ui_put(y, 1, cols - 2, text);
	ui_attr(UI_NORMAL);
}

static void
dash_draw(struct app *a, void *st, int rows, int cols)
{
	struct dash_screen *s = st;
	struct dash_model *d = &s->model;
	/* The table keeps at least 3 rows; the strip and the panel share
	 * what is left (the panel first: an alarm is news). */
	int room = rows - 8 - 3, y = 3, al, sr;
	enum feed_mode mode = a->feed ? feed_mode(a->feed) : FEED_STARTING;

	/* 80 columns first: the totals and the feed's state fit on one. */
	ui_putf(1, 1, cols - 2,
	        "Users %ld · hour %ld · 24 h %ld · events %lu (%lu dup) · "
	        "live: %s",
	        d->total, d->last_hour, d->last_24h, d->events, d->duplicates,
	        mode == FEED_LIVE      ? "on"
	        : mode == FEED_POLLING ? "polling"
	        : mode == FEED_REFUSED ? "REFUSED"
	                               : "starting…");
	dash_draw_state(a, s, 2, cols);
	al = s->alarms.n ? 1 + (int)(s->alarms.n < 3 ? s->alarms.n : 3) : 1;
	if (al > room - 2)
		al = room - 2 > 1 ? room - 2 : 1;
	sr = room - al > 1 + RATE_SERIES ? 1 + RATE_SERIES : room - al;
	y += dash_strip_draw(&s->rates, y, 1, cols - 2, sr);
	y += dash_alarms_draw(&s->alarms, y, 1, cols - 2, al);
	if (mode == FEED_POLLING || mode == FEED_REFUSED) {
		char why[400];

		feed_problem(a->feed, why, sizeof why);
		ui_attr(UI_ERR);
		if (mode == FEED_REFUSED)
			ui_putf(y, 1, cols - 2, "%s", why);
		else
			ui_putf(y, 1, cols - 2,
			        "Redis unreachable (%s): polling events.since "
			        "every %d s",
			        why, FEED_POLL_MS / 1000);
		ui_attr(UI_NORMAL);
	} else if (a->feed) {
		dash_draw_dropped(a->feed, y, cols);
	}
	y++;
	/* A filter that does not parse says why above its field. */
	dash_table_draw(s, y, rows - y - 4 - (s->flt_error[0] ? 1 : 0), cols);
	if (s->filtering || s->filter[0])
		field_draw(rows - 3, 1, 9, 40, "Filter /", s->filter,
		           &s->filter_cur, 0, s->filtering);
	if (s->flt_error[0]) {
		ui_attr(UI_ERR);
		ui_putf(rows - 4, 1, cols - 2, "Filter %s", s->flt_error);
		ui_attr(UI_NORMAL);
	}
}

const struct screen screen_dash = {
    .name = "Dashboard",
    .tab = "Dash",
    .admin_only = 1,
    .about =
        "Dashboard (admins)\n\nTotals come from user.stats; the rates "
        "strip from signup.stats (per minute,\nlast hour); the alarms "
        "panel lists signup.alarm events, newest first, with a bell\n"
        "(PADLINE_BELL=off: none). The table shows new users as they "
        "register (the Redis channel\nserver.hello names) with their "
        "network, fill time and flags, changes to them as they\nhappen, "
        "and drops a deleted one; after a reconnect the gap is filled "
        "with events.since,\nduplicates dropped. / filters with the filter "
        "language (net:203.0.113.0/24 flag:fast).",
    .keys = dash_keys,
    .keys_now = dash_keys_now,
    .modes = key_modes,
    .typing = dash_typing,
    .init = dash_init_state,
    .free = dash_free,
    .enter = dash_enter,
    .draw = dash_draw,
    .key = dash_key,
    .tick = dash_tick,
    .on_event = dash_on_event,
};
