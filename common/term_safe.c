/*
 * The terminal escaper of term_safe.h. It decodes UTF-8 itself, strictly
 * and without the locale, so what is escaped never depends on LC_CTYPE.
 */
#include "term_safe.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

/* Decodes one strict UTF-8 character at s; returns its length (0 when the
 * first byte does not start a valid one) and the code point in *cp. */
static size_t
utf8_decode(const unsigned char *s, size_t len, unsigned long *cp)
{
	size_t n, i;
	unsigned long c, min;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2, c = s[0] & 0x1f, min = 0x80;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3, c = s[0] & 0x0f, min = 0x800;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4, c = s[0] & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (n > len)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and past U+10FFFF are not UTF-8. */
	if (c < min || (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return 0;
	*cp = c;
	return n;
}

/* A code point a terminal acts on instead of showing. */
static int
is_control(unsigned long cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) ||
	       (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

size_t
term_safe_unit(const char *s, size_t len, char esc[TERM_SAFE_ESC_MAX],
               size_t *esclen)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *u = (const unsigned char *)s;
	unsigned long cp;
	size_t n = utf8_decode(u, len, &cp);

	*esclen = 0;
	esc[0] = '\0';
	if (n == 0) {
		memcpy(esc, "\\x", 2);
		esc[2] = hex[u[0] >> 4];
		esc[3] = hex[u[0] & 0xf];
		esc[4] = '\0';
		*esclen = 4;
		return 1;
	}
	if (is_control(cp)) {
		memcpy(esc, "\\u", 2);
		for (int i = 0; i < 4; i++)
			esc[2 + i] = hex[(cp >> (12 - 4 * i)) & 0xf];
		esc[6] = '\0';
		*esclen = 6;
	}
	return n;
}

size_t
term_safe_n(const char *s, size_t n, char *out, size_t size)
{
	char esc[TERM_SAFE_ESC_MAX];
	size_t need = 0, o = 0, k, elen;
	int full = 0; /* out is full: only count from here on */

	while (n > 0) {
		const char *piece;
		size_t plen;

		k = term_safe_unit(s, n, esc, &elen);
		piece = elen ? esc : s;
		plen = elen ? elen : k;
		if (!full && o + plen < size) {
			memcpy(out + o, piece, plen);
			o += plen;
		} else {
			full = 1;
		}
		need += plen;
		s += k;
		n -= k;
	}
	if (size > 0)
		out[o] = '\0';
	return need;
}

size_t
term_safe(const char *s, char *out, size_t size)
{
	return term_safe_n(s, strlen(s), out, size);
}

char *
term_safe_dup(const char *s)
{
	size_t need = term_safe(s, NULL, 0);
	char *out = xmalloc(need + 1);

	term_safe(s, out, need + 1);
	return out;
}

void
term_safe_println(FILE *out, const char *fmt, ...)
{
	va_list ap;
	char *text, *safe;

	va_start(ap, fmt);
	text = xvasprintf(fmt, ap);
	va_end(ap);
	safe = term_safe_dup(text);
	fprintf(out, "%s\n", safe);
	free(safe);
	free(text);
}
