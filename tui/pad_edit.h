/*
 * Editing a pad in $EDITOR (pad_edit.c), for the pads screen: fetches the
 * pad, runs the editor on a private temp file, checks the JSON and saves.
 */
#ifndef PL_TUI_PAD_EDIT_H
#define PL_TUI_PAD_EDIT_H

#include "app.h"

/* Called once the edit was saved (or failed to save), to refresh. */
typedef void (*pad_edit_done)(void *ud);

void pad_edit_start(struct app *, const char *pad_id, pad_edit_done done,
                    void *ud);

#endif
