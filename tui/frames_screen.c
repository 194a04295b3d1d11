/*
 * The screen ncurses holds (curscr: what a terminal would show) read back
 * as a frame's text: the rows, right-trimmed, then the runs of attributes
 * of each row in words, and the measure step's latency line. Only the
 * text form; frames_script.c runs the script.
 */
#include "frames.h"

#include <curses.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

static const char *
color_name(short c, char *buf, size_t size)
{
	static const char *const names[8] = {"black",  "red",  "green",
	                                     "yellow", "blue", "magenta",
	                                     "cyan",   "white"};

	if (c < 0)
		return "default";
	if (c < 8)
		return names[c];
	snprintf(buf, size, "color%d", c);
	return buf;
}

static void
attr_words(attr_t at, short pair, char *out, size_t size)
{
	static const struct {
		attr_t bit;
		const char *name;
	} words[] = {
	    {A_BOLD, "bold"},         {A_DIM, "dim"},
	    {A_REVERSE, "reverse"},   {A_UNDERLINE, "underline"},
	    {A_STANDOUT, "standout"}, {A_BLINK, "blink"},
	    {A_ALTCHARSET, "acs"},
	};
	size_t len = 0;

	out[0] = '\0';
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (at & words[i].bit)
			len += (size_t)snprintf(out + len, size - len, "%s%s",
			                        len ? " " : "", words[i].name);
	if (pair > 0 && len < size) {
		short fg = -1, bg = -1;
		char b1[16], b2[16];

		pair_content(pair, &fg, &bg);
		snprintf(out + len, size - len, "%s%s/%s", len ? " " : "",
		         color_name(fg, b1, sizeof b1),
		         color_name(bg, b2, sizeof b2));
	}
}

void
frames_screen_read(char **frame, char **rows_text)
{
	char *text = NULL, *attrs = NULL, *out = NULL;
	size_t text_len = 0, attrs_len = 0, out_len = 0;
	FILE *tf = open_memstream(&text, &text_len),
	     *af = open_memstream(&attrs, &attrs_len);
	int cy, cx, rows = getmaxy(curscr), cols = getmaxx(curscr);

	getyx(curscr, cy, cx);
	for (int y = 0; y < rows; y++) {
		char *row = NULL, *runs = NULL;
		size_t row_len = 0, runs_len = 0, keep = 0;
		FILE *rf = open_memstream(&row, &row_len),
		     *uf = open_memstream(&runs, &runs_len);
		char prev[128] = "", cur[128];
		int run_x = 0;

		for (int x = 0; x < cols;) {
			cchar_t cc;
			wchar_t wch[CCHARW_MAX + 1] = {0};
			attr_t at = 0;
			short pair = 0;
			char mb[MB_LEN_MAX];
			mbstate_t st;
			int w = 1, any = 0;

			if (mvwin_wch(curscr, y, x, &cc) == ERR ||
			    getcchar(&cc, wch, &at, &pair, NULL) == ERR)
				wch[0] = L' ';
			memset(&st, 0, sizeof st);
			for (int i = 0; i < CCHARW_MAX && wch[i]; i++) {
				size_t k = wcrtomb(mb, wch[i], &st);

				if (k == (size_t)-1)
					fputc('?', rf);
				else
					fwrite(mb, 1, k, rf);
				any |= wch[i] != L' ';
			}
			if (!wch[0])
				fputc(' ', rf);
			fflush(rf);
			if (any)
				keep = row_len;
			if (wch[0] && wcwidth(wch[0]) > 1)
				w = wcwidth(wch[0]);
			attr_words(at & (A_ATTRIBUTES & ~A_COLOR), pair, cur,
			           sizeof cur);
			if (strcmp(cur, prev) != 0) {
				if (prev[0])
					fprintf(uf, "%s%d-%d %s",
					        ftell(uf) ? "; " : "", run_x,
					        x - 1, prev);
				snprintf(prev, sizeof prev, "%s", cur);
				run_x = x;
			}
			x += w;
		}
		if (prev[0])
			fprintf(uf, "%s%d-%d %s", ftell(uf) ? "; " : "", run_x,
			        cols - 1, prev);
		fclose(rf);
		fclose(uf);
		fprintf(tf, "%.*s\n", (int)keep, row);
		if (runs_len)
			fprintf(af, "%d: %s\n", y, runs);
		free(row);
		free(runs);
	}
	wmove(curscr, cy, cx);
	fclose(tf);
	fclose(af);
	{
		FILE *of = open_memstream(&out, &out_len);

		fprintf(of, "--- frame %dx%d\n%s--- attributes\n%s--- end\n",
		        cols, rows, text, attrs);
		fclose(of);
	}
	free(attrs);
	*frame = out;
	*rows_text = text;
}

static int
cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return a < b ? -1 : a > b;
}

void
frames_latency_print(double *ms, size_t n)
{
	qsort(ms, n, sizeof *ms, cmp_double);
	printf("latency keys=%zu p50=%.2fms p99=%.2fms max=%.2fms\n", n,
	       n ? ms[n / 2] : 0.0, n ? ms[(n * 99) / 100] : 0.0,
	       n ? ms[n - 1] : 0.0);
	fflush(stdout);
}

unsigned
frames_utf8_next(const char **s)
{
	const unsigned char *p = (const unsigned char *)*s;
	unsigned c = *p, n = c < 0x80 ? 0 : c < 0xe0 ? 1 : c < 0xf0 ? 2 : 3;

	c = n == 0 ? c : c & (0x3f >> n);
	for (unsigned i = 1; i <= n && (p[i] & 0xc0) == 0x80; i++)
		c = (c << 6) | (p[i] & 0x3f), *s += 1;
	*s += 1;
	return c;
}
