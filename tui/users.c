/*
 * The Users screen (admins): user.list narrowed by the filter language
 * (padlined matches it as user.bulk does, so X acts on what is listed),
 * server-side sort and paging by cursor, the overall count (user.stats),
 * and Enter for a user's detail view (user_detail.c). Invitations have
 * their own screen (invitations.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "act.h"
#include "app.h"
#include "model_console.h"
#include "term.h"
#include "user_detail.h"
#include "widgets.h"
#include "xalloc.h"

#define USERS_PAGE 100

/* What s cycles through: user.list's sort names, each with its usual
 * direction (S, < and > change it). */
static const struct {
	const char *key, *label;
	int desc;
} user_sorts[] = {
    {"created_at", "created", 1},
    {"username", "username", 0},
    {"email", "email", 0},
};
#define USER_SORTS (sizeof user_sorts / sizeof user_sorts[0])

struct users_screen {
	struct app *app;
	struct list_model users;
	int searching;
	char query[256]; /* the filter typed */
	struct edit_cursor query_cur;
	char asked[256];       /* the last filter that parsed: the list's */
	char flt_error[300];   /* why query does not parse ("" when it does) */
	uint64_t typed_at;     /* last key in the filter (loop ms) */
	int search_pending;    /* typed, not yet asked */
	char next[128];        /* cursor for the next page ("" = none) */
	char cursors[32][128]; /* "before" of each page shown, for going back */
	int page;
	long total;  /* users in all (user.stats), -1 until known */
	int stale;   /* a listed user changed: reload at the next tick */
	size_t sort; /* index into user_sorts */
	int desc;
};

enum {
	A_SEARCH = 1,
	A_OPEN,
	A_SORT,
	A_REVERSE,
	A_ASC,
	A_DESC,
	A_NEXT_PAGE,
	A_PREV_PAGE,
	A_RELOAD,
	A_BACK,
	A_RUN,
	A_CLEAR,
	A_NEXT_MATCH,
	A_PREV_MATCH,
	A_BULK,
	A_UNDO,
	A_BLOCK,
	A_EXPORT
};

/* The list's keys after Enter (and n / N once a filter is kept). */
#define USERS_KEYS                                                             \
	{'/', A_SEARCH,                                                        \
	 "filter: net:, ip:, domain:, shape:, flag:, rule:, status:, free "    \
	 "text (any part of name or email); ! negates a term",                 \
	 "filter"},                                                            \
	    {'s', A_SORT, "sort: created / username / email", "sort"},         \
	    {'S', A_REVERSE, "reverse the order", NULL},                       \
	    {'<', A_ASC, "ascending", NULL},                                   \
	    {'>', A_DESC, "descending", NULL},                                 \
	    {']', A_NEXT_PAGE, "next / previous page", "pages"},               \
	    {'[', A_PREV_PAGE, NULL, NULL}, {'R', A_RELOAD, "reload", NULL},   \
	    {'X', A_BULK | BIND_ACTS,                                          \
	     "act on every account the filter matches, as listed (asks)",      \
	     "act"},                                                           \
	    {'u', A_UNDO | BIND_ACTS, "undo the last bulk action", NULL},      \
	    {'b', A_BLOCK | BIND_ACTS,                                         \
	     "block the user's email domain or network", NULL},                \
	    {'e', A_EXPORT | BIND_ACTS, "export the users listed", NULL},      \
	    {'q', A_BACK, "clear the filter, else back", NULL},                \
	    {K_ESC, A_BACK, "clear the filter, else back (never quits)",       \
	     NULL},                                                            \
	    NAV_KEYS

static const struct binding users_keys[] = {
    {K_ENTER, A_OPEN, "the user's details and actions", "details"},
    USERS_KEYS,
    {0, 0, NULL, NULL},
};

/* A filter kept: n and N go from match to match, as after a search on
 * Pads; every user listed is one. */
static const struct binding searched_keys[] = {
    {K_ENTER, A_OPEN, "the user's details and actions", "details"},
    {'n', A_NEXT_MATCH, "next / previous match", "next match"},
    {'N', A_PREV_MATCH, NULL, NULL},
    USERS_KEYS,
    {0, 0, NULL, NULL},
};

static const struct binding search_keys[] = {
    {K_ENTER, A_RUN, "filter now, keep it", "keep"},
    {K_ESC, A_CLEAR, "clear", "clear"},
    {0, 0, NULL, NULL},
};

static void
on_users(void *ud, json_t *result, const struct pl_error *err)
{
	struct users_screen *u = ud;
	const char *next = json_string_value(json_object_get(result, "next"));

	/* A filter typed wrong is said by the field, not as an error of the
	 * screen: the typing goes on, the list stays. */
	if (err->code == PL_ERR_INVALID_PARAMS &&
	    strcmp(err->reason, "bad_filter") == 0) {
		filter_error_text(err, u->flt_error, sizeof u->flt_error);
		app_dirty(u->app);
		return;
	}
	if (app_failed(u->app, err, "user.list"))
		return;
	list_set_items(&u->users,
	               json_incref(json_object_get(result, "users")));
	snprintf(u->next, sizeof u->next, "%s", next ? next : "");
	app_dirty(u->app);
}

static void
users_load(struct users_screen *u)
{
	json_t *p = json_pack("{s:i, s:s, s:s}", "limit", USERS_PAGE, "sort",
	                      user_sorts[u->sort].key, "order",
	                      u->desc ? "desc" : "asc");

	if (u->asked[0])
		json_object_set_new(p, "filter", json_string(u->asked));
	if (u->page > 0 && u->cursors[u->page][0])
		json_object_set_new(p, "before",
		                    json_string(u->cursors[u->page]));
	rpc_send(u->app->rpc, "user.list", p, on_users, u);
}

/* A new filter or order starts at the first page and row. */
static void
users_restart(struct users_screen *u)
{
	u->page = 0;
	list_home(&u->users);
	users_load(u);
}

/* The filter typed, if it parses, becomes the list's; one that does not
 * leaves the list with the last one that did and says where it goes
 * wrong (as the dashboard and Held do). */
static void
users_search(struct users_screen *u)
{
	u->search_pending = 0;
	if (filter_field_compile(u->query, NULL, u->flt_error,
	                         sizeof u->flt_error) != 0) {
		app_dirty(u->app);
		return;
	}
	snprintf(u->asked, sizeof u->asked, "%s", u->query);
	users_restart(u);
}

static void
on_total(void *ud, json_t *result, const struct pl_error *err)
{
	struct users_screen *u = ud;

	/* The count is a nicety, but being the first call it may be the
	 * one that hears why the session ended. */
	if (err->code) {
		app_auth_lost(u->app, err);
		return;
	}
	u->total = (long)json_integer_value(json_object_get(result, "total"));
	app_dirty(u->app);
}

static void
users_reload(void *ud)
{
	struct users_screen *u = ud;

	rpc_send(u->app->rpc, "user.stats", NULL, on_total, u);
	users_load(u);
}

static void *
users_init(struct app *a)
{
	struct users_screen *u = xcalloc(1, sizeof *u);

	u->app = a;
	u->total = -1;
	u->desc = user_sorts[0].desc;
	list_init(&u->users, NULL);
	return u;
}

static void
users_free(void *st)
{
	struct users_screen *u = st;

	list_free(&u->users);
	free(u);
}

static void
users_enter(struct app *a, void *st)
{
	((struct users_screen *)st)->stale = 0;
	users_reload(st);
	app_live(a); /* changes made elsewhere show (users_on_event) */
}

/* A listed user changed or was deleted (by another admin, or padlined's
 * commands): the page is asked again, once for a burst (users_tick). A
 * new signup waits for R or the next visit: at a signup storm the page
 * would never settle. */
static void
users_on_event(struct app *a, void *st, json_t *ev)
{
	struct users_screen *u = st;
	const char *id = jstr(json_object_get(ev, "subject"), "id");
	size_t i;
	json_t *row;

	(void)a;
	if (!ev || strncmp(jstr(ev, "action"), "user.", 5) != 0 ||
	    strcmp(jstr(ev, "action"), "user.created") == 0)
		return;
	json_array_foreach (u->users.items, i, row)
		if (strcmp(jstr(row, "id"), id) == 0)
			u->stale = 1;
}

static const struct binding *
users_keys_now(struct app *a, void *st)
{
	struct users_screen *u = st;

	(void)a;
	if (u->searching)
		return search_keys;
	return u->asked[0] ? searched_keys : users_keys;
}

static int
users_typing(struct app *a, void *st)
{
	struct users_screen *u = st;

	(void)a;
	return u->searching;
}

/* The members an export writes. */
static const char *const user_columns[] = {
    "id", "username", "email", "status", "roles", "created_at", NULL};

static void
users_sorted(struct users_screen *u)
{
	app_flash(u->app, 0, "Sorted by %s, %s.", user_sorts[u->sort].label,
	          u->desc ? "descending" : "ascending");
	users_restart(u);
}

/* n / N: the next or previous row, around the end (every user listed
 * matches the filter). */
static void
users_next_match(struct users_screen *u, int dir)
{
	size_t n = u->users.nvis, to;

	if (n < 2) {
		app_flash(u->app, 1, "No other user matches.");
		return;
	}
	to = (u->users.sel + (dir > 0 ? 1 : n - 1)) % n;
	list_move(&u->users, (long)to - (long)u->users.sel);
}

static int
users_key(struct app *a, void *st, int action, int key)
{
	struct users_screen *u = st;

	if (list_nav(&u->users, action))
		return 1;
	switch (action) {
	case A_RUN:
	case A_CLEAR:
		if (action == A_CLEAR)
			edit_clear(u->query, &u->query_cur);
		u->searching = 0;
		users_search(u);
		return 1;
	case A_SEARCH:
		u->searching = 1;
		return 1;
	case A_OPEN:
		if (list_selected(&u->users))
			user_detail_push(a, list_selected(&u->users),
			                 users_reload, u);
		return 1;
	case A_SORT:
		u->sort = (u->sort + 1) % USER_SORTS;
		u->desc = user_sorts[u->sort].desc;
		users_sorted(u);
		return 1;
	case A_REVERSE:
	case A_ASC:
	case A_DESC:
		u->desc = action == A_REVERSE ? !u->desc : action == A_DESC;
		users_sorted(u);
		return 1;
	case A_NEXT_PAGE:
		if (u->next[0] && u->page < 31) {
			u->page++;
			snprintf(u->cursors[u->page], sizeof u->cursors[0],
			         "%s", u->next);
			list_home(&u->users);
			users_load(u);
		}
		return 1;
	case A_PREV_PAGE:
		if (u->page > 0) {
			u->page--;
			list_home(&u->users);
			users_load(u);
		}
		return 1;
	case A_RELOAD:
		users_reload(u);
		return 1;
	case A_BULK:
		bulk_flow_start(a, u->asked, 1);
		return 1;
	case A_UNDO:
		bulk_flow_undo(a);
		return 1;
	case A_BLOCK:
		if (list_selected(&u->users))
			block_flow_start(
			    a, jstr(list_selected(&u->users), "id"),
			    jstr(list_selected(&u->users), "username"));
		return 1;
	case A_EXPORT:
		export_flow_start(a, json_incref(u->users.items), user_columns,
		                  "users");
		return 1;
	case A_NEXT_MATCH:
	case A_PREV_MATCH:
		users_next_match(u, action == A_NEXT_MATCH ? 1 : -1);
		return 1;
	case A_BACK:
		if (!u->query[0])
			return 0;
		edit_clear(u->query, &u->query_cur);
		users_search(u);
		return 1;
	}
	if (u->searching) {
		/* As on Pads: asked once the typing pauses (users_tick). */
		edit_key(u->query, sizeof u->query, &u->query_cur, key);
		u->search_pending =
		    strcmp(u->query, u->asked) != 0 || u->flt_error[0];
		u->typed_at = uv_now(a->loop);
		return 1;
	}
	return 0;
}

static void
users_tick(struct app *a, void *st)
{
	struct users_screen *u = st;

	if (u->search_pending &&
	    uv_now(a->loop) - u->typed_at >= SEARCH_DEBOUNCE_MS)
		users_search(u);
	else if (u->stale && app_showing(a, &screen_users)) {
		u->stale = 0;
		users_reload(u);
	}
}

/* The email takes what the other columns leave (24 at 80 columns), and
 * gives way first: 8 cells at 64 columns. */
static int
email_width(int cols)
{
	return cols - 56 > 8 ? cols - 56 : 8;
}

static void
user_row(json_t *u, char *buf, size_t size, int w)
{
	json_t *roles = json_object_get(u, "roles");
	char r[64] = "", name[128], email[160], t[32];
	size_t i;
	json_t *v;

	json_array_foreach (roles, i, v)
		snprintf(r + strlen(r), sizeof r - strlen(r), "%s%s",
		         i ? "," : "",
		         json_string_value(v) ? json_string_value(v) : "");
	if (json_is_true(json_object_get(u, "disabled")))
		snprintf(r + strlen(r), sizeof r - strlen(r), "%sdisabled",
		         r[0] ? "," : "");
	ui_fit(jstr(u, "username"), 20, name, sizeof name);
	ui_fit(jstr(u, "email"), email_width(w), email, sizeof email);
	short_time(jstr(u, "created_at"), t, sizeof t);
	snprintf(buf, size, " %s %s %-12.12s %s", name, email, r, t);
}

static void
users_draw(struct app *a, void *st, int rows, int cols)
{
	struct users_screen *u = st;
	const char *arrow =
	    u->desc ? (ui_utf8() ? "↓" : "v") : (ui_utf8() ? "↑" : "^");
	const char *key = user_sorts[u->sort].key;
	size_t first = (size_t)u->page * USERS_PAGE;
	char all[48] = "", name[64], email[256];

	(void)a;
	ui_attr(UI_TITLE);
	/* Where the rows' columns are, padded in cells (· is two bytes). */
	ui_fit(strcmp(key, "username") ? "Username" : "Username ·", 20, name,
	       sizeof name);
	ui_fit(strcmp(key, "email") ? "Email" : "Email ·", email_width(cols),
	       email, sizeof email);
	ui_putf(1, 0, cols, " %s %s %-12s %s", name, email, "Roles",
	        strcmp(key, "created_at") ? "Created" : "Created ·");
	ui_attr(UI_NORMAL);
	ui_hline(2, 0, cols);
	list_draw(&u->users, 3, 0, rows - 7 - (u->flt_error[0] ? 1 : 0), cols,
	          user_row, u->asked[0] ? "No user matches." : "No users.");
	ui_attr(UI_DIM);
	if (u->total >= 0 && !u->asked[0])
		snprintf(all, sizeof all, " of %ld", u->total);
	ui_putf(rows - 3, 1, cols - 2,
	        "Users %zu-%zu%s · by %s %s · page %d%s%s%s%s",
	        u->users.nvis ? first + 1 : 0, first + u->users.nvis, all,
	        user_sorts[u->sort].label, arrow, u->page + 1,
	        u->next[0] ? " · ] next" : "", u->page ? " · [ previous" : "",
	        u->asked[0] ? " · filter: " : "", u->asked);
	ui_attr(UI_NORMAL);
	/* A filter that does not parse says why above its field. */
	if (u->flt_error[0]) {
		ui_attr(UI_ERR);
		ui_putf(rows - 5, 1, cols - 2, "Filter %s", u->flt_error);
		ui_attr(UI_NORMAL);
	}
	if (u->searching || u->query[0])
		field_draw(rows - 4, 1, 9, cols - 4 > 60 ? 60 : cols - 4,
		           "Filter /", u->query, &u->query_cur, 0,
		           u->searching);
}

static const struct key_mode key_modes[] = {
    {"a filter kept", searched_keys},
    {"typing a filter", search_keys},
    {NULL, NULL},
};

const struct screen screen_users = {
    .name = "Users",
    .admin_only = 1,
    .about = "Users (admins)\n\n/ filters with the filter language, on "
             "the server (net:203.0.113.0/24\ndomain:example.org "
             "status:disabled; free text matches any part of a username\n"
             "or email; ! negates a term); X acts on the accounts it "
             "lists. s sorts (on the\nserver); Enter shows a user with "
             "disable, roles, reset 2FA, delete.",
    .keys = users_keys,
    .keys_now = users_keys_now,
    .modes = key_modes,
    .typing = users_typing,
    .tick = users_tick,
    .on_event = users_on_event,
    .init = users_init,
    .free = users_free,
    .enter = users_enter,
    .draw = users_draw,
    .key = users_key,
};
