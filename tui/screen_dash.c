/*
 * Dashboard view: totals, the 60-minute chart (block characters, ASCII
 * outside UTF-8) and the newest signups, drawn from app->dash.
 */
#include <curses.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "views.h"
#include "widgets.h"

#define CHART_ROWS 7

static void
chart_draw(struct app *a, int y, int x, int w)
{
	static const char *const eighths[9] = {" ", "▁", "▂", "▃", "▄",
	                                       "▅", "▆", "▇", "█"};
	unsigned v[DASH_MINUTES], max = 0;
	int cw = w - 8 < DASH_MINUTES ? w - 8 : DASH_MINUTES;

	dash_chart(&a->dash.model, time(NULL), v);
	for (int i = 0; i < DASH_MINUTES; i++)
		max = v[i] > max ? v[i] : max;
	ui_attr(UI_TITLE);
	ui_putf(y, x, w, "Signups per minute, last 60 minutes (max %u)", max);
	ui_attr(UI_NORMAL);
	for (int r = 0; r < CHART_ROWS; r++) {
		int row = y + 1 + r;
		unsigned level =
		    (unsigned)(CHART_ROWS - r); /* 1-based from bottom */

		ui_attr(UI_DIM);
		if (r == 0)
			ui_putf(row, x, 6, "%5u", max);
		else if (r == CHART_ROWS - 1)
			ui_putf(row, x, 6, "%5u", 0u);
		ui_attr(UI_BAR);
		for (int c = 0; c < cw; c++) {
			unsigned val = v[DASH_MINUTES - cw + c];
			/* height in eighths of a row, rounded up so 1 shows */
			unsigned h8 =
			    max ? (val * CHART_ROWS * 8 + max - 1) / max : 0;
			int full = (int)(h8 / 8), part = (int)(h8 % 8);
			const char *s;

			if ((int)level <= full)
				s = a->utf8 ? eighths[8] : "#";
			else if ((int)level == full + 1 && part)
				s = a->utf8 ? eighths[part]
				            : (part >= 4 ? "+" : ".");
			else
				s = " ";
			ui_put(row, x + 7 + c, 1, s);
		}
	}
	ui_attr(UI_DIM);
	ui_put(y + 1 + CHART_ROWS, x + 7, cw, "-60m");
	ui_put(y + 1 + CHART_ROWS, x + 7 + cw / 2 - 2, 5, "-30m");
	ui_put(y + 1 + CHART_ROWS, x + 7 + cw - 3, 3, "now");
	ui_attr(UI_NORMAL);
}

void
view_dash(struct app *a, int rows, int cols)
{
	struct dash_state *s = &a->dash;
	struct dash_model *d = &s->model;
	int ty = 2 + CHART_ROWS + 3, shown = 0, i = 0;
	int h = rows - ty - 4;
	const struct dash_signup *su;

	ui_putf(1, 1, cols - 2,
	        "Users %ld · last hour %ld · last 24 h %ld · live: %s · "
	        "events %lu · duplicates dropped %lu%s",
	        d->total, d->last_hour, d->last_24h,
	        !sub_is_up(a->sub) ? "reconnecting…"
	        : s->located       ? "on"
	                           : "starting…",
	        d->events, d->duplicates, s->paused ? " · PAUSED" : "");
	chart_draw(a, 2, 1, cols - 2);
	ui_attr(UI_TITLE);
	ui_putf(ty, 1, cols - 2, "%-19s  %-24s  %-30s %s", "Created (UTC)",
	        "Username", "Email", "2FA");
	ui_attr(UI_NORMAL);
	while (shown < h && (su = dash_signup_at(d, (size_t)i++))) {
		if (s->filter[0] && !text_matches(su->username, s->filter) &&
		    !text_matches(su->email, s->filter))
			continue;
		ui_putf(ty + 1 + shown, 1, cols - 2,
		        "%-19s  %-24.24s  %-30.30s %s", su->at_text,
		        su->username, su->email, su->totp ? "yes" : "no");
		shown++;
	}
	if (!shown) {
		ui_attr(UI_DIM);
		ui_put(ty + 1, 1, cols - 2,
		       s->filter[0] ? "No signup matches the filter."
		                    : "No signups yet.");
		ui_attr(UI_NORMAL);
	}
	if (s->filtering || s->filter[0])
		field_draw(rows - 3, 1, 9, 30, "Filter /", s->filter, 0,
		           s->filtering);
}
