/*
 * The pad viewer, pushed over the pads screen: one pad's data
 * pretty-printed and scrolled by lines; e edits it in $EDITOR
 * (pad_edit.c) unless it is shared with the caller, read-only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pads.h"
#include "widgets.h"

struct pad_viewer {
	struct view v;
	char **lines; /* the pad's data, pretty-printed */
	size_t nlines, scroll;
	char title[128];
	char pad_id[64];
	char owner[64]; /* its owner when shared with the caller */
	pad_edit_done refresh;
	void *ud;
};

enum { V_EDIT = 1, V_BACK };

static const struct binding viewer_keys[] = {
    {'e', V_EDIT | BIND_ACTS, "edit", "edit"},
    {'q', V_BACK, "back", "back"},
    {K_ESC, V_BACK, NULL, NULL},
    NAV_KEYS,
    {0, 0, NULL, NULL},
};

static struct pad_viewer *
viewer_of(struct view *v)
{
	return (struct pad_viewer *)v;
}

/* Scrolls by lines: the NAV_* actions on the text. */
static int
viewer_key(struct view *v, int action, int key)
{
	struct pad_viewer *p = viewer_of(v);
	size_t page = (size_t)(app_rows() > 6 ? app_rows() - 5 : 1);

	(void)key;
	if (scroll_nav(&p->scroll, p->nlines, page, action))
		return 1;
	switch (action) {
	case V_BACK:
		app_pop(v->app, v);
		return 1;
	case V_EDIT: {
		struct app *a = v->app;
		char id[sizeof p->pad_id];
		pad_edit_done refresh = p->refresh;
		void *ud = p->ud;

		if (p->owner[0]) {
			app_flash(a, 1, "read-only: shared by %s", p->owner);
			return 1;
		}
		/* Back to the list, which the edit refreshes (and its
		 * dialogs go over). */
		snprintf(id, sizeof id, "%s", p->pad_id);
		app_pop(a, v);
		pad_edit_start(a, id, refresh, ud);
		return 1;
	}
	}
	return 0;
}

static void
viewer_draw(struct view *v, int rows, int cols)
{
	struct pad_viewer *p = viewer_of(v);
	int h = rows - 6;

	ui_attr(UI_TITLE);
	if (p->owner[0])
		ui_putf(1, 1, cols - 26, "%s  (read-only: shared by %s)",
		        p->title, p->owner);
	else
		ui_putf(1, 1, cols - 26, "%s", p->title);
	ui_attr(UI_NORMAL);
	ui_hline(2, 0, cols);
	for (int i = 0; i < h + 1 && p->scroll + (size_t)i < p->nlines; i++)
		ui_put(3 + i, 1, cols - 2, p->lines[p->scroll + (size_t)i]);
	ui_attr(UI_DIM);
	ui_putf(1, cols - 24, 23, "lines %zu-%zu/%zu",
	        p->nlines ? p->scroll + 1 : 0,
	        p->scroll + (size_t)h + 1 < p->nlines
	            ? p->scroll + (size_t)h + 1
	            : p->nlines,
	        p->nlines);
	ui_attr(UI_NORMAL);
}

static void
viewer_free(struct view *v)
{
	struct pad_viewer *p = viewer_of(v);

	text_lines_free(p->lines, p->nlines);
}

const struct view_ops pad_viewer_ops = {
    .name = "Pad",
    .about = "A pad\n\nIts data, pretty-printed. e edits it in $EDITOR "
             "(checked on return);\na pad shared with you is read-only.",
    .keys = viewer_keys,
    .draw = viewer_draw,
    .key = viewer_key,
    .free = viewer_free,
};

void
pad_viewer_push(struct app *a, json_t *pad, pad_edit_done refresh, void *ud)
{
	struct pad_viewer *p = view_new(sizeof *p, &pad_viewer_ops, a);
	char *text = json_pretty(json_object_get(pad, "data"));

	p->nlines = text_split_lines(text, &p->lines);
	free(text);
	snprintf(p->title, sizeof p->title, "%s", jstr(pad, "display_name"));
	snprintf(p->pad_id, sizeof p->pad_id, "%s", jstr(pad, "id"));
	snprintf(p->owner, sizeof p->owner, "%s",
	         strcmp(jstr(pad, "access"), "viewer") == 0
	             ? jstr(json_object_get(pad, "owner"), "username")
	             : "");
	p->refresh = refresh;
	p->ud = ud;
	app_push(a, &p->v);
}
