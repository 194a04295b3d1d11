/*
 * The change of password, a view pushed over the Account screen: the
 * current password, the new one twice with the policy's live checklist
 * (pw_checklist.c), then user.change_password. The fields are wiped when
 * the view goes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "pw_checklist.h"
#include "widgets.h"

struct password_view {
	struct view v;
	struct app *app;
	struct acct_pw_model pw;
	struct edit_cursor cur[ACCT_NFIELDS];
	int focus; /* a field, or ACCT_NFIELDS: the button */
	int busy;
	unsigned long hello_seen; /* the policy's hello */
};

static const char *const pw_labels[ACCT_NFIELDS] = {"Current", "New",
                                                    "Confirm"};

static struct password_view *
password_of(struct view *v)
{
	return (struct password_view *)v;
}

static void
on_password_changed(void *ud, json_t *result, const struct pl_error *err)
{
	struct password_view *s = ud;
	struct app *a = s->app;

	(void)result;
	s->busy = 0;
	if (err->code) {
		if (!acct_pw_apply_error(&s->pw, err))
			app_failed(a, err, "user.change_password");
		s->focus = s->pw.err[ACCT_CURRENT][0] ? ACCT_CURRENT : ACCT_NEW;
		app_dirty(a);
		return;
	}
	app_flash(a, 0,
	          "Password changed: your other sessions were signed out.");
	app_pop(a, &s->v);
	account_load_sessions(app_state(a, &screen_account));
}

static void
password_submit(struct password_view *s)
{
	if (s->busy)
		return;
	if (acct_pw_check(&s->pw)) {
		for (int f = 0; f < ACCT_NFIELDS; f++)
			if (s->pw.err[f][0]) {
				s->focus = f;
				break;
			}
		return;
	}
	s->busy = 1;
	view_call(&s->v, s->app->rpc, "user.change_password",
	          acct_pw_params(&s->pw), on_password_changed, s);
}

static int
password_key(struct view *v, int action, int key)
{
	struct password_view *s = password_of(v);
	int n = ACCT_NFIELDS + 1; /* the fields, then the button */

	switch (action) {
	case AF_NEXT:
		s->focus = (s->focus + 1) % n;
		return 1;
	case AF_PREV:
		s->focus = (s->focus + n - 1) % n;
		return 1;
	case AF_BACK:
		app_pop(v->app, v);
		return 1;
	case AF_ENTER:
		if (s->focus >= ACCT_CONFIRM)
			password_submit(s);
		else
			s->focus++;
		return 1;
	}
	if (s->focus < ACCT_NFIELDS &&
	    edit_key(s->pw.field[s->focus], sizeof s->pw.field[s->focus],
	             &s->cur[s->focus], key))
		s->pw.err[s->focus][0] = '\0'; /* typing answers the error */
	return 1;                              /* every key is typing here */
}

static void
password_draw(struct view *v, int rows, int cols)
{
	struct password_view *s = password_of(v);
	struct acct_pw_model *m = &s->pw;
	int x = 2, y = 2, fw = 32, cx = 52;

	(void)rows;
	if (v->app->hello && s->hello_seen != v->app->hello_seen) {
		pw_checklist_set_hello(&m->policy, v->app->hello);
		s->hello_seen = v->app->hello_seen;
	}
	ui_attr(UI_TITLE);
	ui_put(y, x, 0, "Change your password");
	ui_attr(UI_NORMAL);
	for (int f = 0; f < ACCT_NFIELDS; f++) {
		int fy = y + 2 + 2 * f, good = 0;
		const char *note = m->err[f][0] ? m->err[f] : NULL;

		field_draw(fy, x, 12, fw, pw_labels[f], m->field[f], &s->cur[f],
		           1, s->focus == f);
		if (!note && f == ACCT_CONFIRM && m->field[f][0]) {
			good = strcmp(m->field[ACCT_NEW], m->field[f]) == 0;
			note =
			    good ? "passwords match" : "passwords do not match";
		}
		if (note) {
			ui_attr(good ? UI_OK : UI_ERR);
			ui_put_wrapped(fy + 1, x + 12, cx - x - 14, 1, note);
			ui_attr(UI_NORMAL);
		}
	}
	pw_checklist_draw(&m->policy, m->field[ACCT_NEW], ui_utf8(), y + 2, cx,
	                  cols - cx - 1);
	button_draw(y + 9, x + 12, s->busy ? "Changing…" : "Change password",
	            s->focus == ACCT_NFIELDS);
	if (m->general[0]) {
		ui_attr(UI_ERR);
		ui_put_wrapped(y + 11, x, cols - 2 * x, 2, m->general);
		ui_attr(UI_NORMAL);
	}
	ui_attr(UI_DIM);
	ui_put(y + 14, x, cols - 2 * x,
	       "Your other sessions end when the password changes.");
	ui_attr(UI_NORMAL);
}

/* The form takes every key as typing. */
static int
password_typing(struct view *v)
{
	(void)v;
	return 1;
}

static void
password_free(struct view *v)
{
	acct_pw_clear(&password_of(v)->pw);
}

static const struct view_ops password_ops = {
    .name = "Password",
    .about = "Change your password\n\nThe current one, then the new one "
             "twice: the checklist shows the\nserver's rules as you type. "
             "Your other sessions end when it changes.\nIn a field: ← → "
             "Home End ^A ^E move, Bksp Del ^U ^K ^W delete.",
    .keys = account_form_keys,
    .typing = password_typing,
    .draw = password_draw,
    .key = password_key,
    .free = password_free,
};

void
account_password_push(struct app *a)
{
	struct password_view *s = view_new(sizeof *s, &password_ops, a);

	s->app = a;
	pw_checklist_init(&s->pw.policy);
	acct_pw_clear(&s->pw);
	app_push(a, &s->v);
}
