/*
 * Curses drawing helpers shared by the views: attributes that degrade to
 * monochrome, UTF-8 text clipped to a width, text fields with masking,
 * lists, boxes, dialogs and the status bar.
 */
#ifndef PL_TUI_WIDGETS_H
#define PL_TUI_WIDGETS_H

#include <stddef.h>
#include <wchar.h>

#include "app.h"

enum ui_attr {
	UI_NORMAL,
	UI_TITLE,
	UI_SEL,
	UI_ERR,
	UI_OK,
	UI_DIM,
	UI_FOCUS,
	UI_STATUS,
	UI_BAR
};

void ui_init(int color, int utf8);
void ui_attr(enum ui_attr);
/* Draws UTF-8 s at y,x clipped to w columns (w <= 0: to the edge). */
void ui_put(int y, int x, int w, const char *s);
void ui_putf(int y, int x, int w, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Word-wraps s into at most maxlines lines of w columns; returns lines used. */
int ui_put_wrapped(int y, int x, int w, int maxlines, const char *s);
void ui_hline(int y, int x, int w);
void ui_box(int y, int x, int h, int w, const char *title);
void ui_clear_rect(int y, int x, int h, int w);
/* Remembers where the cursor should end up after this frame. */
void ui_cursor_at(int y, int x);
void ui_cursor_reset(void);
void ui_cursor_apply(void);

/* Edits a UTF-8 buffer with one key: printable inserts at the end,
 * Backspace deletes a character, Ctrl-U clears. Returns 1 if used. */
int field_edit(char *buf, size_t cap, int is_key, wint_t ch);
/* label: value, masked with '*' per character; focus shows the cursor. */
void field_draw(int y, int x, int labelw, int w, const char *label,
                const char *value, int masked, int focused);
/* A [ Button ]; returns its width. */
int button_draw(int y, int x, const char *label, int focused);
/* A string member or "" (never NULL). */
const char *jstr(json_t *obj, const char *key);
/* Display width (columns) of a UTF-8 string. */
int text_width(const char *s);

/* Renders a row of a list (clipped to w). */
typedef void (*list_row_fn)(json_t *item, char *buf, size_t size, int w);
void list_draw(struct list_model *, int y, int x, int h, int w, list_row_fn,
               const char *empty);

void dialog_draw(struct app *, int rows, int cols);
int dialog_key(struct app *, int is_key, wint_t ch);
void status_draw(struct app *, int rows, int cols, const char *keys);
void help_draw(struct app *, int rows, int cols, const char *help);

#endif
