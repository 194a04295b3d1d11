/*
 * Writing JSON text without a tree: the buffer, and string escapes as
 * jansson's dump writes them.
 */
#include "json_write.h"

#include <stdio.h>
#include <string.h>

#include "num_text.h"
#include "xalloc.h"

static void
reserve(struct json_write *w, size_t n)
{
	if (w->cap - w->len > n)
		return;
	while (w->cap - w->len <= n)
		w->cap = w->cap ? w->cap * 2 : 256;
	w->buf = xrealloc(w->buf, w->cap);
}

void
json_write_raw(struct json_write *w, const char *s, size_t n)
{
	reserve(w, n);
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	w->buf[w->len] = '\0';
}

void
json_write_str(struct json_write *w, const char *s)
{
	const char *run = s;

	json_write_lit(w, "\"");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		const char *esc = NULL;
		char u[8];

		switch (c) {
		case '"':
			esc = "\\\"";
			break;
		case '\\':
			esc = "\\\\";
			break;
		case '\b':
			esc = "\\b";
			break;
		case '\f':
			esc = "\\f";
			break;
		case '\n':
			esc = "\\n";
			break;
		case '\r':
			esc = "\\r";
			break;
		case '\t':
			esc = "\\t";
			break;
		default:
			if (c >= 0x20)
				continue;
			snprintf(u, sizeof u, "\\u%04X", c);
			esc = u;
		}
		json_write_raw(w, run, (size_t)(s - run));
		json_write_raw(w, esc, strlen(esc));
		run = s + 1;
	}
	json_write_raw(w, run, (size_t)(s - run));
	json_write_lit(w, "\"");
}

void
json_write_ll(struct json_write *w, long long v)
{
	char n[NUM_TEXT_LL];

	json_write_raw(w, n, num_text_ll(n, v));
}

char *
json_write_take(struct json_write *w, size_t *len)
{
	char *s = w->buf != NULL ? w->buf : xstrdup("");

	if (len != NULL)
		*len = w->len;
	memset(w, 0, sizeof *w);
	return s;
}
