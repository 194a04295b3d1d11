/*
 * Sign-in keys and calls (drawn by screen_login.c): username, masked password
 * and Login / Register / Quit. An unreachable server is a message and a retry
 * (Enter), never a crash; a successful login saves the session token.
 */
#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "views.h"
#include "widgets.h"

void app_connect(struct app *);

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
		                  is_key, ch) ||
		       1;
	if (*f == LF_PASS)
		return field_edit(a->login.password, sizeof a->login.password,
		                  is_key, ch) ||
		       1;
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
    .keys = "Tab/↑↓ move · Enter select · Ctrl-R register · Esc quit · F1 help",
    .help = "Sign in\n\nTab, ↓ / ↑: next / previous field or button\n"
            "Enter: next field, or press the focused button\n"
            "Ctrl-R: create an account · Esc: quit\n"
            "Ctrl-U: clear the field",
    .enter = login_enter,
    .draw = view_login,
    .key = login_key,
};
