/*
 * Users & invitations keys and calls (admins; drawn by screen_users.c):
 * user.list with a server-side search and paging by cursor, invitation.create
 * (the code is shown once) and invitation.list.
 */
#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "views.h"
#include "widgets.h"

#define USERS_PAGE 100

static void
on_users(void *ud, json_t *result, const struct pl_error *err)
{
	struct app *a = ud;
	const char *next = json_string_value(json_object_get(result, "next"));

	if (app_failed(a, err, "user.list"))
		return;
	list_set_items(&a->users.users,
	               json_incref(json_object_get(result, "users")));
	list_home(&a->users.users);
	snprintf(a->users.next, sizeof a->users.next, "%s", next ? next : "");
	app_dirty(a);
}

static void
users_load(struct app *a)
{
	struct users_state *u = &a->users;
	json_t *p = json_pack("{s:i}", "limit", USERS_PAGE);

	if (u->query[0])
		json_object_set_new(p, "query", json_string(u->query));
	if (u->page > 0 && u->cursors[u->page][0])
		json_object_set_new(p, "before",
		                    json_string(u->cursors[u->page]));
	rpc_call(a->rpc, "user.list", p, on_users, a);
}

static void
on_invites(void *ud, json_t *result, const struct pl_error *err)
{
	struct app *a = ud;

	if (app_failed(a, err, "invitation.list"))
		return;
	list_set_items(&a->users.invites,
	               json_incref(json_object_get(result, "invitations")));
	app_dirty(a);
}

static void
users_enter(struct app *a)
{
	users_load(a);
	rpc_call(a->rpc, "invitation.list", NULL, on_invites, a);
}

static void
on_invitation(void *ud, json_t *result, const struct pl_error *err)
{
	struct app *a = ud;
	char text[512];

	if (app_failed(a, err, "invitation.create"))
		return;
	snprintf(text, sizeof text,
	         "Invitation code:\n\n    %s\n\nExpires %s.\nIt is shown only "
	         "once: copy it now.",
	         jstr(result, "code"), jstr(result, "expires_at"));
	app_message(a, "New invitation", text);
	rpc_call(a->rpc, "invitation.list", NULL, on_invites, a);
}

static void
on_note(struct app *a, int ok, const char *input, size_t choice)
{
	(void)choice;
	if (!ok)
		return;
	rpc_call(a->rpc, "invitation.create",
	         input[0] ? json_pack("{s:s}", "note", input) : NULL,
	         on_invitation, a);
}

static int
users_key(struct app *a, int is_key, wint_t ch)
{
	struct users_state *u = &a->users;
	struct list_model *l = u->show_invites ? &u->invites : &u->users;

	if (u->searching) {
		if (!is_key && (ch == '\r' || ch == '\n' || ch == 27)) {
			if (ch == 27)
				u->query[0] = '\0';
			u->searching = 0;
			u->page = 0;
			users_load(a);
		} else {
			field_edit(u->query, sizeof u->query, is_key, ch);
		}
		return 1;
	}
	if (is_key) {
		if (ch == KEY_UP || ch == KEY_DOWN)
			list_move(l, ch == KEY_UP ? -1 : 1);
		else if (ch == KEY_PPAGE || ch == KEY_NPAGE)
			list_page_move(l, ch == KEY_PPAGE ? -1 : 1);
		else if (ch == KEY_HOME)
			list_home(l);
		else if (ch == KEY_END)
			list_end(l);
		else
			return 0;
		return 1;
	}
	switch (ch) {
	case 'k':
	case 'j':
		list_move(l, ch == 'k' ? -1 : 1);
		return 1;
	case '/':
		u->show_invites = 0;
		u->searching = 1;
		return 1;
	case 'v':
	case 'i':
		u->show_invites = !u->show_invites;
		return 1;
	case 'c':
		app_prompt(a, "Invitation note (optional)", "", on_note);
		return 1;
	case ']':
		if (u->next[0] && u->page < 31) {
			u->page++;
			snprintf(u->cursors[u->page], sizeof u->cursors[0],
			         "%s", u->next);
			users_load(a);
		}
		return 1;
	case '[':
		if (u->page > 0) {
			u->page--;
			users_load(a);
		}
		return 1;
	case 'R':
		users_enter(a);
		return 1;
	}
	return 0;
}

const struct screen screen_users = {
    .name = "Users & invitations",
    .keys = "/ search · ] [ pages · v invitations · c new invitation · "
            "Tab next · ? help · q quit",
    .help = "Users & invitations (admins)\n\n/: search users (Enter runs, "
            "Esc clears)\n↑↓ PgUp PgDn Home End: move · ] / [: next / "
            "previous page\nv: switch between users and invitations\n"
            "c: create an invitation (its code is shown once)\nR: reload",
    .enter = users_enter,
    .draw = view_users,
    .key = users_key,
};
