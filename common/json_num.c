/*
 * json_num.h: number tokens are rewritten in the JSON text around jansson,
 * outside strings only: big integers gain ".0" before parsing, reals are
 * reprinted shortest after dumping.
 */
#include "json_num.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

struct buf {
	char *s;
	size_t len, cap;
};

static void
buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->s = xrealloc(b->s, b->cap);
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static int
num_char(char c)
{
	return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' ||
	       c == 'e' || c == 'E';
}

/*
 * Copies text to a new buffer, passing each number token (outside
 * strings) through fix, which appends its replacement. Returns the number
 * of tokens fix changed.
 */
static int
rewrite_numbers(const char *text, size_t len, struct buf *out,
                int (*fix)(const char *tok, size_t n, struct buf *))
{
	int in_str = 0, changed = 0;
	size_t i = 0, start = 0;

	while (i < len) {
		char c = text[i];

		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = 0;
			i++;
			continue;
		}
		if (c == '"') {
			in_str = 1;
			i++;
			continue;
		}
		if (c != '-' && (c < '0' || c > '9')) {
			i++;
			continue;
		}
		buf_add(out, text + start, i - start);
		start = i;
		while (i < len && num_char(text[i]))
			i++;
		changed += fix(text + start, i - start, out);
		start = i;
	}
	buf_add(out, text + start, len - start);
	return changed;
}

/* An integer token beyond 64 bits becomes a real ("...0.0"). */
static int
fix_big_int(const char *tok, size_t n, struct buf *out)
{
	char t[64];
	int big;

	buf_add(out, tok, n);
	if (memchr(tok, '.', n) || memchr(tok, 'e', n) || memchr(tok, 'E', n))
		return 0;
	if (n >= sizeof t)
		big = 1;
	else {
		memcpy(t, tok, n);
		t[n] = '\0';
		errno = 0;
		(void)strtoll(t, NULL, 10);
		big = errno == ERANGE;
	}
	if (big)
		buf_add(out, ".0", 2);
	return big;
}

json_t *
json_num_loadb(const char *buf, size_t len, size_t flags, json_error_t *err)
{
	struct buf fixed = {0};
	json_t *v = json_loadb(buf, len, flags, err);

	if (v != NULL || json_error_code(err) != json_error_numeric_overflow)
		return v;
	if (rewrite_numbers(buf, len, &fixed, fix_big_int) > 0)
		v = json_loadb(fixed.s, fixed.len, flags, err);
	free(fixed.s);
	return v;
}

size_t
json_num_real_text(double d, char s[JSON_NUM_REAL_TEXT])
{
	int len = 0;

	for (int p = 1; p <= 17; p++) {
		len = snprintf(s, JSON_NUM_REAL_TEXT, "%.*g", p, d);
		if (strtod(s, NULL) == d)
			break;
	}
	if (!strpbrk(s, ".e"))
		len +=
		    snprintf(s + len, JSON_NUM_REAL_TEXT - (size_t)len, ".0");
	return (size_t)len;
}

/* A real token (jansson prints "%.17g", plus ".0" when that looks like an
 * integer) reprinted with the fewest digits that read back the same. */
static int
fix_real(const char *tok, size_t n, struct buf *out)
{
	char t[64], s[JSON_NUM_REAL_TEXT];
	size_t len;

	if (n >= sizeof t || !(memchr(tok, '.', n) || memchr(tok, 'e', n) ||
	                       memchr(tok, 'E', n))) {
		buf_add(out, tok, n);
		return 0;
	}
	memcpy(t, tok, n);
	t[n] = '\0';
	len = json_num_real_text(strtod(t, NULL), s);
	buf_add(out, s, len);
	return len != n || memcmp(s, tok, n) != 0;
}

/* Whether v holds a real anywhere: most replies hold none, and walking the
 * tree is cheaper than scanning the text for number tokens. */
static int
has_real(const json_t *v)
{
	const char *key;
	json_t *item;
	size_t i;

	switch (json_typeof(v)) {
	case JSON_REAL:
		return 1;
	case JSON_OBJECT:
		json_object_foreach ((json_t *)v, key, item)
			if (has_real(item))
				return 1;
		return 0;
	case JSON_ARRAY:
		json_array_foreach (v, i, item)
			if (has_real(item))
				return 1;
		return 0;
	default:
		return 0;
	}
}

char *
json_num_dumps(const json_t *v, size_t flags)
{
	struct buf out = {0};
	char *s = json_dumps(v, flags);

	if (s == NULL || !has_real(v))
		return s;
	/* Most reals print shortest already: keep jansson's text then. */
	if (rewrite_numbers(s, strlen(s), &out, fix_real) == 0) {
		free(out.s);
		return s;
	}
	free(s);
	return out.s;
}
