/*
 * The admin dashboard: totals from user.stats, a 60-minute signups chart
 * (block characters, ASCII when not UTF-8) and a live table of the newest
 * signups fed by the app's live feed, gap-filled with events.since after a
 * reconnect. Events only mark the screen dirty; the redraw timer paints.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "act.h"
#include "app.h"
#include "term.h"
#include "widgets.h"
#include "xalloc.h"

#define CHART_ROWS 7 /* at most: a short terminal gives the table rows */

struct dash_screen {
	struct app *app;
	struct dash_model model;
	int paused;
	int filtering;
	char filter[64];
	struct edit_cursor filter_cur;
	json_t *held; /* events that arrived while paused */
	time_t last_tick;
	time_t polled; /* the last user.stats asked */
	size_t top;    /* matching rows scrolled past (0: the newest on top) */
	size_t page;   /* table rows on screen, from the last draw */
};

enum {
	A_PAUSE = 1,
	A_FILTER,
	A_RELOAD,
	A_BACK,
	A_KEEP,
	A_CLEAR,
	A_OPEN,
	A_NETWORK,
	A_BULK,
	A_UNDO,
	A_BLOCK,
	A_EXPORT
};

static const struct binding dash_keys[] = {
    {'p', A_PAUSE, "pause / resume the table", "pause"},
    {'/', A_FILTER, "filter by username or email", "filter"},
    {'R', A_RELOAD, "reload the totals", "reload"},
    {K_ENTER, A_OPEN, "the highlighted signup's timeline", "timeline"},
    {'N', A_NETWORK, "the attempts from its network", NULL},
    {'X', A_BULK, "act on every account the filter matches (asks)", "act"},
    {'u', A_UNDO, "undo the last bulk action", NULL},
    {'b', A_BLOCK, "block its email domain or network (a rule)", NULL},
    {'e', A_EXPORT, "export the rows the filter shows", NULL},
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

static void
on_stats(void *ud, json_t *result, const struct pl_error *err)
{
	struct dash_screen *s = ud;

	if (app_failed(s->app, err, "user.stats"))
		return;
	dash_set_stats(&s->model, result, time(NULL));
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
	app_dirty(s->app);
}

static int
dash_row_matches(const struct dash_screen *s, const struct dash_signup *su)
{
	return !s->filter[0] || text_matches(su->username, s->filter) ||
	       text_matches(su->email, s->filter);
}

/* The highlighted row: the first the table shows (NULL: none). */
static const struct dash_signup *
dash_selected(const struct dash_screen *s)
{
	const struct dash_signup *su;
	size_t skipped = 0;

	for (size_t k = 0; (su = dash_signup_at(&s->model, k)); k++)
		if (dash_row_matches(s, su) && skipped++ == s->top)
			return su;
	return NULL;
}

/* The members an export writes. */
static const char *const dash_columns[] = {"id",    "created_at", "username",
                                           "email", "totp",       NULL};

/* The rows the filter shows, newest first, as objects (new array). */
static json_t *
dash_rows(const struct dash_screen *s)
{
	const struct dash_signup *su;
	json_t *rows = json_array();

	for (size_t k = 0; (su = dash_signup_at(&s->model, k)); k++)
		if (dash_row_matches(s, su))
			json_array_append_new(
			    rows, json_pack("{s:s, s:s, s:s, s:s, s:b}", "id",
			                    su->id, "created_at", su->at_text,
			                    "username", su->username, "email",
			                    su->email, "totp", su->totp));
	return rows;
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
		export_flow_start(a, dash_rows(s), dash_columns, "signups");
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

static void
dash_take_event(struct dash_screen *s, json_t *ev)
{
	if (s->paused) {
		if (!s->held)
			s->held = json_array();
		if (json_array_size(s->held) < 100000)
			json_array_append(s->held, ev);
		s->model.events++; /* counted as received (header) */
	} else {
		dash_apply(s, ev);
	}
	if (app_showing(s->app, &screen_dash))
		app_dirty(s->app); /* painted by the redraw timer, not here */
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
	return s;
}

static void
dash_free(void *st)
{
	struct dash_screen *s = st;

	json_decref(s->held);
	free(s);
}

static void
dash_enter(struct app *a, void *st)
{
	((struct dash_screen *)st)->polled = time(NULL);
	rpc_send(a->rpc, "user.stats", NULL, on_stats, st);
	rpc_send(a->rpc, "user.list", json_pack("{s:i}", "limit", 50),
	         on_recent, st);
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
	size_t i;
	json_t *ev;

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
		s->filtering = 0;
		return 1;
	case A_PAUSE:
		s->paused = !s->paused;
		if (!s->paused && s->held) {
			json_array_foreach (s->held, i, ev)
				dash_apply(s, ev);
			json_decref(s->held);
			s->held = NULL;
		}
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
		return 1;
	}
	if (s->filtering) {
		edit_key(s->filter, sizeof s->filter, &s->filter_cur, key);
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

	if (app_showing(a, &screen_dash) && now / 60 != s->last_tick / 60)
		app_dirty(a);
	s->last_tick = now;
	if (app_showing(a, &screen_dash) && a->me && now - s->polled >= every) {
		s->polled = now;
		rpc_send(a->rpc, "user.stats", NULL, on_stats, s);
	}
}

static void
chart_draw(struct app *a, struct dash_screen *s, int y, int x, int w, int ch)
{
	static const char *const eighths[9] = {" ", "▁", "▂", "▃", "▄",
	                                       "▅", "▆", "▇", "█"};
	unsigned v[DASH_MINUTES], max = 0;
	int cw = w - 8 < DASH_MINUTES ? w - 8 : DASH_MINUTES;

	(void)a;
	dash_chart(&s->model, time(NULL), v);
	for (int i = 0; i < DASH_MINUTES; i++)
		max = v[i] > max ? v[i] : max;
	ui_attr(UI_TITLE);
	ui_putf(y, x, w, "Signups per minute, last 60 minutes (max %u)", max);
	ui_attr(UI_NORMAL);
	for (int r = 0; r < ch; r++) {
		int row = y + 1 + r;
		unsigned level = (unsigned)(ch - r); /* 1-based from bottom */

		ui_attr(UI_DIM);
		if (r == 0)
			ui_putf(row, x, 6, "%5u", max);
		else if (r == ch - 1)
			ui_putf(row, x, 6, "%5u", 0u);
		ui_attr(UI_BAR);
		for (int c = 0; c < cw; c++) {
			unsigned val = v[DASH_MINUTES - cw + c];
			/* height in eighths of a row, rounded up so 1 shows */
			unsigned h8 = max ? (val * ch * 8 + max - 1) / max : 0;
			int full = (int)(h8 / 8), part = (int)(h8 % 8);
			const char *t;

			if ((int)level <= full)
				t = ui_utf8() ? eighths[8] : "#";
			else if ((int)level == full + 1 && part)
				t = ui_utf8() ? eighths[part]
				              : (part >= 4 ? "+" : ".");
			else
				t = " ";
			ui_put(row, x + 7 + c, 1, t);
		}
	}
	ui_attr(UI_DIM);
	ui_put(y + 1 + ch, x + 7, cw, "-60m");
	ui_put(y + 1 + ch, x + 7 + cw / 2 - 2, 5, "-30m");
	ui_put(y + 1 + ch, x + 7 + cw - 3, 3, "now");
	ui_attr(UI_NORMAL);
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

static void
dash_draw(struct app *a, void *st, int rows, int cols)
{
	struct dash_screen *s = st;
	struct dash_model *d = &s->model;
	/* The chart gives way first: the table keeps at least 3 rows. */
	int ch = rows - 12 < 2            ? 2
	         : rows - 12 > CHART_ROWS ? CHART_ROWS
	                                  : rows - 12;
	int ty = 2 + ch + 3, shown = 0, i = 0;
	size_t nmatch = 0, skipped = 0;
	int h = rows - ty - 4;
	const struct dash_signup *su;

	enum feed_mode mode = a->feed ? feed_mode(a->feed) : FEED_STARTING;

	/* 80 columns first: the totals and the feed's state fit on one. */
	ui_putf(1, 1, cols - 2,
	        "Users %ld · hour %ld · 24 h %ld · events %lu (%lu dup) · "
	        "live: %s%s",
	        d->total, d->last_hour, d->last_24h, d->events, d->duplicates,
	        mode == FEED_LIVE      ? "on"
	        : mode == FEED_POLLING ? "polling"
	        : mode == FEED_REFUSED ? "REFUSED"
	                               : "starting…",
	        s->paused ? " · PAUSED" : "");
	if (mode == FEED_POLLING || mode == FEED_REFUSED) {
		char why[400];

		feed_problem(a->feed, why, sizeof why);
		ui_attr(UI_ERR);
		if (mode == FEED_REFUSED)
			ui_putf(ty - 1, 1, cols - 2, "%s", why);
		else
			ui_putf(ty - 1, 1, cols - 2,
			        "Redis unreachable (%s): polling events.since "
			        "every %d s",
			        why, FEED_POLL_MS / 1000);
		ui_attr(UI_NORMAL);
	} else if (a->feed) {
		dash_draw_dropped(a->feed, ty - 1, cols);
	}
	chart_draw(a, s, 2, 1, cols - 2, ch);
	ui_attr(UI_TITLE);
	/* 80 columns first: 19 + 2 + 20 + 2 + 26 + 1 + 3. */
	ui_putf(ty, 1, cols - 2, "%-19s  %-20s  %-26s %s", "Created (UTC)",
	        "Username", "Email", "2FA");
	ui_attr(UI_NORMAL);
	/* Newest first; ↑↓ PgUp PgDn scroll back through the ring. */
	for (size_t k = 0; (su = dash_signup_at(d, k)); k++)
		nmatch += dash_row_matches(s, su);
	s->page = h > 1 ? (size_t)h : 1;
	if (s->top + s->page > nmatch)
		s->top = nmatch > s->page ? nmatch - s->page : 0;
	while (shown < h && (su = dash_signup_at(d, (size_t)i++))) {
		char name[128], email[160];

		if (!dash_row_matches(s, su) || skipped++ < s->top)
			continue;
		ui_fit(su->username, 20, name, sizeof name);
		ui_fit(su->email, 26, email, sizeof email);
		/* The first row shown is the one Enter, N and b act on. */
		ui_attr(shown ? UI_NORMAL : UI_SEL);
		ui_putf(ty + 1 + shown, 1, cols - 2, "%-19s  %s  %s %s",
		        su->at_text, name, email, su->totp ? "yes" : "no");
		ui_attr(UI_NORMAL);
		shown++;
	}
	if (nmatch > (size_t)h) {
		ui_attr(UI_DIM);
		ui_putf(rows - 3, cols - 26, 25, "%zu-%zu of %zu%s", s->top + 1,
		        s->top + (size_t)shown, nmatch, s->top ? " ↑" : "");
		ui_attr(UI_NORMAL);
	}
	if (!shown) {
		ui_attr(UI_DIM);
		ui_put(ty + 1, 1, cols - 2,
		       s->filter[0] ? "No signup matches the filter."
		                    : "No signups yet.");
		ui_attr(UI_NORMAL);
	}
	if (s->filtering || s->filter[0])
		field_draw(rows - 3, 1, 9, 30, "Filter /", s->filter,
		           &s->filter_cur, 0, s->filtering);
}

const struct screen screen_dash = {
    .name = "Dashboard",
    .tab = "Dash",
    .admin_only = 1,
    .about =
        "Dashboard (admins)\n\nTotals come from user.stats; the chart "
        "counts signups per minute.\nThe table shows new users as they "
        "register (the Redis channel server.hello names), changes to\nthem "
        "as they happen, and drops a deleted one; after a "
        "reconnect the gap "
        "is filled with events.since, duplicates dropped.",
    .keys = dash_keys,
    .keys_now = dash_keys_now,
    .typing = dash_typing,
    .init = dash_init_state,
    .free = dash_free,
    .enter = dash_enter,
    .draw = dash_draw,
    .key = dash_key,
    .tick = dash_tick,
    .on_event = dash_on_event,
};
