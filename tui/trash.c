/*
 * The Trash view of the pads screen: the caller's deleted pads (pad.trash,
 * a page at a time), each of which can be undeleted — asking for another
 * name when a live pad has taken its name (409 name_taken) — or purged for
 * good after a confirmation. Built from the app's dialogs only, so it owns
 * no drawing and no keys of its own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models.h"
#include "pads.h"
#include "xalloc.h"

#define TRASH_PAGE 100

struct trash {
	struct app *app;
	pad_edit_done refresh; /* the pads list changed */
	void *ud;
	json_t *pads;   /* the page shown */
	json_t *next;   /* its next cursor, or null */
	char id[64];    /* the pad chosen */
	char name[128]; /* its name */
	long long backups;
};

struct trash *
trash_new(struct app *a, pad_edit_done refresh, void *ud)
{
	struct trash *t = xcalloc(1, sizeof *t);

	t->app = a;
	t->refresh = refresh;
	t->ud = ud;
	return t;
}

void
trash_free(struct trash *t)
{
	if (!t)
		return;
	json_decref(t->pads);
	json_decref(t->next);
	free(t);
}

static void trash_load(struct trash *t, json_t *after);
static void ask_new_name(struct trash *t, const char *why);

static void
on_undeleted(void *ud, json_t *result, const struct pl_error *err)
{
	struct trash *t = ud;
	char why[300];

	if (err->code == 409 && strcmp(err->reason, "name_taken") == 0) {
		snprintf(why, sizeof why,
		         "You have a pad named \"%s\" already. Undelete as:",
		         t->name);
		ask_new_name(t, why);
		return;
	}
	if (app_failed(t->app, err, "Could not undelete"))
		return;
	app_flash(t->app, 0, "Undeleted %s.",
	          jstr(json_object_get(result, "pad"), "display_name"));
	t->refresh(t->ud);
}

static void
undelete(struct trash *t, const char *new_name)
{
	json_t *params = json_pack("{s:s}", "id", t->id);

	if (new_name) {
		json_object_set_new(params, "new_name", json_string(new_name));
		snprintf(t->name, sizeof t->name, "%s", new_name);
	}
	rpc_call(t->app->rpc, "pad.undelete", params, on_undeleted, t);
}

static void
on_new_name(struct app *a, void *ud, int ok, const char *input, size_t choice)
{
	struct trash *t = ud;

	(void)choice;
	if (!ok)
		return;
	if (!input[0]) {
		app_flash(a, 1, "A pad needs a name.");
		return;
	}
	undelete(t, input);
}

static void
ask_new_name(struct trash *t, const char *why)
{
	char suggestion[160];

	snprintf(suggestion, sizeof suggestion, "%s (2)", t->name);
	app_prompt(t->app, why, suggestion, on_new_name, t);
}

static void
on_purged(void *ud, json_t *result, const struct pl_error *err)
{
	struct trash *t = ud;

	(void)result;
	if (app_failed(t->app, err, "Could not purge"))
		return;
	app_flash(t->app, 0, "Purged %s for good.", t->name);
}

static void
on_purge_confirmed(struct app *a, void *ud, int ok, const char *input,
                   size_t choice)
{
	struct trash *t = ud;

	(void)input;
	(void)choice;
	if (ok)
		rpc_call(a->rpc, "pad.purge", json_pack("{s:s}", "id", t->id),
		         on_purged, t);
}

enum { ACT_UNDELETE, ACT_PURGE };

static void
on_action(struct app *a, void *ud, int ok, const char *input, size_t choice)
{
	struct trash *t = ud;
	char text[400];

	(void)input;
	if (!ok)
		return;
	if (choice == ACT_UNDELETE) {
		undelete(t, NULL);
		return;
	}
	snprintf(text, sizeof text,
	         "Purge \"%s\" and its %lld backup%s for good? This cannot be "
	         "undone.",
	         t->name, t->backups, t->backups == 1 ? "" : "s");
	app_confirm(a, "Purge pad", text, on_purge_confirmed, t);
}

static void
on_picked(struct app *a, void *ud, int ok, const char *input, size_t choice)
{
	struct trash *t = ud;
	json_t *pad, *acts;
	char title[200];

	(void)input;
	if (!ok)
		return;
	if (choice == json_array_size(t->pads)) { /* "More…" */
		trash_load(t, t->next);
		return;
	}
	pad = json_array_get(t->pads, choice);
	if (!pad)
		return;
	snprintf(t->id, sizeof t->id, "%s", jstr(pad, "id"));
	snprintf(t->name, sizeof t->name, "%s", jstr(pad, "display_name"));
	t->backups = json_integer_value(json_object_get(pad, "backups"));
	acts = json_pack("[s, s]", "Undelete", "Purge for good…");
	snprintf(title, sizeof title, "Trashed: %.60s", t->name);
	app_pick(a, title, acts, on_action, t);
}

static void
on_trash(void *ud, json_t *result, const struct pl_error *err)
{
	struct trash *t = ud;
	json_t *choices, *p;
	char del[32], purge[32];
	size_t i;

	if (app_failed(t->app, err, "Could not read the trash"))
		return;
	json_decref(t->pads);
	json_decref(t->next);
	t->pads = json_incref(json_object_get(result, "pads"));
	t->next = json_incref(json_object_get(result, "next"));
	if (json_array_size(t->pads) == 0) {
		app_message(t->app, "Trash", "The trash is empty.");
		return;
	}
	choices = json_array();
	json_array_foreach (t->pads, i, p) {
		short_time(jstr(p, "deleted_at"), del, sizeof del);
		short_time(jstr(p, "purge_at"), purge, sizeof purge);
		json_array_append_new(
		    choices,
		    json_sprintf("%s  deleted %s, purged %s, %lld backups",
		                 jstr(p, "display_name"), del, purge,
		                 (long long)json_integer_value(
		                     json_object_get(p, "backups"))));
	}
	if (json_is_string(t->next))
		json_array_append_new(choices, json_string("More…"));
	app_pick(t->app, "Trash (Enter: undelete or purge)", choices, on_picked,
	         t);
}

static void
trash_load(struct trash *t, json_t *after)
{
	json_t *params = json_pack("{s:i}", "limit", TRASH_PAGE);

	if (json_is_string(after))
		json_object_set(params, "after", after);
	rpc_call(t->app->rpc, "pad.trash", params, on_trash, t);
}

void
trash_open(struct trash *t)
{
	trash_load(t, NULL);
}
