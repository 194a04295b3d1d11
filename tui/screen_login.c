/*
 * Login view and keys: username, masked password and Login / Register /
 * Quit. An unreachable server is a message and a retry (Enter), never a
 * crash; a successful login saves the session token.
 */
#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "widgets.h"

void app_connect(struct app *);

enum { LF_USER, LF_PASS, LF_LOGIN, LF_REGISTER, LF_QUIT, LF_COUNT };

static void
login_enter(struct app *a)
{
	a->login_focus = a->login.username[0] ? LF_PASS : LF_USER;
}

static void
on_login(void *ud, json_t *result, const struct pl_error *err)
{
	struct app *a = ud;

	if (err->code) {
		login_model_apply_error(&a->login, err);
		a->login_focus = LF_PASS;
		app_dirty(a);
		return;
	}
	a->login.error[0] = '\0';
	a->login.flash[0] = '\0';
	app_signed_in(a, json_object_get(result, "user"),
		      json_string_value(json_object_get(result, "token")));
}

static void
login_submit(struct app *a)
{
	if (!a->hello)
		app_connect(a); /* also the retry after "server unreachable" */
	if (!a->login.username[0] || !a->login.password[0]) {
		snprintf(a->login.error, sizeof a->login.error,
			 "Enter a username and a password.");
		a->login_focus = a->login.username[0] ? LF_PASS : LF_USER;
		return;
	}
	a->login.error[0] = '\0';
	a->token[0] = '\0'; /* a fresh login, not a resume */
	rpc_call(a->rpc, "session.login",
		 json_pack("{s:s, s:s}", "username", a->login.username,
			   "password", a->login.password),
		 on_login, a);
}

static void
login_draw(struct app *a, int rows, int cols)
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
	bx += button_draw(y + 7, bx, "Register", a->login_focus == LF_REGISTER) + 2;
	button_draw(y + 7, bx, "Quit", a->login_focus == LF_QUIT);
	if (a->login.error[0]) {
		int n;

		ui_attr(UI_ERR);
		n = ui_put_wrapped(y + 9, x + 2, w - 4, 2, a->login.error);
		ui_attr(UI_NORMAL);
		if (a->login.server_down)
			ui_put(y + 9 + n, x + 2, w - 4, "Press Enter to retry.");
	} else if (a->login.flash[0]) {
		ui_attr(UI_OK);
		ui_put(y + 9, x + 2, w - 4, a->login.flash);
		ui_attr(UI_NORMAL);
	}
	if (a->hello && json_string_value(json_object_get(a->hello, "registration")) &&
	    strcmp(json_string_value(json_object_get(a->hello, "registration")), "closed") == 0) {
		ui_attr(UI_DIM);
		ui_put(y + 11, x + 2, w - 4, "Registration is closed on this server.");
		ui_attr(UI_NORMAL);
	}
}

static int
login_key(struct app *a, int is_key, wint_t ch)
{
	int *f = &a->login_focus;
	int enter = (!is_key && (ch == '\r' || ch == '\n')) ||
		    (is_key && ch == KEY_ENTER);

	if ((!is_key && ch == '\t') || (is_key && ch == KEY_DOWN)) {
		*f = (*f + 1) % LF_COUNT;
		return 1;
	}
	if ((is_key && (ch == KEY_BTAB || ch == KEY_UP))) {
		*f = (*f + LF_COUNT - 1) % LF_COUNT;
		return 1;
	}
	if (!is_key && ch == 27) {
		app_quit(a);
		return 1;
	}
	if (!is_key && ch == 18) { /* Ctrl-R */
		app_switch(a, SCR_REGISTER);
		return 1;
	}
	if (enter) {
		switch (*f) {
		case LF_USER:
			*f = LF_PASS;
			break;
		case LF_PASS:
		case LF_LOGIN:
			login_submit(a);
			break;
		case LF_REGISTER:
			app_switch(a, SCR_REGISTER);
			break;
		case LF_QUIT:
			app_quit(a);
			break;
		}
		return 1;
	}
	if (*f == LF_USER)
		return field_edit(a->login.username, sizeof a->login.username,
				  is_key, ch) || 1;
	if (*f == LF_PASS)
		return field_edit(a->login.password, sizeof a->login.password,
				  is_key, ch) || 1;
	if (!is_key && (ch == 'q' || ch == 'Q')) {
		app_quit(a);
		return 1;
	}
	if (is_key && (ch == KEY_LEFT || ch == KEY_RIGHT)) {
		*f = ch == KEY_LEFT ? (*f > LF_LOGIN ? *f - 1 : LF_QUIT)
				    : (*f < LF_QUIT ? *f + 1 : LF_LOGIN);
		return 1;
	}
	return 1; /* nothing else means anything here (no screen switching) */
}

const struct screen screen_login = {
    .name = "Sign in",
    .keys = "Tab/↑↓ move · Enter select · Ctrl-R register · Esc quit",
    .help = "Sign in\n\nTab, ↓ / ↑: next / previous field or button\n"
	    "Enter: next field, or press the focused button\n"
	    "Ctrl-R: create an account · Esc: quit\n"
	    "Ctrl-U: clear the field",
    .enter = login_enter,
    .draw = login_draw,
    .key = login_key,
};
