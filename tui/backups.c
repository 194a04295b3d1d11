/*
 * The backups view of the pads screen: the backups of one pad, newest
 * first, and restoring one (asked first; the server backs up the current
 * data before it restores).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pads.h"
#include "widgets.h"
#include "xalloc.h"

struct backups_view {
	struct app *app;
	struct list_model list;
	char pad_id[64];
	char title[128];
	int active;
	pad_edit_done refresh; /* after a restore */
	void *ud;
};

enum { B_RESTORE = 1, B_BACK };

static const struct binding backup_keys[] = {
    {K_ENTER, B_RESTORE, "restore (asks first)", "restore"},
    {'r', B_RESTORE, NULL, NULL},
    {'q', B_BACK, "back", "back"},
    {K_ESC, B_BACK, NULL, NULL},
    NAV_KEYS,
    {0, 0, NULL, NULL},
};

struct backups_view *
backups_view_new(struct app *a, pad_edit_done refresh, void *ud)
{
	struct backups_view *b = xcalloc(1, sizeof *b);

	b->app = a;
	b->refresh = refresh;
	b->ud = ud;
	list_init(&b->list, NULL);
	return b;
}

void
backups_view_free(struct backups_view *b)
{
	if (!b)
		return;
	list_free(&b->list);
	free(b);
}

static void
on_backups(void *ud, json_t *result, const struct pl_error *err)
{
	struct backups_view *b = ud;

	if (app_failed(b->app, err, "Could not list backups"))
		return;
	list_set_items(&b->list,
	               json_incref(json_object_get(result, "backups")));
	list_home(&b->list);
	b->active = 1;
	app_dirty(b->app);
}

void
backups_view_open(struct backups_view *b, const char *pad_id, const char *title)
{
	snprintf(b->pad_id, sizeof b->pad_id, "%s", pad_id);
	snprintf(b->title, sizeof b->title, "%s", title);
	rpc_call(b->app->rpc, "pad.backups",
	         json_pack("{s:s}", "id", b->pad_id), on_backups, b);
}

int
backups_view_active(const struct backups_view *b)
{
	return b->active;
}

const struct binding *
backups_view_keys(const struct backups_view *b)
{
	(void)b;
	return backup_keys;
}

static void
on_restored(void *ud, json_t *result, const struct pl_error *err)
{
	struct backups_view *b = ud;

	(void)result;
	if (app_failed(b->app, err, "Could not restore"))
		return;
	app_flash(b->app, 0, "Restored.");
	b->active = 0;
	b->refresh(b->ud);
}

static void
on_restore_confirmed(struct app *a, void *ud, int ok, const char *input,
                     size_t choice)
{
	struct backups_view *b = ud;
	json_t *sel = list_selected(&b->list);

	(void)input;
	(void)choice;
	if (!ok || !sel)
		return;
	rpc_call(a->rpc, "pad.restore",
	         json_pack("{s:s, s:O}", "id", b->pad_id, "backup_id",
	                   json_object_get(sel, "id")),
	         on_restored, b);
}

int
backups_view_key(struct backups_view *b, int action, int key)
{
	char text[300], t[32];

	(void)key;
	if (list_nav(&b->list, action))
		return 1;
	if (action == B_BACK) {
		b->active = 0;
		return 1;
	}
	if (action == B_RESTORE && list_selected(&b->list)) {
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
	char t[32], sz[32];

	(void)w;
	short_time(backup_time(bk), t, sizeof t);
	pad_size_text(bk, sz, sizeof sz);
	snprintf(buf, size, " %-20s %10s", t, sz);
}

void
backups_view_draw(struct backups_view *b, int rows, int cols)
{
	int h = rows - 6;

	ui_attr(UI_TITLE);
	ui_putf(1, 1, cols - 2, "Backups of %s (newest first)", b->title);
	ui_attr(UI_NORMAL);
	ui_putf(2, 1, cols - 2, " %-20s %10s", "saved", "size");
	ui_hline(3, 0, cols);
	list_draw(&b->list, 4, 0, h - 2, cols, backup_row,
	          "No backups yet: a backup is made when the data changes.");
}
