/*
 * Cell widths (see text.h). Text is measured as ui_put shows it: a control,
 * bidi control or invalid byte as its visible escape (term_safe.h), so a
 * column never moves by a surprise.
 */
#include "text.h"

#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include "term_safe.h"

/* Decodes one unit at s (len bytes left): its byte length and cells; esc
 * gets its escape when it is shown escaped, else "". */
static size_t
one_char(const char *s, size_t len, int *cells, char esc[TERM_SAFE_ESC_MAX])
{
	mbstate_t st;
	wchar_t wc;
	size_t elen, n = term_safe_unit(s, len, esc, &elen);

	if (elen) {
		*cells = (int)elen;
		return n;
	}
	memset(&st, 0, sizeof st);
	if (mbrtowc(&wc, s, n, &st) != n) {
		*cells = 1; /* not this locale's: ui_put's one-cell stand-in */
		return n;
	}
	*cells = wcwidth(wc);
	if (*cells < 0)
		*cells = 1;
	return n;
}

int
text_width_n(const char *s, size_t n)
{
	char esc[TERM_SAFE_ESC_MAX];
	int w = 0, c;

	while (n > 0 && *s) {
		size_t k = one_char(s, n, &c, esc);

		w += c;
		s += k;
		n -= k;
	}
	return w;
}

int
text_width(const char *s)
{
	return text_width_n(s, strlen(s));
}

void
text_fit(const char *s, int w, const char *ellipsis, char *out, size_t size)
{
	size_t len = strlen(s), o = 0, i = 0;
	char esc[TERM_SAFE_ESC_MAX];
	int used = 0, c, ew = text_width(ellipsis);
	int cut = text_width(s) > w;
	int room = cut ? w - ew : w; /* cells for text before the ellipsis */

	if (size == 0)
		return;
	out[0] = '\0';
	if (w <= 0)
		return;
	if (room < 0) {
		room = w; /* no space even for the ellipsis: just cut */
		cut = 0;
	}
	while (i < len) {
		size_t k = one_char(s + i, len - i, &c, esc);
		size_t shown = esc[0] ? strlen(esc) : k;

		if (used + c > room || o + shown + 1 > size)
			break;
		memcpy(out + o, esc[0] ? esc : s + i, shown);
		o += shown;
		i += k;
		used += c;
	}
	if (cut && o + strlen(ellipsis) + 1 <= size) {
		while (used < room &&
		       o + 2 <= size) { /* a straddling wide char */
			out[o++] = ' ';
			used++;
		}
		memcpy(out + o, ellipsis, strlen(ellipsis));
		o += strlen(ellipsis);
		used += ew;
	}
	while (used < w && o + 2 <= size) {
		out[o++] = ' ';
		used++;
	}
	out[o] = '\0';
}

void
text_wrap(char *s, int w)
{
	char *line = s, *space = NULL;

	for (char *p = s; *p; p++) {
		if (*p == '\n') {
			line = p + 1;
			space = NULL;
			continue;
		}
		if (*p == ' ')
			space = p;
		if (space && text_width_n(line, (size_t)(p - line) + 1) > w) {
			*space = '\n';
			line = space + 1;
			space = NULL;
		}
	}
}

void
text_reflow(char *s)
{
	for (char *p = s; *p; p++)
		if (*p == '\n' && p > s && p[-1] != '\n' && p[1] &&
		    p[1] != '\n')
			*p = ' ';
}

void
text_bytes(long long bytes, char *out, size_t size)
{
	double v = (double)bytes / (bytes < 1024 * 1024 ? 1024 : 1024 * 1024);
	const char *unit = bytes < 1024 * 1024 ? "KB" : "MB";
	char num[32];

	if (bytes < 1024) {
		snprintf(out, size, "%lld bytes", bytes);
		return;
	}
	snprintf(num, sizeof num, "%.1f", v);
	if (strcmp(num + strlen(num) - 2, ".0") == 0)
		num[strlen(num) - 2] = '\0'; /* "1 MB", not "1.0 MB" */
	snprintf(out, size, "%s %s (%lld bytes)", num, unit, bytes);
}
