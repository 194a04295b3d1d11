/*
 * The pads list's paging state: which page to ask next (the server's
 * opaque cursor), whether a request is in flight, and merging the rows of
 * each page into the list without repeats.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pad_pages.h"
#include "xalloc.h"

void
pad_pages_init(struct pad_pages *pp)
{
	memset(pp, 0, sizeof *pp);
	snprintf(pp->sort, sizeof pp->sort, "created");
}

void
pad_pages_free(struct pad_pages *pp)
{
	free(pp->next);
	pp->next = NULL;
}

void
pad_pages_reset(struct pad_pages *pp, const char *sort, const char *q)
{
	if (sort)
		snprintf(pp->sort, sizeof pp->sort, "%s", sort);
	if (q)
		snprintf(pp->q, sizeof pp->q, "%s", q);
	free(pp->next);
	pp->next = NULL;
	pp->done = pp->started = pp->loading = 0;
	pp->gen++;
}

json_t *
pad_pages_request(struct pad_pages *pp, int first, size_t rows, unsigned *gen)
{
	json_t *params;
	size_t limit = PAD_PAGE_ROWS;

	if (first) {
		/* A reload outranks a page in flight: that one is dropped. */
		free(pp->next);
		pp->next = NULL;
		pp->done = 0;
		pp->gen++;
	} else if (pp->loading || pp->done || !pp->started || !pp->next) {
		return NULL;
	}
	if (rows > limit)
		limit = rows > PAD_PAGE_MAX ? PAD_PAGE_MAX : rows;
	params = json_pack("{s:I, s:s}", "limit", (json_int_t)limit, "sort",
	                   pp->sort);
	if (pp->order[0])
		json_object_set_new(params, "order", json_string(pp->order));
	if (pp->q[0])
		json_object_set_new(params, "q", json_string(pp->q));
	if (!first)
		json_object_set_new(params, "after", json_string(pp->next));
	pp->loading = 1;
	*gen = pp->gen;
	return params;
}

static int
has_id(json_t *items, const char *id)
{
	size_t i;
	json_t *it;

	json_array_foreach (items, i, it)
		if (strcmp(jstr(it, "id"), id) == 0)
			return 1;
	return 0;
}

long
pad_pages_apply(struct pad_pages *pp, struct list_model *l, unsigned gen,
                int first, json_t *result)
{
	json_t *pads = json_object_get(result, "pads");
	const char *next = json_string_value(json_object_get(result, "next"));
	json_t *items, *it;
	size_t i;
	long added = 0;

	if (gen != pp->gen)
		return -1;
	pp->loading = 0;
	pp->started = 1;
	free(pp->next);
	pp->next = next ? xstrdup(next) : NULL;
	pp->done = next == NULL;
	items = first ? json_array() : json_copy(l->items);
	json_array_foreach (pads, i, it) {
		if (!json_is_object(it) || has_id(items, jstr(it, "id")))
			continue;
		json_array_append(items, it);
		added++;
	}
	pp->loaded = json_array_size(items);
	list_set_items(l, items);
	return added;
}

void
pad_pages_failed(struct pad_pages *pp, unsigned gen)
{
	if (gen == pp->gen)
		pp->loading = 0;
}

void
pad_pages_status(const struct pad_pages *pp, const struct list_model *l,
                 char *buf, size_t size)
{
	size_t last = l->top + l->page < l->nvis ? l->top + l->page : l->nvis;

	if (l->nvis == 0)
		snprintf(buf, size, "%s", pp->done ? "0 of 0" : "");
	else if (pp->done)
		snprintf(buf, size, "%zu-%zu of %zu", l->top + 1, last,
		         l->nvis);
	else
		snprintf(buf, size, "%zu-%zu of %zu+ loaded", l->top + 1, last,
		         l->nvis);
}

int
pad_pages_want_more(const struct pad_pages *pp, const struct list_model *l)
{
	if (pp->done || pp->loading || !pp->started || !pp->next)
		return 0;
	return l->sel + l->page >= l->nvis;
}
