/*
 * The key tables every screen shares (app_keys.c) and what is generated
 * from the tables: the status line's hints and the help page.
 */
#ifndef PL_TUI_APP_KEYS_H
#define PL_TUI_APP_KEYS_H

#include <stddef.h>

#include "app.h"

/* Keys every screen has unless its own table uses them. The status line
 * shows hints in table order, the screen's before these, and drops the
 * last ones first when the line is short; the help key's hint is always
 * shown. */
enum { G_HELP = 1, G_NEXT, G_PREV, G_BACK, G_CLOSE, G_SIGN_OUT, G_REDRAW };
extern const struct binding app_global_keys[];

/* The action of key in table b (0: none). */
int binding_action(const struct binding *b, int key);
/* The current screen's table for its mode. */
const struct binding *app_keys_now(struct app *);
/* The global keys that work now: none of the letters while typing. */
const struct binding *app_global_keys_now(struct app *);
/* The status line's hints in at most width cells (see app_global_keys). */
void app_hints(struct app *, int width, char *buf, size_t size);
/* The help page of the current screen: its about text, its keys, then
 * the global ones. */
void app_help_text(struct app *, char *buf, size_t size);
/* Opens the help page at its top; the page's keys while it is open. */
void app_help_open(struct app *);
void app_help_key(struct app *, int key);

#endif
