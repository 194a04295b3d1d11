/*
 * The modal dialogs every screen opens (confirm, prompt, message, pick,
 * choose, a read-only view): opening them, drawing them over the screen and
 * their keys. One dialog at a time; its callback gets the answer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "term.h"
#include "widgets.h"
#include "xalloc.h"

static void
dlg_open(struct app *a, enum dlg_kind k, const char *title, const char *text,
         dlg_done done, void *ud)
{
	json_decref(a->dlg.choices);
	text_lines_free(a->dlg.lines, a->dlg.nlines);
	memset(&a->dlg, 0, sizeof a->dlg);
	a->dlg.kind = k;
	snprintf(a->dlg.title, sizeof a->dlg.title, "%s", title);
	snprintf(a->dlg.text, sizeof a->dlg.text, "%s", text ? text : "");
	a->dlg.done = done;
	a->dlg.ud = ud;
	app_dirty(a);
}

void
app_confirm(struct app *a, const char *title, const char *text, dlg_done d,
            void *ud)
{
	dlg_open(a, DLG_CONFIRM, title, text, d, ud);
}

void
app_prompt(struct app *a, const char *title, const char *initial, dlg_done d,
           void *ud)
{
	dlg_open(a, DLG_PROMPT, title, "", d, ud);
	snprintf(a->dlg.input, sizeof a->dlg.input, "%s",
	         initial ? initial : "");
}

void
app_prompt_secret(struct app *a, const char *title, const char *text,
                  dlg_done d, void *ud)
{
	dlg_open(a, DLG_PROMPT, title, text, d, ud);
	a->dlg.masked = 1;
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
	dlg_open(a, DLG_PICK, title, "", d, ud);
	a->dlg.choices = choices;
}

void
app_choose(struct app *a, const char *title, const char *text, json_t *choices,
           dlg_done d, void *ud)
{
	dlg_open(a, DLG_PICK, title, text, d, ud);
	a->dlg.choices = choices;
}

void
app_view(struct app *a, const char *title, const char *text, dlg_done d,
         void *ud)
{
	dlg_open(a, DLG_VIEW, title, "", d, ud);
	a->dlg.nlines = text_split_lines(text, &a->dlg.lines);
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
view_key(struct dialog *d, int key)
{
	int rows, cols;
	size_t page;

	term_size(&rows, &cols);
	page = rows > 8 ? (size_t)rows - 6 : 1;
	if (key == K_UP || key == 'k')
		d->scroll = d->scroll ? d->scroll - 1 : 0;
	else if (key == K_DOWN || key == 'j')
		d->scroll++;
	else if (key == K_PGUP || key == K_CTRL('b') || key == K_CTRL('u'))
		d->scroll = d->scroll > page ? d->scroll - page : 0;
	else if (key == K_PGDN || key == ' ' || key == K_CTRL('f') ||
	         key == K_CTRL('d'))
		d->scroll += page;
	else if (key == K_HOME || key == 'g')
		d->scroll = 0;
	else if (key == K_END || key == 'G')
		d->scroll = d->nlines;
	if (d->scroll + page > d->nlines)
		d->scroll = d->nlines > page ? d->nlines - page : 0;
}

void
dialog_draw(struct app *a, int rows, int cols)
{
	struct dialog *d = &a->dlg;
	char **lines, text[sizeof d->text];
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
	ui_attr(UI_DIM);
	ui_put(y + h - 1, x + 2, w - 4,
	       d->kind == DLG_CONFIRM   ? " y yes · n no "
	       : d->kind == DLG_MESSAGE ? " Enter close "
	       : d->kind == DLG_PICK ? " ↑↓ choose · Enter ok · Esc cancel "
	                             : " Enter ok · Esc cancel ");
	ui_attr(UI_NORMAL);
}

static void
dialog_finish(struct app *a, int ok)
{
	struct dialog d = a->dlg;

	a->dlg.kind = DLG_NONE;
	a->dlg.choices = NULL;
	a->dlg.lines = NULL;
	a->dlg.nlines = 0;
	if (d.masked)
		explicit_bzero(a->dlg.input, sizeof a->dlg.input);
	if (d.done)
		d.done(a, d.ud, ok, d.input, d.sel);
	explicit_bzero(d.input, sizeof d.input);
	json_decref(d.choices);
	text_lines_free(d.lines, d.nlines);
}

/* A choice written "x  what it does" is also picked by its letter x. */
static void
pick_by_letter(struct app *a, int key)
{
	struct dialog *d = &a->dlg;
	size_t i;
	json_t *c;

	json_array_foreach (d->choices, i, c) {
		const char *s = json_string_value(c);

		if (s && (unsigned char)s[0] == key && s[1] == ' ' &&
		    s[2] == ' ') {
			d->sel = i;
			dialog_finish(a, 1);
			return;
		}
	}
}

int
dialog_key(struct app *a, int key)
{
	struct dialog *d = &a->dlg;
	int esc = key == K_ESC, enter = key == K_ENTER;

	switch (d->kind) {
	case DLG_CONFIRM:
		if (key == 'y' || key == 'Y')
			dialog_finish(a, 1);
		else if (esc || key == 'n' || key == 'N' || key == 'q')
			dialog_finish(a, 0);
		break;
	case DLG_MESSAGE:
		if (enter || esc || key == ' ' || key == 'q')
			dialog_finish(a, 1);
		break;
	case DLG_PROMPT:
		if (enter)
			dialog_finish(a, 1);
		else if (esc)
			dialog_finish(a, 0);
		else
			edit_key(d->input, sizeof d->input, &d->cur, key);
		break;
	case DLG_PICK: {
		size_t n = json_array_size(d->choices);

		if (enter)
			dialog_finish(a, 1);
		else if (esc || key == 'q')
			dialog_finish(a, 0);
		else if (key == K_UP || key == 'k')
			d->sel = d->sel ? d->sel - 1 : 0;
		else if (key == K_DOWN || key == 'j')
			d->sel = d->sel + 1 < n ? d->sel + 1 : d->sel;
		else
			pick_by_letter(a, key);
		break;
	}
	case DLG_VIEW:
		if (esc || enter || key == 'q')
			dialog_finish(a, 1);
		else
			view_key(d, key);
		break;
	case DLG_NONE:
		return 0;
	}
	app_dirty(a);
	return 1;
}
