/*
 * The Account screen, every signed-in user's own: the sessions list with
 * revoke, the account's activity (a read-only text), and the way to the
 * views it pushes: the change of password (account_password.c) and
 * two-factor sign-in (account_totp.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "widgets.h"
#include "xalloc.h"

enum { A_PASSWORD = AF_LAST + 1, A_TOTP, A_REVOKE, A_REFRESH, A_ACTIVITY };

static const struct binding main_keys[] = {
    {'p', A_PASSWORD | BIND_ACTS, "change your password", "password"},
    {'t', A_TOTP | BIND_ACTS, "two-factor sign-in: set it up, or turn it off",
     "2FA"},
    {'x', A_REVOKE | BIND_ACTS, "revoke the selected session (asks first)",
     "revoke"},
    {K_DELETE, A_REVOKE | BIND_ACTS, NULL, NULL},
    {'R', A_REFRESH, "refresh the sessions", NULL},
    {'a', A_ACTIVITY,
     "activity: sign-ins, failed ones, password, 2FA and session changes",
     "activity"},
    NAV_KEYS,
    {0, 0, NULL, NULL},
};

const struct binding account_form_keys[] = {
    {K_TAB, AF_NEXT, "next field", "next"},
    {K_DOWN, AF_NEXT, NULL, NULL},
    {K_BTAB, AF_PREV, "previous field", NULL},
    {K_UP, AF_PREV, NULL, NULL},
    {K_ENTER, AF_ENTER,
     "next field; on the last one: submit (turning two-factor sign-in "
     "off asks first)",
     "next/submit"},
    {K_ESC, AF_BACK, "back (nothing changes)", "back"},
    {0, 0, NULL, NULL},
};

/* ---- sessions ---- */

static void
on_sessions(void *ud, json_t *result, const struct pl_error *err)
{
	struct account_screen *s = ud;

	s->loading = 0;
	if (app_failed(s->app, err, "session.list"))
		return;
	list_set_items(&s->sessions,
	               json_incref(json_object_get(result, "sessions")));
	app_dirty(s->app);
}

void
account_load_sessions(struct account_screen *s)
{
	if (s->loading || !s->app->me)
		return;
	s->loading = 1;
	rpc_send(s->app->rpc, "session.list", NULL, on_sessions, s);
}

struct revoke {
	struct account_screen *s;
	char id[64];
	int current;
};

static void
on_revoked(void *ud, json_t *result, const struct pl_error *err)
{
	struct revoke *r = ud;
	struct account_screen *s = r->s;
	struct app *a = s->app;
	int current = r->current;

	(void)result;
	free(r);
	if (app_failed(a, err, "session.revoke"))
		return;
	if (current) {
		/* The server ended it: nothing to log out. */
		a->token[0] = '\0';
		app_sign_out(a);
		snprintf(a->login.flash, sizeof a->login.flash,
		         "This session was revoked: signed out.");
		return;
	}
	app_flash(a, 0, "Session revoked.");
	account_load_sessions(s);
}

static void
on_revoke_confirmed(struct app *a, void *ud, int ok, const char *input,
                    size_t choice)
{
	struct revoke *r = ud;

	(void)input;
	(void)choice;
	if (!ok) {
		free(r);
		return;
	}
	rpc_send(a->rpc, "session.revoke", json_pack("{s:s}", "id", r->id),
	         on_revoked, r);
}

static void
account_revoke(struct account_screen *s)
{
	json_t *sel = list_selected(&s->sessions);
	struct revoke *r;
	char row[256], text[512];

	if (!sel)
		return;
	r = xcalloc(1, sizeof *r);
	r->s = s;
	snprintf(r->id, sizeof r->id, "%s", jstr(sel, "id"));
	r->current = json_is_true(json_object_get(sel, "current"));
	acct_session_text(sel, row, sizeof row);
	snprintf(text, sizeof text, "Revoke the session %s?%s", row + 2,
	         r->current ? "\nIt is this one: you will be signed out."
	                    : "\nIts next request will be refused.");
	app_confirm(s->app, "Revoke session", text, on_revoke_confirmed, r);
}

/* ---- activity ---- */

/* Newest first, as many as one page holds. */
#define ACTIVITY_MAX 200

static void
on_activity(void *ud, json_t *result, const struct pl_error *err)
{
	struct account_screen *s = ud;
	json_t *events = json_object_get(result, "events"), *e;
	size_t i, len = 0, cap = 256 + json_array_size(events) * 200;
	char *text, line[200];

	if (app_failed(s->app, err, "account.activity"))
		return;
	text = xmalloc(cap);
	text[0] = '\0';
	json_array_foreach (events, i, e) {
		acct_activity_text(e, line, sizeof line);
		len += (size_t)snprintf(text + len, cap - len, "%s\n", line);
	}
	if (json_array_size(events) == 0)
		snprintf(text, cap, "Nothing yet.\n");
	else if (json_is_string(json_object_get(result, "next")))
		snprintf(text + len, cap - len, "(older activity not shown)\n");
	app_view(s->app, "Activity, newest first", text, NULL, NULL);
	free(text);
}

static void
session_row(json_t *item, char *buf, size_t size, int w)
{
	(void)w;
	acct_session_text(item, buf, size);
}

/* ---- the screen ---- */

static void *
account_init(struct app *a)
{
	struct account_screen *s = xcalloc(1, sizeof *s);
	static const char *const keys[] = {"peer", "created_at", "last_used_at",
	                                   NULL};

	s->app = a;
	list_init(&s->sessions, keys);
	return s;
}

static void
account_free(void *st)
{
	struct account_screen *s = st;

	list_free(&s->sessions);
	free(s);
}

static void
account_enter(struct app *a, void *st)
{
	struct account_screen *s = st;

	(void)a;
	/* Never a moment of someone else's sessions after a new sign-in. */
	if (!s->loading)
		list_set_items(&s->sessions, json_array());
	account_load_sessions(s);
}

static int
account_key(struct app *a, void *st, int action, int key)
{
	struct account_screen *s = st;

	(void)key;
	switch (action) {
	case A_PASSWORD:
		account_password_push(a);
		return 1;
	case A_TOTP:
		account_totp_push(a);
		return 1;
	case A_REVOKE:
		account_revoke(s);
		return 1;
	case A_REFRESH:
		account_load_sessions(s);
		return 1;
	case A_ACTIVITY:
		app_flow_call(s->app, "account.activity",
		              json_pack("{s:i}", "limit", ACTIVITY_MAX),
		              on_activity, s, NULL);
		return 1;
	}
	return list_nav(&s->sessions, action);
}

static void
account_draw(struct app *a, void *st, int rows, int cols)
{
	struct account_screen *s = st;
	int x = 2, y = 2,
	    on = json_is_true(json_object_get(a->me, "totp_enabled"));

	ui_attr(UI_TITLE);
	ui_putf(y, x, cols - 2 * x, "Account · %s", jstr(a->me, "username"));
	ui_attr(UI_NORMAL);
	ui_putf(y + 2, x, cols - 2 * x, "Password                p: change it");
	ui_put(y + 3, x, 24, "Two-factor sign-in");
	ui_attr(on ? UI_OK : UI_DIM);
	ui_put(y + 3, x + 24, 4, on ? "on" : "off");
	ui_attr(UI_NORMAL);
	ui_put(y + 3, x + 29, cols - x - 30,
	       on ? "t: turn it off" : "t: set it up (an authenticator app)");
	ui_attr(UI_TITLE);
	ui_put(y + 5, x, 0, "Sessions");
	ui_attr(UI_DIM);
	ui_put(y + 5, x + 10, cols - x - 11, "a: activity (sign-ins, changes)");
	ui_attr(UI_NORMAL);
	ui_attr(UI_DIM);
	ui_putf(y + 6, x, cols - 2 * x, "  %-19s  %-19s  %s", "Created",
	        "Last used", "Address");
	ui_attr(UI_NORMAL);
	list_draw(&s->sessions, y + 7, x, rows - y - 10, cols - 2 * x,
	          session_row, s->loading ? "Loading…" : "No sessions.");
}

const struct screen screen_account = {
    .name = "Account",
    .tab = "Acct",
    .about = "Account\n\nYour password, two-factor sign-in, sessions and\n"
             "activity (a: sign-ins, failed ones, changes).\n"
             "* marks this session. Revoking another one ends it on its\n"
             "next request; revoking this one signs you out.\n"
             "In a field: ← → Home End ^A ^E move, Bksp Del ^U ^K ^W "
             "delete.",
    .keys = main_keys,
    .init = account_init,
    .free = account_free,
    .enter = account_enter,
    .draw = account_draw,
    .key = account_key,
};
