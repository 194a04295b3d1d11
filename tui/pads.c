/*
 * The pads screen: the caller's pads and those shared with them, paged from
 * the server (pad.list's cursor, model_pad_pages.c) with its sort and
 * search. Create, rename, delete and sharing live in pad_menu.c; the views
 * pushed over it in their own files (the viewer pad_viewer.c, the backups
 * backups.c); editing in $EDITOR in pad_edit.c. A shared pad is read-only
 * here: the keys that would change it say whose it is instead.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "pad_edit.h"
#include "pad_pages.h"
#include "pads.h"
#include "term.h"
#include "widgets.h"
#include "xalloc.h"

enum pads_mode { PADS_LIST, PADS_FILTER };

struct pads_screen {
	struct app *app;
	struct list_model list;
	struct pad_actions actions;
	enum pads_mode mode;
	char filter[128]; /* the search as typed */
	struct edit_cursor filter_cur;
	uint64_t typed_at;  /* last key in the search (loop ms) */
	int search_pending; /* typed, not yet asked */
	int loaded;
	int to_end;       /* End: keep paging, then select the last */
	int home;         /* a new sort or search: select its first row */
	size_t refill;    /* a reload reads pages again up to this many rows */
	char keep_id[64]; /* the pad selected when the reload began */
	size_t sort;      /* index into pad_sorts */
	int desc;         /* its direction now */
	struct pad_pages pages;
};

/* A pad.list request in flight: which generation and kind of page. */
struct page_req {
	struct pads_screen *p;
	unsigned gen;
	int first;
};

/* Typing pauses this long (ms) before the search goes to the server;
 * Enter asks at once. */

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
	A_SORT,
	A_MENU,
	A_TRASH,
	A_NEXT_MATCH,
	A_PREV_MATCH,
	A_REVERSE
};

/* What s cycles through: pad.list's sorts, each in its usual direction
 * (desc); S reverses it (pad.list's order). */
static const struct {
	const char *key, *label;
	int desc;
	const char *dir[2]; /* ascending, descending */
} pad_sorts[] = {
    {"created", "creation (oldest first)", 0, {"oldest first", "newest first"}},
    {"name", "name", 0, {"A to Z", "Z to A"}},
    {"updated",
     "newest change",
     1,
     {"oldest change first", "newest change first"}},
};

/* The list's keys but n: new, or the next match once a search is kept. */
#define PADS_LIST_KEYS                                                         \
	{'r', A_RENAME | BIND_ACTS, "rename", "rename"},                       \
	    {'e', A_EDIT | BIND_ACTS, "edit in $EDITOR", "edit"},              \
	    {'d', A_DELETE | BIND_ACTS, "delete (asks first)", "delete"},      \
	    {'b', A_BACKUPS, "backups (preview, diff, restore)", "backups"},   \
	    {'m', A_MENU, "pad menu: share, shares / unshare, backups, trash", \
	     "menu"},                                                          \
	    {'t', A_TRASH, "trash: undelete or purge deleted pads", "trash"},  \
	    {'/', A_FILTER, "search names (on the server)", "search"},         \
	    {'s', A_SORT, "sort: created / name / newest change", "sort"},     \
	    {'S', A_REVERSE, "reverse the order", NULL},                       \
	    {'R', A_REFRESH, "refresh", NULL},                                 \
	    {'q', A_BACK, "clear the search, else back / quit", NULL},         \
	    {K_ESC, A_BACK, "clear the search, else back (never quits)",       \
	     NULL},                                                            \
	    NAV_KEYS

static const struct binding list_keys[] = {
    {K_ENTER, A_OPEN, "view", "view"},
    {'n', A_NEW | BIND_ACTS, "new", "new"},
    PADS_LIST_KEYS,
    {0, 0, NULL, NULL},
};

/* A search kept: n and N go from match to match, as after / in less. */
static const struct binding searched_keys[] = {
    {K_ENTER, A_OPEN, "view", "view"},
    {'n', A_NEXT_MATCH, "next / previous match (Esc clears the search)",
     "next match"},
    {'N', A_PREV_MATCH, NULL, NULL},
    PADS_LIST_KEYS,
    {0, 0, NULL, NULL},
};

/* What n and N match. */
static const char *const name_keys[] = {"display_name", NULL};

static const struct binding filter_keys[] = {
    {K_ENTER, A_KEEP, "search now, keep it", "keep"},
    {K_ESC, A_CLEAR, "clear it", "clear"},
    {K_UP, NAV_UP, "move", NULL},
    {K_DOWN, NAV_DOWN, NULL, NULL},
    {0, 0, NULL, NULL},
};

static const char *
sel_str(struct list_model *l, const char *k)
{
	return jstr(list_selected(l), k);
}

static void pads_more(struct pads_screen *, int first, size_t rows);

/* Selects the row of pad id; 0 when it is not loaded. */
static int
pads_select_id(struct pads_screen *p, const char *id)
{
	for (size_t i = 0; i < p->list.nvis; i++)
		if (strcmp(jstr(list_row(&p->list, i), "id"), id) == 0) {
			list_move(&p->list, (long)i - (long)p->list.sel);
			return 1;
		}
	return 0;
}

static void
on_page(void *ud, json_t *result, const struct pl_error *err)
{
	struct page_req *r = ud;
	struct pads_screen *p = r->p;
	unsigned gen = r->gen;
	int first = r->first;

	free(r);
	if (err->code) {
		pad_pages_failed(&p->pages, gen);
		p->to_end = 0;
		app_failed(p->app, err, "Could not load pads");
		return;
	}
	if (pad_pages_apply(&p->pages, &p->list, gen, first, result) < 0)
		return; /* an older sort or search */
	p->loaded = 1;
	if (first && p->home) {
		p->home = 0;
		list_home(&p->list);
	}
	if (p->keep_id[0] && pads_select_id(p, p->keep_id))
		p->keep_id[0] = '\0';
	if (p->refill > p->pages.loaded && !p->pages.done) {
		pads_more(p, 0, p->refill - p->pages.loaded);
		app_dirty(p->app);
		return;
	}
	p->refill = 0;
	p->keep_id[0] = '\0';
	if (p->to_end && !p->pages.done)
		pads_more(p, 0, PAD_PAGE_MAX);
	else if (p->to_end) {
		p->to_end = 0;
		list_end(&p->list);
	}
	app_dirty(p->app);
}

/* Asks the next page (first: the first page again, for `rows` rows). */
static void
pads_more(struct pads_screen *p, int first, size_t rows)
{
	struct page_req *r;
	unsigned gen;
	json_t *params = pad_pages_request(&p->pages, first, rows, &gen);

	if (!params)
		return;
	r = xcalloc(1, sizeof *r);
	r->p = p;
	r->gen = gen;
	r->first = first;
	rpc_send(p->app->rpc, "pad.list", params, on_page, r);
}

/* Reloads what is loaded (at least a page, in pages of at most
 * PAD_PAGE_MAX), keeping the selection on the same pad. */
static void
pads_refresh(void *ud)
{
	struct pads_screen *p = ud;

	p->refill = p->pages.loaded;
	snprintf(p->keep_id, sizeof p->keep_id, "%s", sel_str(&p->list, "id"));
	pads_more(p, 1, p->pages.loaded);
}

/* A new sort or search: from the first page. */
static void
pads_restart(struct pads_screen *p)
{
	p->search_pending = 0;
	p->to_end = 0;
	p->home = 1;
	p->refill = 0;
	p->keep_id[0] = '\0';
	snprintf(p->pages.order, sizeof p->pages.order, "%s",
	         p->desc ? "desc" : "asc");
	pad_pages_reset(&p->pages, pad_sorts[p->sort].key, p->filter);
	pads_more(p, 1, 0);
}

/* Shared with the caller: says whose it is and returns 1. */
static int
pads_read_only(struct pads_screen *p, json_t *pad)
{
	const char *owner;

	if (strcmp(jstr(pad, "access"), "viewer") != 0)
		return 0;
	owner = jstr(json_object_get(pad, "owner"), "username");
	app_flash(p->app, 1, "read-only: shared by %s", owner[0] ? owner : "?");
	return 1;
}

static void *
pads_init(struct app *a)
{
	struct pads_screen *p = xcalloc(1, sizeof *p);

	p->app = a;
	list_init(&p->list, NULL);
	p->list.counted = 1; /* one counter: the pages' (pad_pages_status) */
	pad_pages_init(&p->pages);
	pad_actions_init(&p->actions, a, pads_refresh, p);
	return p;
}

static void
pads_free(void *st)
{
	struct pads_screen *p = st;

	list_free(&p->list);
	pad_pages_free(&p->pages);
	pad_actions_free(&p->actions);
	free(p);
}

static void
pads_enter(struct app *a, void *st)
{
	struct pads_screen *p = st;

	if (p->mode == PADS_FILTER)
		p->mode = PADS_LIST;
	(void)a;
	if (p->pages.started)
		pads_refresh(p);
	else
		pads_restart(p);
	pad_actions_load_templates(&p->actions);
}

/* ---- actions ---- */

static void
on_get_view(void *ud, json_t *result, const struct pl_error *err)
{
	struct pads_screen *p = ud;

	if (app_failed(p->app, err, "Could not open the pad"))
		return;
	pad_viewer_push(p->app, json_object_get(result, "pad"), pads_refresh,
	                p);
}

static const struct binding *
pads_keys_now(struct app *a, void *st)
{
	struct pads_screen *p = st;

	(void)a;
	if (p->mode == PADS_FILTER)
		return filter_keys;
	return p->filter[0] ? searched_keys : list_keys;
}

/* While the search is typed, q ? L are letters of it. */
static int
pads_typing(struct app *a, void *st)
{
	struct pads_screen *p = st;

	(void)a;
	return p->mode == PADS_FILTER;
}

/* Moving near the end of what is loaded asks the next page; End pages on
 * to the last. */
static void
pads_nav_more(struct pads_screen *p, int action)
{
	if (action == NAV_END && !p->pages.done) {
		p->to_end = 1;
		pads_more(p, 0, PAD_PAGE_MAX);
	} else if (pad_pages_want_more(&p->pages, &p->list)) {
		pads_more(p, 0, PAD_PAGE_ROWS);
	}
}

static int
pads_key(struct app *a, void *st, int action, int key)
{
	struct pads_screen *p = st;
	int has_sel = list_selected(&p->list) != NULL;
	json_t *sel;

	switch (p->mode) {
	case PADS_FILTER:
		if (list_nav(&p->list, action)) {
			pads_nav_more(p, action);
			return 1;
		}
		if (action == A_KEEP || action == A_CLEAR) {
			if (action == A_CLEAR)
				edit_clear(p->filter, &p->filter_cur);
			p->mode = PADS_LIST;
			if (action == A_CLEAR ||
			    strcmp(p->filter, p->pages.q) != 0 ||
			    p->search_pending)
				pads_restart(p);
		} else {
			edit_key(p->filter, sizeof p->filter, &p->filter_cur,
			         key);
			p->search_pending = strcmp(p->filter, p->pages.q) != 0;
			p->typed_at = uv_now(a->loop);
		}
		return 1;
	case PADS_LIST:
		break;
	}
	if (list_nav(&p->list, action)) {
		pads_nav_more(p, action);
		return 1;
	}
	switch (action) {
	case A_FILTER:
		p->mode = PADS_FILTER;
		return 1;
	case A_BACK:
		if (!p->filter[0])
			return 0;
		edit_clear(p->filter, &p->filter_cur);
		pads_restart(p);
		return 1;
	case A_NEW:
		pad_actions_new(&p->actions);
		return 1;
	case A_NEXT_MATCH:
	case A_PREV_MATCH:
		if (!list_find(&p->list, name_keys, p->filter,
		               action == A_NEXT_MATCH ? 1 : -1))
			app_flash(a, 1, "No pad matches \"%s\".", p->filter);
		pads_nav_more(p, NAV_DOWN);
		return 1;
	case A_TRASH:
		trash_open(p->actions.trash);
		return 1;
	case A_REFRESH:
		pads_refresh(p);
		return 1;
	case A_SORT:
		p->sort =
		    (p->sort + 1) % (sizeof pad_sorts / sizeof pad_sorts[0]);
		p->desc = pad_sorts[p->sort].desc;
		pads_restart(p);
		app_flash(a, 0, "Sorted by %s.", pad_sorts[p->sort].label);
		return 1;
	case A_REVERSE:
		p->desc = !p->desc;
		pads_restart(p);
		app_flash(a, 0, "Sorted %s.", pad_sorts[p->sort].dir[p->desc]);
		return 1;
	}
	if (!has_sel)
		return 0;
	sel = list_selected(&p->list);
	if ((action == A_RENAME || action == A_EDIT || action == A_DELETE ||
	     action == A_BACKUPS || action == A_MENU) &&
	    pads_read_only(p, sel))
		return 1;
	switch (action) {
	case A_OPEN:
		app_flow_call(a, "pad.get",
		              json_pack("{s:s}", "id", sel_str(&p->list, "id")),
		              on_get_view, p, NULL);
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
		backups_view_push(a, sel_str(&p->list, "id"),
		                  sel_str(&p->list, "display_name"),
		                  pads_refresh, p);
		return 1;
	case A_MENU:
		pad_actions_menu(&p->actions, sel);
		return 1;
	}
	return 0;
}

/* ---- drawing ---- */

static void
pad_row(json_t *pad, char *buf, size_t size, int w)
{
	char t[32], sz[32], name[512], owner[128], who[80];

	short_time(jstr(pad, "updated_at"), t, sizeof t);
	pad_size_text(pad, sz, sizeof sz);
	/* A shared pad says whose it is; the caller's own say nothing. */
	snprintf(who, sizeof who, "%s%s",
	         strcmp(jstr(pad, "access"), "viewer") == 0 ? "@" : "",
	         jstr(json_object_get(pad, "owner"), "username"));
	ui_fit(who, 12, owner, sizeof owner);
	/* Cells, not bytes: a wide name keeps the columns lined up. */
	ui_fit(json_string_value(json_object_get(pad, "display_name"))
	           ? jstr(pad, "display_name")
	           : "?",
	       w - 45, name, sizeof name);
	snprintf(buf, size, " %s %s %-19s %9s", name, owner, t, sz);
}

static void
pads_draw(struct app *a, void *st, int rows, int cols)
{
	struct pads_screen *p = st;
	int h = rows - 6;
	const char *sort_key = pad_sorts[p->sort].key;
	const char *arrow = p->desc ? " ↓" : " ↑";
	char count[64], name[256], updated[64], head[64];

	(void)a;
	ui_attr(UI_TITLE);
	/* Padded in cells, not bytes: the arrow is one cell, three bytes. */
	snprintf(head, sizeof head, "Name%s",
	         strcmp(sort_key, "name") == 0 ? arrow : "");
	ui_fit(head, cols - 45, name, sizeof name);
	snprintf(head, sizeof head, "Updated (UTC)%s",
	         strcmp(sort_key, "updated") == 0 ? arrow : "");
	ui_fit(head, 19, updated, sizeof updated);
	ui_putf(1, 0, cols, " %s %-12s %s %9s", name, "Owner", updated, "Size");
	ui_attr(UI_NORMAL);
	ui_hline(2, 0, cols);
	list_draw(&p->list, 3, 0, h - 1, cols, pad_row,
	          !p->loaded      ? "Loading…"
	          : p->pages.q[0] ? "No pad matches the filter."
	                          : "No pads yet: press n to create one.");
	if (p->mode == PADS_FILTER || p->filter[0])
		field_draw(rows - 3, 1, 9, 40, "Search /", p->filter,
		           &p->filter_cur, 0, p->mode == PADS_FILTER);
	pad_pages_status(&p->pages, &p->list, count, sizeof count);
	ui_attr(UI_DIM);
	ui_putf(rows - 3, cols - 32, 31, "%31s",
	        p->pages.loading ? "loading…" : count);
	ui_attr(UI_NORMAL);
}

/* A search typed and left alone for a moment goes to the server. */
static void
pads_tick(struct app *a, void *st)
{
	struct pads_screen *p = st;

	if (p->search_pending &&
	    uv_now(a->loop) - p->typed_at >= SEARCH_DEBOUNCE_MS)
		pads_restart(p);
}

static const struct key_mode key_modes[] = {
    {"a search kept", searched_keys},
    {"typing a search", filter_keys},
    {NULL, NULL},
};

const struct screen screen_pads = {
    .name = "Pads",
    .about = "Pads\n\nYour pads and those shared with you (@owner: "
             "read-only), paged from the\nserver: PgDn and End load more. "
             "/ searches names on the server as you type.\nEnter views the "
             "JSON; e edits it in $EDITOR (checked on return);\nn asks a "
             "name, then a template; b lists backups (preview, diff);\nm "
             "shares the pad read-only with a user, lists and ends shares.",
    .keys = list_keys,
    .keys_now = pads_keys_now,
    .modes = key_modes,
    .typing = pads_typing,
    .init = pads_init,
    .free = pads_free,
    .enter = pads_enter,
    .draw = pads_draw,
    .key = pads_key,
    .tick = pads_tick,
};
