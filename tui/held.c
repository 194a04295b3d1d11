/*
 * The Held screen (admins): the accounts a hold rule keeps pending
 * (user.held), narrowed by the filter language in `/`; approve or reject
 * the selected one, or every one the filter matches (user.bulk: the dry
 * run's count first, asked once). It follows the live feed: a new held
 * account shows, one approved elsewhere goes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "model_console.h"
#include "readonly.h"
#include "term.h"
#include "user_detail.h"
#include "widgets.h"
#include "xalloc.h"

#define HELD_LIMIT 500
#define HELD_RELOAD_MS 1000 /* a wave of held signups: one list a second */

struct held_screen {
	struct app *app;
	struct list_model held;
	long long count; /* held accounts the filter matches, -1 unknown */
	int more;        /* more pending accounts than the server read */
	int searching;
	char filter[256];
	struct edit_cursor filter_cur;
	char asked[256];      /* the filter of the list shown (or asked) */
	char filter_err[256]; /* why the server refused the filter */
	uint64_t typed_at;
	int filter_pending;
	int stale;   /* ask again (at most every HELD_RELOAD_MS) */
	int loading; /* a user.held is on its way */
	uint64_t loaded_at;
	char acting[40];    /* approve or reject: what was asked */
	char acting_id[40]; /* the account a/r asked about */
	char bulk[300];     /* the filter of the bulk action asked about */
	long long bulk_count;
};

enum {
	H_FILTER = 1,
	H_OPEN,
	H_APPROVE,
	H_REJECT,
	H_ALL,
	H_RELOAD,
	H_BACK,
	H_RUN,
	H_CLEAR
};

static const struct binding held_keys[] = {
    {'a', H_APPROVE | BIND_ACTS, "approve the selected account (asks)",
     "approve"},
    {'r', H_REJECT | BIND_ACTS, "reject the selected account (asks)", "reject"},
    {'X', H_ALL | BIND_ACTS,
     "approve or reject every held account the filter matches (counts "
     "them first, asks once)",
     "all matching"},
    {'/', H_FILTER,
     "filter: net:, ip:, domain:, shape:, flag:, rule:, free text; ! "
     "negates a term",
     "filter"},
    {K_ENTER, H_OPEN, "the account's details", NULL},
    {'R', H_RELOAD, "reload", NULL},
    {'q', H_BACK, "clear the filter, else back", NULL},
    {K_ESC, H_BACK, "clear the filter, else back (never quits)", NULL},
    NAV_KEYS,
    {0, 0, NULL, NULL},
};

static const struct binding filter_keys[] = {
    {K_ENTER, H_RUN, "filter now, keep it", "keep"},
    {K_ESC, H_CLEAR, "clear", "clear"},
    {0, 0, NULL, NULL},
};

static const struct key_mode key_modes[] = {
    {"typing a filter", filter_keys},
    {NULL, NULL},
};

static void
on_held(void *ud, json_t *result, const struct pl_error *err)
{
	struct held_screen *h = ud;

	h->loading = 0;
	h->loaded_at = uv_now(h->app->loop);
	/* A filter typed wrong is said by the field, not as an error of
	 * the screen: the typing goes on. */
	if (err->code && strcmp(err->reason, "bad_filter") == 0) {
		snprintf(h->filter_err, sizeof h->filter_err, "%s",
		         err->message);
		app_dirty(h->app);
		return;
	}
	if (app_failed(h->app, err, "user.held"))
		return;
	h->filter_err[0] = '\0';
	list_set_items(&h->held, json_incref(json_object_get(result, "users")));
	h->count =
	    (long long)json_integer_value(json_object_get(result, "count"));
	h->more = json_is_true(json_object_get(result, "more"));
	app_dirty(h->app);
}

static void
held_load(struct held_screen *h)
{
	json_t *p = json_pack("{s:i}", "limit", HELD_LIMIT);

	snprintf(h->asked, sizeof h->asked, "%s", h->filter);
	h->filter_pending = 0;
	h->stale = 0;
	h->loading = 1;
	if (h->filter[0])
		json_object_set_new(p, "filter", json_string(h->filter));
	rpc_send(h->app->rpc, "user.held", p, on_held, h);
}

static void
held_reload(void *ud)
{
	held_load(ud);
}

static void *
held_init(struct app *a)
{
	struct held_screen *h = xcalloc(1, sizeof *h);

	h->app = a;
	h->count = -1;
	list_init(&h->held, NULL);
	return h;
}

static void
held_free(void *st)
{
	struct held_screen *h = st;

	list_free(&h->held);
	free(h);
}

static void
held_enter(struct app *a, void *st)
{
	held_load(st);
	app_live(a); /* held_on_event */
}

static void
held_on_event(struct app *a, void *st, json_t *ev)
{
	struct held_screen *h = st;

	if (!ev)
		return;
	switch (held_apply_event(&h->held, ev)) {
	case HELD_REMOVED:
		if (h->count > 0)
			h->count--;
		app_dirty(a);
		break;
	case HELD_RELOAD:
		h->stale = 1;
		break;
	case HELD_NONE:
		break;
	}
}

static void
held_tick(struct app *a, void *st)
{
	struct held_screen *h = st;
	uint64_t now = uv_now(a->loop);

	if (h->filter_pending && now - h->typed_at >= SEARCH_DEBOUNCE_MS)
		held_load(h);
	else if (h->stale && !h->loading && app_showing(a, &screen_held) &&
	         now - h->loaded_at >= HELD_RELOAD_MS)
		held_load(h);
}

static const struct binding *
held_keys_now(struct app *a, void *st)
{
	(void)a;
	return ((struct held_screen *)st)->searching ? filter_keys : held_keys;
}

static int
held_typing(struct app *a, void *st)
{
	(void)a;
	return ((struct held_screen *)st)->searching;
}

/* ---- one account: a and r ---- */

static void
on_decided(void *ud, json_t *result, const struct pl_error *err)
{
	struct held_screen *h = ud;
	json_t *users = json_object_get(result, "users");
	const char *what =
	    strcmp(h->acting, "approve") == 0 ? "Approved" : "Rejected";

	if (app_failed(h->app, err, "user.approve / user.reject"))
		return;
	if (json_array_size(users) == 0)
		app_flash(h->app, 1, "That account is no longer held.");
	else
		app_flash(h->app, 0, "%s %s.", what,
		          jstr(json_array_get(users, 0), "username"));
	held_load(h);
}

static void
on_decide_confirmed(struct app *a, void *ud, int ok, const char *input,
                    size_t choice)
{
	struct held_screen *h = ud;
	int approve = strcmp(h->acting, "approve") == 0;

	(void)input;
	(void)choice;
	/* The account asked about, whatever the live list did to the
	 * selection meanwhile. */
	if (!ok)
		return;
	rpc_send(a->rpc, approve ? "user.approve" : "user.reject",
	         json_pack("{s:[s]}", "ids", h->acting_id), on_decided, h);
}

static void
held_decide(struct held_screen *h, int approve)
{
	json_t *row = list_selected(&h->held);
	char text[512];

	if (readonly_refuse(h->app, "approving or rejecting an account"))
		return;
	if (!row) {
		app_flash(h->app, 1, "No held account is selected.");
		return;
	}
	snprintf(h->acting, sizeof h->acting, "%s",
	         approve ? "approve" : "reject");
	snprintf(h->acting_id, sizeof h->acting_id, "%s", jstr(row, "id"));
	snprintf(text, sizeof text,
	         approve ? "Approve %s? The account can sign in then."
	                 : "Reject %s? The account is disabled, and deleted "
	                   "after the server's purge delay.",
	         jstr(row, "username"));
	app_confirm(h->app, approve ? "Approve" : "Reject", text,
	            on_decide_confirmed, h);
}

/* ---- every matching one: X ---- */

static void
on_bulk_done(void *ud, json_t *result, const struct pl_error *err)
{
	struct held_screen *h = ud;

	if (app_failed(h->app, err, "user.bulk"))
		return;
	app_flash(
	    h->app, 0, "%s %lld account%s (batch %lld).",
	    strcmp(h->acting, "approve") == 0 ? "Approved" : "Rejected",
	    (long long)json_integer_value(json_object_get(result, "count")),
	    json_integer_value(json_object_get(result, "count")) == 1 ? ""
	                                                              : "s",
	    (long long)json_integer_value(json_object_get(result, "batch_id")));
	held_load(h);
}

static void
on_bulk_chosen(struct app *a, void *ud, int ok, const char *input,
               size_t choice)
{
	struct held_screen *h = ud;

	(void)input;
	if (!ok || choice > 1)
		return;
	snprintf(h->acting, sizeof h->acting, "%s",
	         choice == 0 ? "approve" : "reject");
	app_call_fresh(
	    a, "user.bulk",
	    json_pack("{s:s, s:s}", "filter", h->bulk, "action", h->acting),
	    on_bulk_done, h, NULL);
}

static void
on_bulk_counted(void *ud, json_t *result, const struct pl_error *err)
{
	struct held_screen *h = ud;
	char names[256], text[700], ch[3][64];
	json_t *choices;

	if (app_failed(h->app, err, "user.bulk"))
		return;
	h->bulk_count =
	    (long long)json_integer_value(json_object_get(result, "count"));
	if (h->bulk_count == 0) {
		app_flash(h->app, 0, "No held account matches.");
		return;
	}
	held_sample_text(json_object_get(result, "sample"), h->bulk_count,
	                 names, sizeof names);
	snprintf(text, sizeof text, "%lld held account%s match%s %s: %s.",
	         h->bulk_count, h->bulk_count == 1 ? "" : "s",
	         h->bulk_count == 1 ? "es" : "", h->bulk, names);
	snprintf(ch[0], sizeof ch[0], "a  approve all %lld", h->bulk_count);
	snprintf(ch[1], sizeof ch[1], "r  reject all %lld", h->bulk_count);
	snprintf(ch[2], sizeof ch[2], "c  cancel");
	choices = json_pack("[s, s, s]", ch[0], ch[1], ch[2]);
	app_choose(h->app, "Every held account the filter matches", text,
	           choices, on_bulk_chosen, h);
}

static void
held_all(struct held_screen *h)
{
	char *f;

	if (readonly_refuse(h->app, "approving or rejecting accounts"))
		return;
	f = held_bulk_filter(h->asked);
	snprintf(h->bulk, sizeof h->bulk, "%s", f);
	free(f);
	/* The dry run needs a fresh session too: asked (once) before the
	 * count, so the answer after it acts at once. */
	app_call_fresh(h->app, "user.bulk",
	               json_pack("{s:s, s:s, s:b}", "filter", h->bulk, "action",
	                         "approve", "dry_run", 1),
	               on_bulk_counted, h, NULL);
}

static int
held_key(struct app *a, void *st, int action, int key)
{
	struct held_screen *h = st;

	if (list_nav(&h->held, action))
		return 1;
	switch (action) {
	case H_RUN:
	case H_CLEAR:
		if (action == H_CLEAR)
			edit_clear(h->filter, &h->filter_cur);
		h->searching = 0;
		list_home(&h->held);
		held_load(h);
		return 1;
	case H_FILTER:
		h->searching = 1;
		return 1;
	case H_OPEN:
		if (list_selected(&h->held))
			user_detail_push(a, list_selected(&h->held),
			                 held_reload, h);
		return 1;
	case H_APPROVE:
	case H_REJECT:
		held_decide(h, action == H_APPROVE);
		return 1;
	case H_ALL:
		held_all(h);
		return 1;
	case H_RELOAD:
		held_load(h);
		return 1;
	case H_BACK:
		if (!h->filter[0])
			return 0;
		edit_clear(h->filter, &h->filter_cur);
		list_home(&h->held);
		held_load(h);
		return 1;
	}
	if (h->searching) {
		edit_key(h->filter, sizeof h->filter, &h->filter_cur, key);
		h->filter_pending = strcmp(h->filter, h->asked) != 0;
		h->typed_at = uv_now(a->loop);
		return 1;
	}
	return 0;
}

/* The email takes what the other columns leave. */
static int
email_width(int cols)
{
	return cols - 86 > 8 ? cols - 86 : 8;
}

static void
held_row(json_t *u, char *buf, size_t size, int w)
{
	json_t *signup = json_object_get(u, "signup"), *v;
	char name[96], email[160], peer[96], flags[64] = "", rules[160] = "",
	                                     fl[64], ru[96], t[32];
	size_t i;

	json_array_foreach (json_object_get(signup, "flags"), i, v)
		snprintf(flags + strlen(flags), sizeof flags - strlen(flags),
		         "%s%s", i ? "," : "",
		         json_string_value(v) ? json_string_value(v) : "");
	json_array_foreach (json_object_get(signup, "rules"), i, v)
		snprintf(rules + strlen(rules), sizeof rules - strlen(rules),
		         "%s%s", i ? "," : "",
		         json_string_value(v) ? json_string_value(v) : "");
	ui_fit(jstr(u, "username"), 14, name, sizeof name);
	ui_fit(jstr(u, "email"), email_width(w), email, sizeof email);
	ui_fit(jstr(signup, "peer"), 15, peer, sizeof peer);
	ui_fit(flags, 10, fl, sizeof fl);
	ui_fit(rules, 20, ru, sizeof ru);
	short_time(jstr(u, "created_at"), t, sizeof t);
	snprintf(buf, size, " %s %s %s %s %s %s", name, email, peer, fl, ru, t);
}

static void
held_draw(struct app *a, void *st, int rows, int cols)
{
	struct held_screen *h = st;
	char name[64], email[256], peer[64], fl[32], ru[64], of[64] = "";

	(void)a;
	ui_attr(UI_TITLE);
	ui_fit("Username", 14, name, sizeof name);
	ui_fit("Email", email_width(cols), email, sizeof email);
	ui_fit("Address", 15, peer, sizeof peer);
	ui_fit("Flags", 10, fl, sizeof fl);
	ui_fit("Rules", 20, ru, sizeof ru);
	ui_putf(1, 0, cols, " %s %s %s %s %s %s", name, email, peer, fl, ru,
	        "Held since");
	ui_attr(UI_NORMAL);
	ui_hline(2, 0, cols);
	list_draw(&h->held, 3, 0, rows - 8, cols, held_row,
	          h->asked[0] ? "No held account matches."
	                      : "No account is held.");
	ui_attr(UI_DIM);
	if (h->count >= 0)
		snprintf(of, sizeof of, " of %lld%s", h->count,
		         h->more ? "+" : "");
	ui_putf(rows - 3, 1, cols - 2, "Held %zu-%zu%s%s%s",
	        h->held.nvis ? (size_t)1 : 0, h->held.nvis, of,
	        h->asked[0] ? " · filter: " : "", h->asked);
	ui_attr(UI_NORMAL);
	if (h->filter_err[0]) {
		ui_attr(UI_ERR);
		ui_putf(rows - 5, 1, cols - 2, "Filter: %s", h->filter_err);
		ui_attr(UI_NORMAL);
	}
	if (h->searching || h->filter[0])
		field_draw(rows - 4, 1, 9, cols - 4 > 60 ? 60 : cols - 4,
		           "Filter /", h->filter, &h->filter_cur, 0,
		           h->searching);
}

const struct screen screen_held = {
    .name = "Held",
    .admin_only = 1,
    .about = "Held (admins)\n\nThe accounts a hold rule keeps pending, "
             "newest first. / filters them with the filter language "
             "(net:203.0.113.0/24 domain:example.org flag:fast rule:NAME, "
             "free text; ! negates a term); a approves and r rejects the "
             "selected one; X approves or rejects every held account the "
             "filter matches, after showing how many.",
    .keys = held_keys,
    .keys_now = held_keys_now,
    .modes = key_modes,
    .typing = held_typing,
    .tick = held_tick,
    .on_event = held_on_event,
    .init = held_init,
    .free = held_free,
    .enter = held_enter,
    .draw = held_draw,
    .key = held_key,
};
