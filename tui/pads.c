/*
 * The pads screen: the caller's pads (filter, paging), a scrollable
 * pretty-printed viewer, create from a template, rename, delete, backups
 * with restore. Editing in $EDITOR lives in pad_edit.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "pad_edit.h"
#include "term.h"
#include "widgets.h"
#include "xalloc.h"

enum pads_mode { PADS_LIST, PADS_VIEW, PADS_BACKUPS, PADS_FILTER };

struct pads_screen {
	struct app *app;
	struct list_model list;
	struct list_model backups;
	enum pads_mode mode;
	char **lines; /* the pad being viewed, pretty-printed */
	size_t nlines, scroll;
	char title[128];
	char filter[128];
	struct edit_cursor filter_cur;
	char new_name[128];     /* between the name prompt and the template */
	json_t *templates;      /* from template.list */
	int awaiting_templates; /* a name waits for template.list */
	char pad_id[64];        /* pad of the backups / view */
	int loaded;
	size_t sort; /* index into pad_sorts */
};

enum {
	A_OPEN = 1,
	A_NEW,
	A_RENAME,
	A_EDIT,
	A_DELETE,
	A_BACKUPS,
	A_FILTER,
	A_REFRESH,
	A_BACK,
	A_RESTORE,
	A_KEEP,
	A_CLEAR,
	A_SORT
};

/* What s cycles through. */
static const struct {
	const char *key, *label;
	int desc;
} pad_sorts[] = {
    {NULL, "as listed", 0},
    {"display_name", "name", 0},
    {"updated_at", "newest change", 1},
};

static const struct binding list_keys[] = {
    {K_ENTER, A_OPEN, "view", "view"},
    {'n', A_NEW, "new", "new"},
    {'r', A_RENAME, "rename", "rename"},
    {'e', A_EDIT, "edit in $EDITOR", "edit"},
    {'d', A_DELETE, "delete (asks first)", "delete"},
    {'b', A_BACKUPS, "backups", "backups"},
    {'/', A_FILTER, "filter", "filter"},
    {'s', A_SORT, "sort: as listed / name / newest change", "sort"},
    {'R', A_REFRESH, "refresh", NULL},
    {'q', A_BACK, "clear the filter, else back / quit", NULL},
    {K_ESC, A_BACK, NULL, NULL},
    NAV_KEYS,
    {0, 0, NULL, NULL},
};

static const struct binding view_keys[] = {
    {'e', A_EDIT, "edit", "edit"},
    {'q', A_BACK, "back", "back"},
    {K_ESC, A_BACK, NULL, NULL},
    NAV_KEYS,
    {0, 0, NULL, NULL},
};

static const struct binding backup_keys[] = {
    {K_ENTER, A_RESTORE, "restore (asks first)", "restore"},
    {'r', A_RESTORE, NULL, NULL},
    {'q', A_BACK, "back", "back"},
    {K_ESC, A_BACK, NULL, NULL},
    NAV_KEYS,
    {0, 0, NULL, NULL},
};

static const struct binding filter_keys[] = {
    {K_ENTER, A_KEEP, "keep the filter", "keep"},
    {K_ESC, A_CLEAR, "clear it", "clear"},
    {K_UP, NAV_UP, "move", NULL},
    {K_DOWN, NAV_DOWN, NULL, NULL},
    {0, 0, NULL, NULL},
};

/* What the filter matches (kept by the list: static storage). */
static const char *const pad_filter_keys[] = {"display_name", NULL};

static const char *
sel_str(struct list_model *l, const char *k)
{
	return jstr(list_selected(l), k);
}

static void
on_list(void *ud, json_t *result, const struct pl_error *err)
{
	struct pads_screen *p = ud;

	if (app_failed(p->app, err, "Could not load pads"))
		return;
	p->loaded = 1;
	list_set_items(&p->list, json_incref(json_object_get(result, "pads")));
	app_dirty(p->app);
}

static void
pads_refresh(void *ud)
{
	struct pads_screen *p = ud;

	rpc_call(p->app->rpc, "pad.list", NULL, on_list, p);
}

static void pads_pick_template(struct pads_screen *);

static void
on_templates(void *ud, json_t *result, const struct pl_error *err)
{
	struct pads_screen *p = ud;

	/* Creating from a template is optional: an error means none. */
	if (!err->code) {
		json_decref(p->templates);
		p->templates =
		    json_incref(json_object_get(result, "templates"));
	}
	if (p->awaiting_templates && p->app->dlg.kind == DLG_NONE) {
		p->awaiting_templates = 0;
		pads_pick_template(p); /* the name came before the list */
	}
}

static void *
pads_init(struct app *a)
{
	struct pads_screen *p = xcalloc(1, sizeof *p);

	p->app = a;
	list_init(&p->list, pad_filter_keys);
	list_init(&p->backups, NULL);
	return p;
}

static void
pads_free(void *st)
{
	struct pads_screen *p = st;

	list_free(&p->list);
	list_free(&p->backups);
	text_lines_free(p->lines, p->nlines);
	json_decref(p->templates);
	free(p);
}

static void
pads_enter(struct app *a, void *st)
{
	struct pads_screen *p = st;

	if (p->mode == PADS_FILTER)
		p->mode = PADS_LIST;
	pads_refresh(p);
	if (!p->templates)
		rpc_call(a->rpc, "template.list", NULL, on_templates, p);
}

/* ---- actions ---- */

static void
on_get_view(void *ud, json_t *result, const struct pl_error *err)
{
	struct pads_screen *p = ud;
	json_t *pad = json_object_get(result, "pad");
	char *text;

	if (app_failed(p->app, err, "Could not open the pad"))
		return;
	text = json_pretty(json_object_get(pad, "data"));
	text_lines_free(p->lines, p->nlines);
	p->nlines = text_split_lines(text, &p->lines);
	free(text);
	p->scroll = 0;
	snprintf(p->title, sizeof p->title, "%s", jstr(pad, "display_name"));
	snprintf(p->pad_id, sizeof p->pad_id, "%s", jstr(pad, "id"));
	p->mode = PADS_VIEW;
	app_dirty(p->app);
}

static void
on_changed(void *ud, json_t *result, const struct pl_error *err)
{
	struct pads_screen *p = ud;

	(void)result;
	if (app_failed(p->app, err, "Could not save"))
		return;
	app_flash(p->app, 0, "Saved.");
	pads_refresh(p);
}

static void
on_created(void *ud, json_t *result, const struct pl_error *err)
{
	struct pads_screen *p = ud;

	if (app_failed(p->app, err, "Could not create the pad"))
		return;
	app_flash(p->app, 0, "Created %s.",
	          jstr(json_object_get(result, "pad"), "display_name"));
	pads_refresh(p);
}

static void
create_with(struct pads_screen *p, const char *tmpl)
{
	json_t *params = json_pack("{s:s}", "display_name", p->new_name);

	if (tmpl)
		json_object_set_new(params, "template", json_string(tmpl));
	rpc_call(p->app->rpc, "pad.create", params, on_created, p);
}

static void
on_template_picked(struct app *a, void *ud, int ok, const char *input,
                   size_t choice)
{
	struct pads_screen *p = ud;

	(void)a;
	(void)input;
	if (!ok)
		return;
	if (choice == 0)
		create_with(p, NULL);
	else
		create_with(
		    p, jstr(json_array_get(p->templates, choice - 1), "name"));
}

static void
pads_pick_template(struct pads_screen *p)
{
	json_t *choices;
	size_t i;
	json_t *t;

	if (json_array_size(p->templates) == 0) {
		create_with(p, NULL);
		return;
	}
	choices = json_array();
	json_array_append_new(choices, json_string("(empty pad)"));
	json_array_foreach (p->templates, i, t) {
		const char *dn = jstr(t, "display_name");

		json_array_append_new(choices, json_string(dn[0] ? dn
		                                           : jstr(t, "name")[0]
		                                               ? jstr(t, "name")
		                                               : "?"));
	}
	app_pick(p->app, "Template", choices, on_template_picked, p);
}

static void
on_new_name(struct app *a, void *ud, int ok, const char *input, size_t choice)
{
	struct pads_screen *p = ud;

	(void)choice;
	if (!ok)
		return;
	if (!input[0]) {
		app_flash(a, 1, "A pad needs a name.");
		return;
	}
	snprintf(p->new_name, sizeof p->new_name, "%s", input);
	if (!p->templates) {
		/* template.list not answered yet: on_templates goes on. */
		p->awaiting_templates = 1;
		rpc_call(a->rpc, "template.list", NULL, on_templates, p);
		return;
	}
	pads_pick_template(p);
}

static void
on_rename(struct app *a, void *ud, int ok, const char *input, size_t choice)
{
	struct pads_screen *p = ud;

	(void)choice;
	if (!ok || !input[0] || !list_selected(&p->list))
		return;
	rpc_call(a->rpc, "pad.update",
	         json_pack("{s:s, s:s}", "id", sel_str(&p->list, "id"),
	                   "display_name", input),
	         on_changed, p);
}

static void
on_deleted(void *ud, json_t *result, const struct pl_error *err)
{
	struct pads_screen *p = ud;

	(void)result;
	if (app_failed(p->app, err, "Could not delete"))
		return;
	app_flash(p->app, 0, "Deleted.");
	pads_refresh(p);
}

static void
on_delete_confirmed(struct app *a, void *ud, int ok, const char *input,
                    size_t choice)
{
	struct pads_screen *p = ud;

	(void)input;
	(void)choice;
	if (!ok || !list_selected(&p->list))
		return;
	rpc_call(a->rpc, "pad.delete",
	         json_pack("{s:s}", "id", sel_str(&p->list, "id")), on_deleted,
	         p);
}

static void
on_backups(void *ud, json_t *result, const struct pl_error *err)
{
	struct pads_screen *p = ud;

	if (app_failed(p->app, err, "Could not list backups"))
		return;
	list_set_items(&p->backups,
	               json_incref(json_object_get(result, "backups")));
	list_home(&p->backups);
	p->mode = PADS_BACKUPS;
	app_dirty(p->app);
}

static void
on_restored(void *ud, json_t *result, const struct pl_error *err)
{
	struct pads_screen *p = ud;

	(void)result;
	if (app_failed(p->app, err, "Could not restore"))
		return;
	app_flash(p->app, 0, "Restored.");
	p->mode = PADS_LIST;
	pads_refresh(p);
}

static void
on_restore_confirmed(struct app *a, void *ud, int ok, const char *input,
                     size_t choice)
{
	struct pads_screen *p = ud;
	json_t *b = list_selected(&p->backups);

	(void)input;
	(void)choice;
	if (!ok || !b)
		return;
	rpc_call(a->rpc, "pad.restore",
	         json_pack("{s:s, s:O}", "id", p->pad_id, "backup_id",
	                   json_object_get(b, "id")),
	         on_restored, p);
}

static const struct binding *
pads_keys_now(struct app *a, void *st)
{
	struct pads_screen *p = st;

	(void)a;
	switch (p->mode) {
	case PADS_VIEW:
		return view_keys;
	case PADS_BACKUPS:
		return backup_keys;
	case PADS_FILTER:
		return filter_keys;
	default:
		return list_keys;
	}
}

/* The pad viewer scrolls by lines: the NAV_* actions on its text. */
static int
view_key(struct pads_screen *p, int action)
{
	size_t page = (size_t)(app_rows() > 6 ? app_rows() - 5 : 1);
	size_t max = p->nlines > page ? p->nlines - page : 0;

	switch (action) {
	case NAV_UP:
		p->scroll = p->scroll ? p->scroll - 1 : 0;
		break;
	case NAV_DOWN:
		p->scroll++;
		break;
	case NAV_PGUP:
		p->scroll = p->scroll > page ? p->scroll - page : 0;
		break;
	case NAV_PGDN:
		p->scroll += page;
		break;
	case NAV_HOME:
		p->scroll = 0;
		break;
	case NAV_END:
		p->scroll = max;
		break;
	case A_BACK:
		p->mode = PADS_LIST;
		return 1;
	case A_EDIT:
		p->mode = PADS_LIST;
		pad_edit_start(p->app, p->pad_id, pads_refresh, p);
		return 1;
	default:
		return 0;
	}
	if (p->scroll > max)
		p->scroll = max;
	return 1;
}

static int
pads_key(struct app *a, void *st, int action, int key)
{
	struct pads_screen *p = st;
	int has_sel = list_selected(&p->list) != NULL;
	char text[300], t[32];

	switch (p->mode) {
	case PADS_VIEW:
		return view_key(p, action);
	case PADS_BACKUPS:
		if (list_nav(&p->backups, action))
			return 1;
		if (action == A_BACK) {
			p->mode = PADS_LIST;
			return 1;
		}
		if (action == A_RESTORE && list_selected(&p->backups)) {
			short_time(backup_time(list_selected(&p->backups)), t,
			           sizeof t);
			snprintf(
			    text, sizeof text,
			    "Restore the backup from %s?\nThe current data "
			    "is backed up first.",
			    t);
			app_confirm(a, "Restore backup", text,
			            on_restore_confirmed, p);
			return 1;
		}
		return 0;
	case PADS_FILTER:
		if (list_nav(&p->list, action))
			return 1;
		if (action == A_KEEP || action == A_CLEAR) {
			if (action == A_CLEAR)
				edit_clear(p->filter, &p->filter_cur);
			p->mode = PADS_LIST;
		} else {
			edit_key(p->filter, sizeof p->filter, &p->filter_cur,
			         key);
		}
		list_set_filter(&p->list, p->filter);
		return 1;
	case PADS_LIST:
		break;
	}
	if (list_nav(&p->list, action))
		return 1;
	switch (action) {
	case A_FILTER:
		p->mode = PADS_FILTER;
		return 1;
	case A_BACK:
		if (!p->filter[0])
			return 0;
		edit_clear(p->filter, &p->filter_cur);
		list_set_filter(&p->list, "");
		return 1;
	case A_NEW:
		app_prompt(a, "New pad name", "", on_new_name, p);
		return 1;
	case A_REFRESH:
		pads_refresh(p);
		return 1;
	case A_SORT:
		p->sort =
		    (p->sort + 1) % (sizeof pad_sorts / sizeof pad_sorts[0]);
		list_sort(&p->list, pad_sorts[p->sort].key,
		          pad_sorts[p->sort].desc);
		if (!pad_sorts[p->sort].key)
			pads_refresh(p); /* the server's order again */
		app_flash(a, 0, "Sorted by %s.", pad_sorts[p->sort].label);
		return 1;
	}
	if (!has_sel)
		return 0;
	switch (action) {
	case A_OPEN:
		rpc_call(a->rpc, "pad.get",
		         json_pack("{s:s}", "id", sel_str(&p->list, "id")),
		         on_get_view, p);
		return 1;
	case A_RENAME:
		app_prompt(a, "Rename pad", sel_str(&p->list, "display_name"),
		           on_rename, p);
		return 1;
	case A_EDIT:
		pad_edit_start(a, sel_str(&p->list, "id"), pads_refresh, p);
		return 1;
	case A_DELETE:
		snprintf(text, sizeof text, "Delete \"%s\" and its backups?",
		         sel_str(&p->list, "display_name"));
		app_confirm(a, "Delete pad", text, on_delete_confirmed, p);
		return 1;
	case A_BACKUPS:
		snprintf(p->pad_id, sizeof p->pad_id, "%s",
		         sel_str(&p->list, "id"));
		snprintf(p->title, sizeof p->title, "%s",
		         sel_str(&p->list, "display_name"));
		rpc_call(a->rpc, "pad.backups",
		         json_pack("{s:s}", "id", p->pad_id), on_backups, p);
		return 1;
	}
	return 0;
}

/* ---- drawing ---- */

static void
pad_row(json_t *pad, char *buf, size_t size, int w)
{
	char t[32], sz[32], name[512];

	short_time(jstr(pad, "updated_at"), t, sizeof t);
	pad_size_text(pad, sz, sizeof sz);
	/* Cells, not bytes: a wide name keeps the columns lined up. */
	ui_fit(json_string_value(json_object_get(pad, "display_name"))
	           ? jstr(pad, "display_name")
	           : "?",
	       w - 32, name, sizeof name);
	snprintf(buf, size, " %s %-19s %9s", name, t, sz);
}

static void
backup_row(json_t *b, char *buf, size_t size, int w)
{
	char t[32], sz[32];

	(void)w;
	short_time(backup_time(b), t, sizeof t);
	pad_size_text(b, sz, sizeof sz);
	snprintf(buf, size, " %-20s %10s", t, sz);
}

static void
pads_draw(struct app *a, void *st, int rows, int cols)
{
	struct pads_screen *p = st;
	int h = rows - 6;
	const char *sort_key;

	(void)a;
	if (p->mode == PADS_VIEW) {
		ui_attr(UI_TITLE);
		ui_putf(1, 1, cols - 2, "%s", p->title);
		ui_attr(UI_NORMAL);
		ui_hline(2, 0, cols);
		for (int i = 0; i < h + 1 && p->scroll + (size_t)i < p->nlines;
		     i++)
			ui_put(3 + i, 1, cols - 2,
			       p->lines[p->scroll + (size_t)i]);
		ui_attr(UI_DIM);
		ui_putf(1, cols - 24, 23, "lines %zu-%zu/%zu",
		        p->nlines ? p->scroll + 1 : 0,
		        p->scroll + (size_t)h + 1 < p->nlines
		            ? p->scroll + (size_t)h + 1
		            : p->nlines,
		        p->nlines);
		ui_attr(UI_NORMAL);
		return;
	}
	if (p->mode == PADS_BACKUPS) {
		ui_attr(UI_TITLE);
		ui_putf(1, 1, cols - 2, "Backups of %s (newest first)",
		        p->title);
		ui_attr(UI_NORMAL);
		ui_putf(2, 1, cols - 2, " %-20s %10s", "saved", "size");
		ui_hline(3, 0, cols);
		list_draw(
		    &p->backups, 4, 0, h - 2, cols, backup_row,
		    "No backups yet: a backup is made when the data changes.");
		return;
	}
	ui_attr(UI_TITLE);
	sort_key = pad_sorts[p->sort].key ? pad_sorts[p->sort].key : "";
	ui_putf(1, 0, cols, " %-*s %-19s %9s", cols - 32,
	        strcmp(sort_key, "display_name") == 0 ? "Name ↑" : "Name",
	        strcmp(sort_key, "updated_at") == 0 ? "Updated (UTC) ↓"
	                                            : "Updated (UTC)",
	        "Size");
	ui_attr(UI_NORMAL);
	ui_hline(2, 0, cols);
	list_draw(&p->list, 3, 0, h - 1, cols, pad_row,
	          !p->loaded          ? "Loading…"
	          : p->list.filter[0] ? "No pad matches the filter."
	                              : "No pads yet: press n to create one.");
	if (p->mode == PADS_FILTER || p->list.filter[0])
		field_draw(rows - 3, 1, 9, 40, "Filter /", p->filter,
		           &p->filter_cur, 0, p->mode == PADS_FILTER);
}

const struct screen screen_pads = {
    .name = "Pads",
    .about = "Pads\n\nEnter views the JSON; e edits it in $EDITOR (checked "
             "on return);\nn asks a name, then a template; b lists backups.",
    .keys = list_keys,
    .keys_now = pads_keys_now,
    .init = pads_init,
    .free = pads_free,
    .enter = pads_enter,
    .draw = pads_draw,
    .key = pads_key,
};
