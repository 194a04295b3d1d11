/*
 * Writing JSON text without a tree: the buffer, and string escapes as
 * jansson's dump writes them.
 */
#include "json_write.h"

#include <stdio.h>
#include <string.h>

#include "json_num.h"
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
json_write_reserve(struct json_write *w, size_t n)
{
	reserve(w, n);
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
	json_write_strn(w, s, strlen(s));
}

void
json_write_strn(struct json_write *w, const char *s, size_t n)
{
	const char *run = s, *end = s + n;

	json_write_lit(w, "\"");
	for (; s < end; s++) {
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

void
json_write_json(struct json_write *w, const json_t *v)
{
	char num[JSON_NUM_REAL_TEXT];
	const char *sep = "";
	json_t *item;
	size_t i;
	void *it;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		json_write_lit(w, "{");
		for (it = json_object_iter((json_t *)v); it != NULL;
		     it = json_object_iter_next((json_t *)v, it)) {
			json_write_raw(w, sep, strlen(sep));
			json_write_strn(w, json_object_iter_key(it),
			                json_object_iter_key_len(it));
			json_write_lit(w, ":");
			json_write_json(w, json_object_iter_value(it));
			sep = ",";
		}
		json_write_lit(w, "}");
		break;
	case JSON_ARRAY:
		json_write_lit(w, "[");
		json_array_foreach (v, i, item) {
			json_write_raw(w, sep, strlen(sep));
			json_write_json(w, item);
			sep = ",";
		}
		json_write_lit(w, "]");
		break;
	case JSON_STRING:
		json_write_strn(w, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		json_write_ll(w, json_integer_value(v));
		break;
	case JSON_REAL:
		json_write_raw(w, num,
		               json_num_real_text(json_real_value(v), num));
		break;
	case JSON_TRUE:
		json_write_lit(w, "true");
		break;
	case JSON_FALSE:
		json_write_lit(w, "false");
		break;
	case JSON_NULL:
		json_write_lit(w, "null");
		break;
	}
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
