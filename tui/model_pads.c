/*
 * The list model behind the pads, users and invitations screens: filter by
 * case-insensitive substring over chosen members, selection that survives a
 * refresh (by id) and a top row that keeps the selection on screen.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "models.h"
#include "xalloc.h"

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
user_has_role(json_t *user, const char *role)
{
	size_t i;
	json_t *r;

	json_array_foreach (json_object_get(user, "roles"), i, r)
		if (json_is_string(r) &&
		    strcmp(json_string_value(r), role) == 0)
			return 1;
	return strcmp(role, "admin") == 0 &&
	       json_is_true(json_object_get(user, "is_admin"));
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
	l->vis = xcalloc(n ? n : 1, sizeof *l->vis);
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

/* a before b in the list's order: its sort member case-insensitively
 * (ISO times order as text), reversed when desc, ties by id. */
static int
sort_before(const struct list_model *l, json_t *a, json_t *b)
{
	int c = strcasecmp(jstr(a, l->sort_key), jstr(b, l->sort_key));

	if (l->sort_desc)
		c = -c;
	if (c == 0)
		c = strcmp(jstr(a, "id"), jstr(b, "id"));
	return c < 0;
}

/* A stable merge sort (qsort has no context argument in C11). */
static void
sort_run(const struct list_model *l, json_t **v, json_t **tmp, size_t n)
{
	size_t h = n / 2, i = 0, j = h, k = 0;

	if (n < 2)
		return;
	sort_run(l, v, tmp, h);
	sort_run(l, v + h, tmp, n - h);
	while (i < h && j < n)
		tmp[k++] = sort_before(l, v[j], v[i]) ? v[j++] : v[i++];
	while (i < h)
		tmp[k++] = v[i++];
	while (j < n)
		tmp[k++] = v[j++];
	memcpy(v, tmp, n * sizeof *v);
}

static void
list_apply_sort(struct list_model *l)
{
	size_t n = json_array_size(l->items);
	json_t **v, **tmp, *sorted;

	if (!l->sort_key || n < 2)
		return;
	v = xreallocarray(NULL, n, sizeof *v);
	tmp = xreallocarray(NULL, n, sizeof *tmp);
	for (size_t i = 0; i < n; i++)
		v[i] = json_array_get(l->items, i);
	sort_run(l, v, tmp, n);
	sorted = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append(sorted, v[i]);
	json_decref(l->items);
	l->items = sorted;
	free(v);
	free(tmp);
}

void
list_sort(struct list_model *l, const char *key, int desc)
{
	char keep[128] = "";
	const char *id = jstr(list_selected(l), "id");

	snprintf(keep, sizeof keep, "%s", id);
	l->sort_key = key;
	l->sort_desc = desc;
	list_apply_sort(l);
	list_refilter(l, keep[0] ? keep : NULL);
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
	list_apply_sort(l);
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

int
list_find(struct list_model *l, const char *const *keys, const char *q, int dir)
{
	size_t n = l->nvis;

	if (!n || !q[0])
		return 0;
	for (size_t i = 1; i <= n; i++) {
		size_t vi = dir > 0 ? (l->sel + i) % n : (l->sel + n - i) % n;
		json_t *row = list_row(l, vi);

		for (const char *const *k = keys; *k; k++)
			if (text_matches(jstr(row, *k), q)) {
				list_move(l, (long)vi - (long)l->sel);
				return 1;
			}
	}
	return 0;
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
	/* One format everywhere, to the second (UTC, as the server sends). */
	snprintf(buf, size, "%.19s", iso ? iso : "");
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
