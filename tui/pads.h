/*
 * The parts of the pads screen (pads.c): the actions on one pad — create
 * from a template, rename, delete, share (pad_menu.c) — and the backups view
 * (backups.c). Each part keeps its own state and calls back the screen to
 * refresh the list after a change.
 */
#ifndef PL_TUI_PADS_H
#define PL_TUI_PADS_H

#include "app.h"
#include "pad_edit.h"

/* ---- actions on a pad (pad_menu.c) ---- */
struct pad_actions {
	struct app *app;
	char new_name[128];     /* between the name prompt and the template */
	json_t *templates;      /* from template.list */
	int awaiting_templates; /* a name waits for template.list */
	char id[64];            /* the pad being renamed / deleted / shared */
	char name[128];         /* its name, for the dialogs */
	char user[64];          /* the user a share is ended for */
	json_t *shares;         /* pad.shares of that pad, for the pick */
	struct backups_view *backups; /* the menu's "backups" */
	struct trash *trash;          /* the menu's "trash" (owned) */
	enum { CONFIRM_DELETE, CONFIRM_UNSHARE } confirming;
	const char *fail_what; /* "Could not …" of the change in flight */
	char done_msg[256];    /* its flash when it succeeds */
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
void pad_actions_menu(struct pad_actions *, json_t *pad, struct backups_view *);

/* ---- the trash (trash.c) ---- */
struct trash;

struct trash *trash_new(struct app *, pad_edit_done refresh, void *ud);
void trash_free(struct trash *);
/* Lists the trashed pads; picking one offers undelete (a new name when its
 * name is taken) and purge (asked first). */
void trash_open(struct trash *);

/* ---- the backups of one pad (backups.c) ---- */
struct backups_view;

struct backups_view *backups_view_new(struct app *, pad_edit_done refresh,
                                      void *ud);
void backups_view_free(struct backups_view *);
/* Lists the backups of a pad; the view is active once they arrive. */
void backups_view_open(struct backups_view *, const char *pad_id,
                       const char *title);
int backups_view_active(const struct backups_view *);
const struct binding *backups_view_keys(const struct backups_view *);
/* Returns 1 when used; leaving the view makes it inactive. */
int backups_view_key(struct backups_view *, int action, int key);
void backups_view_draw(struct backups_view *, int rows, int cols);

#endif
