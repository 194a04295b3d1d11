/*
 * Curses helpers: colours only when the terminal has them and NO_COLOR is
 * unset (A_BOLD / A_REVERSE otherwise), UTF-8 text clipped by columns, and
 * the reusable pieces every view draws with.
 */
#include "widgets.h"

#include <curses.h>

#include "term.h"
#include "term_safe.h"
#include "xalloc.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What the terminal can do: held here alone (the app asks ui_utf8()). */
static struct {
	int color;
	int utf8; /* draw lines with Unicode, not the terminal's ACS */
} caps;
/* Where the frame being drawn wants the cursor. */
static int cur_y = -1, cur_x = -1;

int
ui_utf8(void)
{
	return caps.utf8;
}

void
ui_init(int color, int utf8)
{
	caps.color = color;
	caps.utf8 = utf8;
	if (!color)
		return;
	start_color();
	use_default_colors();
	init_pair(1, COLOR_CYAN, -1);
	init_pair(2, COLOR_RED, -1);
	init_pair(3, COLOR_GREEN, -1);
	init_pair(4, COLOR_BLACK, COLOR_CYAN);
	init_pair(5, COLOR_WHITE, COLOR_BLUE);
	init_pair(6, COLOR_BLACK, COLOR_WHITE);
}

void
ui_attr(enum ui_attr a)
{
	attrset(A_NORMAL);
	switch (a) {
	case UI_NORMAL:
		break;
	case UI_TITLE:
		attron(A_BOLD | (caps.color ? COLOR_PAIR(1) : 0));
		break;
	case UI_SEL:
		attron(A_REVERSE);
		break;
	case UI_ERR:
		attron(A_BOLD | (caps.color ? COLOR_PAIR(2) : 0));
		break;
	case UI_OK:
		attron(caps.color ? COLOR_PAIR(3) : 0);
		break;
	case UI_DIM:
		attron(A_DIM);
		break;
	case UI_FOCUS:
		attron(caps.color ? COLOR_PAIR(4) : A_REVERSE);
		break;
	case UI_STATUS:
		attron(caps.color ? COLOR_PAIR(5) : A_REVERSE);
		break;
	case UI_BAR:
		attron(caps.color ? COLOR_PAIR(3) : A_BOLD);
		break;
	case UI_QR: /* without colours: a dark background assumed */
		attron(caps.color ? COLOR_PAIR(6) : A_REVERSE);
		break;
	case UI_TAB:
		attron(A_BOLD);
		break;
	}
}

/* What the UI's few non-ASCII symbols become when the locale is not UTF-8. */
static const struct {
	const char *utf8, *ascii;
} ascii_map[] = {
    {"·", "-"}, {"↑", "^"}, {"↓", "v"}, {"…", "..."}, {"✓", "+"},
    {"✗", "x"}, {"█", "#"}, {"⠋", "|"}, {"é", "e"},
};

/* Returns bytes consumed from s after drawing a stand-in for them. */
static size_t
ui_put_fallback(const char *s, int *col, int w)
{
	for (size_t i = 0; i < sizeof ascii_map / sizeof ascii_map[0]; i++) {
		size_t n = strlen(ascii_map[i].utf8);
		int aw = (int)strlen(ascii_map[i].ascii);

		if (strncmp(s, ascii_map[i].utf8, n) == 0) {
			if (*col + aw <= w) {
				addstr(ascii_map[i].ascii);
				*col += aw;
			}
			return n;
		}
	}
	if (*col + 1 <= w) {
		addch('?');
		(*col)++;
	}
	/* Skip the rest of this UTF-8 sequence. */
	{
		size_t n = 1;

		while ((s[n] & 0xc0) == 0x80)
			n++;
		return n;
	}
}

/* Every text the views draw passes here, and most of it came from the
 * server: it is escaped (term_safe.h) before curses sees a byte of it. */
void
ui_put(int y, int x, int w, const char *text)
{
	mbstate_t st;
	wchar_t wc;
	char *safe, *s;
	size_t n, len;
	int col = 0;

	if (w <= 0)
		w = COLS - x;
	if (y < 0 || y >= LINES || x < 0 || x >= COLS)
		return;
	if (x + w > COLS)
		w = COLS - x;
	s = safe = term_safe_dup(text);
	len = strlen(s);
	memset(&st, 0, sizeof st);
	move(y, x);
	while (len && col < w) {
		int cw;
		wchar_t one[2];

		n = mbrtowc(&wc, s, len, &st);
		if (n == 0)
			break;
		if (n > len) { /* not valid here (C locale): ASCII stand-in */
			memset(&st, 0, sizeof st);
			n = ui_put_fallback(s, &col, w);
			s += n;
			len = n > len ? 0 : len - n;
			continue;
		}
		cw = wcwidth(wc);
		one[0] = wc;
		one[1] = 0;
		/* A character this locale cannot show (controls never get
		 * here: they were escaped). */
		if (cw < 0) {
			one[0] = L'?';
			cw = 1;
		}
		if (col + cw > w)
			break;
		addnwstr(one, 1);
		col += cw;
		s += n;
		len -= n;
	}
	free(safe);
}

void
ui_putf(int y, int x, int w, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	ui_put(y, x, w, buf);
}

int
ui_put_wrapped(int y, int x, int w, int maxlines, const char *s)
{
	char line[512];
	int used = 0;

	while (*s && used < maxlines) {
		size_t n = strlen(s), cut = n;

		if (text_width(s) > w) {
			/* Cut at the last space that fits (bytes ~ columns
			 * here). */
			cut = (size_t)w < n ? (size_t)w : n;
			while (cut > 0 && s[cut] != ' ')
				cut--;
			if (cut == 0)
				cut = (size_t)w;
		}
		if (cut >= sizeof line)
			cut = sizeof line - 1;
		memcpy(line, s, cut);
		line[cut] = '\0';
		ui_put(y + used++, x, w, line);
		s += cut;
		while (*s == ' ')
			s++;
	}
	return used;
}

/* Unicode lines when the locale is UTF-8: ACS depends on the terminal
 * description being right (TERM=xterm inside tmux draws "lqqk"). */
static void
ui_line(int y, int x, int n, int vertical)
{
	for (int i = 0; i < n; i++) {
		if (caps.utf8)
			ui_put(vertical ? y + i : y, vertical ? x : x + i, 1,
			       vertical ? "│" : "─");
		else if (vertical)
			mvaddch(y + i, x, ACS_VLINE);
		else
			mvaddch(y, x + i, ACS_HLINE);
	}
}

static void
ui_corner(int y, int x, const char *u, chtype acs)
{
	if (caps.utf8)
		ui_put(y, x, 1, u);
	else
		mvaddch(y, x, acs);
}

void
ui_hline(int y, int x, int w)
{
	ui_line(y, x, w, 0);
}

void
ui_clear_rect(int y, int x, int h, int w)
{
	for (int i = 0; i < h; i++)
		mvhline(y + i, x, ' ', w);
}

void
ui_box(int y, int x, int h, int w, const char *title)
{
	ui_clear_rect(y, x, h, w);
	ui_line(y, x + 1, w - 2, 0);
	ui_line(y + h - 1, x + 1, w - 2, 0);
	ui_line(y + 1, x, h - 2, 1);
	ui_line(y + 1, x + w - 1, h - 2, 1);
	ui_corner(y, x, "┌", ACS_ULCORNER);
	ui_corner(y, x + w - 1, "┐", ACS_URCORNER);
	ui_corner(y + h - 1, x, "└", ACS_LLCORNER);
	ui_corner(y + h - 1, x + w - 1, "┘", ACS_LRCORNER);
	if (title && *title) {
		ui_attr(UI_TITLE);
		ui_putf(y, x + 2, w - 4, " %s ", title);
		ui_attr(UI_NORMAL);
	}
}

void
ui_cursor_at(int y, int x)
{
	cur_y = y;
	cur_x = x;
}

void
ui_cursor_reset(void)
{
	cur_y = cur_x = -1;
}

void
ui_cursor_apply(void)
{
	if (cur_y >= 0 && cur_y < LINES && cur_x < COLS) {
		curs_set(1);
		move(cur_y, cur_x);
	} else {
		curs_set(0);
	}
}

void
field_draw(int y, int x, int labelw, int w, const char *label,
           const char *value, const struct edit_cursor *cur, int masked,
           int focused)
{
	char shown[1100];
	const char *v = value;
	size_t pos = cur ? edit_pos(value, cur) : strlen(value);
	int before;

	ui_attr(focused ? UI_TITLE : UI_NORMAL);
	ui_put(y, x, labelw, label);
	if (masked) {
		/* one '*' per character; the cursor counts characters too */
		size_t n = 0, p = 0;

		for (size_t i = 0; value[i] && n < sizeof shown - 1; i++)
			if ((value[i] & 0xc0) != 0x80) {
				if (i < pos)
					p++;
				shown[n++] = '*';
			}
		shown[n] = '\0';
		v = shown;
		pos = p;
	}
	ui_attr(focused ? UI_FOCUS : UI_SEL);
	mvhline(y, x + labelw, ' ', w);
	/* Long values scroll so the cursor stays inside the field. */
	before = text_width_n(v, pos);
	while (before > w - 1 && *v) {
		size_t k = 1;

		while ((v[k] & 0xc0) == 0x80)
			k++;
		v += k;
		pos -= k;
		before = text_width_n(v, pos);
	}
	ui_put(y, x + labelw, w, v);
	ui_attr(UI_NORMAL);
	if (focused)
		ui_cursor_at(y, x + labelw + before);
}

int
button_draw(int y, int x, const char *label, int focused)
{
	char b[64];

	snprintf(b, sizeof b, "[ %s ]", label);
	ui_attr(focused ? UI_FOCUS : UI_NORMAL);
	ui_put(y, x, 0, b);
	ui_attr(UI_NORMAL);
	return text_width(b);
}

int
list_nav(struct list_model *l, int action)
{
	switch (action) {
	case NAV_UP:
		list_move(l, -1);
		return 1;
	case NAV_DOWN:
		list_move(l, 1);
		return 1;
	case NAV_PGUP:
		list_page_move(l, -1);
		return 1;
	case NAV_PGDN:
		list_page_move(l, 1);
		return 1;
	case NAV_HOME:
		list_home(l);
		return 1;
	case NAV_END:
		list_end(l);
		return 1;
	}
	return 0;
}

int
scroll_nav(size_t *scroll, size_t n, size_t page, int action)
{
	size_t max = n > page ? n - page : 0;

	switch (action) {
	case NAV_UP:
		*scroll = *scroll ? *scroll - 1 : 0;
		break;
	case NAV_DOWN:
		++*scroll;
		break;
	case NAV_PGUP:
		*scroll = *scroll > page ? *scroll - page : 0;
		break;
	case NAV_PGDN:
		*scroll += page;
		break;
	case NAV_HOME:
		*scroll = 0;
		break;
	case NAV_END:
		*scroll = max;
		break;
	default:
		return 0;
	}
	if (*scroll > max)
		*scroll = max;
	return 1;
}

void
list_draw(struct list_model *l, int y, int x, int h, int w, list_row_fn fn,
          const char *empty)
{
	char row[1024];

	list_set_page(l, h > 0 ? (size_t)h : 1);
	if (l->nvis == 0) {
		ui_attr(UI_DIM);
		ui_put(y, x + 1, w - 1, empty);
		ui_attr(UI_NORMAL);
		return;
	}
	for (int i = 0; i < h && l->top + (size_t)i < l->nvis; i++) {
		size_t vi = l->top + (size_t)i;

		fn(list_row(l, vi), row, sizeof row, w);
		ui_attr(vi == l->sel ? UI_SEL : UI_NORMAL);
		mvhline(y + i, x, ' ', w);
		ui_put(y + i, x, w, row);
	}
	ui_attr(UI_NORMAL);
	if (l->nvis > (size_t)h && !l->counted) {
		ui_attr(UI_DIM);
		ui_putf(y + h, x + w - 20, 20, "%zu-%zu of %zu", l->top + 1,
		        l->top + (size_t)h < l->nvis ? l->top + (size_t)h
		                                     : l->nvis,
		        l->nvis);
		ui_attr(UI_NORMAL);
	}
}

/* The status line's right end: a spinner while a request is slow. */
static void
status_busy(struct app *a, char *right, size_t size)
{
	static const char *const spin_u[] = {"⠋", "⠙", "⠹", "⠸", "⠼",
	                                     "⠴", "⠦", "⠧", "⠇", "⠏"};
	static const char *const spin_a[] = {"|", "/", "-", "\\"};

	right[0] = '\0';
	if (rpc_pending(a->rpc) && rpc_oldest_ms(a->rpc) > 200) {
		unsigned long t = uv_now(a->loop) / 100;

		snprintf(right, size, " %s working… ",
		         ui_utf8() ? spin_u[t % 10] : spin_a[t % 4]);
	}
}

int
status_busy_width(struct app *a)
{
	char right[64];

	status_busy(a, right, sizeof right);
	return text_width(right);
}

void
status_draw(struct app *a, int rows, int cols, const char *keys)
{
	char right[64];
	const char *flash;
	int flash_err;

	status_busy(a, right, sizeof right);
	ui_attr(UI_STATUS);
	mvhline(rows - 1, 0, ' ', cols);
	ui_put(rows - 1, 1, cols - 2 - text_width(right), keys);
	if (right[0])
		ui_put(rows - 1, cols - 1 - text_width(right), 0, right);
	ui_attr(UI_NORMAL);
	if (a->probe.down) {
		/* Above any flash: what the screen shows is getting old. */
		unsigned long age =
		    (unsigned long)(probe_age_ms(&a->probe) / 1000);

		ui_attr(UI_ERR);
		mvhline(rows - 2, 0, ' ', cols);
		ui_putf(rows - 2, 1, cols - 2,
		        "padlined is not answering: what is shown is %lu s "
		        "old",
		        age);
		ui_attr(UI_NORMAL);
	} else if ((flash = app_flash_text(a, &flash_err))) {
		ui_attr(flash_err ? UI_ERR : UI_OK);
		mvhline(rows - 2, 0, ' ', cols);
		ui_put(rows - 2, 1, cols - 2, flash);
		ui_attr(UI_NORMAL);
	}
}

void
help_draw(int rows, int cols, const char *text, int *scroll, int *page)
{
	char **lines, *wrapped = xstrdup(text), foot[96];
	int w = cols - 4 < 76 ? cols - 4 : 76, h, y, x = (cols - w) / 2;
	size_t n;

	text_wrap(wrapped, w - 4); /* a long line goes on, indented less */
	n = text_split_lines(wrapped, &lines);
	free(wrapped);
	h = (int)n + 3 < rows - 1 ? (int)n + 3 : rows - 1;
	y = (rows - h) / 2 > 0 ? (rows - h) / 2 : 0;
	*page = h - 3 > 1 ? h - 3 : 1;
	if (*scroll > (int)n - *page)
		*scroll = (int)n > *page ? (int)n - *page : 0;
	ui_box(y, x, h, w, "Help");
	for (int i = 0; i < *page && *scroll + i < (int)n; i++)
		ui_put(y + 1 + i, x + 2, w - 4, lines[*scroll + i]);
	if ((int)n > *page)
		snprintf(foot, sizeof foot,
		         " %d-%d of %zu: j k PgDn g G scroll, q Esc ? close ",
		         *scroll + 1, *scroll + *page, n);
	else
		snprintf(foot, sizeof foot, " q Esc ? close ");
	ui_attr(UI_DIM);
	ui_put(y + h - 1, x + 2, w - 4, foot);
	ui_attr(UI_NORMAL);
	text_lines_free(lines, n);
}

void
ui_fill(int y, int x, int w)
{
	mvhline(y, x, ' ', w);
}

void
ui_clear(void)
{
	erase();
}

void
ui_frame_end(void)
{
	term_frame();
}

void
ui_fit(const char *s, int w, char *out, size_t size)
{
	text_fit(s, w, caps.utf8 ? "…" : "...", out, size);
}
