/*
 * The Users screen (admins): user.list with a server-side substring search,
 * server-side sort and paging by cursor, the overall count (user.stats),
 * and Enter for a user's detail view (user_detail.c). Invitations have
 * their own screen (invitations.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "act.h"
#include "app.h"
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
	char query[128];
	struct edit_cursor query_cur;
	char asked[128];       /* the query of the list shown (or asked) */
	uint64_t typed_at;     /* last key in the search (loop ms) */
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

/* The list's keys after Enter (and n / N after a search). */
#define USERS_KEYS                                                             \
	{'/', A_SEARCH, "search users (any part of name or email)", "search"}, \
	    {'s', A_SORT, "sort: created / username / email", "sort"},         \
	    {'S', A_REVERSE, "reverse the order", NULL},                       \
	    {'<', A_ASC, "ascending", NULL},                                   \
	    {'>', A_DESC, "descending", NULL},                                 \
	    {']', A_NEXT_PAGE, "next / previous page", "pages"},               \
	    {'[', A_PREV_PAGE, NULL, NULL}, {'R', A_RELOAD, "reload", NULL},   \
	    {'X', A_BULK | BIND_ACTS,                                          \
	     "act on every account the search matches (asks)", "act"},         \
	    {'u', A_UNDO | BIND_ACTS, "undo the last bulk action", NULL},      \
	    {'b', A_BLOCK | BIND_ACTS,                                         \
	     "block the user's email domain or network", NULL},                \
	    {'e', A_EXPORT | BIND_ACTS, "export the users listed", NULL},      \
	    {'q', A_BACK, "clear the search, else back", NULL},                \
	    {K_ESC, A_BACK, "clear the search, else back (never quits)",       \
	     NULL},                                                            \
	    NAV_KEYS

static const struct binding users_keys[] = {
    {K_ENTER, A_OPEN, "the user's details and actions", "details"},
    USERS_KEYS,
    {0, 0, NULL, NULL},
};

/* A search kept: n and N go from match to match. */
static const struct binding searched_keys[] = {
    {K_ENTER, A_OPEN, "the user's details and actions", "details"},
    {'n', A_NEXT_MATCH, "next / previous match", "next match"},
    {'N', A_PREV_MATCH, NULL, NULL},
    USERS_KEYS,
    {0, 0, NULL, NULL},
};

/* What n and N match: what the server's search matches. */
static const char *const match_keys[] = {"username", "email", NULL};

static const struct binding search_keys[] = {
    {K_ENTER, A_RUN, "search now, keep it", "keep"},
    {K_ESC, A_CLEAR, "clear", "clear"},
    {0, 0, NULL, NULL},
};

static void
on_users(void *ud, json_t *result, const struct pl_error *err)
{
	struct users_screen *u = ud;
	const char *next = json_string_value(json_object_get(result, "next"));

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

	snprintf(u->asked, sizeof u->asked, "%s", u->query);
	u->search_pending = 0;
	if (u->query[0])
		json_object_set_new(p, "query", json_string(u->query));
	if (u->page > 0 && u->cursors[u->page][0])
		json_object_set_new(p, "before",
		                    json_string(u->cursors[u->page]));
	rpc_send(u->app->rpc, "user.list", p, on_users, u);
}

/* A new search or order starts at the first page and row. */
static void
users_restart(struct users_screen *u)
{
	u->page = 0;
	list_home(&u->users);
	users_load(u);
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
	return u->query[0] ? searched_keys : users_keys;
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
		users_restart(u);
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
		if (!list_find(&u->users, match_keys, u->query,
		               action == A_NEXT_MATCH ? 1 : -1))
			app_flash(a, 1, "No user matches \"%s\".", u->query);
		return 1;
	case A_BACK:
		if (!u->query[0])
			return 0;
		edit_clear(u->query, &u->query_cur);
		users_restart(u);
		return 1;
	}
	if (u->searching) {
		/* As on Pads: asked once the typing pauses (users_tick). */
		edit_key(u->query, sizeof u->query, &u->query_cur, key);
		u->search_pending = strcmp(u->query, u->asked) != 0;
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
		users_restart(u);
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
	list_draw(&u->users, 3, 0, rows - 7, cols, user_row,
	          u->query[0] ? "No user matches." : "No users.");
	ui_attr(UI_DIM);
	if (u->total >= 0 && !u->query[0])
		snprintf(all, sizeof all, " of %ld", u->total);
	ui_putf(rows - 3, 1, cols - 2,
	        "Users %zu-%zu%s · by %s %s · page %d%s%s",
	        u->users.nvis ? first + 1 : 0, first + u->users.nvis, all,
	        user_sorts[u->sort].label, arrow, u->page + 1,
	        u->next[0] ? " · ] next" : "", u->page ? " · [ previous" : "");
	ui_attr(UI_NORMAL);
	if (u->searching || u->query[0])
		field_draw(rows - 4, 1, 9, 40, "Search /", u->query,
		           &u->query_cur, 0, u->searching);
}

static const struct key_mode key_modes[] = {
    {"a search kept", searched_keys},
    {"typing a search", search_keys},
    {NULL, NULL},
};

const struct screen screen_users = {
    .name = "Users",
    .admin_only = 1,
    .about = "Users (admins)\n\nThe search runs on the server and matches "
             "any part of a username or email\n(1 or 2 characters: the "
             "start); s sorts (on the server); Enter shows a user\nwith "
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
