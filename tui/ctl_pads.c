/*
 * Pads keys and calls (drawn by screen_pads.c): the caller's pads (filter,
 * paging), a scrollable pretty-printed viewer, create from a template,
 * rename, delete, backups with restore. Editing in $EDITOR lives in
 * pad_edit.c.
 */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "views.h"
#include "widgets.h"

void pad_edit_start(struct app *, const char *pad_id);
void pads_refresh(struct app *);

static int
is_enter(int is_key, wint_t ch)
{
	return (!is_key && (ch == '\r' || ch == '\n')) ||
	       (is_key && ch == KEY_ENTER);
}

static const char *
sel_str(struct list_model *l, const char *k)
{
	const char *s = json_string_value(json_object_get(list_selected(l), k));

	return s ? s : "";
}

static void
on_list(void *ud, json_t *result, const struct pl_error *err)
{
	struct app *a = ud;

	if (app_failed(a, err, "Could not load pads"))
		return;
	a->pads.loaded = 1;
	list_set_items(&a->pads.list,
	               json_incref(json_object_get(result, "pads")));
	app_dirty(a);
}

void
pads_refresh(struct app *a)
{
	rpc_call(a->rpc, "pad.list", NULL, on_list, a);
}

static void pads_pick_template(struct app *);

static void
on_templates(void *ud, json_t *result, const struct pl_error *err)
{
	struct app *a = ud;

	/* Creating from a template is optional: an error means none. */
	if (!err->code) {
		json_decref(a->pads.templates);
		a->pads.templates =
		    json_incref(json_object_get(result, "templates"));
	}
	if (a->pads.awaiting_templates && a->dlg.kind == DLG_NONE) {
		a->pads.awaiting_templates = 0;
		pads_pick_template(a); /* the name came before the list */
	}
}

static void
pads_enter(struct app *a)
{
	if (a->pads.mode == PADS_FILTER)
		a->pads.mode = PADS_LIST;
	pads_refresh(a);
	if (!a->pads.templates)
		rpc_call(a->rpc, "template.list", NULL, on_templates, a);
}

/* ---- actions ---- */

static void
on_get_view(void *ud, json_t *result, const struct pl_error *err)
{
	struct app *a = ud;
	json_t *pad = json_object_get(result, "pad");
	char *text;

	if (app_failed(a, err, "Could not open the pad"))
		return;
	text = json_pretty(json_object_get(pad, "data"));
	text_lines_free(a->pads.lines, a->pads.nlines);
	a->pads.nlines = text_split_lines(text, &a->pads.lines);
	free(text);
	a->pads.scroll = 0;
	snprintf(a->pads.title, sizeof a->pads.title, "%s",
	         json_string_value(json_object_get(pad, "display_name")));
	snprintf(a->pads.pad_id, sizeof a->pads.pad_id, "%s",
	         json_string_value(json_object_get(pad, "id")));
	a->pads.mode = PADS_VIEW;
	app_dirty(a);
}

static void
on_changed(void *ud, json_t *result, const struct pl_error *err)
{
	struct app *a = ud;

	(void)result;
	if (app_failed(a, err, "Could not save"))
		return;
	app_flash(a, 0, "Saved.");
	pads_refresh(a);
}

static void
on_created(void *ud, json_t *result, const struct pl_error *err)
{
	struct app *a = ud;

	if (app_failed(a, err, "Could not create the pad"))
		return;
	app_flash(a, 0, "Created %s.",
	          json_string_value(json_object_get(
	              json_object_get(result, "pad"), "display_name")));
	pads_refresh(a);
}

static void
create_with(struct app *a, const char *tmpl)
{
	json_t *params = json_pack("{s:s}", "display_name", a->pads.new_name);

	if (tmpl)
		json_object_set_new(params, "template", json_string(tmpl));
	rpc_call(a->rpc, "pad.create", params, on_created, a);
}

static void
on_template_picked(struct app *a, int ok, const char *input, size_t choice)
{
	(void)input;
	if (!ok)
		return;
	if (choice == 0)
		create_with(a, NULL);
	else
		create_with(a,
		            json_string_value(json_object_get(
		                json_array_get(a->pads.templates, choice - 1),
		                "name")));
}

static void
on_new_name(struct app *a, int ok, const char *input, size_t choice)
{
	(void)choice;
	if (!ok)
		return;
	if (!input[0]) {
		app_flash(a, 1, "A pad needs a name.");
		return;
	}
	snprintf(a->pads.new_name, sizeof a->pads.new_name, "%s", input);
	if (!a->pads.templates) {
		/* template.list not answered yet: on_templates goes on. */
		a->pads.awaiting_templates = 1;
		rpc_call(a->rpc, "template.list", NULL, on_templates, a);
		return;
	}
	pads_pick_template(a);
}

static void
pads_pick_template(struct app *a)
{
	json_t *choices;
	size_t i;
	json_t *t;

	if (json_array_size(a->pads.templates) == 0) {
		create_with(a, NULL);
		return;
	}
	choices = json_array();
	json_array_append_new(choices, json_string("(empty pad)"));
	json_array_foreach (a->pads.templates, i, t) {
		const char *dn =
		    json_string_value(json_object_get(t, "display_name"));
		const char *n = json_string_value(json_object_get(t, "name"));

		json_array_append_new(choices, json_string(dn  ? dn
		                                           : n ? n
		                                               : "?"));
	}
	app_pick(a, "Template", choices, on_template_picked);
}

static void
on_rename(struct app *a, int ok, const char *input, size_t choice)
{
	(void)choice;
	if (!ok || !input[0] || !list_selected(&a->pads.list))
		return;
	rpc_call(a->rpc, "pad.update",
	         json_pack("{s:s, s:s}", "id", sel_str(&a->pads.list, "id"),
	                   "display_name", input),
	         on_changed, a);
}

static void
on_deleted(void *ud, json_t *result, const struct pl_error *err)
{
	struct app *a = ud;

	(void)result;
	if (app_failed(a, err, "Could not delete"))
		return;
	app_flash(a, 0, "Deleted.");
	pads_refresh(a);
}

static void
on_delete_confirmed(struct app *a, int ok, const char *input, size_t choice)
{
	(void)input;
	(void)choice;
	if (!ok || !list_selected(&a->pads.list))
		return;
	rpc_call(a->rpc, "pad.delete",
	         json_pack("{s:s}", "id", sel_str(&a->pads.list, "id")),
	         on_deleted, a);
}

static void
on_backups(void *ud, json_t *result, const struct pl_error *err)
{
	struct app *a = ud;

	if (app_failed(a, err, "Could not list backups"))
		return;
	list_set_items(&a->pads.backups,
	               json_incref(json_object_get(result, "backups")));
	list_home(&a->pads.backups);
	a->pads.mode = PADS_BACKUPS;
	app_dirty(a);
}

static void
on_restored(void *ud, json_t *result, const struct pl_error *err)
{
	struct app *a = ud;

	(void)result;
	if (app_failed(a, err, "Could not restore"))
		return;
	app_flash(a, 0, "Restored.");
	a->pads.mode = PADS_LIST;
	pads_refresh(a);
}

static void
on_restore_confirmed(struct app *a, int ok, const char *input, size_t choice)
{
	json_t *b = list_selected(&a->pads.backups);
	json_t *bid = json_object_get(b, "id");

	(void)input;
	(void)choice;
	if (!ok || !b)
		return;
	rpc_call(
	    a->rpc, "pad.restore",
	    json_pack("{s:s, s:O}", "id", a->pads.pad_id, "backup_id", bid),
	    on_restored, a);
}

/* Arrows, j/k, PgUp/PgDn, Home/End on a list; returns 1 if used. */
static int
list_keys(struct list_model *l, int is_key, wint_t ch)
{
	if ((is_key && ch == KEY_UP) || (!is_key && ch == 'k'))
		list_move(l, -1);
	else if ((is_key && ch == KEY_DOWN) || (!is_key && ch == 'j'))
		list_move(l, 1);
	else if (is_key && ch == KEY_PPAGE)
		list_page_move(l, -1);
	else if (is_key && ch == KEY_NPAGE)
		list_page_move(l, 1);
	else if ((is_key && ch == KEY_HOME) || (!is_key && ch == 'g'))
		list_home(l);
	else if ((is_key && ch == KEY_END) || (!is_key && ch == 'G'))
		list_end(l);
	else
		return 0;
	return 1;
}

static int
view_keys(struct app *a, int is_key, wint_t ch)
{
	struct pads_state *p = &a->pads;
	size_t page = (size_t)(LINES - 5);
	size_t max = p->nlines > page ? p->nlines - page : 0;

	if ((is_key && ch == KEY_UP) || (!is_key && ch == 'k'))
		p->scroll = p->scroll ? p->scroll - 1 : 0;
	else if ((is_key && ch == KEY_DOWN) || (!is_key && ch == 'j'))
		p->scroll++;
	else if (is_key && ch == KEY_PPAGE)
		p->scroll = p->scroll > page ? p->scroll - page : 0;
	else if ((is_key && ch == KEY_NPAGE) || (!is_key && ch == ' '))
		p->scroll += page;
	else if ((is_key && ch == KEY_HOME) || (!is_key && ch == 'g'))
		p->scroll = 0;
	else if ((is_key && ch == KEY_END) || (!is_key && ch == 'G'))
		p->scroll = max;
	else if (!is_key && (ch == 'q' || ch == 27))
		p->mode = PADS_LIST;
	else if (!is_key && ch == 'e') {
		p->mode = PADS_LIST;
		pad_edit_start(a, p->pad_id);
	} else
		return 0;
	if (p->scroll > max)
		p->scroll = max;
	return 1;
}

static int
pads_key(struct app *a, int is_key, wint_t ch)
{
	struct pads_state *p = &a->pads;
	json_t *sel = list_selected(&p->list);
	char text[300];

	switch (p->mode) {
	case PADS_VIEW:
		return view_keys(a, is_key, ch);
	case PADS_BACKUPS:
		if (list_keys(&p->backups, is_key, ch))
			return 1;
		if (!is_key && (ch == 'q' || ch == 27)) {
			p->mode = PADS_LIST;
			return 1;
		}
		if ((is_enter(is_key, ch) || (!is_key && ch == 'r')) &&
		    list_selected(&p->backups)) {
			char t[32];

			short_time(backup_time(list_selected(&p->backups)), t,
			           sizeof t);
			snprintf(
			    text, sizeof text,
			    "Restore the backup from %s?\nThe current data is "
			    "backed up first.",
			    t);
			app_confirm(a, "Restore backup", text,
			            on_restore_confirmed);
			return 1;
		}
		return 0;
	case PADS_FILTER:
		if (is_enter(is_key, ch) || (!is_key && ch == 27)) {
			if (!is_key && ch == 27)
				p->filter[0] = '\0';
			p->mode = PADS_LIST;
		} else if (is_key && (ch == KEY_UP || ch == KEY_DOWN)) {
			list_move(&p->list, ch == KEY_UP ? -1 : 1);
			return 1;
		} else {
			field_edit(p->filter, sizeof p->filter, is_key, ch);
		}
		list_set_filter(&p->list, p->filter);
		return 1;
	case PADS_LIST:
		break;
	}
	if (list_keys(&p->list, is_key, ch))
		return 1;
	if (is_enter(is_key, ch) && sel) {
		rpc_call(a->rpc, "pad.get",
		         json_pack("{s:s}", "id", sel_str(&p->list, "id")),
		         on_get_view, a);
		return 1;
	}
	if (is_key)
		return 0;
	switch (ch) {
	case '/':
		p->mode = PADS_FILTER;
		return 1;
	case 27:
		if (p->filter[0]) {
			p->filter[0] = '\0';
			list_set_filter(&p->list, "");
			return 1;
		}
		return 0;
	case 'n':
		app_prompt(a, "New pad name", "", on_new_name);
		return 1;
	case 'R':
	case 'F' - 64: /* Ctrl-F / R: refresh */
		pads_refresh(a);
		return 1;
	}
	if (!sel)
		return 0;
	switch (ch) {
	case 'r':
		app_prompt(a, "Rename pad", sel_str(&p->list, "display_name"),
		           on_rename);
		return 1;
	case 'e':
		pad_edit_start(a, sel_str(&p->list, "id"));
		return 1;
	case 'd':
		snprintf(text, sizeof text, "Delete \"%s\" and its backups?",
		         sel_str(&p->list, "display_name"));
		app_confirm(a, "Delete pad", text, on_delete_confirmed);
		return 1;
	case 'b':
		snprintf(p->pad_id, sizeof p->pad_id, "%s",
		         sel_str(&p->list, "id"));
		snprintf(p->title, sizeof p->title, "%s",
		         sel_str(&p->list, "display_name"));
		rpc_call(a->rpc, "pad.backups",
		         json_pack("{s:s}", "id", p->pad_id), on_backups, a);
		return 1;
	}
	return 0;
}

static const char *
pads_keys_now(struct app *a)
{
	switch (a->pads.mode) {
	case PADS_VIEW:
		return "↑↓/jk scroll · PgUp/PgDn page · Home/End · e edit · q "
		       "back";
	case PADS_BACKUPS:
		return "↑↓/jk move · Enter/r restore · q back";
	case PADS_FILTER:
		return "type to filter · Enter keep · Esc clear";
	default:
		return screen_pads.keys;
	}
}

const struct screen screen_pads = {
    .keys_now = pads_keys_now,
    .name = "Pads",
    .keys = "Enter view · n new · r rename · e edit · d delete · b backups · "
            "/ filter · ? help · q quit",
    .help = "Pads\n\n↑ ↓ j k: move · PgUp PgDn: page · Home End: first / last\n"
            "Enter: view the JSON (↑↓ PgUp PgDn scroll, e edit, q back)\n"
            "n: new pad (name, then template) · r: rename\n"
            "e: edit in $EDITOR (the JSON is checked on return)\n"
            "d: delete (asks first) · b: backups (Enter restores, asks first)\n"
            "/: filter by name (Enter keeps it, Esc clears) · R: refresh\n"
            "L: sign out",
    .enter = pads_enter,
    .draw = view_pads,
    .key = pads_key,
};
