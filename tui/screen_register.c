/*
 * Registration view and keys: username with live format feedback, email,
 * password and confirmation with a ✓/✗ checklist of the server's policy,
 * invitation when required. Server errors show next to their field.
 */
#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "widgets.h"

/* Focus order: the fields in use, then Create and Back. */
static int
reg_order(struct app *a, int *order)
{
	int n = 0;

	order[n++] = REG_USERNAME;
	order[n++] = REG_EMAIL;
	order[n++] = REG_PASSWORD;
	order[n++] = REG_CONFIRM;
	if (a->reg.invite)
		order[n++] = REG_INVITATION;
	order[n++] = 100; /* Create */
	order[n++] = 101; /* Back */
	return n;
}

static void
reg_enter(struct app *a)
{
	a->reg_focus = 0;
	a->reg_busy = 0;
}

static void
on_registered(void *ud, json_t *result, const struct pl_error *err)
{
	struct app *a = ud;

	a->reg_busy = 0;
	if (err->code) {
		reg_model_apply_error(&a->reg, err);
		app_dirty(a);
		return;
	}
	(void)result;
	snprintf(a->login.username, sizeof a->login.username, "%.100s",
		 a->reg.field[REG_USERNAME]);
	memset(a->login.password, 0, sizeof a->login.password);
	a->login.error[0] = '\0';
	snprintf(a->login.flash, sizeof a->login.flash, "Account created");
	reg_model_init(&a->reg);
	if (a->hello)
		reg_model_set_hello(&a->reg, a->hello);
	app_switch(a, SCR_LOGIN);
	app_flash(a, 0, "Account created");
}

static void
on_fresh_hello(void *ud, json_t *result, const struct pl_error *err)
{
	struct app *a = ud;
	const char *ft;

	if (err->code) {
		a->reg_busy = 0;
		snprintf(a->reg.general, sizeof a->reg.general, "%s",
			 err->message);
		app_dirty(a);
		return;
	}
	json_decref(a->hello);
	a->hello = json_incref(result);
	reg_model_set_hello(&a->reg, result);
	/* The form token is single-use: each attempt gets its own. */
	ft = json_string_value(json_object_get(result, "form_token"));
	rpc_call(a->rpc, "user.register", reg_model_params(&a->reg, ft),
		 on_registered, a);
}

static void
reg_submit(struct app *a)
{
	if (a->reg_busy)
		return;
	if (reg_model_check(&a->reg))
		return;
	a->reg_busy = 1;
	rpc_call(a->rpc, "server.hello", NULL, on_fresh_hello, a);
}

static const char *const labels[REG_NFIELDS] = {
    "Username", "Email", "Password", "Confirm", "Invitation"};

static void
reg_draw(struct app *a, int rows, int cols)
{
	struct reg_model *m = &a->reg;
	int order[8], n = reg_order(a, order);
	int x = 2, y = 2, fw = 32, cx = 52;
	const char *ok = a->utf8 ? "✓" : "[x]", *bad = a->utf8 ? "✗" : "[ ]";

	(void)rows;
	(void)cols;
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

		if (f >= 100)
			break;
		field_draw(fy, x, 12, fw, labels[f], m->field[f],
			   f == REG_PASSWORD || f == REG_CONFIRM,
			   order[a->reg_focus] == f);
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
			note = note_ok ? "passwords match" : "passwords do not match";
		} else if (f == REG_EMAIL && !m->field[f][0]) {
			note = "optional";
			note_ok = -1;
		}
		if (note) {
			ui_attr(note_ok > 0 ? UI_OK : note_ok < 0 ? UI_DIM : UI_ERR);
			ui_putf(fy + 1, x + 12, cx - x - 14, "%s %s",
				note_ok > 0 ? ok : note_ok < 0 ? "" : bad, note);
			ui_attr(UI_NORMAL);
		}
	}
	ui_attr(UI_TITLE);
	ui_put(y + 2, cx, 0, "Password rules");
	ui_attr(UI_NORMAL);
	for (int i = 0; i < m->nrules; i++) {
		int r = reg_rule_ok(m, i);

		ui_attr(r > 0 ? UI_OK : r == 0 ? UI_ERR : UI_DIM);
		ui_putf(y + 3 + i, cx, cols - cx - 1, "%s %s",
			r > 0 ? ok : r == 0 ? bad : "?", m->rules[i].message);
	}
	ui_attr(UI_NORMAL);
	{
		int by = y + 2 + 2 * (n - 2) + 1, bx = x + 12;

		bx += button_draw(by, bx, a->reg_busy ? "Creating…" : "Create account",
				  order[a->reg_focus] == 100) + 2;
		button_draw(by, bx, "Back", order[a->reg_focus] == 101);
		if (m->general[0]) {
			ui_attr(UI_ERR);
			ui_put(by + 2, x, cols - 2 * x, m->general);
			ui_attr(UI_NORMAL);
		}
	}
}

static int
reg_key(struct app *a, int is_key, wint_t ch)
{
	int order[8], n = reg_order(a, order);
	int f, enter = (!is_key && (ch == '\r' || ch == '\n')) ||
		       (is_key && ch == KEY_ENTER);

	if (a->reg_focus >= n)
		a->reg_focus = 0;
	f = order[a->reg_focus];
	if ((!is_key && ch == '\t') || (is_key && ch == KEY_DOWN)) {
		a->reg_focus = (a->reg_focus + 1) % n;
		return 1;
	}
	if (is_key && (ch == KEY_BTAB || ch == KEY_UP)) {
		a->reg_focus = (a->reg_focus + n - 1) % n;
		return 1;
	}
	if (!is_key && ch == 27) {
		app_switch(a, SCR_LOGIN);
		return 1;
	}
	if (enter) {
		if (f == 101)
			app_switch(a, SCR_LOGIN);
		else if (f == 100 || f == order[n - 3])
			reg_submit(a);
		else
			a->reg_focus++;
		return 1;
	}
	if (f < 100) {
		if (field_edit(a->reg.field[f], sizeof a->reg.field[f], is_key, ch))
			a->reg.err[f][0] = '\0'; /* typing answers the error */
		return 1;
	}
	if (is_key && (ch == KEY_LEFT || ch == KEY_RIGHT)) {
		a->reg_focus = f == 100 ? n - 1 : n - 2;
		return 1;
	}
	return 1;
}

const struct screen screen_register = {
    .name = "Register",
    .keys = "Tab/↑↓ move · Enter next/submit · Esc back to sign in",
    .help = "Register\n\nTab, ↓ / ↑: next / previous field\n"
	    "Enter: next field; on the last field or Create: submit\n"
	    "The rules on the right turn ✓ as the password meets them.\n"
	    "Esc: back to sign in · Ctrl-U: clear the field",
    .enter = reg_enter,
    .draw = reg_draw,
    .key = reg_key,
};
