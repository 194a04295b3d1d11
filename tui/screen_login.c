/*
 * Sign-in view: draws the login form from app->login; keys and calls are in
 * ctl_login.c.
 */
#include <curses.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "views.h"
#include "widgets.h"

void
view_login(struct app *a, int rows, int cols)
{
	int w = 60, x = (cols - w) / 2, y = rows / 2 - 7;
	int bx;

	(void)rows;
	ui_box(y, x, 13, w, "Sign in to padline");
	ui_attr(UI_DIM);
	ui_putf(y + 1, x + 2, w - 4, "server %s", a->server);
	ui_attr(UI_NORMAL);
	field_draw(y + 3, x + 2, 12, w - 16, "Username", a->login.username, 0,
	           a->login_focus == LF_USER);
	field_draw(y + 5, x + 2, 12, w - 16, "Password", a->login.password, 1,
	           a->login_focus == LF_PASS);
	bx = x + 14;
	bx += button_draw(y + 7, bx, "Login", a->login_focus == LF_LOGIN) + 2;
	bx +=
	    button_draw(y + 7, bx, "Register", a->login_focus == LF_REGISTER) +
	    2;
	button_draw(y + 7, bx, "Quit", a->login_focus == LF_QUIT);
	if (a->login.error[0]) {
		int n;

		ui_attr(UI_ERR);
		n = ui_put_wrapped(y + 9, x + 2, w - 4, 2, a->login.error);
		ui_attr(UI_NORMAL);
		if (a->login.server_down)
			ui_put(y + 9 + n, x + 2, w - 4,
			       "Press Enter to retry.");
	} else if (a->login.flash[0]) {
		ui_attr(UI_OK);
		ui_put(y + 9, x + 2, w - 4, a->login.flash);
		ui_attr(UI_NORMAL);
	}
	if (a->hello &&
	    json_string_value(json_object_get(a->hello, "registration")) &&
	    strcmp(json_string_value(json_object_get(a->hello, "registration")),
	           "closed") == 0) {
		ui_attr(UI_DIM);
		ui_put(y + 11, x + 2, w - 4,
		       "Registration is closed on this server.");
		ui_attr(UI_NORMAL);
	}
}
