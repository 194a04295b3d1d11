/*
 * Curses drawing helpers shared by the views: attributes that degrade to
 * monochrome, UTF-8 text clipped to a width, text fields with masking,
 * lists, boxes, dialogs and the status bar.
 */
#ifndef PL_TUI_WIDGETS_H
#define PL_TUI_WIDGETS_H

#include <stddef.h>

#include "app.h"
#include "edit.h"
#include "term.h"
#include "text.h"

enum ui_attr {
	UI_NORMAL,
	UI_TITLE,
	UI_SEL,
	UI_ERR,
	UI_OK,
	UI_DIM,
	UI_FOCUS,
	UI_STATUS,
	UI_BAR,
	UI_QR, /* dark on light whatever the terminal's colours (QR codes) */
	UI_TAB /* the current tab: out of the bar's colours, bold */
};

/* The terminal's abilities (term_begin's), kept here only. */
void ui_init(int color, int utf8);
/* 1 when the locale is UTF-8 (symbols and lines), else ASCII stand-ins. */
int ui_utf8(void);
void ui_attr(enum ui_attr);
/* Draws UTF-8 s at y,x clipped to w columns (w <= 0: to the edge), its
 * controls, bidi controls and invalid bytes as escapes (term_safe.h). */
void ui_put(int y, int x, int w, const char *s);
void ui_putf(int y, int x, int w, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Word-wraps s into at most maxlines lines of w columns; returns lines used. */
int ui_put_wrapped(int y, int x, int w, int maxlines, const char *s);
void ui_hline(int y, int x, int w);
/* Blanks w cells at y,x in the current attribute (a bar's background). */
void ui_fill(int y, int x, int w);
/* Starts and ends a frame (erase; cursor placement and refresh). */
void ui_clear(void);
void ui_frame_end(void);
/* s cut or padded to exactly w cells ("…" or "..." outside UTF-8). */
void ui_fit(const char *s, int w, char *out, size_t size);
void ui_box(int y, int x, int h, int w, const char *title);
void ui_clear_rect(int y, int x, int h, int w);
/* Remembers where the cursor should end up after this frame. */
void ui_cursor_at(int y, int x);
void ui_cursor_reset(void);
void ui_cursor_apply(void);

/* label: value, masked with '*' per character; focus shows the cursor
 * (cur NULL: at the end). Long values scroll to keep the cursor shown. */
void field_draw(int y, int x, int labelw, int w, const char *label,
                const char *value, const struct edit_cursor *cur, int masked,
                int focused);
/* A [ Button ]; returns its width. */
int button_draw(int y, int x, const char *label, int focused);

/* A search typed and left alone this long goes to the server: the same
 * on every screen that searches as you type. */
#define SEARCH_DEBOUNCE_MS 250

/* List navigation: actions every screen's key table may use (a screen's own
 * actions stay below NAV_FIRST), and the table lines binding them. PgDn,
 * ^F, ^D and Space all page, so a vt100 without PgUp/PgDn keys pages too. */
enum {
	NAV_FIRST = 200,
	NAV_UP,
	NAV_DOWN,
	NAV_PGUP,
	NAV_PGDN,
	NAV_HOME,
	NAV_END
};
#define NAV_KEYS                                                               \
	{K_UP, NAV_UP, "move", NULL}, {'k', NAV_UP, NULL, NULL},               \
	    {K_DOWN, NAV_DOWN, NULL, NULL}, {'j', NAV_DOWN, NULL, NULL},       \
	    {K_PGUP, NAV_PGUP, "page up", NULL},                               \
	    {K_CTRL('b'), NAV_PGUP, NULL, NULL},                               \
	    {K_CTRL('u'), NAV_PGUP, NULL, NULL},                               \
	    {K_PGDN, NAV_PGDN, "page down", NULL},                             \
	    {K_CTRL('f'), NAV_PGDN, NULL, NULL},                               \
	    {K_CTRL('d'), NAV_PGDN, NULL, NULL}, {' ', NAV_PGDN, NULL, NULL},  \
	    {K_HOME, NAV_HOME, "first / last", NULL},                          \
	    {'g', NAV_HOME, NULL, NULL}, {K_END, NAV_END, NULL, NULL},         \
	{                                                                      \
		'G', NAV_END, NULL, 0                                          \
	}
/* Applies a NAV_* action to a list; returns 1 if action was one. */
int list_nav(struct list_model *, int action);

/* Applies a NAV_* action to the first line shown of a text of n lines,
 * page of them on screen (clamped); returns 1 if action was one. */
int scroll_nav(size_t *scroll, size_t n, size_t page, int action);

/* Renders a row of a list (clipped to w). */
typedef void (*list_row_fn)(json_t *item, char *buf, size_t size, int w);
void list_draw(struct list_model *, int y, int x, int h, int w, list_row_fn,
               const char *empty);

/* keys: the hints, fitted to the width status_busy_width leaves. */
void status_draw(struct app *, int rows, int cols, const char *keys);
/* Cells the status line's right end (the spinner) takes now. */
int status_busy_width(struct app *);
/* The help page, word-wrapped to the window, from line *scroll (clamped;
 * sets *page, the lines it shows). */
void help_draw(int rows, int cols, const char *text, int *scroll, int *page);

#endif
