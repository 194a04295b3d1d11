/*
 * The key tables every screen shares (app_keys.c) and what is generated
 * from the tables: the status line's hints and the help page.
 */
#ifndef PL_TUI_APP_KEYS_H
#define PL_TUI_APP_KEYS_H

#include <stddef.h>
#include <stdio.h>

#include "app.h"

/* Keys every screen has unless its own table uses them. The status line
 * shows hints in table order, the screen's before these, and drops the
 * last ones first when the line is short; the help key's hint is always
 * shown. */
enum { G_HELP = 1, G_NEXT, G_PREV, G_BACK, G_CLOSE, G_SIGN_OUT, G_REDRAW };
extern const struct binding app_global_keys[];

/* The table of the view the status line is about, for its mode. */
const struct binding *app_keys_now(struct app *);
/* The global keys that work now: none of the letters while typing. */
const struct binding *app_global_keys_now(struct app *);
/* The global keys under view v: F1 alone while it types. */
const struct binding *global_keys_for(struct view *v);
/* The hints of view v's keys, then the global ones, in width cells. */
void hints_text(struct view *v, int utf8, int width, char *buf, size_t size);
/* The help page of view v: its about text, its keys, then the global
 * ones. */
void help_text(struct view *v, int utf8, char *buf, size_t size);
/* Every hint of table b, "k hint · k hint" (a dialog's foot line). */
void binding_hints(const struct binding *b, int utf8, char *buf, size_t size);
/* The status line's hints in at most width cells (see app_global_keys). */
void app_hints(struct app *, int width, char *buf, size_t size);
/* Pushes the help page of the view shown, at its top. */
void app_help_open(struct app *);
/* The man page's KEYS section (padline --keys-man): every screen's key
 * table, the views' that the man page lists, and the global keys, as
 * troff. docs/man/padline.1 holds its output; docs_test compares. */
void keys_man(FILE *out);

/* The views the KEYS section lists beside the screens. */
extern const struct view_ops pad_viewer_ops, backups_view_ops, user_detail_ops,
    timeline_view_ops, attempts_view_ops, totp_view_ops;

#endif
