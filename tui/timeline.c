/*
 * An account's timeline (act.h), pushed from a dashboard signup: the
 * account as it is now, the registration attempt that created it (address,
 * network, fill time, flags, the rules that fired) and then every security
 * event of the audit log, newest first (user.timeline), more pages on ].
 * A read: a read-only console shows it too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "act.h"
#include "app.h"
#include "term.h"
#include "widgets.h"
#include "xalloc.h"

#define TIMELINE_PAGE 100

struct timeline {
	struct view v;
	struct app *app;
	char id[64];
	char username[80];
	json_t *user;    /* the account now (NULL until answered) */
	json_t *attempt; /* its registration attempt (NULL: none kept) */
	struct list_model events;
	char next[32]; /* the cursor of the next page ("": none) */
	int loaded;
	int appending; /* the page asked for goes after those shown */
};

enum { T_BACK = 1, T_MORE, T_RELOAD, T_NETWORK };

static const struct binding timeline_keys[] = {
    {']', T_MORE, "older events (the next page)", "more"},
    {'N', T_NETWORK, "the attempts from the signup's network", "network"},
    {'R', T_RELOAD, "reload", NULL},
    {'q', T_BACK, "back", "back"},
    {K_ESC, T_BACK, NULL, NULL},
    NAV_KEYS,
    {0, 0, NULL, NULL},
};

static void
timeline_free(struct view *v)
{
	struct timeline *t = (struct timeline *)v;

	json_decref(t->user);
	json_decref(t->attempt);
	list_free(&t->events);
}

static void
on_page(void *ud, json_t *result, const struct pl_error *err)
{
	struct timeline *t = ud;
	json_t *events = json_object_get(result, "events"), *all;
	const char *next = json_string_value(json_object_get(result, "next"));
	size_t sel = t->events.sel;

	if (app_failed(t->app, err, "user.timeline"))
		return;
	if (json_object_get(result, "user")) {
		json_decref(t->user);
		t->user = json_incref(json_object_get(result, "user"));
	}
	/* The first page carries the attempt; later ones add events. */
	if (!t->appending) {
		json_decref(t->attempt);
		t->attempt =
		    json_is_object(json_object_get(result, "attempt"))
		        ? json_incref(json_object_get(result, "attempt"))
		        : NULL;
		all = json_array();
		sel = 0;
	} else {
		all = json_copy(t->events.items);
	}
	json_array_extend(all, events);
	list_set_items(&t->events, all);
	t->events.sel = sel < t->events.nvis ? sel : 0;
	snprintf(t->next, sizeof t->next, "%s", next ? next : "");
	t->loaded = 1;
	app_dirty(t->app);
}

static void
timeline_load(struct timeline *t, const char *after)
{
	json_t *p =
	    json_pack("{s:s, s:i}", "id", t->id, "limit", TIMELINE_PAGE);

	t->appending = after != NULL;
	if (after)
		json_object_set_new(p, "after", json_string(after));
	view_call(&t->v, t->app->rpc, "user.timeline", p, on_page, t);
}

static int
timeline_key(struct view *v, int action, int key)
{
	struct timeline *t = (struct timeline *)v;
	const char *net =
	    json_string_value(json_object_get(t->attempt, "network"));
	char filter[96];

	(void)key;
	if (list_nav(&t->events, action))
		return 1;
	switch (action) {
	case T_BACK:
		app_pop(t->app, &t->v);
		return 1;
	case T_RELOAD:
		timeline_load(t, NULL);
		return 1;
	case T_MORE:
		if (t->next[0])
			timeline_load(t, t->next);
		else
			app_flash(t->app, 0, "No older events.");
		return 1;
	case T_NETWORK:
		if (!net) {
			app_flash(t->app, 1,
			          "%s's signup has no network on "
			          "record.",
			          t->username);
			return 1;
		}
		snprintf(filter, sizeof filter, "net:%s", net);
		attempts_push(t->app, filter);
		return 1;
	}
	return 0;
}

static void
event_row(json_t *ev, char *buf, size_t size, int w)
{
	char at[32], who[160] = "";
	json_t *by = json_object_get(ev, "by");

	(void)w;
	short_time(jstr(ev, "at"), at, sizeof at);
	if (jstr(ev, "peer")[0])
		snprintf(who, sizeof who, "from %s", jstr(ev, "peer"));
	if (by)
		snprintf(who + strlen(who), sizeof who - strlen(who), "%sby %s",
		         who[0] ? " " : "", jstr(by, "username"));
	snprintf(buf, size, " %-19s  %-28s %s", at, jstr(ev, "action"), who);
}

/* "fast disposable" from an array of strings ("-" when empty). */
static void
words(json_t *arr, char *buf, size_t size)
{
	size_t i, n = 0;
	json_t *s;

	buf[0] = '\0';
	json_array_foreach (arr, i, s)
		if (json_is_string(s) && n < size)
			n += (size_t)snprintf(buf + n, size - n, "%s%s",
			                      n ? " " : "",
			                      json_string_value(s));
	if (!buf[0])
		snprintf(buf, size, "-");
}

static void
timeline_draw(struct view *v, int rows, int cols)
{
	struct timeline *t = (struct timeline *)v;
	json_t *a = t->attempt;
	char at[32], flags[160], rules[200];
	int y = 3;

	ui_attr(UI_TITLE);
	ui_putf(1, 1, cols - 2, "Timeline of %s", t->username);
	ui_attr(UI_NORMAL);
	ui_hline(2, 0, cols);
	if (!t->loaded) {
		ui_put(y, 2, cols - 4, "Loading…");
		return;
	}
	short_time(jstr(t->user, "created_at"), at, sizeof at);
	ui_putf(y++, 2, cols - 4, "Account   %s · %s · created %s",
	        jstr(t->user, "status")[0] ? jstr(t->user, "status") : "?",
	        jstr(t->user, "email")[0] ? jstr(t->user, "email")
	                                  : "(no email)",
	        at);
	if (a) {
		short_time(jstr(a, "at"), at, sizeof at);
		words(json_object_get(a, "flags"), flags, sizeof flags);
		words(json_object_get(a, "rules"), rules, sizeof rules);
		ui_putf(y++, 2, cols - 4, "Signup    %s %s from %s (%s)", at,
		        jstr(a, "outcome"),
		        jstr(a, "peer")[0] ? jstr(a, "peer") : "?",
		        jstr(a, "network")[0] ? jstr(a, "network") : "?");
		ui_putf(
		    y++, 2, cols - 4,
		    "          fill %lld ms · shape %s · flags %s · rules %s",
		    (long long)json_integer_value(
		        json_object_get(a, "fill_ms")),
		    jstr(a, "shape")[0] ? jstr(a, "shape") : "-", flags, rules);
	} else {
		ui_attr(UI_DIM);
		ui_put(y++, 2, cols - 4,
		       "Signup    no registration attempt kept (made by an "
		       "admin, or purged)");
		ui_attr(UI_NORMAL);
	}
	y++;
	ui_attr(UI_TITLE);
	ui_putf(y++, 1, cols - 2, " %-19s  %-28s %s", "When (UTC)", "Event",
	        "From / by");
	ui_attr(UI_NORMAL);
	list_draw(&t->events, y, 0, rows - y - 4, cols, event_row,
	          "No events.");
	if (t->next[0]) {
		ui_attr(UI_DIM);
		ui_put(rows - 4, 1, 30, "] older events");
		ui_attr(UI_NORMAL);
	}
}

/* The account changed meanwhile (a bulk action, another admin): asked
 * again. */
static void
timeline_on_event(struct view *v, json_t *ev)
{
	struct timeline *t = (struct timeline *)v;

	if (ev && strncmp(jstr(ev, "action"), "user.", 5) == 0 &&
	    strcmp(jstr(json_object_get(ev, "subject"), "id"), t->id) == 0)
		timeline_load(t, NULL);
}

const struct view_ops timeline_view_ops = {
    .name = "Timeline",
    .about = "An account's timeline (admins)\n\nThe account now, the "
             "registration attempt that created it (address, network,\n"
             "fill time, flags, the rules that fired) and its security "
             "events from the\naudit log, newest first: sign-ins, failed "
             "guesses, changes and who made them.",
    .keys = timeline_keys,
    .draw = timeline_draw,
    .key = timeline_key,
    .free = timeline_free,
    .on_event = timeline_on_event,
};

void
timeline_push(struct app *a, const char *user_id, const char *username)
{
	struct timeline *t = view_new(sizeof *t, &timeline_view_ops, a);

	t->app = a;
	snprintf(t->id, sizeof t->id, "%s", user_id);
	snprintf(t->username, sizeof t->username, "%s", username);
	list_init(&t->events, NULL);
	app_push(a, &t->v);
	timeline_load(t, NULL);
}
