/*
 * The pads screen: the caller's pads (filter, paging) and a scrollable
 * pretty-printed viewer. Create, rename and delete live in pad_menu.c,
 * the backups view in backups.c, editing in $EDITOR in pad_edit.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "pad_edit.h"
#include "pads.h"
#include "term.h"
#include "widgets.h"
#include "xalloc.h"

enum pads_mode { PADS_LIST, PADS_VIEW, PADS_FILTER };

struct pads_screen {
	struct app *app;
	struct list_model list;
	struct pad_actions actions;
	struct backups_view *backups;
	enum pads_mode mode;
	char **lines; /* the pad being viewed, pretty-printed */
	size_t nlines, scroll;
	char title[128];
	char filter[128];
	struct edit_cursor filter_cur;
	char pad_id[64]; /* pad of the view */
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

static void *
pads_init(struct app *a)
{
	struct pads_screen *p = xcalloc(1, sizeof *p);

	p->app = a;
	list_init(&p->list, pad_filter_keys);
	pad_actions_init(&p->actions, a, pads_refresh, p);
	p->backups = backups_view_new(a, pads_refresh, p);
	return p;
}

static void
pads_free(void *st)
{
	struct pads_screen *p = st;

	list_free(&p->list);
	backups_view_free(p->backups);
	pad_actions_free(&p->actions);
	text_lines_free(p->lines, p->nlines);
	free(p);
}

static void
pads_enter(struct app *a, void *st)
{
	struct pads_screen *p = st;

	if (p->mode == PADS_FILTER)
		p->mode = PADS_LIST;
	(void)a;
	pads_refresh(p);
	pad_actions_load_templates(&p->actions);
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

static const struct binding *
pads_keys_now(struct app *a, void *st)
{
	struct pads_screen *p = st;

	(void)a;
	if (backups_view_active(p->backups))
		return backups_view_keys(p->backups);
	switch (p->mode) {
	case PADS_VIEW:
		return view_keys;
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

	if (backups_view_active(p->backups))
		return backups_view_key(p->backups, action, key);
	switch (p->mode) {
	case PADS_VIEW:
		return view_key(p, action);
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
		pad_actions_new(&p->actions);
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
		pad_actions_rename(&p->actions, list_selected(&p->list));
		return 1;
	case A_EDIT:
		pad_edit_start(a, sel_str(&p->list, "id"), pads_refresh, p);
		return 1;
	case A_DELETE:
		pad_actions_delete(&p->actions, list_selected(&p->list));
		return 1;
	case A_BACKUPS:
		backups_view_open(p->backups, sel_str(&p->list, "id"),
		                  sel_str(&p->list, "display_name"));
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
pads_draw(struct app *a, void *st, int rows, int cols)
{
	struct pads_screen *p = st;
	int h = rows - 6;
	const char *sort_key;

	(void)a;
	if (backups_view_active(p->backups)) {
		backups_view_draw(p->backups, rows, cols);
		return;
	}
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
