/*
 * The detail view of one user, pushed over the Users screen: everything
 * user.get says, and the admin's actions on that user, each confirmed
 * first (delete by typing the username, as GitHub does). Refusals are
 * said in words.
 */
#include "user_detail.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "term.h"
#include "widgets.h"
#include "xalloc.h"

struct user_detail {
	struct view v;
	struct app *app;
	char id[64];        /* the user shown */
	char username[128]; /* for the dialogs before user.get answers */
	json_t *info;       /* the user.get result, NULL until it answers */
	int asking;         /* the action a confirm dialog is about */
	int calling;        /* the action whose answer is awaited */
	void (*changed)(void *ud); /* after an action: the list reloads */
	void *ud;
};

enum {
	D_BACK = 1,
	D_DISABLE,
	D_ADMIN,
	D_TOTP,
	D_DELETE,
	D_RELOAD,
};

/* The keys that only look: all a view has until user.get answers (what d
 * would do is not known yet, and a hint must not promise it). */
#define DETAIL_LOOK_KEYS                                                       \
	{'R', D_RELOAD, "reload", NULL},                                       \
	    {'q', D_BACK, "back to the list", "back"},                         \
	    {K_ESC, D_BACK, NULL, NULL},                                       \
	{                                                                      \
		0, 0, NULL, NULL                                               \
	}
/* The table, its d hint saying what d does to this user now. */
#define DETAIL_KEYS(d_hint)                                                    \
	{'d', D_DISABLE | BIND_ACTS,                                           \
	 "disable / enable the account (asks first)", d_hint},                 \
	    {'a', D_ADMIN | BIND_ACTS,                                         \
	     "give / take the admin role (asks first)", "admin"},              \
	    {'t', D_TOTP | BIND_ACTS, "reset two-factor sign-in (asks first)", \
	     "reset 2FA"},                                                     \
	    {'X', D_DELETE | BIND_ACTS,                                        \
	     "delete the user (type the username to confirm)", "delete"},      \
	    DETAIL_LOOK_KEYS
static const struct binding keys_enabled[] = {DETAIL_KEYS("disable")};
static const struct binding keys_disabled[] = {DETAIL_KEYS("enable")};
static const struct binding keys_loading[] = {DETAIL_LOOK_KEYS};

static json_t *
detail_user(const struct user_detail *d)
{
	return json_object_get(d->info, "user");
}

static const struct binding *
detail_keys(struct view *v)
{
	struct user_detail *d = (struct user_detail *)v;

	if (!detail_user(d))
		return keys_loading;
	return json_is_true(json_object_get(detail_user(d), "disabled"))
	           ? keys_disabled
	           : keys_enabled;
}

static void
detail_free(struct view *v)
{
	json_decref(((struct user_detail *)v)->info);
}

static void
on_get(void *ud, json_t *result, const struct pl_error *err)
{
	struct user_detail *d = ud;

	if (err->code == PL_ERR_NOT_FOUND) {
		app_flash(d->app, 1, "%s no longer exists.", d->username);
		app_pop(d->app, &d->v);
		return;
	}
	if (app_failed(d->app, err, "user.get"))
		return;
	json_decref(d->info);
	d->info = json_incref(result);
	snprintf(d->username, sizeof d->username, "%s",
	         jstr(detail_user(d), "username"));
	app_dirty(d->app);
}

static void
detail_load(struct user_detail *d)
{
	view_call(&d->v, d->app->rpc, "user.get",
	          json_pack("{s:s}", "id", d->id), on_get, d);
}

/* ---- actions ---- */

/* What the pending action would make of the user, for a refusal: "the
 * last enabled admin can't be <done>". */
static const char *const action_done[] = {
    [D_DISABLE] = "disabled",
    [D_ADMIN] = "demoted",
    [D_TOTP] = "changed",
    [D_DELETE] = "deleted",
};

static void detail_changed(struct user_detail *, const struct pl_error *);

/* The answer of a change (d->calling says which); the list reloads even
 * when the view was closed meanwhile (detail_dropped). */
static void
on_changed(void *ud, json_t *result, const struct pl_error *err)
{
	struct user_detail *d = ud;

	(void)result;
	if (!d->v.popped)
		detail_changed(d, err);
	if (d->changed)
		d->changed(d->ud);
	view_release(&d->v); /* detail_call's hold */
}

/* The view was closed before the answer: nothing is said (a prompt for
 * the password included), but the list the change may have touched
 * reloads. */
static void
detail_dropped(void *ud)
{
	struct user_detail *d = ud;

	if (d->changed)
		d->changed(d->ud);
	view_release(&d->v); /* detail_call's hold */
}

static void
detail_changed(struct user_detail *d, const struct pl_error *err)
{
	char text[320];

	if (err->code == PL_ERR_CONFLICT &&
	    strcmp(err->reason, "last_admin") == 0) {
		snprintf(text, sizeof text,
		         "The last enabled admin can't be %s.\n\n%.40s is the "
		         "last enabled admin:\nmake another user an admin "
		         "first.",
		         action_done[d->calling], d->username);
		app_message(d->app, "Refused", text);
		return;
	}
	if (err->code == PL_ERR_NOT_FOUND) {
		app_flash(d->app, 1, "%s no longer exists.", d->username);
		app_pop(d->app, &d->v);
	} else if (app_failed(d->app, err, "Could not change the user")) {
		return;
	} else if (d->calling == D_DELETE) {
		app_flash(d->app, 0, "Deleted %s.", d->username);
		app_pop(d->app, &d->v);
	} else {
		app_flash(d->app, 0, "Saved: %s.", d->username);
		detail_load(d);
	}
}

static void
detail_call(struct user_detail *d, int action, const char *method,
            json_t *params)
{
	d->calling = action;
	json_object_set_new(params, "id", json_string(d->id));
	/* Held until the answer, whatever closes the view meanwhile. */
	view_hold(&d->v);
	/* Each of these needs a fresh session: asks for the password. */
	app_call_fresh(d->app, method, params, on_changed, d, detail_dropped);
}

static void
on_confirmed(struct app *a, void *ud, int ok, const char *input, size_t choice)
{
	struct user_detail *d = ud;
	json_t *user = detail_user(d), *roles;
	size_t i;
	json_t *r;

	(void)a;
	(void)input;
	(void)choice;
	if (!ok || !user)
		return;
	switch (d->asking) {
	case D_DISABLE:
		detail_call(d, D_DISABLE, "user.update",
		            json_pack("{s:b}", "disabled",
		                      !json_is_true(
		                          json_object_get(user, "disabled"))));
		return;
	case D_ADMIN:
		roles = json_array();
		json_array_foreach (json_object_get(user, "roles"), i, r)
			if (!json_is_string(r) ||
			    strcmp(json_string_value(r), "admin") != 0)
				json_array_append(roles, r);
		if (!user_has_role(user, "admin"))
			json_array_append_new(roles, json_string("admin"));
		detail_call(d, D_ADMIN, "user.update",
		            json_pack("{s:o}", "roles", roles));
		return;
	case D_TOTP:
		detail_call(d, D_TOTP, "user.update",
		            json_pack("{s:b}", "totp_reset", 1));
		return;
	}
}

static void
on_delete_typed(struct app *a, void *ud, int ok, const char *input,
                size_t choice)
{
	struct user_detail *d = ud;

	(void)choice;
	if (!ok)
		return;
	if (strcmp(input, d->username) != 0) {
		app_flash(a, 1, "The name did not match: %s was not deleted.",
		          d->username);
		return;
	}
	detail_call(d, D_DELETE, "user.delete", json_object());
}

static void
ask_delete(struct user_detail *d)
{
	json_t *pads = json_object_get(d->info, "pads");
	json_t *sessions = json_object_get(d->info, "sessions");
	char title[64], text[400];

	snprintf(title, sizeof title, "Delete %.40s", d->username);
	snprintf(text, sizeof text,
	         "This deletes %s with %zu pad(s), their backups and shares, "
	         "and ends %zu session(s). It can't be undone.\n\n"
	         "Type the username to confirm:",
	         d->username, json_array_size(pads), json_array_size(sessions));
	app_prompt_text(d->app, title, text, "", on_delete_typed, d);
}

static int
detail_key(struct view *v, int action, int key)
{
	struct user_detail *d = (struct user_detail *)v;
	json_t *user = detail_user(d);
	char text[320];

	(void)key;
	if (action == D_BACK) {
		app_pop(d->app, &d->v);
		return 1;
	}
	if (action == D_RELOAD) {
		detail_load(d);
		return 1;
	}
	if (!action)
		return 0;
	if (!user) {
		app_flash(d->app, 1, "Still loading %s.", d->username);
		return 1;
	}
	d->asking = action; /* what on_confirmed does */
	switch (action) {
	case D_DISABLE:
		if (json_is_true(json_object_get(user, "disabled")))
			snprintf(text, sizeof text,
			         "Enable %s? They can sign in again.",
			         d->username);
		else
			snprintf(text, sizeof text,
			         "Disable %s? Their sessions end now and they "
			         "can't sign in until enabled.",
			         d->username);
		app_confirm(d->app, "Account", text, on_confirmed, d);
		return 1;
	case D_ADMIN:
		snprintf(text, sizeof text,
		         user_has_role(user, "admin")
		             ? "Take the admin role from %s?"
		             : "Make %s an admin?",
		         d->username);
		app_confirm(d->app, "Roles", text, on_confirmed, d);
		return 1;
	case D_TOTP:
		if (!json_is_true(json_object_get(user, "totp_enabled"))) {
			app_flash(d->app, 1, "%s has no two-factor sign-in.",
			          d->username);
			return 1;
		}
		snprintf(text, sizeof text,
		         "Reset two-factor sign-in for %s?\nTheir secret and "
		         "recovery codes go; they sign in with the password "
		         "alone until they enrol again.",
		         d->username);
		app_confirm(d->app, "Reset 2FA", text, on_confirmed, d);
		return 1;
	case D_DELETE:
		ask_delete(d);
		return 1;
	}
	return 0;
}

/* ---- drawing ---- */

static void
detail_row(int y, int cols, const char *label, const char *value)
{
	ui_attr(UI_DIM);
	ui_put(y, 2, 14, label);
	ui_attr(UI_NORMAL);
	ui_put(y, 17, cols - 19, value);
}

static void
detail_draw(struct view *view, int rows, int cols)
{
	struct user_detail *d = (struct user_detail *)view;
	json_t *user = detail_user(d), *sessions, *s;
	char roles[128] = "", t[32], v[160];
	size_t i;
	json_t *r;
	int y = 3;

	ui_attr(UI_TITLE);
	ui_putf(1, 1, cols - 2, "User %s", d->username);
	ui_attr(UI_NORMAL);
	ui_hline(2, 0, cols);
	if (!user) {
		ui_put(y, 2, cols - 4, "Loading…");
		return;
	}
	json_array_foreach (json_object_get(user, "roles"), i, r)
		snprintf(roles + strlen(roles), sizeof roles - strlen(roles),
		         "%s%s", i ? ", " : "",
		         json_string_value(r) ? json_string_value(r) : "?");
	detail_row(y++, cols, "Username", jstr(user, "username"));
	detail_row(y++, cols, "Email",
	           jstr(user, "email")[0] ? jstr(user, "email") : "(none)");
	detail_row(y++, cols, "Roles", roles[0] ? roles : "(none)");
	detail_row(y, cols, "Account",
	           json_is_true(json_object_get(user, "disabled")) ? ""
	                                                           : "enabled");
	if (json_is_true(json_object_get(user, "disabled"))) {
		ui_attr(UI_ERR);
		ui_put(y, 17, cols - 19, "DISABLED: can't sign in");
		ui_attr(UI_NORMAL);
	}
	y++;
	detail_row(y++, cols, "2FA",
	           json_is_true(json_object_get(user, "totp_enabled"))
	               ? "on (TOTP)"
	               : "off");
	short_time(jstr(user, "created_at"), t, sizeof t);
	detail_row(y++, cols, "Created", t);
	short_time(jstr(d->info, "last_login_at"), t, sizeof t);
	detail_row(y++, cols, "Last sign-in", t[0] ? t : "never");
	snprintf(v, sizeof v, "%zu",
	         json_array_size(json_object_get(d->info, "pads")));
	detail_row(y++, cols, "Pads", v);
	sessions = json_object_get(d->info, "sessions");
	snprintf(v, sizeof v, "%zu open", json_array_size(sessions));
	detail_row(y++, cols, "Sessions", v);
	json_array_foreach (sessions, i, s) {
		char used[32];

		if (y >= rows - 4)
			break;
		short_time(jstr(s, "last_used_at"), used, sizeof used);
		ui_attr(UI_DIM);
		ui_putf(y++, 17, cols - 19, "%-20s last used %s",
		        jstr(s, "peer")[0] ? jstr(s, "peer") : "?", used);
		ui_attr(UI_NORMAL);
	}
}

/* Another admin (or padlined's commands) changed or deleted this user:
 * ask again (a deletion then closes the view, as on_get says). */
static void
detail_on_event(struct view *v, json_t *ev)
{
	struct user_detail *d = (struct user_detail *)v;
	json_t *subject = json_object_get(ev, "subject");

	if (!ev || strncmp(jstr(ev, "action"), "user.", 5) != 0 ||
	    strcmp(jstr(subject, "id"), d->id) != 0)
		return;
	detail_load(d);
}

const struct view_ops user_detail_ops = {
    .name = "User",
    .about = "A user (admins)\n\nEverything the server knows of one "
             "user, and what an admin does to them:\ndisable or enable, "
             "the admin role, reset two-factor sign-in, delete.\nEach "
             "asks first; delete asks for the username.",
    .keys = keys_enabled,
    .keys_now = detail_keys,
    .draw = detail_draw,
    .key = detail_key,
    .free = detail_free,
    .on_event = detail_on_event,
};

void
user_detail_push(struct app *a, json_t *row, void (*changed)(void *ud),
                 void *ud)
{
	struct user_detail *d = view_new(sizeof *d, &user_detail_ops, a);

	d->app = a;
	d->changed = changed;
	d->ud = ud;
	snprintf(d->id, sizeof d->id, "%s", jstr(row, "id"));
	snprintf(d->username, sizeof d->username, "%s", jstr(row, "username"));
	app_push(a, &d->v);
	detail_load(d);
}
