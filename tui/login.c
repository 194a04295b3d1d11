/*
 * The sign-in screen: username, masked password and Login / Register /
 * Quit; when the server answers totp_required, the code (or a recovery
 * code) in place of the password. The sign-in state itself (username,
 * error) is the app's, shared with sign-out and registration; this screen
 * owns focus and cursors. An unreachable server is a message and a retry
 * (Enter), never a crash.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "term.h"
#include "widgets.h"
#include "xalloc.h"

/* What has the focus on the form. */
enum login_focus { LF_USER, LF_PASS, LF_LOGIN, LF_REGISTER, LF_QUIT, LF_COUNT };

struct login_screen {
	int focus; /* enum login_focus */
	struct edit_cursor user_cur, pass_cur, totp_cur;
};

enum { A_NEXT = 1, A_PREV, A_ENTER, A_REGISTER, A_QUIT, A_LEFT, A_RIGHT };

static const struct binding login_keys[] = {
    {K_TAB, A_NEXT, "next field or button", "next"},
    {K_DOWN, A_NEXT, NULL, NULL},
    {K_BTAB, A_PREV, "previous field or button", NULL},
    {K_UP, A_PREV, NULL, NULL},
    {K_ENTER, A_ENTER, "next field, or press the button", "select"},
    {K_CTRL('r'), A_REGISTER | BIND_ACTS, "create an account", "register"},
    {K_ESC, A_QUIT,
     "to the Quit button (asking for the code: back to the password)", NULL},
    {K_LEFT, A_LEFT, "move between buttons (in a field: the cursor)", NULL},
    {K_RIGHT, A_RIGHT, NULL, NULL},
    {0, 0, NULL, NULL},
};

static void *
login_init(struct app *a)
{
	(void)a;
	return xcalloc(1, sizeof(struct login_screen));
}

static void
login_enter(struct app *a, void *st)
{
	struct login_screen *l = st;

	if (a->login.totp_step) { /* left half-way (Register): start again */
		login_model_reset_totp(&a->login);
		memset(a->login.password, 0, sizeof a->login.password);
	}
	l->focus = a->login.username[0] ? LF_PASS : LF_USER;
}

static void
on_login(void *ud, json_t *result, const struct pl_error *err)
{
	struct app *a = ud;
	struct login_screen *l = app_state(a, &screen_login);

	if (err->code) {
		login_model_apply_error(&a->login, err);
		l->focus = LF_PASS; /* the code's field in the TOTP step */
		memset(&l->totp_cur, 0, sizeof l->totp_cur);
		app_dirty(a);
		return;
	}
	a->login.error[0] = '\0';
	a->login.flash[0] = '\0';
	login_model_reset_totp(&a->login);
	app_signed_in(a, json_object_get(result, "user"),
	              json_string_value(json_object_get(result, "token")));
}

static void
login_submit(struct app *a, struct login_screen *l)
{
	if (!a->hello)
		app_connect(a); /* also the retry after "server unreachable" */
	if (!a->login.username[0] || !a->login.password[0]) {
		snprintf(a->login.error, sizeof a->login.error,
		         "Enter a username and a password.");
		l->focus = a->login.username[0] ? LF_PASS : LF_USER;
		login_model_reset_totp(&a->login);
		return;
	}
	if (a->login.totp_step && !a->login.totp[0]) {
		snprintf(a->login.error, sizeof a->login.error,
		         "Enter the 6-digit code or a recovery code.");
		l->focus = LF_PASS;
		return;
	}
	a->login.error[0] = '\0';
	a->token[0] = '\0'; /* a fresh login, not a resume */
	rpc_send(a->rpc, "session.login", login_model_params(&a->login),
	         on_login, a);
}

/* Esc or Back from the code: start again from the password. */
static void
login_cancel_totp(struct app *a, struct login_screen *l)
{
	login_model_reset_totp(&a->login);
	memset(a->login.password, 0, sizeof a->login.password);
	a->login.error[0] = '\0';
	l->focus = LF_PASS;
}

static int
login_key(struct app *a, void *st, int action, int key)
{
	struct login_screen *l = st;
	int *f = &l->focus;
	int in_field = *f == LF_USER || *f == LF_PASS;
	int totp = a->login.totp_step;

	switch (action) {
	case A_NEXT:
		*f = (*f + 1) % LF_COUNT;
		if (totp && *f == LF_USER) /* the name is settled */
			*f = LF_PASS;
		return 1;
	case A_PREV:
		*f = (*f + LF_COUNT - 1) % LF_COUNT;
		if (totp && *f == LF_USER)
			*f = LF_QUIT;
		return 1;
	case A_QUIT:
		/* Esc never quits: it goes back, here to the Quit button. */
		if (totp)
			login_cancel_totp(a, l);
		else
			*f = LF_QUIT;
		return 1;
	case A_REGISTER:
		app_switch(a, &screen_register);
		return 1;
	case A_ENTER:
		if (*f == LF_USER)
			*f = LF_PASS;
		else if (*f == LF_PASS || *f == LF_LOGIN)
			login_submit(a, l);
		else if (*f == LF_REGISTER && totp)
			login_cancel_totp(a, l);
		else if (*f == LF_REGISTER)
			app_switch(a, &screen_register);
		else
			app_quit(a, 0);
		return 1;
	case A_LEFT:
	case A_RIGHT:
		if (in_field)
			break; /* the field's cursor */
		*f = action == A_LEFT ? (*f > LF_LOGIN ? *f - 1 : LF_QUIT)
		                      : (*f < LF_QUIT ? *f + 1 : LF_LOGIN);
		return 1;
	}
	if (*f == LF_USER)
		edit_key(a->login.username, sizeof a->login.username,
		         &l->user_cur, key);
	else if (*f == LF_PASS && totp)
		edit_key(a->login.totp, sizeof a->login.totp, &l->totp_cur,
		         key);
	else if (*f == LF_PASS)
		edit_key(a->login.password, sizeof a->login.password,
		         &l->pass_cur, key);
	else if (key == 'q' || key == 'Q')
		app_quit(a, 0);
	return 1; /* nothing else means anything here (no screen switching) */
}

static void
login_draw(struct app *a, void *st, int rows, int cols)
{
	struct login_screen *l = st;
	int w = 60, x = (cols - w) / 2, y = rows / 2 - 7;
	int bx;

	ui_box(y, x, 13, w, "Sign in to padline");
	ui_attr(UI_DIM);
	ui_putf(y + 1, x + 2, w - 4, "server %s", a->server);
	ui_attr(UI_NORMAL);
	field_draw(y + 3, x + 2, 12, w - 16, "Username", a->login.username,
	           &l->user_cur, 0, l->focus == LF_USER);
	if (a->login.totp_step) {
		ui_attr(UI_DIM);
		ui_put(y + 4, x + 14, w - 16,
		       "6-digit code from your app, or a recovery code");
		ui_attr(UI_NORMAL);
		field_draw(y + 5, x + 2, 12, w - 16, "Code", a->login.totp,
		           &l->totp_cur, 0, l->focus == LF_PASS);
	} else {
		field_draw(y + 5, x + 2, 12, w - 16, "Password",
		           a->login.password, &l->pass_cur, 1,
		           l->focus == LF_PASS);
	}
	bx = x + 14;
	bx += button_draw(y + 7, bx, "Login", l->focus == LF_LOGIN) + 2;
	bx += button_draw(y + 7, bx, a->login.totp_step ? "Back" : "Register",
	                  l->focus == LF_REGISTER) +
	      2;
	button_draw(y + 7, bx, "Quit", l->focus == LF_QUIT);
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
	if (strcmp(jstr(a->hello, "registration"), "closed") == 0) {
		ui_attr(UI_DIM);
		ui_put(y + 11, x + 2, w - 4,
		       "Registration is closed on this server.");
		ui_attr(UI_NORMAL);
	}
}

const struct screen screen_login = {
    .name = "Sign in",
    .signed_out = 1,
    .about = "Sign in\n\nIn a field: ← → Home End ^A ^E move, Bksp Del "
             "^U ^K ^W delete.",
    .keys = login_keys,
    .init = login_init,
    .free = free,
    .enter = login_enter,
    .draw = login_draw,
    .key = login_key,
};
