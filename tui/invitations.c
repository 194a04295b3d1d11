/*
 * The Invitations screen (admins): invitation.list with note, created,
 * expiry, status and who used each; sorted here (the list is at most
 * 1000); n creates one (note, then expiry) and shows its code once; r
 * revokes an open one after asking.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "term.h"
#include "widgets.h"
#include "xalloc.h"

/* What s cycles through (list_sort keys), each with its usual direction. */
static const struct {
	const char *key, *label;
	int desc;
} invite_sorts[] = {
    {"created_at", "created", 1},
    {"expires_at", "expiry", 0},
    {"status", "status", 0},
    {"note", "note", 0},
};
#define INVITE_SORTS (sizeof invite_sorts / sizeof invite_sorts[0])

/* The expiries n offers, the default first. */
static const struct {
	const char *label;
	long long seconds;
} expiries[] = {
    {"7 days", 7 * 86400LL},
    {"1 day", 86400LL},
    {"1 hour", 3600LL},
    {"30 days", 30 * 86400LL},
};

struct invites_screen {
	struct app *app;
	struct list_model list;
	size_t sort;
	int desc;
	char note[256]; /* between the note prompt and the expiry pick */
};

enum { A_NEW = 1, A_REVOKE, A_SORT, A_REVERSE, A_ASC, A_DESC, A_RELOAD };

static const struct binding invites_keys[] = {
    {'n', A_NEW | BIND_ACTS,
     "new invitation (note, expiry; the code is shown once)", "new"},
    {'r', A_REVOKE | BIND_ACTS, "revoke the selected one (asks first)",
     "revoke"},
    {'s', A_SORT, "sort: created / expiry / status / note", "sort"},
    {'S', A_REVERSE, "reverse the order", NULL},
    {'<', A_ASC, "ascending", NULL},
    {'>', A_DESC, "descending", NULL},
    {'R', A_RELOAD, "reload", NULL},
    NAV_KEYS,
    {0, 0, NULL, NULL},
};

/* status as the list shows it: "open" is an invitation still waiting. */
static const char *
status_text(json_t *inv)
{
	const char *s = jstr(inv, "status");

	return strcmp(s, "open") == 0 ? "pending" : s;
}

static void
on_list(void *ud, json_t *result, const struct pl_error *err)
{
	struct invites_screen *v = ud;

	if (app_failed(v->app, err, "invitation.list"))
		return;
	list_set_items(&v->list,
	               json_incref(json_object_get(result, "invitations")));
	app_dirty(v->app);
}

static void
invites_load(struct invites_screen *v)
{
	rpc_send(v->app->rpc, "invitation.list", NULL, on_list, v);
}

static void *
invites_init(struct app *a)
{
	struct invites_screen *v = xcalloc(1, sizeof *v);

	v->app = a;
	v->desc = invite_sorts[0].desc;
	list_init(&v->list, NULL);
	list_sort(&v->list, invite_sorts[0].key, v->desc);
	return v;
}

static void
invites_free(void *st)
{
	struct invites_screen *v = st;

	list_free(&v->list);
	free(v);
}

static void
invites_enter(struct app *a, void *st)
{
	(void)a;
	invites_load(st);
}

static void
on_created(void *ud, json_t *result, const struct pl_error *err)
{
	struct invites_screen *v = ud;
	char text[512], t[32];

	if (app_failed(v->app, err, "invitation.create"))
		return;
	short_time(jstr(result, "expires_at"), t, sizeof t);
	snprintf(text, sizeof text,
	         "Invitation code:\n\n    %s\n\nExpires %s UTC.\nIt is shown "
	         "only once: copy it now.",
	         jstr(result, "code"), t);
	app_message(v->app, "New invitation", text);
	invites_load(v);
}

static void
on_expiry(struct app *a, void *ud, int ok, const char *input, size_t choice)
{
	struct invites_screen *v = ud;
	json_t *p;

	(void)input;
	if (!ok || choice >= sizeof expiries / sizeof expiries[0])
		return;
	p = json_pack("{s:I}", "expires_in",
	              (json_int_t)expiries[choice].seconds);
	if (v->note[0])
		json_object_set_new(p, "note", json_string(v->note));
	rpc_send(a->rpc, "invitation.create", p, on_created, v);
}

static void
on_note(struct app *a, void *ud, int ok, const char *input, size_t choice)
{
	struct invites_screen *v = ud;
	json_t *choices = json_array();

	(void)choice;
	if (!ok)
		return;
	snprintf(v->note, sizeof v->note, "%s", input);
	for (size_t i = 0; i < sizeof expiries / sizeof expiries[0]; i++)
		json_array_append_new(choices, json_string(expiries[i].label));
	app_pick(a, "Expires in", choices, on_expiry, v);
}

static void
on_revoked(void *ud, json_t *result, const struct pl_error *err)
{
	struct invites_screen *v = ud;

	(void)result;
	if (app_failed(v->app, err, "Could not revoke"))
		return;
	app_flash(v->app, 0, "Revoked.");
	invites_load(v);
}

static void
on_revoke_confirmed(struct app *a, void *ud, int ok, const char *input,
                    size_t choice)
{
	struct invites_screen *v = ud;
	json_t *inv = list_selected(&v->list);

	(void)input;
	(void)choice;
	if (!ok || !inv)
		return;
	rpc_send(a->rpc, "invitation.revoke",
	         json_pack("{s:s}", "id", jstr(inv, "id")), on_revoked, v);
}

static int
invites_key(struct app *a, void *st, int action, int key)
{
	struct invites_screen *v = st;
	json_t *inv = list_selected(&v->list);
	char text[320];

	(void)key;
	if (list_nav(&v->list, action))
		return 1;
	switch (action) {
	case A_NEW:
		app_prompt(a, "Invitation note (optional)", "", on_note, v);
		return 1;
	case A_REVOKE:
		if (!inv)
			return 1;
		if (strcmp(jstr(inv, "status"), "open") != 0) {
			app_flash(a, 1,
			          "Only a pending invitation can be "
			          "revoked; this one is %s.",
			          status_text(inv));
			return 1;
		}
		snprintf(text, sizeof text,
		         "Revoke the invitation \"%s\"?\nIts code stops "
		         "working at once.",
		         jstr(inv, "note")[0] ? jstr(inv, "note")
		                              : "(no note)");
		app_confirm(a, "Revoke invitation", text, on_revoke_confirmed,
		            v);
		return 1;
	case A_SORT:
	case A_REVERSE:
	case A_ASC:
	case A_DESC:
		if (action == A_SORT) {
			v->sort = (v->sort + 1) % INVITE_SORTS;
			v->desc = invite_sorts[v->sort].desc;
		} else {
			v->desc =
			    action == A_REVERSE ? !v->desc : action == A_DESC;
		}
		list_sort(&v->list, invite_sorts[v->sort].key, v->desc);
		app_flash(a, 0, "Sorted by %s, %s.",
		          invite_sorts[v->sort].label,
		          v->desc ? "descending" : "ascending");
		return 1;
	case A_RELOAD:
		invites_load(v);
		return 1;
	}
	return 0;
}

static void
invite_row(json_t *inv, char *buf, size_t size, int w)
{
	char c[32], e[32], by[64], note[256];

	short_time(jstr(inv, "created_at"), c, sizeof c);
	short_time(jstr(inv, "expires_at"), e, sizeof e);
	ui_fit(jstr(json_object_get(inv, "used_by"), "username"), 16, by,
	       sizeof by);
	ui_fit(jstr(inv, "note"), w > 76 ? w - 68 : 8, note, sizeof note);
	snprintf(buf, size, " %s %s %-8s %s %s", c, e, status_text(inv), by,
	         note);
}

static void
invites_draw(struct app *a, void *st, int rows, int cols)
{
	struct invites_screen *v = st;
	const char *arrow =
	    v->desc ? (ui_utf8() ? "↓" : "v") : (ui_utf8() ? "↑" : "^");
	size_t pending = 0;

	(void)a;
	ui_attr(UI_TITLE);
	ui_putf(1, 1, cols - 2, " %-19s %-19s %-8s %-16s %s", "Created (UTC)",
	        "Expires (UTC)", "Status", "Used by", "Note");
	ui_attr(UI_NORMAL);
	ui_hline(2, 0, cols);
	list_draw(&v->list, 3, 0, rows - 7, cols, invite_row,
	          "No invitations: press n to create one.");
	for (size_t i = 0; i < v->list.nvis; i++)
		pending +=
		    strcmp(jstr(list_row(&v->list, i), "status"), "open") == 0;
	ui_attr(UI_DIM);
	ui_putf(rows - 3, 1, cols - 2,
	        "Invitations: %zu · pending %zu · by %s %s", v->list.nvis,
	        pending, invite_sorts[v->sort].label, arrow);
	ui_attr(UI_NORMAL);
}

const struct screen screen_invitations = {
    .name = "Invitations",
    .tab = "Invites",
    .admin_only = 1,
    .about = "Invitations (admins)\n\nA code lets one person register "
             "while registration is by invitation.\nIt is shown once, "
             "when created; the server keeps only its hash.",
    .keys = invites_keys,
    .init = invites_init,
    .free = invites_free,
    .enter = invites_enter,
    .draw = invites_draw,
    .key = invites_key,
};
