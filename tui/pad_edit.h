/*
 * Editing a pad in $EDITOR (pad_edit.c), for the pads screen: fetches the
 * pad, runs the editor on a private temp file, checks the JSON and saves
 * with if_version. The text is kept in a recovery file (recovery.h) from
 * before the save until it succeeds or the user discards it; a failed save
 * offers retry / edit again / keep / discard. A version conflict goes to
 * pad_conflict.c, kept edits at the next start to pad_recover.c.
 */
#ifndef PL_TUI_PAD_EDIT_H
#define PL_TUI_PAD_EDIT_H

#include "app.h"
#include "recovery.h"

/* Called once the edit is over (saved, kept for later or discarded). */
typedef void (*pad_edit_done)(void *ud);

void pad_edit_start(struct app *, const char *pad_id, pad_edit_done done,
                    void *ud);
/* pad_recover.c, after sign-in: offers the kept edits of this server and
 * user, one by one (edit and save, discard after a confirmation, or
 * later). */
void pad_edit_offer_recovery(struct app *);

/* One edit in progress, shared by pad_edit.c and pad_conflict.c. */
struct pad_edit {
	struct app *app;
	struct recovery rec; /* pad, name, base version and the user's text */
	int kept;            /* rec's file is written */
	json_t *orig;     /* the data editing began from (NULL: a kept edit) */
	json_t *data;     /* rec.text parsed: what a save sends */
	long long theirs; /* on a conflict: the server's version */
	char theirs_at[40]; /* and when it was saved */
	int can_retry;      /* the failed-save dialog offers retry */
	pad_edit_done done;
	void *ud;
};

/* A new edit of the signed-in user on this server (pad fields empty). */
struct pad_edit *pad_edit_new(struct app *, pad_edit_done done, void *ud);
/* Runs $EDITOR on text, then checks and saves what comes back. */
void pad_edit_editor(struct pad_edit *, const char *text);
/* Keeps rec (file), then sends pad.update with if_version = base. */
void pad_edit_save(struct pad_edit *);
/* Ends the edit: the recovery file stays (when kept) for the next start. */
void pad_edit_keep(struct pad_edit *);

/* why, then where the text is kept (when it is), on lines of their own;
 * the dialog wraps the text once, to its box. */
void pad_edit_dialog_text(const struct pad_edit *, const char *why, char *buf,
                          size_t size);

/* pad_conflict.c: the dialog after a 409 version_conflict (err->data has
 * current {version, updated_at}). */
void pad_conflict_open(struct pad_edit *, const struct pl_error *err);

#endif
