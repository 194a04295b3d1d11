/*
 * Actions on one pad for the pads screen: create (a name, then a template),
 * rename and delete (asked first). Each dialog keeps the pad's id, so a
 * refresh of the list meanwhile cannot retarget it.
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
}

void
pad_actions_free(struct pad_actions *pa)
{
	json_decref(pa->templates);
	pa->templates = NULL;
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

static void
on_changed(void *ud, json_t *result, const struct pl_error *err)
{
	struct pad_actions *pa = ud;

	(void)result;
	if (app_failed(pa->app, err, "Could not save"))
		return;
	app_flash(pa->app, 0, "Saved.");
	pa->refresh(pa->ud);
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

	(void)choice;
	if (!ok || !input[0] || !pa->id[0])
		return;
	rpc_call(a->rpc, "pad.update",
	         json_pack("{s:s, s:s}", "id", pa->id, "display_name", input),
	         on_changed, pa);
}

void
pad_actions_rename(struct pad_actions *pa, json_t *pad)
{
	snprintf(pa->id, sizeof pa->id, "%s", jstr(pad, "id"));
	app_prompt(pa->app, "Rename pad", jstr(pad, "display_name"), on_rename,
	           pa);
}

static void
on_deleted(void *ud, json_t *result, const struct pl_error *err)
{
	struct pad_actions *pa = ud;

	(void)result;
	if (app_failed(pa->app, err, "Could not delete"))
		return;
	app_flash(pa->app, 0, "Deleted.");
	pa->refresh(pa->ud);
}

static void
on_delete_confirmed(struct app *a, void *ud, int ok, const char *input,
                    size_t choice)
{
	struct pad_actions *pa = ud;

	(void)input;
	(void)choice;
	if (!ok || !pa->id[0])
		return;
	rpc_call(a->rpc, "pad.delete", json_pack("{s:s}", "id", pa->id),
	         on_deleted, pa);
}

void
pad_actions_delete(struct pad_actions *pa, json_t *pad)
{
	char text[300];

	snprintf(pa->id, sizeof pa->id, "%s", jstr(pad, "id"));
	snprintf(text, sizeof text, "Delete \"%s\" and its backups?",
	         jstr(pad, "display_name"));
	app_confirm(pa->app, "Delete pad", text, on_delete_confirmed, pa);
}
