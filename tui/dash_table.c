/*
 * The dashboard's live table: the newest signups that the filter matches,
 * with their network, fill time and flags; on a narrow window columns give
 * way by priority (the username and network stay longest). Also the
 * highlighted row the actions take and the rows an export writes.
 */
#include <stdio.h>
#include <string.h>

#include "dash.h"
#include "filter.h"
#include "widgets.h"

enum col { C_CREATED, C_USER, C_EMAIL, C_NET, C_FILL, C_FLAGS, C_2FA, C_N };

static const struct {
	const char *title;
	int width; /* the email's is its least: it takes what is left */
} cols[C_N] = {
    [C_CREATED] = {"Created (UTC)", 14},
    [C_USER] = {"Username", 14},
    [C_EMAIL] = {"Email", 12},
    [C_NET] = {"Network", 16},
    [C_FILL] = {"Fill", 6},
    [C_FLAGS] = {"Flags", 11},
    [C_2FA] = {"2FA", 3},
};

/* Which columns stay when not all fit, the first longest. */
static const enum col priority[C_N] = {C_USER,    C_NET,   C_FLAGS, C_FILL,
                                       C_CREATED, C_EMAIL, C_2FA};

#define EMAIL_COLS_MAX 30

/* The widths of the columns that fit in w (0: left out). */
static void
layout(int w, int width[C_N])
{
	int used = 0;

	memset(width, 0, sizeof(int) * C_N);
	for (int i = 0; i < C_N; i++) {
		enum col c = priority[i];
		int need = cols[c].width + (used ? 1 : 0);

		if (used + need <= w) {
			width[c] = cols[c].width;
			used += need;
		}
	}
	/* The email takes the room the others leave. */
	if (width[C_EMAIL]) {
		int more = w - used;

		width[C_EMAIL] += more < EMAIL_COLS_MAX - cols[C_EMAIL].width
		                      ? more
		                      : EMAIL_COLS_MAX - cols[C_EMAIL].width;
	}
}

static void
cell(const struct dash_signup *su, enum col c, char *out, size_t size)
{
	switch (c) {
	case C_CREATED:
		/* "2026-11-25 19:30:00" less the year. */
		snprintf(out, size, "%s",
		         strlen(su->at_text) > 5 ? su->at_text + 5 : "");
		break;
	case C_USER:
		snprintf(out, size, "%s", su->username);
		break;
	case C_EMAIL:
		snprintf(out, size, "%s", su->email);
		break;
	case C_NET:
		snprintf(out, size, "%s", su->network[0] ? su->network : "-");
		break;
	case C_FILL:
		if (su->fill_ms < 0)
			snprintf(out, size, "-");
		else if (su->fill_ms < 1000)
			snprintf(out, size, "%ld ms", su->fill_ms);
		else
			snprintf(out, size, "%.1f s", su->fill_ms / 1000.0);
		break;
	case C_FLAGS:
		snprintf(out, size, "%s%s%s",
		         su->flags & FILTER_FLAG_FAST ? "fast " : "",
		         su->flags & FILTER_FLAG_DISPOSABLE ? "disp " : "",
		         su->flags & FILTER_FLAG_BREACHED ? "breach " : "");
		if (!*out)
			snprintf(out, size, "-");
		break;
	case C_2FA:
		snprintf(out, size, "%s", su->totp ? "yes" : "no");
		break;
	case C_N:
		break;
	}
}

/* One row (or the titles, su NULL) in the columns of width. */
static void
row_draw(const struct dash_signup *su, const int width[C_N], int y, int w)
{
	char line[512] = "", text[160], fit[400];
	size_t len = 0;

	for (int c = 0; c < C_N; c++) {
		if (!width[c])
			continue;
		if (su)
			cell(su, (enum col)c, text, sizeof text);
		else
			snprintf(text, sizeof text, "%s", cols[c].title);
		/* The last column is not padded: rows end with their text. */
		if (c == C_2FA || (c == C_FLAGS && !width[C_2FA]))
			snprintf(fit, sizeof fit, "%s", text);
		else
			ui_fit(text, width[c], fit, sizeof fit);
		len += (size_t)snprintf(line + len, sizeof line - len, "%s%s",
		                        len ? " " : "", fit);
		if (len >= sizeof line)
			break;
	}
	ui_put(y, 1, w, line);
}

void
dash_table_draw(struct dash_screen *s, int y, int h, int cols_)
{
	const struct dash_model *d = &s->model;
	const struct dash_signup *su;
	int width[C_N], shown = 0, i = 0;
	size_t nmatch = 0, skipped = 0;

	layout(cols_ - 2, width);
	ui_attr(UI_TITLE);
	row_draw(NULL, width, y, cols_ - 2);
	ui_attr(UI_NORMAL);
	/* Newest first; ↑↓ PgUp PgDn scroll back through the ring. */
	for (size_t k = 0; (su = dash_signup_at(d, k)); k++)
		nmatch += dash_row_matches(s, su);
	s->page = h > 1 ? (size_t)h : 1;
	if (s->top + s->page > nmatch)
		s->top = nmatch > s->page ? nmatch - s->page : 0;
	while (shown < h && (su = dash_signup_at(d, (size_t)i++))) {
		if (!dash_row_matches(s, su) || skipped++ < s->top)
			continue;
		/* The first row shown is the one Enter, N and b act on. */
		ui_attr(shown ? UI_NORMAL : UI_SEL);
		row_draw(su, width, y + 1 + shown, cols_ - 2);
		ui_attr(UI_NORMAL);
		shown++;
	}
	if (nmatch > (size_t)h) {
		ui_attr(UI_DIM);
		ui_putf(y + h + 1, cols_ - 26, 25, "%zu-%zu of %zu%s",
		        s->top + 1, s->top + (size_t)shown, nmatch,
		        s->top ? " ↑" : "");
		ui_attr(UI_NORMAL);
	}
	if (!shown) {
		ui_attr(UI_DIM);
		ui_put(y + 1, 1, cols_ - 2,
		       s->filter[0] ? "No signup matches the filter."
		                    : "No signups yet.");
		ui_attr(UI_NORMAL);
	}
}

/* The highlighted row: the first the table shows (NULL: none). */
const struct dash_signup *
dash_selected(const struct dash_screen *s)
{
	const struct dash_signup *su;
	size_t skipped = 0;

	for (size_t k = 0; (su = dash_signup_at(&s->model, k)); k++)
		if (dash_row_matches(s, su) && skipped++ == s->top)
			return su;
	return NULL;
}

const char *const dash_export_columns[] = {"id",      "created_at", "username",
                                           "email",   "totp",       "network",
                                           "fill_ms", "flags",      NULL};

/* One row as an export writes it: what the table shows, the network, fill
 * time and flags null when not known (a row from user.list). */
static json_t *
dash_row_json(const struct dash_signup *su)
{
	json_t *flags = json_array();

	for (unsigned bit = 1; bit && bit <= su->flags; bit <<= 1)
		if ((su->flags & bit) && filter_flag_name(bit))
			json_array_append_new(
			    flags, json_string(filter_flag_name(bit)));
	return json_pack(
	    "{s:s, s:s, s:s, s:s, s:b, s:o, s:o, s:o}", "id", su->id,
	    "created_at", su->at_text, "username", su->username, "email",
	    su->email, "totp", su->totp, "network",
	    su->network[0] ? json_string(su->network) : json_null(), "fill_ms",
	    su->fill_ms >= 0 ? json_integer(su->fill_ms) : json_null(), "flags",
	    flags);
}

json_t *
dash_rows(const struct dash_screen *s)
{
	const struct dash_signup *su;
	json_t *rows = json_array();

	for (size_t k = 0; (su = dash_signup_at(&s->model, k)); k++)
		if (dash_row_matches(s, su))
			json_array_append_new(rows, dash_row_json(su));
	return rows;
}
