/*
 * The dialogs every screen and view opens (confirm, prompt, message, pick,
 * choose, a read-only text): each is a modal view pushed on the stack, with
 * a key table per kind. It pops itself before its callback gets the
 * answer, so the callback may open the next one; a dialog closed any other
 * way (a tab switch, the end) is cancelled: the callback gets ok 0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "app_keys.h"
#include "term.h"
#include "widgets.h"
#include "xalloc.h"

enum dlg_kind { DLG_CONFIRM, DLG_PROMPT, DLG_MESSAGE, DLG_PICK, DLG_VIEW };

struct dialog {
	struct view v;
	enum dlg_kind kind;
	char title[64];
	char text[1024];
	char input[256];
	int masked; /* the input is a secret: shown as '*', wiped after */
	struct edit_cursor cur;
	json_t *choices; /* owned array of strings, for DLG_PICK */
	size_t sel;
	char **lines; /* owned, for DLG_VIEW: the read-only text */
	size_t nlines, scroll;
	int answered; /* done has run */
	dlg_done done;
	void *ud;
};

enum { D_YES = 1, D_NO, D_OK, D_CANCEL, D_UP, D_DOWN };

static const struct binding confirm_keys[] = {
    {'y', D_YES, "yes", "yes"}, {'Y', D_YES, NULL, NULL},
    {'n', D_NO, "no", "no"},    {'N', D_NO, NULL, NULL},
    {'q', D_NO, NULL, NULL},    {K_ESC, D_NO, NULL, NULL},
    {0, 0, NULL, NULL},
};

static const struct binding message_keys[] = {
    {K_ENTER, D_OK, "close", "close"},
    {K_ESC, D_OK, NULL, NULL},
    {' ', D_OK, NULL, NULL},
    {'q', D_OK, NULL, NULL},
    {0, 0, NULL, NULL},
};

/* Every other key is typed into the field. */
static const struct binding prompt_keys[] = {
    {K_ENTER, D_OK, "ok", "ok"},
    {K_ESC, D_CANCEL, "cancel", "cancel"},
    {0, 0, NULL, NULL},
};

/* Any other key picks the choice written "x  what it does". */
static const struct binding pick_keys[] = {
    {K_UP, D_UP, "choose", "choose"}, {'k', D_UP, NULL, NULL},
    {K_DOWN, D_DOWN, NULL, NULL},     {'j', D_DOWN, NULL, NULL},
    {K_ENTER, D_OK, "ok", "ok"},      {K_ESC, D_CANCEL, "cancel", "cancel"},
    {'q', D_CANCEL, NULL, NULL},      {0, 0, NULL, NULL},
};

static const struct binding text_keys[] = {
    {'q', D_OK, "close", "close"},
    {K_ESC, D_OK, NULL, NULL},
    {K_ENTER, D_OK, NULL, NULL},
    NAV_KEYS,
    {0, 0, NULL, NULL},
};

static void dialog_draw(struct view *, int rows, int cols);
static int dialog_key(struct view *, int action, int key);
static void dialog_free(struct view *);

#define DIALOG_OPS(k)                                                          \
	{                                                                      \
		.keys = k, .draw = dialog_draw, .key = dialog_key,             \
		.free = dialog_free, .modal = 1                                \
	}
static const struct view_ops dialog_ops[] = {
    [DLG_CONFIRM] = DIALOG_OPS(confirm_keys),
    [DLG_PROMPT] = DIALOG_OPS(prompt_keys),
    [DLG_MESSAGE] = DIALOG_OPS(message_keys),
    [DLG_PICK] = DIALOG_OPS(pick_keys),
    [DLG_VIEW] = DIALOG_OPS(text_keys),
};

static struct dialog *
dlg_open(struct app *a, enum dlg_kind k, const char *title, const char *text,
         dlg_done done, void *ud)
{
	struct dialog *d = view_new(sizeof *d, &dialog_ops[k], a);

	d->kind = k;
	snprintf(d->title, sizeof d->title, "%s", title);
	snprintf(d->text, sizeof d->text, "%s", text ? text : "");
	d->done = done;
	d->ud = ud;
	app_push(a, &d->v);
	return d;
}

void
app_confirm(struct app *a, const char *title, const char *text, dlg_done d,
            void *ud)
{
	dlg_open(a, DLG_CONFIRM, title, text, d, ud);
}

void
app_prompt_text(struct app *a, const char *title, const char *text,
                const char *initial, dlg_done done, void *ud)
{
	struct dialog *d = dlg_open(a, DLG_PROMPT, title, text, done, ud);

	snprintf(d->input, sizeof d->input, "%s", initial ? initial : "");
}

void
app_prompt(struct app *a, const char *title, const char *initial, dlg_done d,
           void *ud)
{
	app_prompt_text(a, title, "", initial, d, ud);
}

void
app_prompt_secret(struct app *a, const char *title, const char *text,
                  dlg_done d, void *ud)
{
	dlg_open(a, DLG_PROMPT, title, text, d, ud)->masked = 1;
}

void
app_message(struct app *a, const char *title, const char *text)
{
	dlg_open(a, DLG_MESSAGE, title, text, NULL, NULL);
}

void
app_pick(struct app *a, const char *title, json_t *choices, dlg_done d,
         void *ud)
{
	dlg_open(a, DLG_PICK, title, "", d, ud)->choices = choices;
}

void
app_choose(struct app *a, const char *title, const char *text, json_t *choices,
           dlg_done d, void *ud)
{
	dlg_open(a, DLG_PICK, title, text, d, ud)->choices = choices;
}

void
app_view(struct app *a, const char *title, const char *text, dlg_done done,
         void *ud)
{
	struct dialog *d = dlg_open(a, DLG_VIEW, title, "", done, ud);

	d->nlines = text_split_lines(text, &d->lines);
}

/* DLG_VIEW: most of the screen, a page of the text from d->scroll. */
static void
view_draw(struct dialog *d, int rows, int cols)
{
	int h = rows - 4, w = cols - 6, body = h - 2;
	char foot[128];

	if (d->nlines > (size_t)body && d->scroll > d->nlines - (size_t)body)
		d->scroll = d->nlines - (size_t)body;
	ui_box(2, 3, h, w, d->title);
	for (int i = 0; i < body && d->scroll + (size_t)i < d->nlines; i++)
		ui_put(3 + i, 5, w - 4, d->lines[d->scroll + (size_t)i]);
	snprintf(foot, sizeof foot,
	         " read-only · lines %zu-%zu of %zu · ↑↓ PgUp PgDn scroll · q "
	         "close ",
	         d->nlines ? d->scroll + 1 : 0,
	         d->scroll + (size_t)body < d->nlines ? d->scroll + (size_t)body
	                                              : d->nlines,
	         d->nlines);
	ui_attr(UI_DIM);
	ui_put(2 + h - 1, 5, w - 4, foot);
	ui_attr(UI_NORMAL);
}

/* Scrolls a DLG_VIEW; the box shows rows - 6 lines. */
static void
view_key(struct dialog *d, int action)
{
	int rows, cols;
	size_t page;

	term_size(&rows, &cols);
	page = rows > 8 ? (size_t)rows - 6 : 1;
	scroll_nav(&d->scroll, d->nlines, page, action);
}

static void
dialog_draw(struct view *v, int rows, int cols)
{
	struct dialog *d = (struct dialog *)v;
	char **lines, text[sizeof d->text], foot[128];
	int nch = d->kind == DLG_PICK ? (int)json_array_size(d->choices) : 0;
	int w = cols - 10 < 70 ? cols - 10 : 70;
	size_t n;
	int h, y, x, line;

	/* Wrapped to the box, whatever width the caller wrapped it to. */
	snprintf(text, sizeof text, "%s", d->text);
	text_wrap(text, w - 4);
	n = text_split_lines(text, &lines);
	h = (int)n + 2 + (d->kind == DLG_PROMPT ? 2 : 0) + nch;

	if (d->kind == DLG_VIEW) {
		text_lines_free(lines, n);
		view_draw(d, rows, cols);
		return;
	}
	if (h > rows - 2)
		h = rows - 2;
	y = (rows - h) / 2;
	x = (cols - w) / 2;
	ui_box(y, x, h, w, d->title);
	line = y + 1;
	for (size_t i = 0; i < n && line < y + h - 1; i++)
		ui_put(line++, x + 2, w - 4, lines[i]);
	text_lines_free(lines, n);
	if (d->kind == DLG_PROMPT) {
		line++;
		field_draw(line++, x + 2, 0, w - 4, "", d->input, &d->cur,
		           d->masked, 1);
	}
	for (int i = 0; i < nch && line < y + h - 1; i++) {
		ui_attr((size_t)i == d->sel ? UI_SEL : UI_NORMAL);
		ui_fill(line, x + 2, w - 4);
		ui_put(
		    line++, x + 3, w - 6,
		    json_string_value(json_array_get(d->choices, (size_t)i)));
	}
	/* Its keys, from its table like every view's hints. */
	binding_hints(v->ops->keys, ui_utf8(), foot + 1, sizeof foot - 2);
	foot[0] = ' ';
	snprintf(foot + strlen(foot), sizeof foot - strlen(foot), " ");
	ui_attr(UI_DIM);
	ui_put(y + h - 1, x + 2, w - 4, foot);
	ui_attr(UI_NORMAL);
}

/* Off the stack first: done may open the next dialog. */
static void
dialog_finish(struct dialog *d, int ok)
{
	struct view *top = view_take(&d->v.app->views);

	if (top != &d->v)
		abort(); /* only the top view gets keys */
	d->answered = 1;
	app_dirty(d->v.app);
	if (d->done)
		d->done(d->v.app, d->ud, ok, d->input, d->sel);
	view_release(&d->v);
}

static void
dialog_free(struct view *v)
{
	struct dialog *d = (struct dialog *)v;

	if (!d->answered && d->done)
		d->done(v->app, d->ud, 0, "", d->sel);
	explicit_bzero(d->input, sizeof d->input);
	json_decref(d->choices);
	text_lines_free(d->lines, d->nlines);
}

/* A choice written "x  what it does" is also picked by its letter x. */
static void
pick_by_letter(struct dialog *d, int key)
{
	size_t i;
	json_t *c;

	json_array_foreach (d->choices, i, c) {
		const char *s = json_string_value(c);

		if (s && (unsigned char)s[0] == key && s[1] == ' ' &&
		    s[2] == ' ') {
			d->sel = i;
			dialog_finish(d, 1);
			return;
		}
	}
}

static int
dialog_key(struct view *v, int action, int key)
{
	struct dialog *d = (struct dialog *)v;
	size_t n = json_array_size(d->choices);

	app_dirty(v->app);
	switch (action) {
	case D_YES:
	case D_OK:
		dialog_finish(d, 1);
		return 1;
	case D_NO:
	case D_CANCEL:
		dialog_finish(d, 0);
		return 1;
	case D_UP:
		d->sel = d->sel ? d->sel - 1 : 0;
		return 1;
	case D_DOWN:
		d->sel = d->sel + 1 < n ? d->sel + 1 : d->sel;
		return 1;
	}
	if (d->kind == DLG_PROMPT)
		edit_key(d->input, sizeof d->input, &d->cur, key);
	else if (d->kind == DLG_PICK)
		pick_by_letter(d, key);
	else if (d->kind == DLG_VIEW)
		view_key(d, action);
	return 1;
}
