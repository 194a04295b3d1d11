/*
 * The backups view, pushed over the pads screen: the backups of one pad,
 * newest first; a backup's data pretty-printed (pad.backup_get), and a line
 * diff of it against the pad's current data — what a restore would change —
 * before restoring it (asked first, sent with if_version so a change made
 * meanwhile is not overwritten unseen).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diff.h"
#include "pads.h"
#include "widgets.h"
#include "xalloc.h"

enum backups_mode { BK_LIST, BK_PREVIEW, BK_DIFF };

struct backups_view {
	struct view v;
	struct app *app;
	struct list_model list;
	char pad_id[64];
	char title[128];
	int loaded; /* pad.backups answered */
	enum backups_mode mode;
	enum backups_mode asked; /* how the backup asked for is shown */
	char **cur;              /* the pad's current data, pretty-printed */
	size_t ncur;
	json_int_t version; /* its version (0: not known yet) */
	char **bk;          /* the backup shown, pretty-printed */
	size_t nbk;
	char bk_time[32];
	struct diff_line *diff; /* current -> backup (borrows cur and bk) */
	size_t ndiff, del, add;
	size_t scroll;
	pad_edit_done refresh; /* after a restore */
	void *ud;
};

enum { B_PREVIEW = 1, B_DIFF, B_RESTORE, B_BACK };

static const struct binding list_keys[] = {
    {K_ENTER, B_PREVIEW, "preview the backup", "preview"},
    {'p', B_PREVIEW, NULL, NULL},
    {'d', B_DIFF, "diff: what a restore would change", "diff"},
    {'r', B_RESTORE | BIND_ACTS, "restore (asks first)", "restore"},
    {'q', B_BACK, "back", "back"},
    {K_ESC, B_BACK, NULL, NULL},
    NAV_KEYS,
    {0, 0, NULL, NULL},
};

static const struct binding shown_keys[] = {
    {'d', B_DIFF, "preview / diff", "diff"},
    {'p', B_PREVIEW, NULL, NULL},
    {'r', B_RESTORE | BIND_ACTS, "restore (asks first)", "restore"},
    {'q', B_BACK, "back to the backups", "back"},
    {K_ESC, B_BACK, NULL, NULL},
    NAV_KEYS,
    {0, 0, NULL, NULL},
};

static void
backups_drop_shown(struct backups_view *b)
{
	free(b->diff);
	b->diff = NULL;
	b->ndiff = 0;
	text_lines_free(b->bk, b->nbk);
	b->bk = NULL;
	b->nbk = 0;
}

static void
backups_drop_current(struct backups_view *b)
{
	backups_drop_shown(b); /* the diff borrows the current lines */
	text_lines_free(b->cur, b->ncur);
	b->cur = NULL;
	b->ncur = 0;
	b->version = 0;
}

static void
backups_free(struct view *v)
{
	struct backups_view *b = (struct backups_view *)v;

	backups_drop_current(b);
	list_free(&b->list);
}

static void
on_backups(void *ud, json_t *result, const struct pl_error *err)
{
	struct backups_view *b = ud;

	if (app_failed(b->app, err, "Could not list backups")) {
		app_pop(b->app, &b->v);
		return;
	}
	list_set_items(&b->list,
	               json_incref(json_object_get(result, "backups")));
	list_home(&b->list);
	b->loaded = 1;
	b->mode = BK_LIST;
	app_dirty(b->app);
}

static void
on_current(void *ud, json_t *result, const struct pl_error *err)
{
	struct backups_view *b = ud;
	json_t *pad = json_object_get(result, "pad");
	char *text;

	if (app_failed(b->app, err, "Could not read the current data"))
		return;
	backups_drop_current(b);
	text = json_pretty(json_object_get(pad, "data"));
	b->ncur = text_split_lines(text, &b->cur);
	free(text);
	b->version = json_integer_value(json_object_get(pad, "version"));
	if (b->mode != BK_LIST)
		b->mode = BK_LIST; /* what was shown compared an older pad */
	app_dirty(b->app);
}

/* The backups and the current data (for the diff and if_version). */
static void
backups_load(struct backups_view *b)
{
	view_call(&b->v, b->app->rpc, "pad.backups",
	          json_pack("{s:s}", "id", b->pad_id), on_backups, b);
	view_call(&b->v, b->app->rpc, "pad.get",
	          json_pack("{s:s}", "id", b->pad_id), on_current, b);
}

static const struct binding *
backups_keys(struct view *v)
{
	return ((struct backups_view *)v)->mode == BK_LIST ? list_keys
	                                                   : shown_keys;
}

/* A backup_get reply: shown as a preview or as the diff (b->asked). */
static void
on_backup(void *ud, json_t *result, const struct pl_error *err)
{
	struct backups_view *b = ud;
	enum backups_mode mode = b->asked;
	json_t *bk = json_object_get(result, "backup");
	char *text;

	if (app_failed(b->app, err, "Could not read the backup"))
		return;
	backups_drop_shown(b);
	text = json_pretty(json_object_get(bk, "data"));
	b->nbk = text_split_lines(text, &b->bk);
	free(text);
	short_time(backup_time(bk), b->bk_time, sizeof b->bk_time);
	/* Restoring turns the current lines into the backup's. */
	b->ndiff = diff_lines(b->cur, b->ncur, b->bk, b->nbk, &b->diff);
	diff_count(b->diff, b->ndiff, &b->del, &b->add);
	b->scroll = 0;
	b->mode = mode;
	app_dirty(b->app);
}

static void
backups_show(struct backups_view *b, enum backups_mode mode)
{
	json_t *sel = list_selected(&b->list);

	if (!sel)
		return;
	b->asked = mode;
	view_call(&b->v, b->app->rpc, "pad.backup_get",
	          json_pack("{s:s, s:O}", "id", b->pad_id, "backup_id",
	                    json_object_get(sel, "id")),
	          on_backup, b);
}

static void
on_restored(void *ud, json_t *result, const struct pl_error *err)
{
	struct backups_view *b = ud;

	(void)result;
	if (err->code == 409) {
		/* Changed since the diff was made: show the new state. */
		app_failed(b->app, err, "Not restored");
		backups_load(b);
		return;
	}
	if (app_failed(b->app, err, "Could not restore"))
		return;
	app_flash(b->app, 0, "Restored.");
	app_pop(b->app, &b->v);
	b->refresh(b->ud);
}

static void
on_restore_confirmed(struct app *a, void *ud, int ok, const char *input,
                     size_t choice)
{
	struct backups_view *b = ud;
	json_t *sel = list_selected(&b->list), *params;

	(void)input;
	(void)choice;
	if (!ok || !sel)
		return;
	params = json_pack("{s:s, s:O}", "id", b->pad_id, "backup_id",
	                   json_object_get(sel, "id"));
	if (b->version > 0)
		json_object_set_new(params, "if_version",
		                    json_integer(b->version));
	view_call(&b->v, a->rpc, "pad.restore", params, on_restored, b);
}

/* The preview and the diff scroll by lines. */
static int
backups_scroll(struct backups_view *b, int action)
{
	size_t page = (size_t)(app_rows() > 7 ? app_rows() - 6 : 1);
	size_t n = b->mode == BK_DIFF ? b->ndiff : b->nbk;
	return scroll_nav(&b->scroll, n, page, action);
}

static int
backups_key(struct view *v, int action, int key)
{
	struct backups_view *b = (struct backups_view *)v;
	char text[300], t[32];

	(void)key;
	if (b->mode == BK_LIST ? list_nav(&b->list, action)
	                       : backups_scroll(b, action))
		return 1;
	switch (action) {
	case B_BACK:
		if (b->mode != BK_LIST)
			b->mode = BK_LIST;
		else
			app_pop(b->app, &b->v);
		return 1;
	case B_PREVIEW:
	case B_DIFF:
		if (b->mode != BK_LIST) /* the same backup, the other way */
			b->mode = b->mode == BK_DIFF ? BK_PREVIEW : BK_DIFF;
		else
			backups_show(b,
			             action == B_DIFF ? BK_DIFF : BK_PREVIEW);
		b->scroll = 0;
		return 1;
	case B_RESTORE:
		if (!list_selected(&b->list))
			return 1;
		short_time(backup_time(list_selected(&b->list)), t, sizeof t);
		snprintf(text, sizeof text,
		         "Restore the backup from %s?\nThe current data "
		         "is backed up first.",
		         t);
		app_confirm(b->app, "Restore backup", text,
		            on_restore_confirmed, b);
		return 1;
	}
	return 0;
}

static void
backup_row(json_t *bk, char *buf, size_t size, int w)
{
	json_t *v = json_object_get(bk, "version");
	char t[32], sz[32], ver[24] = "?";

	(void)w;
	/* The version the backup holds; "?" when the server does not know
	 * it (taken before it recorded versions, or imported). */
	if (json_is_integer(v))
		snprintf(ver, sizeof ver, "%" JSON_INTEGER_FORMAT,
		         json_integer_value(v));
	short_time(backup_time(bk), t, sizeof t);
	pad_size_text(bk, sz, sizeof sz);
	snprintf(buf, size, " %7s  %-20s %10s", ver, t, sz);
}

/* One diff line: a +/- marker that reads without colour, and colour. */
static void
diff_row_draw(int y, int cols, const struct diff_line *d)
{
	static const char *const mark[] = {"  ", "- ", "+ "};

	ui_attr(d->op == DIFF_DEL   ? UI_ERR
	        : d->op == DIFF_ADD ? UI_OK
	                            : UI_NORMAL);
	ui_putf(y, 1, cols - 2, "%s%s", mark[d->op], d->text);
	ui_attr(UI_NORMAL);
}

static void
backups_draw_shown(struct backups_view *b, int rows, int cols)
{
	int h = rows - 6;
	size_t n = b->mode == BK_DIFF ? b->ndiff : b->nbk;
	size_t last = b->scroll + (size_t)h < n ? b->scroll + (size_t)h : n;

	ui_attr(UI_TITLE);
	if (b->mode == BK_DIFF)
		ui_putf(1, 1, cols - 26,
		        "Diff: %s now -> backup of %s (-%zu +%zu)", b->title,
		        b->bk_time, b->del, b->add);
	else
		ui_putf(1, 1, cols - 26, "Backup of %s from %s", b->title,
		        b->bk_time);
	ui_attr(UI_DIM);
	ui_putf(1, cols - 24, 23, "lines %zu-%zu/%zu", n ? b->scroll + 1 : 0,
	        last, n);
	ui_attr(UI_NORMAL);
	if (b->mode == BK_DIFF)
		ui_putf(2, 1, cols - 2, "%s",
		        b->del + b->add
		            ? "- goes, + comes back with the restore"
		            : "The backup equals the current data.");
	ui_hline(3, 0, cols);
	for (size_t i = b->scroll; i < last; i++) {
		int y = 4 + (int)(i - b->scroll);

		if (b->mode == BK_DIFF)
			diff_row_draw(y, cols, &b->diff[i]);
		else
			ui_put(y, 1, cols - 2, b->bk[i]);
	}
}

static void
backups_draw(struct view *v, int rows, int cols)
{
	struct backups_view *b = (struct backups_view *)v;
	int h = rows - 6;

	if (b->mode != BK_LIST) {
		backups_draw_shown(b, rows, cols);
		return;
	}
	ui_attr(UI_TITLE);
	ui_putf(1, 1, cols - 2, "Backups of %s (newest first)", b->title);
	ui_attr(UI_NORMAL);
	ui_putf(2, 1, cols - 2, " %7s  %-20s %10s", "version", "saved", "size");
	ui_hline(3, 0, cols);
	list_draw(&b->list, 4, 0, h - 2, cols, backup_row,
	          b->loaded ? "No backups yet: a backup is made when the data "
	                      "changes."
	                    : "Loading…");
}

static const struct key_mode key_modes[] = {
    {"a backup shown", shown_keys},
    {NULL, NULL},
};

const struct view_ops backups_view_ops = {
    .name = "Backups",
    .about = "Backups\n\nThe backups of one pad, newest first: a backup "
             "is made each time its data\nchanges. Enter previews one, d "
             "shows what a restore would change, r restores\nit (the "
             "current data is backed up first).",
    .keys = list_keys,
    .keys_now = backups_keys,
    .modes = key_modes,
    .draw = backups_draw,
    .key = backups_key,
    .free = backups_free,
};

void
backups_view_push(struct app *a, const char *pad_id, const char *title,
                  pad_edit_done refresh, void *ud)
{
	struct backups_view *b = view_new(sizeof *b, &backups_view_ops, a);

	b->app = a;
	b->refresh = refresh;
	b->ud = ud;
	list_init(&b->list, NULL);
	snprintf(b->pad_id, sizeof b->pad_id, "%s", pad_id);
	snprintf(b->title, sizeof b->title, "%s", title);
	app_push(a, &b->v);
	backups_load(b);
}
