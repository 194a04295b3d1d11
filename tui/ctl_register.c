/*
 * Registration keys and calls (drawn by screen_register.c): username with
 * live format feedback, email, password and confirmation with a ✓/✗ checklist
 * of the server's policy, invitation when required. Server errors show next
 * to their field.
 */
#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "views.h"
#include "widgets.h"

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

static int
reg_key(struct app *a, int is_key, wint_t ch)
{
	int order[8], n = reg_focus_order(&a->reg, order);
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
		if (f == REG_FOCUS_BACK)
			app_switch(a, SCR_LOGIN);
		else if (f == REG_FOCUS_CREATE || f == order[n - 3])
			reg_submit(a);
		else
			a->reg_focus++;
		return 1;
	}
	if (f < REG_FOCUS_CREATE) {
		if (field_edit(a->reg.field[f], sizeof a->reg.field[f], is_key,
		               ch))
			a->reg.err[f][0] = '\0'; /* typing answers the error */
		return 1;
	}
	if (is_key && (ch == KEY_LEFT || ch == KEY_RIGHT)) {
		a->reg_focus = f == REG_FOCUS_CREATE ? n - 1 : n - 2;
		return 1;
	}
	return 1;
}

const struct screen screen_register = {
    .name = "Register",
    .keys = "Tab/↑↓ move · Enter next/submit · Esc back · F1 help",
    .help = "Register\n\nTab, ↓ / ↑: next / previous field\n"
            "Enter: next field; on the last field or Create: submit\n"
            "The rules on the right turn ✓ as the password meets them.\n"
            "Esc: back to sign in · Ctrl-U: clear the field",
    .enter = reg_enter,
    .draw = view_register,
    .key = reg_key,
};
