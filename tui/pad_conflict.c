/*
 * The version-conflict dialog: a save answered 409 version_conflict (the
 * pad changed since the edit began). The user views theirs (read-only),
 * overwrites it (saving again with if_version = their version), edits
 * again on top of theirs with theirs and yours between conflict markers,
 * or keeps theirs untouched and the edit for later.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pad_edit.h"
#include "xalloc.h"

/* The dialog's choices, in order. */
enum { C_VIEW, C_OVERWRITE, C_EDIT, C_KEEP };

static void conflict_dialog(struct pad_edit *);

/* Their pad from pad.get: the version the next save may replace. */
static json_t *
theirs_from(struct pad_edit *ed, json_t *result)
{
	json_t *pad = json_object_get(result, "pad");
	json_int_t v = json_integer_value(json_object_get(pad, "version"));

	if (v > 0)
		ed->theirs = (long long)v;
	return json_object_get(pad, "data");
}

static void
on_view_closed(struct app *a, void *ud, int ok, const char *input,
               size_t choice)
{
	(void)a;
	(void)ok;
	(void)input;
	(void)choice;
	conflict_dialog(ud);
}

static void
on_get_view(void *ud, json_t *result, const struct pl_error *err)
{
	struct pad_edit *ed = ud;
	char title[200], *text;

	if (err->code) {
		app_flash(ed->app, 1, "Could not load theirs: %s",
		          err->message);
		conflict_dialog(ed);
		return;
	}
	text = json_pretty(theirs_from(ed, result));
	snprintf(title, sizeof title, "Theirs: %s, version %lld", ed->rec.name,
	         ed->theirs);
	app_view(ed->app, title, text, on_view_closed, ed);
	free(text);
}

static void
on_get_merge(void *ud, json_t *result, const struct pl_error *err)
{
	struct pad_edit *ed = ud;
	char *theirs, *merged;

	if (err->code) {
		app_flash(ed->app, 1, "Could not load theirs: %s",
		          err->message);
		conflict_dialog(ed);
		return;
	}
	theirs = json_pretty(theirs_from(ed, result));
	theirs = xrealloc(theirs, strlen(theirs) + 2);
	strcat(theirs, "\n");
	merged = recovery_merge(theirs, ed->rec.text, ed->theirs);
	free(theirs);
	/* What is saved next was made on top of their version. */
	ed->rec.base_version = ed->theirs;
	pad_edit_editor(ed, merged);
	free(merged);
}

static void
on_conflict_choice(struct app *a, void *ud, int ok, const char *input,
                   size_t choice)
{
	struct pad_edit *ed = ud;
	json_t *params = json_pack("{s:s}", "id", ed->rec.pad_id);

	(void)input;
	switch (ok ? (int)choice : C_KEEP) {
	case C_VIEW:
		rpc_send(a->rpc, "pad.get", params, on_get_view, ed);
		return;
	case C_OVERWRITE:
		ed->rec.base_version = ed->theirs;
		pad_edit_save(ed);
		break;
	case C_EDIT:
		rpc_send(a->rpc, "pad.get", params, on_get_merge, ed);
		return;
	default:
		pad_edit_keep(ed);
	}
	json_decref(params);
}

static void
conflict_dialog(struct pad_edit *ed)
{
	char why[400], text[1024];

	snprintf(why, sizeof why,
	         "%s was saved by someone else while you edited it: you "
	         "began from version %lld, the server has version %lld "
	         "(saved %s).",
	         ed->rec.name, ed->rec.base_version, ed->theirs,
	         ed->theirs_at[0] ? ed->theirs_at : "just now");
	pad_edit_dialog_text(ed, why, text, sizeof text);
	app_choose(ed->app, "Changed by someone else", text,
	           json_pack("[s, s, s, s]", "v  view theirs (read-only)",
	                     "o  overwrite theirs with yours",
	                     "e  edit again on top of theirs (yours beside it)",
	                     "l  keep yours for later, theirs stays"),
	           on_conflict_choice, ed);
}

void
pad_conflict_open(struct pad_edit *ed, const struct pl_error *err)
{
	json_t *cur = json_object_get(err->data, "current");
	const char *at = json_string_value(json_object_get(cur, "updated_at"));

	ed->theirs =
	    (long long)json_integer_value(json_object_get(cur, "version"));
	/* As every screen writes a time (short_time), said to be UTC. */
	ed->theirs_at[0] = '\0';
	if (at && *at) {
		char t[32];

		short_time(at, t, sizeof t);
		snprintf(ed->theirs_at, sizeof ed->theirs_at, "%s UTC", t);
	}
	conflict_dialog(ed);
}
