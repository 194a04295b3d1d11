/*
 * Cell widths (see text.h). Invalid UTF-8 counts one cell per byte, so a
 * column never moves by a surprise.
 */
#include "text.h"

#include <stdio.h>
#include <string.h>
#include <wchar.h>

/* Decodes one character at s (len bytes left): its byte length and cells. */
static size_t
one_char(const char *s, size_t len, int *cells)
{
	mbstate_t st;
	wchar_t wc;
	size_t n;

	memset(&st, 0, sizeof st);
	n = mbrtowc(&wc, s, len, &st);
	if (n == 0 || n > len) {
		*cells = 1;
		return 1;
	}
	*cells = wcwidth(wc);
	if (*cells < 0)
		*cells = 1;
	return n;
}

int
text_width_n(const char *s, size_t n)
{
	int w = 0, c;

	while (n > 0 && *s) {
		size_t k = one_char(s, n, &c);

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
		size_t k = one_char(s + i, len - i, &c);

		if (used + c > room || o + k + 1 > size)
			break;
		memcpy(out + o, s + i, k);
		o += k;
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
