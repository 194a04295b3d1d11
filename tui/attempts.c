/*
 * The attempts view (act.h): registration attempts that match a filter
 * (signup.attempts), newest first, a page at a time, pushed from a
 * dashboard row's network (N) or a timeline; / edits the filter (a text
 * that does not parse keeps the rows of the last one that did, and says
 * where it goes wrong). Enter opens the timeline of an attempt's account,
 * e exports the page shown. A read: a read-only console shows it too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "act.h"
#include "app.h"
#include "model_console.h"
#include "term.h"
#include "widgets.h"
#include "xalloc.h"

#define ATTEMPTS_PAGE 100
#define ATTEMPTS_PAGES 64 /* pages remembered for going back */

struct attempts {
	struct view v;
	struct app *app;
	char filter[300]; /* the filter of the rows (or asked) */
	int editing;      /* / : the filter is being typed */
	char text[300];   /* what is typed */
	struct edit_cursor cur;
	char flt_error[300]; /* why text does not parse ("" when it does) */
	struct list_model rows;
	long long after[ATTEMPTS_PAGES]; /* each page's cursor (0: newest) */
	int page;
	long long next; /* the next page's cursor (0: none) */
	int loaded;
};

enum {
	V_BACK = 1,
	V_OPEN,
	V_NEXT,
	V_PREV,
	V_RELOAD,
	V_EXPORT,
	V_FILTER,
	V_KEEP,
	V_CANCEL
};

static const struct binding attempts_keys[] = {
    {K_ENTER, V_OPEN, "the timeline of the attempt's account", "timeline"},
    {'/', V_FILTER,
     "edit the filter (net:, ip:, domain:, shape:, flag:, rule:, status:, "
     "free text; ! negates a term)",
     "filter"},
    {']', V_NEXT, "next / previous page", "pages"},
    {'[', V_PREV, NULL, NULL},
    {'e', V_EXPORT | BIND_ACTS, "export this page (CSV or JSON lines)",
     "export"},
    {'R', V_RELOAD, "reload", NULL},
    {'q', V_BACK, "back", "back"},
    {K_ESC, V_BACK, NULL, NULL},
    NAV_KEYS,
    {0, 0, NULL, NULL},
};

static const struct binding filter_keys[] = {
    {K_ENTER, V_KEEP, "filter now, from the newest page", "keep"},
    {K_ESC, V_CANCEL, "leave the filter as it was", "cancel"},
    {0, 0, NULL, NULL},
};

static const struct key_mode key_modes[] = {
    {"typing a filter", filter_keys},
    {NULL, NULL},
};

/* The members an export writes, in signup.attempts' order. */
static const char *const attempt_columns[] = {
    "id",           "at",    "outcome", "user_id", "username",
    "email_domain", "peer",  "network", "fill_ms", "shape",
    "flags",        "rules", "reason",  NULL,
};

static void
attempts_free(struct view *v)
{
	list_free(&((struct attempts *)v)->rows);
}

static void
on_page(void *ud, json_t *result, const struct pl_error *err)
{
	struct attempts *t = ud;

	t->loaded = 1; /* keys work again, whatever the answer */
	if (err->code == PL_ERR_INVALID_PARAMS &&
	    strcmp(err->reason, "bad_filter") == 0) {
		filter_error_text(err, t->flt_error, sizeof t->flt_error);
		app_dirty(t->app);
		return;
	}
	if (app_failed(t->app, err, "signup.attempts"))
		return;
	list_set_items(&t->rows,
	               json_incref(json_object_get(result, "attempts")));
	list_home(&t->rows);
	t->next = json_integer_value(json_object_get(result, "next"));
	app_dirty(t->app);
}

static void
attempts_load(struct attempts *t)
{
	json_t *p = json_pack("{s:s, s:i}", "filter", t->filter, "limit",
	                      ATTEMPTS_PAGE);

	/* Until it answers, the rows and the next cursor are the last
	 * page's: no key pages from them. */
	t->loaded = 0;
	if (t->after[t->page] > 0)
		json_object_set_new(p, "after",
		                    json_integer(t->after[t->page]));
	view_call(&t->v, t->app->rpc, "signup.attempts", p, on_page, t);
}

/* Enter in the filter: a text that parses becomes the filter, from the
 * newest page; one that does not stays in the field with why. */
static void
attempts_keep(struct attempts *t)
{
	if (filter_field_compile(t->text, NULL, t->flt_error,
	                         sizeof t->flt_error) != 0) {
		app_dirty(t->app);
		return;
	}
	t->editing = 0;
	snprintf(t->filter, sizeof t->filter, "%s", t->text);
	t->page = 0;
	t->after[0] = 0;
	attempts_load(t);
}

static int
attempts_filter_key(struct attempts *t, int action, int key)
{
	if (action == V_KEEP) {
		attempts_keep(t);
	} else if (action == V_CANCEL) {
		t->editing = 0;
		t->flt_error[0] = '\0';
		app_dirty(t->app);
	} else {
		edit_key(t->text, sizeof t->text, &t->cur, key);
	}
	return 1;
}

static int
attempts_key(struct view *v, int action, int key)
{
	struct attempts *t = (struct attempts *)v;
	json_t *row = list_selected(&t->rows);

	if (t->editing)
		return attempts_filter_key(t, action, key);
	if (action == V_FILTER) {
		t->editing = 1;
		snprintf(t->text, sizeof t->text, "%s", t->filter);
		t->cur.back = 0;
		app_dirty(t->app);
		return 1;
	}
	if (action == V_BACK) {
		app_pop(t->app, &t->v);
		return 1;
	}
	if (!t->loaded) /* the page asked for has not come yet */
		return action != 0;
	if (list_nav(&t->rows, action))
		return 1;
	switch (action) {
	case V_OPEN:
		if (row && jstr(row, "user_id")[0])
			timeline_push(t->app, jstr(row, "user_id"),
			              jstr(row, "username"));
		else if (row)
			app_flash(t->app, 0,
			          "This attempt made no account (%s).",
			          jstr(row, "outcome"));
		return 1;
	case V_NEXT:
		if (t->next > 0 && t->page + 1 < ATTEMPTS_PAGES) {
			t->after[++t->page] = t->next;
			attempts_load(t);
		} else {
			app_flash(t->app, 0, "No older attempts.");
		}
		return 1;
	case V_PREV:
		if (t->page > 0) {
			t->page--;
			attempts_load(t);
		}
		return 1;
	case V_RELOAD:
		attempts_load(t);
		return 1;
	case V_EXPORT:
		export_flow_start(t->app, json_incref(t->rows.items),
		                  attempt_columns, "attempts");
		return 1;
	}
	return 0;
}

static void
attempt_row(json_t *a, char *buf, size_t size, int w)
{
	char at[32], name[96], flags[96] = "";
	size_t i;
	json_t *f;

	(void)w;
	short_time(jstr(a, "at"), at, sizeof at);
	ui_fit(jstr(a, "username"), 18, name, sizeof name);
	json_array_foreach (json_object_get(a, "flags"), i, f)
		if (json_is_string(f))
			snprintf(flags + strlen(flags),
			         sizeof flags - strlen(flags), "%s%s",
			         i ? " " : "", json_string_value(f));
	snprintf(buf, size, " %-19s  %-8.8s %s %-15.15s %6lld  %s", at,
	         jstr(a, "outcome"), name, jstr(a, "peer"),
	         (long long)json_integer_value(json_object_get(a, "fill_ms")),
	         flags);
}

/* The filter's field while it is typed, and above it why the text does
 * not parse. */
static void
attempts_draw_field(struct attempts *t, int rows, int cols)
{
	if (t->flt_error[0]) {
		ui_attr(UI_ERR);
		ui_putf(rows - 5, 1, cols - 2, "Filter %s", t->flt_error);
		ui_attr(UI_NORMAL);
	}
	if (t->editing)
		field_draw(rows - 3, 1, 9, cols - 4 > 60 ? 60 : cols - 4,
		           "Filter /", t->text, &t->cur, 0, 1);
}

static const struct binding *
attempts_keys_now(struct view *v)
{
	return ((struct attempts *)v)->editing ? filter_keys : attempts_keys;
}

static int
attempts_typing(struct view *v)
{
	return ((struct attempts *)v)->editing;
}

static void
attempts_draw(struct view *v, int rows, int cols)
{
	struct attempts *t = (struct attempts *)v;
	char name[64];

	ui_attr(UI_TITLE);
	ui_putf(1, 1, cols - 2, "Attempts matching %s", t->filter);
	ui_attr(UI_NORMAL);
	ui_hline(2, 0, cols);
	if (!t->loaded) {
		ui_put(3, 2, cols - 4, "Loading…");
		return;
	}
	ui_fit("Username", 18, name, sizeof name);
	ui_attr(UI_TITLE);
	ui_putf(3, 0, cols, " %-19s  %-8s %s %-15s %6s  %s", "When (UTC)",
	        "Outcome", name, "Address", "Fill", "Flags");
	ui_attr(UI_NORMAL);
	list_draw(&t->rows, 4, 0, rows - 9 - (t->flt_error[0] ? 1 : 0), cols,
	          attempt_row, "No attempt matches.");
	ui_attr(UI_DIM);
	ui_putf(rows - 4, 1, cols - 2, "Page %d · %zu attempts%s%s",
	        t->page + 1, json_array_size(t->rows.items),
	        t->next > 0 ? " · ] older" : "", t->page ? " · [ newer" : "");
	ui_attr(UI_NORMAL);
	attempts_draw_field(t, rows, cols);
}

const struct view_ops attempts_view_ops = {
    .name = "Attempts",
    .about = "Registration attempts (admins)\n\nThe attempts that match a "
             "filter, newest first: when, the outcome, the\nusername, the "
             "address, the form's fill time in ms and the detectors'\n"
             "flags. / edits the filter (the filter language, as on the "
             "dashboard); Enter\nshows the account's timeline; e exports "
             "the page.",
    .keys = attempts_keys,
    .keys_now = attempts_keys_now,
    .modes = key_modes,
    .typing = attempts_typing,
    .draw = attempts_draw,
    .key = attempts_key,
    .free = attempts_free,
};

void
attempts_push(struct app *a, const char *filter)
{
	struct attempts *t = view_new(sizeof *t, &attempts_view_ops, a);

	t->app = a;
	snprintf(t->filter, sizeof t->filter, "%s", filter);
	list_init(&t->rows, NULL);
	app_push(a, &t->v);
	attempts_load(t);
}

static void
on_network(void *ud, json_t *result, const struct pl_error *err)
{
	struct app *a = ud;
	const char *net = json_string_value(
	    json_object_get(json_object_get(result, "attempt"), "network"));
	char filter[96];

	if (app_failed(a, err, "user.timeline"))
		return;
	if (!net) {
		app_flash(a, 1, "This signup has no network on record.");
		return;
	}
	snprintf(filter, sizeof filter, "net:%s", net);
	attempts_push(a, filter);
}

void
attempts_push_network(struct app *a, const char *user_id)
{
	if (!user_id || !user_id[0]) {
		app_flash(a, 1, "No row to look at.");
		return;
	}
	app_flow_call(a, "user.timeline",
	              json_pack("{s:s, s:i}", "id", user_id, "limit", 1),
	              on_network, a, NULL);
}
