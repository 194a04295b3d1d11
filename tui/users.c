/*
 * Users & invitations (admins): user.list with a server-side substring
 * search and paging by cursor, invitation.create (the code is shown once)
 * and invitation.list.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "term.h"
#include "widgets.h"
#include "xalloc.h"

#define USERS_PAGE 100

struct users_screen {
	struct app *app;
	struct list_model users;
	struct list_model invites;
	int show_invites;
	int searching;
	char query[128];
	struct edit_cursor query_cur;
	char next[128];        /* cursor for the next page ("" = none) */
	char cursors[32][128]; /* "before" of each page shown, for going back */
	int page;
	long total; /* users in all (user.stats), -1 until known */
};

enum {
	A_SEARCH = 1,
	A_INVITES,
	A_CREATE,
	A_NEXT_PAGE,
	A_PREV_PAGE,
	A_RELOAD,
	A_BACK,
	A_RUN,
	A_CLEAR
};

static const struct binding users_keys[] = {
    {'/', A_SEARCH, "search users (any part of name or email)", "search"},
    {'v', A_INVITES, "users / invitations", "invitations"},
    {'i', A_INVITES, NULL, NULL},
    {'c', A_CREATE, "new invitation", "invite"},
    {']', A_NEXT_PAGE, "next / previous page", "pages"},
    {'[', A_PREV_PAGE, NULL, NULL},
    {'R', A_RELOAD, "reload", NULL},
    {'q', A_BACK, "clear the search or leave invitations, else back", NULL},
    {K_ESC, A_BACK, NULL, NULL},
    NAV_KEYS,
    {0, 0, NULL, NULL},
};

static const struct binding search_keys[] = {
    {K_ENTER, A_RUN, "search", "search"},
    {K_ESC, A_CLEAR, "clear", "clear"},
    {0, 0, NULL, NULL},
};

/* What a list filter matches (kept by the lists: static storage). */
static const char *const user_filter_keys[] = {"username", "email", NULL};
static const char *const invite_filter_keys[] = {"note", NULL};

static void
on_users(void *ud, json_t *result, const struct pl_error *err)
{
	struct users_screen *u = ud;
	const char *next = json_string_value(json_object_get(result, "next"));

	if (app_failed(u->app, err, "user.list"))
		return;
	list_set_items(&u->users,
	               json_incref(json_object_get(result, "users")));
	list_home(&u->users);
	snprintf(u->next, sizeof u->next, "%s", next ? next : "");
	app_dirty(u->app);
}

static void
users_load(struct users_screen *u)
{
	json_t *p = json_pack("{s:i}", "limit", USERS_PAGE);

	if (u->query[0])
		json_object_set_new(p, "query", json_string(u->query));
	if (u->page > 0 && u->cursors[u->page][0])
		json_object_set_new(p, "before",
		                    json_string(u->cursors[u->page]));
	rpc_call(u->app->rpc, "user.list", p, on_users, u);
}

static void
on_invites(void *ud, json_t *result, const struct pl_error *err)
{
	struct users_screen *u = ud;

	if (app_failed(u->app, err, "invitation.list"))
		return;
	list_set_items(&u->invites,
	               json_incref(json_object_get(result, "invitations")));
	app_dirty(u->app);
}

static void *
users_init(struct app *a)
{
	struct users_screen *u = xcalloc(1, sizeof *u);

	u->app = a;
	u->total = -1;
	list_init(&u->users, user_filter_keys);
	list_init(&u->invites, invite_filter_keys);
	return u;
}

static void
users_free(void *st)
{
	struct users_screen *u = st;

	list_free(&u->users);
	list_free(&u->invites);
	free(u);
}

static void
on_total(void *ud, json_t *result, const struct pl_error *err)
{
	struct users_screen *u = ud;

	if (err->code)
		return; /* the count is a nicety */
	u->total = (long)json_integer_value(json_object_get(result, "total"));
	app_dirty(u->app);
}

static void
users_enter(struct app *a, void *st)
{
	rpc_call(a->rpc, "user.stats", NULL, on_total, st);
	users_load(st);
	rpc_call(a->rpc, "invitation.list", NULL, on_invites, st);
}

static void
on_invitation(void *ud, json_t *result, const struct pl_error *err)
{
	struct users_screen *u = ud;
	char text[512];

	if (app_failed(u->app, err, "invitation.create"))
		return;
	snprintf(text, sizeof text,
	         "Invitation code:\n\n    %s\n\nExpires %s.\nIt is shown only "
	         "once: copy it now.",
	         jstr(result, "code"), jstr(result, "expires_at"));
	app_message(u->app, "New invitation", text);
	rpc_call(u->app->rpc, "invitation.list", NULL, on_invites, u);
}

static void
on_note(struct app *a, void *ud, int ok, const char *input, size_t choice)
{
	(void)choice;
	if (!ok)
		return;
	rpc_call(a->rpc, "invitation.create",
	         input[0] ? json_pack("{s:s}", "note", input) : NULL,
	         on_invitation, ud);
}

static const struct binding *
users_keys_now(struct app *a, void *st)
{
	struct users_screen *u = st;

	(void)a;
	return u->searching ? search_keys : users_keys;
}

static int
users_key(struct app *a, void *st, int action, int key)
{
	struct users_screen *u = st;

	if (list_nav(u->show_invites ? &u->invites : &u->users, action))
		return 1;
	switch (action) {
	case A_RUN:
	case A_CLEAR:
		if (action == A_CLEAR)
			edit_clear(u->query, &u->query_cur);
		u->searching = 0;
		u->page = 0;
		users_load(u);
		return 1;
	case A_SEARCH:
		u->show_invites = 0;
		u->searching = 1;
		return 1;
	case A_INVITES:
		u->show_invites = !u->show_invites;
		return 1;
	case A_CREATE:
		app_prompt(a, "Invitation note (optional)", "", on_note, u);
		return 1;
	case A_NEXT_PAGE:
		if (u->next[0] && u->page < 31) {
			u->page++;
			snprintf(u->cursors[u->page], sizeof u->cursors[0],
			         "%s", u->next);
			users_load(u);
		}
		return 1;
	case A_PREV_PAGE:
		if (u->page > 0) {
			u->page--;
			users_load(u);
		}
		return 1;
	case A_RELOAD:
		users_enter(a, st);
		return 1;
	case A_BACK:
		if (u->show_invites) {
			u->show_invites = 0;
			return 1;
		}
		if (!u->query[0])
			return 0;
		edit_clear(u->query, &u->query_cur);
		u->page = 0;
		users_load(u);
		return 1;
	}
	if (u->searching) {
		edit_key(u->query, sizeof u->query, &u->query_cur, key);
		return 1;
	}
	return 0;
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
	(void)w;
	ui_fit(jstr(u, "username"), 24, name, sizeof name);
	ui_fit(jstr(u, "email"), 30, email, sizeof email);
	short_time(jstr(u, "created_at"), t, sizeof t);
	snprintf(buf, size, " %s %s %-10.10s %s", name, email, r, t);
}

static void
invite_row(json_t *v, char *buf, size_t size, int w)
{
	const char *used = json_string_value(json_object_get(v, "used_at"));
	const char *by = json_string_value(json_object_get(v, "used_by"));
	char c[32], e[32];

	(void)w;
	short_time(jstr(v, "created_at"), c, sizeof c);
	short_time(jstr(v, "expires_at"), e, sizeof e);
	snprintf(buf, size, " %-19s %-19s %-6s %s", c, e,
	         used || by ? "used" : "open", jstr(v, "note"));
}

static void
users_draw(struct app *a, void *st, int rows, int cols)
{
	struct users_screen *u = st;
	int h = rows - 7;

	(void)a;
	ui_attr(UI_TITLE);
	if (u->show_invites)
		ui_putf(1, 1, cols - 2, " %-19s %-19s %-6s %s", "Created (UTC)",
		        "Expires (UTC)", "State", "Note");
	else
		ui_putf(1, 1, cols - 2, " %-24s %-30s %-10s %s", "Username",
		        "Email", "Roles", "Created");
	ui_attr(UI_NORMAL);
	ui_hline(2, 0, cols);
	if (u->show_invites)
		list_draw(&u->invites, 3, 0, h, cols, invite_row,
		          "No invitations: press c to create one.");
	else
		list_draw(&u->users, 3, 0, h, cols, user_row,
		          u->query[0] ? "No user matches." : "No users.");
	ui_attr(UI_DIM);
	if (u->show_invites) {
		ui_putf(rows - 3, 1, cols - 2, "Invitations: %zu",
		        u->invites.nvis);
	} else {
		size_t first = (size_t)u->page * USERS_PAGE;
		char all[48] = "";

		if (u->total >= 0 && !u->query[0])
			snprintf(all, sizeof all, " of %ld", u->total);
		ui_putf(rows - 3, 1, cols - 2, "Users %zu-%zu%s · page %d%s%s",
		        u->users.nvis ? first + 1 : 0, first + u->users.nvis,
		        all, u->page + 1, u->next[0] ? " · ] next" : "",
		        u->page ? " · [ previous" : "");
	}
	ui_attr(UI_NORMAL);
	if (u->searching || u->query[0])
		field_draw(rows - 3, cols - 44, 9, 34, "Search /", u->query,
		           &u->query_cur, 0, u->searching);
}

const struct screen screen_users = {
    .name = "Users",
    .admin_only = 1,
    .about = "Users & invitations (admins)\n\nThe search runs on the "
             "server and matches any part of a username or email.",
    .keys = users_keys,
    .keys_now = users_keys_now,
    .init = users_init,
    .free = users_free,
    .enter = users_enter,
    .draw = users_draw,
    .key = users_key,
};
