/*
 * Actions on one pad for the pads screen: create (a name, then a template),
 * rename, delete to the trash (asked first), and its menu: share read-only
 * with a user, the shares (unshare, asked first), backups, the trash. Each
 * dialog keeps the pad's id, so a refresh of the list meanwhile cannot retarget
 * it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pads.h"
#include "xalloc.h"

void
pad_actions_init(struct pad_actions *pa, struct app *a, pad_edit_done refresh,
                 void *ud)
{
	memset(pa, 0, sizeof *pa);
	pa->app = a;
	pa->refresh = refresh;
	pa->ud = ud;
	pa->trash = trash_new(a, refresh, ud);
}

void
pad_actions_free(struct pad_actions *pa)
{
	json_decref(pa->templates);
	json_decref(pa->shares);
	pa->templates = pa->shares = NULL;
	trash_free(pa->trash);
	pa->trash = NULL;
}

static void pick_template(struct pad_actions *);

static void
on_templates(void *ud, json_t *result, const struct pl_error *err)
{
	struct pad_actions *pa = ud;

	/* Creating from a template is optional: an error means none. */
	if (!err->code) {
		json_decref(pa->templates);
		pa->templates =
		    json_incref(json_object_get(result, "templates"));
	}
	if (pa->awaiting_templates && pa->app->dlg.kind == DLG_NONE) {
		pa->awaiting_templates = 0;
		pick_template(pa); /* the name came before the list */
	}
}

void
pad_actions_load_templates(struct pad_actions *pa)
{
	if (!pa->templates)
		rpc_call(pa->app->rpc, "template.list", NULL, on_templates, pa);
}

/* The end of a change: what failed, or the flash set before the call. */
static void
on_done(void *ud, json_t *result, const struct pl_error *err)
{
	struct pad_actions *pa = ud;

	(void)result;
	if (app_failed(pa->app, err, pa->fail_what))
		return;
	app_flash(pa->app, 0, "%s", pa->done_msg);
	pa->refresh(pa->ud);
}

/* Sends method for the pad in pa->id (plus username for unshare). */
static void
pad_actions_send(struct pad_actions *pa, const char *method, json_t *params,
                 const char *fail_what)
{
	pa->fail_what = fail_what;
	rpc_call(pa->app->rpc, method, params, on_done, pa);
}

/* A confirmed delete or unshare (pa->confirming says which). */
static void
on_confirmed(struct app *a, void *ud, int ok, const char *input, size_t choice)
{
	struct pad_actions *pa = ud;

	(void)a;
	(void)input;
	(void)choice;
	if (!ok || !pa->id[0])
		return;
	if (pa->confirming == CONFIRM_DELETE) {
		snprintf(pa->done_msg, sizeof pa->done_msg,
		         "Deleted. In the trash: t undeletes.");
		pad_actions_send(pa, "pad.delete",
		                 json_pack("{s:s}", "id", pa->id),
		                 "Could not delete");
	} else {
		snprintf(pa->done_msg, sizeof pa->done_msg,
		         "%s can no longer read %s.", pa->user, pa->name);
		pad_actions_send(
		    pa, "pad.unshare",
		    json_pack("{s:s, s:s}", "id", pa->id, "username", pa->user),
		    "Could not stop sharing");
	}
}

static void
on_created(void *ud, json_t *result, const struct pl_error *err)
{
	struct pad_actions *pa = ud;

	if (app_failed(pa->app, err, "Could not create the pad"))
		return;
	app_flash(pa->app, 0, "Created %s.",
	          jstr(json_object_get(result, "pad"), "display_name"));
	pa->refresh(pa->ud);
}

static void
create_with(struct pad_actions *pa, const char *tmpl)
{
	json_t *params = json_pack("{s:s}", "display_name", pa->new_name);

	if (tmpl)
		json_object_set_new(params, "template", json_string(tmpl));
	rpc_call(pa->app->rpc, "pad.create", params, on_created, pa);
}

static void
on_template_picked(struct app *a, void *ud, int ok, const char *input,
                   size_t choice)
{
	struct pad_actions *pa = ud;

	(void)a;
	(void)input;
	if (!ok)
		return;
	if (choice == 0)
		create_with(pa, NULL);
	else
		create_with(pa, jstr(json_array_get(pa->templates, choice - 1),
		                     "name"));
}

static void
pick_template(struct pad_actions *pa)
{
	json_t *choices;
	size_t i;
	json_t *t;

	if (json_array_size(pa->templates) == 0) {
		create_with(pa, NULL);
		return;
	}
	choices = json_array();
	json_array_append_new(choices, json_string("(empty pad)"));
	json_array_foreach (pa->templates, i, t) {
		const char *dn = jstr(t, "display_name");

		json_array_append_new(choices, json_string(dn[0] ? dn
		                                           : jstr(t, "name")[0]
		                                               ? jstr(t, "name")
		                                               : "?"));
	}
	app_pick(pa->app, "Template", choices, on_template_picked, pa);
}

static void
on_new_name(struct app *a, void *ud, int ok, const char *input, size_t choice)
{
	struct pad_actions *pa = ud;

	(void)choice;
	if (!ok)
		return;
	if (!input[0]) {
		app_flash(a, 1, "A pad needs a name.");
		return;
	}
	snprintf(pa->new_name, sizeof pa->new_name, "%s", input);
	if (!pa->templates) {
		/* template.list not answered yet: on_templates goes on. */
		pa->awaiting_templates = 1;
		rpc_call(a->rpc, "template.list", NULL, on_templates, pa);
		return;
	}
	pick_template(pa);
}

void
pad_actions_new(struct pad_actions *pa)
{
	app_prompt(pa->app, "New pad name", "", on_new_name, pa);
}

static void
on_rename(struct app *a, void *ud, int ok, const char *input, size_t choice)
{
	struct pad_actions *pa = ud;

	(void)a;
	(void)choice;
	if (!ok || !input[0] || !pa->id[0])
		return;
	snprintf(pa->done_msg, sizeof pa->done_msg, "Saved.");
	pad_actions_send(
	    pa, "pad.update",
	    json_pack("{s:s, s:s}", "id", pa->id, "display_name", input),
	    "Could not save");
}

void
pad_actions_rename(struct pad_actions *pa, json_t *pad)
{
	snprintf(pa->id, sizeof pa->id, "%s", jstr(pad, "id"));
	app_prompt(pa->app, "Rename pad", jstr(pad, "display_name"), on_rename,
	           pa);
}

void
pad_actions_delete(struct pad_actions *pa, json_t *pad)
{
	char text[300];

	snprintf(pa->id, sizeof pa->id, "%s", jstr(pad, "id"));
	snprintf(text, sizeof text, "Move \"%s\" and its backups to the trash?",
	         jstr(pad, "display_name"));
	pa->confirming = CONFIRM_DELETE;
	app_confirm(pa->app, "Delete pad", text, on_confirmed, pa);
}

/* ---- sharing ---- */

static void
pad_actions_take(struct pad_actions *pa, json_t *pad)
{
	snprintf(pa->id, sizeof pa->id, "%s", jstr(pad, "id"));
	snprintf(pa->name, sizeof pa->name, "%s", jstr(pad, "display_name"));
}

static void
on_shared(void *ud, json_t *result, const struct pl_error *err)
{
	struct pad_actions *pa = ud;
	json_t *share = json_object_get(result, "share");

	if (app_failed(pa->app, err, "Could not share"))
		return;
	app_flash(pa->app, 0, "Shared %s with %s (read-only).", pa->name,
	          jstr(share, "username"));
	pa->refresh(pa->ud);
}

static void
on_share_user(struct app *a, void *ud, int ok, const char *input, size_t choice)
{
	struct pad_actions *pa = ud;

	(void)choice;
	if (!ok || !pa->id[0])
		return;
	if (!input[0]) {
		app_flash(a, 1, "Sharing needs a username.");
		return;
	}
	rpc_call(a->rpc, "pad.share",
	         json_pack("{s:s, s:s, s:s}", "id", pa->id, "username", input,
	                   "role", "viewer"),
	         on_shared, pa);
}

static void
on_share_picked(struct app *a, void *ud, int ok, const char *input,
                size_t choice)
{
	struct pad_actions *pa = ud;
	char text[400];

	(void)input;
	if (!ok || choice >= json_array_size(pa->shares))
		return;
	snprintf(pa->user, sizeof pa->user, "%s",
	         jstr(json_array_get(pa->shares, choice), "username"));
	snprintf(text, sizeof text, "Stop sharing \"%s\" with %s?", pa->name,
	         pa->user);
	pa->confirming = CONFIRM_UNSHARE;
	app_confirm(a, "Unshare", text, on_confirmed, pa);
}

static void
on_shares(void *ud, json_t *result, const struct pl_error *err)
{
	struct pad_actions *pa = ud;
	json_t *choices, *s;
	size_t i;
	char title[64], t[32];

	if (app_failed(pa->app, err, "Could not list the shares"))
		return;
	json_decref(pa->shares);
	pa->shares = json_incref(json_object_get(result, "shares"));
	if (json_array_size(pa->shares) == 0) {
		app_message(pa->app, "Shares", "Not shared with anyone.");
		return;
	}
	choices = json_array();
	json_array_foreach (pa->shares, i, s) {
		short_time(jstr(s, "created_at"), t, sizeof t);
		json_array_append_new(choices,
		                      json_sprintf("%s  %s since %s",
		                                   jstr(s, "username"),
		                                   jstr(s, "role"), t));
	}
	snprintf(title, sizeof title, "Shared with (Enter unshares)");
	app_pick(pa->app, title, choices, on_share_picked, pa);
}

enum {
	MENU_SHARE,
	MENU_SHARES,
	MENU_BACKUPS,
	MENU_RENAME,
	MENU_DELETE,
	MENU_TRASH
};

static const char *const menu_items[] = {
    [MENU_SHARE] = "Share with a user (read-only)…",
    [MENU_SHARES] = "Shared with… (unshare)",
    [MENU_BACKUPS] = "Backups (preview, diff, restore)",
    [MENU_RENAME] = "Rename…",
    [MENU_DELETE] = "Delete… (to the trash)",
    [MENU_TRASH] = "Trash (undelete, purge)…",
};

static void
on_menu(struct app *a, void *ud, int ok, const char *input, size_t choice)
{
	struct pad_actions *pa = ud;
	json_t *pad;
	char title[200];

	(void)input;
	if (!ok || !pa->id[0])
		return;
	pad = json_pack("{s:s, s:s}", "id", pa->id, "display_name", pa->name);
	switch (choice) {
	case MENU_SHARE:
		snprintf(title, sizeof title, "Share with (username)");
		app_prompt(a, title, "", on_share_user, pa);
		break;
	case MENU_SHARES:
		rpc_call(a->rpc, "pad.shares", json_pack("{s:s}", "id", pa->id),
		         on_shares, pa);
		break;
	case MENU_BACKUPS:
		backups_view_open(pa->backups, pa->id, pa->name);
		break;
	case MENU_RENAME:
		pad_actions_rename(pa, pad);
		break;
	case MENU_DELETE:
		pad_actions_delete(pa, pad);
		break;
	case MENU_TRASH:
		trash_open(pa->trash);
		break;
	}
	json_decref(pad);
}

void
pad_actions_menu(struct pad_actions *pa, json_t *pad,
                 struct backups_view *backups)
{
	json_t *choices = json_array();
	char title[64];

	pad_actions_take(pa, pad);
	pa->backups = backups;
	for (size_t i = 0; i < sizeof menu_items / sizeof menu_items[0]; i++)
		json_array_append_new(choices, json_string(menu_items[i]));
	snprintf(title, sizeof title, "Pad: %.50s", pa->name);
	app_pick(pa->app, title, choices, on_menu, pa);
}
