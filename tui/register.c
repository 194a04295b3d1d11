/*
 * The registration screen: username with live format feedback, email,
 * password and confirmation with a ✓/✗ checklist of the server's policy,
 * invitation when required. Server errors show next to their field.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "pw_checklist.h"
#include "term.h"
#include "widgets.h"
#include "xalloc.h"

struct reg_screen {
	struct reg_model m;
	struct edit_cursor cur[REG_NFIELDS];
	int focus; /* index into reg_focus_order */
	int busy;
	unsigned long hello_seen; /* which server.hello m was set from */
};

enum { A_NEXT = 1, A_PREV, A_ENTER, A_BACK, A_LEFT, A_RIGHT };

static const struct binding reg_keys[] = {
    {K_TAB, A_NEXT, "next field", "next"},
    {K_DOWN, A_NEXT, NULL, NULL},
    {K_BTAB, A_PREV, "previous field", NULL},
    {K_UP, A_PREV, NULL, NULL},
    {K_ENTER, A_ENTER, "next field; on the last one or Create: submit",
     "next/submit"},
    {K_ESC, A_BACK, "back to sign in", "back"},
    {K_LEFT, A_LEFT, "between the buttons (in a field: the cursor)", NULL},
    {K_RIGHT, A_RIGHT, NULL, NULL},
    {0, 0, NULL, NULL},
};

static const char *const labels[REG_NFIELDS] = {"Username", "Email", "Password",
                                                "Confirm", "Invitation"};

static void
reg_sync_hello(struct app *a, struct reg_screen *r)
{
	if (a->hello && r->hello_seen != a->hello_seen) {
		reg_model_set_hello(&r->m, a->hello);
		r->hello_seen = a->hello_seen;
	}
}

static void *
reg_init(struct app *a)
{
	struct reg_screen *r = xcalloc(1, sizeof *r);

	(void)a;
	reg_model_init(&r->m);
	return r;
}

static void
on_enter_hello(void *ud, json_t *result, const struct pl_error *err)
{
	struct app *a = ud;

	if (err->code)
		return; /* the form keeps what it had; a submit asks again */
	app_set_hello(a, result);
	reg_sync_hello(a, app_state(a, &screen_register));
	app_dirty(a);
}

static void
reg_enter(struct app *a, void *st)
{
	struct reg_screen *r = st;

	r->focus = 0;
	r->busy = 0;
	reg_sync_hello(a, r);
	/* The registration mode (open, invite, closed) and the password
	 * policy may have changed since the connection's hello (a restart
	 * behind the same address): the form shows what holds now. */
	rpc_send(a->rpc, "server.hello", NULL, on_enter_hello, a);
}

static void
reg_tick(struct app *a, void *st)
{
	reg_sync_hello(a, st);
}

static void
on_registered(void *ud, json_t *result, const struct pl_error *err)
{
	struct app *a = ud;
	struct reg_screen *r = app_state(a, &screen_register);

	r->busy = 0;
	if (err->code) {
		reg_model_apply_error(&r->m, err);
		/* "already taken": the username is what to change */
		if (r->m.err[REG_USERNAME][0])
			r->focus = 0;
		app_dirty(a);
		return;
	}
	(void)result;
	snprintf(a->login.username, sizeof a->login.username, "%.100s",
	         r->m.field[REG_USERNAME]);
	memset(a->login.password, 0, sizeof a->login.password);
	a->login.error[0] = '\0';
	snprintf(a->login.flash, sizeof a->login.flash, "Account created");
	reg_model_init(&r->m);
	memset(r->cur, 0, sizeof r->cur);
	r->hello_seen = 0;
	reg_sync_hello(a, r);
	app_switch(a, &screen_login);
	app_flash(a, 0, "Account created");
}

static void
on_fresh_hello(void *ud, json_t *result, const struct pl_error *err)
{
	struct app *a = ud;
	struct reg_screen *r = app_state(a, &screen_register);
	const char *ft;

	if (err->code) {
		r->busy = 0;
		snprintf(r->m.general, sizeof r->m.general, "%s", err->message);
		app_dirty(a);
		return;
	}
	app_set_hello(a, result);
	reg_sync_hello(a, r);
	/* The form token is single-use: each attempt gets its own. */
	ft = json_string_value(json_object_get(result, "form_token"));
	rpc_send(a->rpc, "user.register", reg_model_params(&r->m, ft),
	         on_registered, a);
}

static void
reg_submit(struct app *a, struct reg_screen *r)
{
	if (r->busy)
		return;
	if (reg_model_check(&r->m))
		return;
	r->busy = 1;
	rpc_send(a->rpc, "server.hello", NULL, on_fresh_hello, a);
}

static int
reg_key(struct app *a, void *st, int action, int key)
{
	struct reg_screen *r = st;
	int order[8], n = reg_focus_order(&r->m, order);
	int f;

	if (r->focus >= n)
		r->focus = 0;
	f = order[r->focus];
	switch (action) {
	case A_NEXT:
		r->focus = (r->focus + 1) % n;
		return 1;
	case A_PREV:
		r->focus = (r->focus + n - 1) % n;
		return 1;
	case A_BACK:
		app_switch(a, &screen_login);
		return 1;
	case A_ENTER:
		if (f == REG_FOCUS_BACK)
			app_switch(a, &screen_login);
		else if (f == REG_FOCUS_CREATE || f == order[n - 3])
			reg_submit(a, r);
		else
			r->focus++;
		return 1;
	case A_LEFT:
	case A_RIGHT:
		if (f < REG_FOCUS_CREATE)
			break; /* the field's cursor */
		r->focus = f == REG_FOCUS_CREATE ? n - 1 : n - 2;
		return 1;
	}
	if (f < REG_FOCUS_CREATE &&
	    edit_key(r->m.field[f], sizeof r->m.field[f], &r->cur[f], key))
		r->m.err[f][0] = '\0'; /* typing answers the error */
	return 1;
}

static void
reg_draw(struct app *a, void *st, int rows, int cols)
{
	struct reg_screen *r = st;
	struct reg_model *m = &r->m;
	int order[8], n = reg_focus_order(m, order);
	int x = 2, y = 2, fw = 32, cx = 52;
	const char *ok = ui_utf8() ? "✓" : "[x]",
	           *bad = ui_utf8() ? "✗" : "[ ]";

	(void)a;
	(void)rows;
	ui_attr(UI_TITLE);
	ui_put(y, x, 0, "Create an account");
	ui_attr(UI_NORMAL);
	if (m->closed) {
		ui_attr(UI_ERR);
		ui_put(y, x + 20, 0, "(registration is closed on this server)");
		ui_attr(UI_NORMAL);
	}
	for (int i = 0; i < n; i++) {
		int f = order[i], fy = y + 2 + 2 * i;
		const char *note = NULL;
		int note_ok = 0;

		if (f >= REG_FOCUS_CREATE)
			break;
		field_draw(fy, x, 12, fw, labels[f], m->field[f], &r->cur[f],
		           f == REG_PASSWORD || f == REG_CONFIRM,
		           order[r->focus] == f);
		if (m->err[f][0]) {
			note = m->err[f];
		} else if (f == REG_USERNAME && m->field[f][0]) {
			note = reg_username_feedback(m);
			if (!note) {
				note = "looks good";
				note_ok = 1;
			}
		} else if (f == REG_CONFIRM && m->field[f][0]) {
			note_ok = reg_confirm_ok(m);
			note = note_ok ? "passwords match"
			               : "passwords do not match";
		} else if (f == REG_EMAIL && !m->field[f][0]) {
			note = "optional";
			note_ok = -1;
		}
		if (note) {
			ui_attr(note_ok > 0   ? UI_OK
			        : note_ok < 0 ? UI_DIM
			                      : UI_ERR);
			/* The username's row has no rule beside it. */
			ui_putf(fy + 1, x + 12,
			        f == REG_USERNAME ? cols - x - 13 : cx - x - 14,
			        "%s %s",
			        note_ok > 0   ? ok
			        : note_ok < 0 ? ""
			                      : bad,
			        note);
			ui_attr(UI_NORMAL);
		}
	}
	/* The rules start below the username's note, which may take the
	 * whole row; long rules wrap (80 columns first). */
	pw_checklist_draw(&m->policy, m->field[REG_PASSWORD], ui_utf8(), y + 4,
	                  cx, cols - cx - 1);
	{
		int by = y + 2 + 2 * (n - 2) + 1, bx = x + 12;

		bx += button_draw(by, bx,
		                  r->busy ? "Creating…" : "Create account",
		                  order[r->focus] == REG_FOCUS_CREATE) +
		      2;
		button_draw(by, bx, "Back", order[r->focus] == REG_FOCUS_BACK);
		if (m->general[0]) {
			ui_attr(UI_ERR);
			ui_put(by + 2, x, cols - 2 * x, m->general);
			ui_attr(UI_NORMAL);
		}
	}
}

const struct screen screen_register = {
    .name = "Register",
    .signed_out = 1,
    .about = "Register\n\nThe rules on the right turn ✓ as the password "
             "meets them.\nIn a field: ← → Home End ^A ^E move, Bksp Del "
             "^U ^K ^W delete.",
    .keys = reg_keys,
    .init = reg_init,
    .free = free,
    .enter = reg_enter,
    .draw = reg_draw,
    .key = reg_key,
    .tick = reg_tick,
};
