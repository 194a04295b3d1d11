/*
 * Two-factor sign-in, a view pushed over the Account screen and a small
 * state machine: setting it up goes BEGIN (user.totp_begin) -> SETUP (its
 * QR code (qr.c) beside the base32 secret, the code typed to
 * user.totp_enable) -> RECOVERY (the codes, shown this once) -> closed;
 * turning it off is OFF (password and a code, confirmed, then
 * user.totp_disable) -> closed. Secrets are wiped when the view goes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "widgets.h"

enum totp_step {
	TOTP_BEGIN,    /* user.totp_begin asked */
	TOTP_SETUP,    /* the QR code and the secret; typing a code */
	TOTP_RECOVERY, /* the recovery codes, this once */
	TOTP_OFF,      /* password and code to turn it off */
};

struct totp_view {
	struct view v;
	struct app *app;
	enum totp_step mode;
	int busy;
	char secret[128];
	char uri[512];
	struct qr_text qr;
	char qr_error[256]; /* why there is no QR code ("" when there is) */
	char code[64];
	char password[PASSWORD_MAX + 1];
	struct edit_cursor code_cur, password_cur;
	int totp_focus; /* TOTP_OFF: 0 password, 1 code, 2 the button */
	char totp_msg[320];
	json_t *recovery; /* user.totp_enable's codes while shown */
};

static const struct binding setup_keys[] = {
    {K_ENTER, AF_ENTER, "confirm the code the app shows", "confirm"},
    {K_ESC, AF_BACK, "back: two-factor sign-in stays off", "back"},
    {0, 0, NULL, NULL},
};

static const struct binding recovery_keys[] = {
    {K_ENTER, AF_BACK, "done: they are not shown again", "done"},
    {K_ESC, AF_BACK, NULL, NULL},
    {0, 0, NULL, NULL},
};

static const struct binding begin_keys[] = {
    {K_ESC, AF_BACK, "back: two-factor sign-in stays off", "back"},
    {0, 0, NULL, NULL},
};

/* account_form_keys, turning it off, is listed once as the forms'. */
static const struct key_mode key_modes[] = {
    {"waiting for the secret", begin_keys},
    {"the recovery codes", recovery_keys},
    {NULL, NULL},
};

static const struct binding *
totp_keys(struct view *v)
{
	struct totp_view *s = (struct totp_view *)v;

	return s->mode == TOTP_BEGIN      ? begin_keys
	       : s->mode == TOTP_SETUP    ? setup_keys
	       : s->mode == TOTP_RECOVERY ? recovery_keys
	                                  : account_form_keys;
}

static void
totp_reset(struct totp_view *s)
{
	explicit_bzero(s->secret, sizeof s->secret);
	explicit_bzero(s->uri, sizeof s->uri);
	explicit_bzero(s->code, sizeof s->code);
	explicit_bzero(s->password, sizeof s->password);
	for (size_t i = 0; i < s->qr.n; i++)
		explicit_bzero(s->qr.lines[i], strlen(s->qr.lines[i]));
	qr_text_free(&s->qr);
	json_decref(s->recovery); /* the codes' text goes with it */
	s->recovery = NULL;
	s->qr_error[0] = '\0';
	s->totp_msg[0] = '\0';
	memset(&s->code_cur, 0, sizeof s->code_cur);
	memset(&s->password_cur, 0, sizeof s->password_cur);
	s->totp_focus = 0;
}

/* Closes the view (s may be gone after). */
static void
back_to_overview(struct totp_view *s)
{
	app_pop(s->app, &s->v);
}

/* The TOTP calls' errors: the form's in words, a lost session the app's. */
static void
totp_failed(struct totp_view *s, const struct pl_error *err, const char *what)
{
	s->busy = 0;
	if (!acct_totp_error(err, s->totp_msg, sizeof s->totp_msg))
		app_failed(s->app, err, what);
	app_dirty(s->app);
}

/* ---- set-up ---- */

static void
on_begun(void *ud, json_t *result, const struct pl_error *err)
{
	struct totp_view *s = ud;
	struct pl_error qe;

	s->busy = 0;
	if (err->code) {
		char msg[320];

		if (acct_totp_error(err, msg, sizeof msg))
			app_flash(s->app, 1, "%s", msg);
		else
			app_failed(s->app, err, "user.totp_begin");
		back_to_overview(s);
		return;
	}
	totp_reset(s);
	snprintf(s->secret, sizeof s->secret, "%s", jstr(result, "secret"));
	snprintf(s->uri, sizeof s->uri, "%s", jstr(result, "otpauth_uri"));
	pl_error_init(&qe);
	if (qr_render(s->uri, ui_utf8(), 2, &s->qr, &qe))
		snprintf(s->qr_error, sizeof s->qr_error, "%s", qe.message);
	pl_error_clear(&qe);
	s->mode = TOTP_SETUP;
	app_dirty(s->app);
}

static void
on_enabled(void *ud, json_t *result, const struct pl_error *err)
{
	struct totp_view *s = ud;

	if (err->code) {
		explicit_bzero(s->code, sizeof s->code);
		memset(&s->code_cur, 0, sizeof s->code_cur);
		totp_failed(s, err, "user.totp_enable");
		return;
	}
	s->busy = 0;
	totp_reset(s); /* the secret is the app's now */
	s->recovery = json_incref(json_object_get(result, "recovery_codes"));
	json_object_set_new(s->app->me, "totp_enabled", json_true());
	s->mode = TOTP_RECOVERY;
	app_dirty(s->app);
}

static void
setup_submit(struct totp_view *s)
{
	char code[16];

	if (s->busy)
		return;
	if (acct_totp_code(s->code, code, sizeof code)) {
		snprintf(s->totp_msg, sizeof s->totp_msg,
		         "Type the 6 digits the app shows now.");
		return;
	}
	s->busy = 1;
	s->totp_msg[0] = '\0';
	view_call(&s->v, s->app->rpc, "user.totp_enable",
	          json_pack("{s:s}", "code", code), on_enabled, s);
	explicit_bzero(code, sizeof code);
}

/* ---- turning it off ---- */

/* The session was not fresh: the form's password and code confirmed it's
 * the user (session.reauth). That spent the code, so the next one is
 * asked for rather than repeating the call with it. */
static void
on_off_reauth(void *ud, json_t *result, const struct pl_error *err)
{
	struct totp_view *s = ud;

	(void)result;
	explicit_bzero(s->code, sizeof s->code);
	memset(&s->code_cur, 0, sizeof s->code_cur);
	if (err->code) {
		s->totp_focus =
		    strcmp(err->reason, "invalid_credentials") == 0 ? 0 : 1;
		totp_failed(s, err, "session.reauth");
		return;
	}
	s->busy = 0;
	s->totp_focus = 1;
	snprintf(s->totp_msg, sizeof s->totp_msg,
	         "Confirmed it's you. That code is used now: type the next "
	         "one (or a recovery code) and submit again.");
	app_dirty(s->app);
}

static void
on_disabled(void *ud, json_t *result, const struct pl_error *err)
{
	struct totp_view *s = ud;
	json_t *user = json_object_get(result, "user");

	if (err->code == PL_ERR_UNAUTHORIZED &&
	    strcmp(err->reason, "reauth_required") == 0) {
		view_call(&s->v, s->app->rpc, "session.reauth",
		          json_pack("{s:s, s:s}", "password", s->password,
		                    "totp", s->code),
		          on_off_reauth, s);
		return;
	}
	if (err->code) {
		explicit_bzero(s->code, sizeof s->code);
		memset(&s->code_cur, 0, sizeof s->code_cur);
		s->totp_focus =
		    strcmp(err->reason, "invalid_credentials") == 0 ? 0 : 1;
		totp_failed(s, err, "user.totp_disable");
		return;
	}
	json_object_set(s->app->me, "totp_enabled",
	                user ? json_object_get(user, "totp_enabled")
	                     : json_false());
	app_flash(s->app, 0, "Two-factor sign-in is off.");
	back_to_overview(s);
}

static void
on_off_confirmed(struct app *a, void *ud, int ok, const char *input,
                 size_t choice)
{
	struct totp_view *s = ud;

	(void)input;
	(void)choice;
	if (!ok || s->mode != TOTP_OFF)
		return;
	s->busy = 1;
	view_call(
	    &s->v, a->rpc, "user.totp_disable",
	    json_pack("{s:s, s:s}", "password", s->password, "code", s->code),
	    on_disabled, s);
}

static void
off_submit(struct totp_view *s)
{
	if (s->busy)
		return;
	if (!s->password[0] || !s->code[0]) {
		snprintf(
		    s->totp_msg, sizeof s->totp_msg,
		    "Enter your password and a code (or a recovery code).");
		s->totp_focus = s->password[0] ? 1 : 0;
		return;
	}
	s->totp_msg[0] = '\0';
	app_confirm(s->app, "Turn off two-factor sign-in",
	            "Sign-in will need only the password again.\nTurn "
	            "two-factor sign-in off?",
	            on_off_confirmed, s);
}

static int
totp_key(struct view *v, int action, int key)
{
	struct totp_view *s = (struct totp_view *)v;

	if (s->mode == TOTP_RECOVERY) {
		if (action == AF_BACK) {
			app_flash(s->app, 0, "Two-factor sign-in is on.");
			back_to_overview(s);
		}
		return 1; /* nothing else leaves the codes by mistake */
	}
	if (action == AF_BACK) {
		back_to_overview(s);
		return 1;
	}
	if (s->mode == TOTP_BEGIN)
		return 1;
	if (s->mode == TOTP_SETUP) {
		if (action == AF_ENTER)
			setup_submit(s);
		else if (edit_key(s->code, sizeof s->code, &s->code_cur, key))
			s->totp_msg[0] = '\0';
		return 1;
	}
	switch (action) {
	case AF_NEXT:
		s->totp_focus = (s->totp_focus + 1) % 3;
		return 1;
	case AF_PREV:
		s->totp_focus = (s->totp_focus + 2) % 3;
		return 1;
	case AF_ENTER:
		if (s->totp_focus == 0)
			s->totp_focus = 1;
		else
			off_submit(s);
		return 1;
	}
	if (s->totp_focus == 0)
		edit_key(s->password, sizeof s->password, &s->password_cur,
		         key);
	else if (s->totp_focus == 1)
		edit_key(s->code, sizeof s->code, &s->code_cur, key);
	return 1;
}

/* ---- drawing ---- */

static void
setup_draw(struct totp_view *s, int rows, int cols)
{
	int y = 2, x = 2, tx, tw;
	int fits =
	    s->qr.n && (int)s->qr.n <= rows - 5 && s->qr.cols + 34 <= cols;
	char grouped[160] = "";

	if (fits) {
		ui_attr(UI_QR);
		for (size_t i = 0; i < s->qr.n; i++)
			ui_put(y + (int)i, x, s->qr.cols, s->qr.lines[i]);
		ui_attr(UI_NORMAL);
		tx = x + s->qr.cols + 3;
	} else {
		tx = x;
	}
	tw = cols - tx - 2;
	/* The secret in groups of four, as authenticator apps show it. */
	for (size_t i = 0; s->secret[i]; i++) {
		size_t len = strlen(grouped);

		snprintf(grouped + len, sizeof grouped - len, "%s%c",
		         i && i % 4 == 0 ? " " : "", s->secret[i]);
	}
	ui_attr(UI_TITLE);
	ui_put(y, tx, tw, "Set up two-factor sign-in");
	ui_attr(UI_NORMAL);
	if (fits) {
		y += ui_put_wrapped(y + 2, tx, tw, 3,
		                    "Scan the code with an authenticator "
		                    "app, or type this secret into it:") +
		     2;
	} else {
		ui_attr(UI_DIM);
		y += ui_put_wrapped(
		         y + 2, tx, tw, 3,
		         s->qr_error[0]
		             ? s->qr_error
		             : "The QR code needs a larger terminal "
		               "(UTF-8 and more rows): type this "
		               "secret into your authenticator app:") +
		     2;
		ui_attr(UI_NORMAL);
	}
	ui_put(++y, tx, 8, "Secret");
	y += ui_put_wrapped(y, tx + 8, tw - 8, 2, grouped) + 1;
	ui_put_wrapped(y, tx, tw, 2,
	               "Then type the 6-digit code the app shows:");
	y += 2;
	field_draw(y, tx, 8, 14, "Code", s->code, &s->code_cur, 0, 1);
	if (s->busy) {
		ui_attr(UI_DIM);
		ui_put(y, tx + 24, 0, "checking…");
		ui_attr(UI_NORMAL);
	}
	if (s->totp_msg[0]) {
		ui_attr(UI_ERR);
		ui_put_wrapped(y + 2, tx, tw, 3, s->totp_msg);
		ui_attr(UI_NORMAL);
	}
	if (!fits) {
		ui_attr(UI_DIM);
		ui_put_wrapped(y + 6, tx, tw, 3, s->uri);
		ui_attr(UI_NORMAL);
	}
}

static void
recovery_draw(struct totp_view *s, int cols)
{
	int y = 2, x = 2;
	size_t i;
	json_t *c;

	ui_attr(UI_TITLE);
	ui_put(y, x, 0, "Two-factor sign-in is on · recovery codes");
	ui_attr(UI_NORMAL);
	ui_put_wrapped(y + 2, x, cols - 2 * x, 3,
	               "Each code signs you in once in place of a code from "
	               "the app (if you lose the device).");
	ui_attr(UI_ERR);
	ui_put_wrapped(y + 4, x, cols - 2 * x, 2,
	               "They are shown this once: write them down now, they "
	               "will never be shown again.");
	ui_attr(UI_NORMAL);
	json_array_foreach (s->recovery, i, c)
		ui_put(y + 7 + (int)(i / 2), x + 4 + (int)(i % 2) * 20, 18,
		       json_string_value(c) ? json_string_value(c) : "?");
	ui_attr(UI_DIM);
	ui_put(y + 8 + (int)(json_array_size(s->recovery) + 1) / 2, x,
	       cols - 2 * x, "Press Enter when you have saved them.");
	ui_attr(UI_NORMAL);
}

static void
off_draw(struct totp_view *s, int cols)
{
	int y = 2, x = 2;

	ui_attr(UI_TITLE);
	ui_put(y, x, 0, "Turn off two-factor sign-in");
	ui_attr(UI_NORMAL);
	field_draw(y + 2, x, 12, 32, "Password", s->password, &s->password_cur,
	           1, s->totp_focus == 0);
	field_draw(y + 4, x, 12, 32, "Code", s->code, &s->code_cur, 0,
	           s->totp_focus == 1);
	ui_attr(UI_DIM);
	ui_put(y + 5, x + 12, cols - x - 14,
	       "from the app, or a recovery code");
	ui_attr(UI_NORMAL);
	button_draw(y + 7, x + 12, s->busy ? "Turning off…" : "Turn off",
	            s->totp_focus == 2);
	if (s->totp_msg[0]) {
		ui_attr(UI_ERR);
		ui_put_wrapped(y + 9, x, cols - 2 * x, 2, s->totp_msg);
		ui_attr(UI_NORMAL);
	}
}

static void
totp_draw(struct view *v, int rows, int cols)
{
	struct totp_view *s = (struct totp_view *)v;

	if (s->mode == TOTP_BEGIN) {
		ui_attr(UI_TITLE);
		ui_put(2, 2, 0, "Set up two-factor sign-in");
		ui_attr(UI_NORMAL);
		ui_put(4, 2, cols - 4, "Asking the server for a secret…");
	} else if (s->mode == TOTP_SETUP)
		setup_draw(s, rows, cols);
	else if (s->mode == TOTP_RECOVERY)
		recovery_draw(s, cols);
	else
		off_draw(s, cols);
}

/* Every key is typing in its forms. */
static int
totp_typing(struct view *v)
{
	(void)v;
	return 1;
}

static void
totp_free(struct view *v)
{
	totp_reset((struct totp_view *)v);
}

const struct view_ops totp_view_ops = {
    .name = "Two-factor sign-in",
    .about = "Two-factor sign-in\n\nSetting it up: scan the QR code (or "
             "type the secret) into an\nauthenticator app, then type the "
             "code it shows; the recovery codes\nare shown once. Turning it "
             "off asks for your password and a code.",
    .keys = setup_keys,
    .keys_now = totp_keys,
    .modes = key_modes,
    .typing = totp_typing,
    .draw = totp_draw,
    .key = totp_key,
    .free = totp_free,
};

void
account_totp_push(struct app *a)
{
	struct totp_view *s = view_new(sizeof *s, &totp_view_ops, a);

	s->app = a;
	app_push(a, &s->v);
	if (json_is_true(json_object_get(a->me, "totp_enabled"))) {
		s->mode = TOTP_OFF;
		return;
	}
	s->mode = TOTP_BEGIN;
	s->busy = 1;
	view_call(&s->v, a->rpc, "user.totp_begin", NULL, on_begun, s);
}
