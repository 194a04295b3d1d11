/*
 * Pads views: the list, the pretty-printed viewer and the backups list,
 * drawn from app->pads; keys and calls are in ctl_pads.c.
 */
#include <curses.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "views.h"
#include "widgets.h"

static void
pad_row(json_t *p, char *buf, size_t size, int w)
{
	char t[32], sz[32];
	int nw = w - 32;

	short_time(json_string_value(json_object_get(p, "updated_at")), t,
	           sizeof t);
	pad_size_text(p, sz, sizeof sz);
	snprintf(buf, size, " %-*.*s %-18s %10s", nw, nw,
	         json_string_value(json_object_get(p, "display_name"))
	             ? json_string_value(json_object_get(p, "display_name"))
	             : "?",
	         t, sz);
}

static void
backup_row(json_t *b, char *buf, size_t size, int w)
{
	char t[32], sz[32];

	(void)w;
	short_time(backup_time(b), t, sizeof t);
	pad_size_text(b, sz, sizeof sz);
	snprintf(buf, size, " %-20s %10s", t, sz);
}

void
view_pads(struct app *a, int rows, int cols)
{
	struct pads_state *p = &a->pads;
	int h = rows - 6;

	if (p->mode == PADS_VIEW) {
		ui_attr(UI_TITLE);
		ui_putf(1, 1, cols - 2, "%s", p->title);
		ui_attr(UI_NORMAL);
		ui_hline(2, 0, cols);
		for (int i = 0; i < h + 1 && p->scroll + (size_t)i < p->nlines;
		     i++)
			ui_put(3 + i, 1, cols - 2,
			       p->lines[p->scroll + (size_t)i]);
		ui_attr(UI_DIM);
		ui_putf(1, cols - 24, 23, "lines %zu-%zu/%zu",
		        p->nlines ? p->scroll + 1 : 0,
		        p->scroll + (size_t)h + 1 < p->nlines
		            ? p->scroll + (size_t)h + 1
		            : p->nlines,
		        p->nlines);
		ui_attr(UI_NORMAL);
		return;
	}
	if (p->mode == PADS_BACKUPS) {
		ui_attr(UI_TITLE);
		ui_putf(1, 1, cols - 2, "Backups of %s (newest first)",
		        p->title);
		ui_attr(UI_NORMAL);
		ui_putf(2, 1, cols - 2, " %-20s %10s", "saved", "size");
		ui_hline(3, 0, cols);
		list_draw(
		    &p->backups, 4, 0, h - 2, cols, backup_row,
		    "No backups yet: a backup is made when the data changes.");
		return;
	}
	ui_attr(UI_TITLE);
	ui_putf(1, 1, cols - 2, " %-*s %-18s %10s", cols - 34, "Name",
	        "Updated", "Size");
	ui_attr(UI_NORMAL);
	ui_hline(2, 0, cols);
	list_draw(&p->list, 3, 0, h - 1, cols, pad_row,
	          !p->loaded          ? "Loading…"
	          : p->list.filter[0] ? "No pad matches the filter."
	                              : "No pads yet: press n to create one.");
	if (p->mode == PADS_FILTER || p->list.filter[0])
		field_draw(rows - 3, 1, 9, 40, "Filter /", p->filter, 0,
		           p->mode == PADS_FILTER);
}
