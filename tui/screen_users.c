/*
 * Users & invitations view, drawn from app->users; keys and calls are in
 * ctl_users.c.
 */
#include <curses.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "views.h"
#include "widgets.h"

static void
user_row(json_t *u, char *buf, size_t size, int w)
{
	json_t *roles = json_object_get(u, "roles");
	char r[64] = "";
	size_t i;
	json_t *v;

	json_array_foreach (roles, i, v)
		snprintf(r + strlen(r), sizeof r - strlen(r), "%s%s",
		         i ? "," : "",
		         json_string_value(v) ? json_string_value(v) : "");
	(void)w;
	snprintf(buf, size, " %-24.24s %-30.30s %-10.10s %.16s",
	         jstr(u, "username"), jstr(u, "email"), r,
	         jstr(u, "created_at"));
}

static void
invite_row(json_t *v, char *buf, size_t size, int w)
{
	const char *used = json_string_value(json_object_get(v, "used_at"));
	const char *by = json_string_value(json_object_get(v, "used_by"));

	(void)w;
	snprintf(buf, size, " %-20.16s %-20.16s %-10s %s",
	         jstr(v, "created_at"), jstr(v, "expires_at"),
	         used || by ? "used" : "open", jstr(v, "note"));
}

void
view_users(struct app *a, int rows, int cols)
{
	struct users_state *u = &a->users;
	int h = rows - 7;

	ui_attr(UI_TITLE);
	if (u->show_invites)
		ui_putf(1, 1, cols - 2, " %-20s %-20s %-10s %s", "Created",
		        "Expires", "State", "Note");
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
	ui_putf(rows - 3, 1, cols - 2, "%s · page %d%s%s%s",
	        u->show_invites ? "Invitations" : "Users", u->page + 1,
	        u->next[0] ? " · ] next page" : "",
	        u->page ? " · [ previous" : "",
	        u->query[0] ? " · search active" : "");
	ui_attr(UI_NORMAL);
	if (u->searching || u->query[0])
		field_draw(rows - 3, cols - 44, 9, 34, "Search /", u->query, 0,
		           u->searching);
}
