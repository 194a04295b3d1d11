/*
 * The list model behind the pads, users and invitations screens: filter by
 * case-insensitive substring over chosen members, selection that survives a
 * refresh (by id) and a top row that keeps the selection on screen.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models.h"

void
list_init(struct list_model *l, const char *const *keys)
{
	memset(l, 0, sizeof *l);
	l->keys = keys;
	l->items = json_array();
	l->page = 1;
}

void
list_free(struct list_model *l)
{
	json_decref(l->items);
	free(l->vis);
	memset(l, 0, sizeof *l);
}

const char *
jstr(json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s ? s : "";
}

int
text_matches(const char *text, const char *needle)
{
	size_t n = strlen(needle);

	if (n == 0)
		return 1;
	for (; text && *text; text++)
		if (strncasecmp(text, needle, n) == 0)
			return 1;
	return 0;
}

static int
list_item_matches(const struct list_model *l, json_t *item)
{
	if (!l->filter[0])
		return 1;
	for (const char *const *k = l->keys; k && *k; k++)
		if (text_matches(json_string_value(json_object_get(item, *k)),
		                 l->filter))
			return 1;
	return 0;
}

/* Keeps sel in range and on screen. */
static void
list_clamp(struct list_model *l)
{
	if (l->page == 0)
		l->page = 1;
	if (l->nvis == 0) {
		l->sel = l->top = 0;
		return;
	}
	if (l->sel >= l->nvis)
		l->sel = l->nvis - 1;
	if (l->sel < l->top)
		l->top = l->sel;
	if (l->sel >= l->top + l->page)
		l->top = l->sel - l->page + 1;
	if (l->top + l->page > l->nvis)
		l->top = l->nvis > l->page ? l->nvis - l->page : 0;
}

static void
list_refilter(struct list_model *l, const char *keep_id)
{
	size_t n = json_array_size(l->items);

	free(l->vis);
	l->vis = calloc(n ? n : 1, sizeof *l->vis);
	l->nvis = 0;
	for (size_t i = 0; i < n; i++) {
		json_t *it = json_array_get(l->items, i);

		if (!list_item_matches(l, it))
			continue;
		if (keep_id &&
		    strcmp(keep_id,
		           json_string_value(json_object_get(it, "id"))
		               ? json_string_value(json_object_get(it, "id"))
		               : "") == 0)
			l->sel = l->nvis;
		l->vis[l->nvis++] = i;
	}
	list_clamp(l);
}

void
list_set_items(struct list_model *l, json_t *arr)
{
	char keep[128] = "";
	const char *id =
	    json_string_value(json_object_get(list_selected(l), "id"));

	if (id)
		snprintf(keep, sizeof keep, "%s", id);
	json_decref(l->items);
	l->items = json_is_array(arr) ? arr : json_array();
	if (!json_is_array(arr))
		json_decref(arr);
	list_refilter(l, keep[0] ? keep : NULL);
}

void
list_set_filter(struct list_model *l, const char *filter)
{
	char keep[128] = "";
	const char *id =
	    json_string_value(json_object_get(list_selected(l), "id"));

	if (id)
		snprintf(keep, sizeof keep, "%s", id);
	snprintf(l->filter, sizeof l->filter, "%s", filter ? filter : "");
	l->sel = 0;
	list_refilter(l, keep[0] ? keep : NULL);
}

void
list_set_page(struct list_model *l, size_t rows)
{
	l->page = rows ? rows : 1;
	list_clamp(l);
}

void
list_move(struct list_model *l, long delta)
{
	long s = (long)l->sel + delta;

	l->sel = s < 0 ? 0 : (size_t)s;
	list_clamp(l);
}

void
list_page_move(struct list_model *l, int pages)
{
	/* The page moves with the selection so PgDn shows the next page. */
	long d = (long)l->page * pages;
	long top = (long)l->top + d;

	l->top = top < 0 ? 0 : (size_t)top;
	list_move(l, d);
}

void
list_home(struct list_model *l)
{
	l->sel = l->top = 0;
	list_clamp(l);
}

void
list_end(struct list_model *l)
{
	l->sel = l->nvis ? l->nvis - 1 : 0;
	list_clamp(l);
}

json_t *
list_row(const struct list_model *l, size_t i)
{
	if (i >= l->nvis)
		return NULL;
	return json_array_get(l->items, l->vis[i]);
}

json_t *
list_selected(const struct list_model *l)
{
	return list_row(l, l->sel);
}

void
pad_size_text(json_t *pad, char *buf, size_t size)
{
	json_t *data = json_object_get(pad, "data");
	json_t *sz = json_object_get(pad, "size");
	size_t n = 0;

	if (!data && !json_is_integer(sz)) {
		snprintf(buf, size, "-"); /* the list did not say */
		return;
	}
	if (json_is_integer(sz))
		n = (size_t)json_integer_value(sz);
	else if (data) {
		char *s = json_dumps(data, JSON_COMPACT);

		n = s ? strlen(s) : 0;
		free(s);
	}
	if (n < 1024)
		snprintf(buf, size, "%zu B", n);
	else if (n < 1024 * 1024)
		snprintf(buf, size, "%.1f KiB", n / 1024.0);
	else
		snprintf(buf, size, "%.1f MiB", n / 1048576.0);
}

/* "2026-11-25T19:30:00.123Z" -> "2026-11-25 19:30" */
void
short_time(const char *iso, char *buf, size_t size)
{
	snprintf(buf, size, "%.16s", iso ? iso : "");
	if (strlen(buf) > 10 && buf[10] == 'T')
		buf[10] = ' ';
}

/* When a backup was saved, whatever the server calls it. */
const char *
backup_time(json_t *b)
{
	static const char *const keys[] = {"created_at", "saved_at", "at",
	                                   "timestamp", NULL};

	for (int i = 0; keys[i]; i++)
		if (json_string_value(json_object_get(b, keys[i])))
			return json_string_value(json_object_get(b, keys[i]));
	return "?";
}
