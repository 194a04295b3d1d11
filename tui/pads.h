/*
 * The parts of the pads screen (pads.c): the actions on one pad — create
 * from a template, rename, delete, share (pad_menu.c) — and the views
 * pushed over it: the backups (backups.c) and the pad viewer
 * (pad_viewer.c). Each part keeps its own state and calls back the screen
 * to refresh the list after a change.
 */
#ifndef PL_TUI_PADS_H
#define PL_TUI_PADS_H

#include "app.h"
#include "pad_edit.h"

/* ---- actions on a pad (pad_menu.c): each run is a flow of its own
 * there; this is what they share ---- */
struct pad_actions {
	struct app *app;
	json_t *templates;     /* from template.list (NULL: not yet) */
	struct trash *trash;   /* the menu's "trash" (owned) */
	pad_edit_done refresh; /* the list changed */
	void *ud;
};

void pad_actions_init(struct pad_actions *, struct app *, pad_edit_done refresh,
                      void *ud);
void pad_actions_free(struct pad_actions *);
/* Asks template.list once, so n can offer templates. */
void pad_actions_load_templates(struct pad_actions *);
void pad_actions_new(struct pad_actions *);
void pad_actions_rename(struct pad_actions *, json_t *pad);
void pad_actions_delete(struct pad_actions *, json_t *pad);
/* The pad's menu (m): share with a user, the shares (unshare, asked
 * first), backups, rename, delete. */
void pad_actions_menu(struct pad_actions *, json_t *pad);

/* ---- the trash (trash.c) ---- */
struct trash;

struct trash *trash_new(struct app *, pad_edit_done refresh, void *ud);
void trash_free(struct trash *);
/* Lists the trashed pads; picking one offers undelete (a new name when its
 * name is taken) and purge (asked first). */
void trash_open(struct trash *);

/* ---- views pushed over the pads screen ---- */

/* The backups of a pad (backups.c): preview, diff, restore; refresh runs
 * after a restore. */
void backups_view_push(struct app *, const char *pad_id, const char *title,
                       pad_edit_done refresh, void *ud);
/* A pad's data, pretty-printed and scrolled (pad_viewer.c); e edits it
 * (refresh after), unless it is shared with the caller. pad: a pad.get
 * result's pad. */
void pad_viewer_push(struct app *, json_t *pad, pad_edit_done refresh,
                     void *ud);

#endif
