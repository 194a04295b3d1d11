/*
 * Paging the pads list from the server (model_pad_pages.c, no curses):
 * pad.list keyset pages asked one after another with the cursor, for one
 * sort and search at a time; rows merged into a list_model without
 * repeats, and replies to an older sort or search dropped.
 */
#ifndef PL_TUI_PAD_PAGES_H
#define PL_TUI_PAD_PAGES_H

#include <jansson.h>
#include <stddef.h>

#include "models.h"

/* The rows one pad.list page asks for. */
#define PAD_PAGE_ROWS 100
/* The server's largest page (a refresh re-reads what was loaded). */
#define PAD_PAGE_MAX 1000

struct pad_pages {
	char sort[16]; /* "created", "updated" or "name" (pad.list's sort) */
	char order[8]; /* "asc", "desc"; "": the sort's own (pad.list's) */
	char q[128];   /* the search, "" for none */
	char *next;  /* cursor of the next page; NULL: none asked yet or done */
	int done;    /* the last page arrived */
	int started; /* a first page arrived for this sort and search */
	int loading; /* a page is asked and not answered */
	unsigned gen;  /* bumped by every new sort, search or reload */
	size_t loaded; /* rows in the list */
};

void pad_pages_init(struct pad_pages *);
void pad_pages_free(struct pad_pages *);
/* A new sort and/or search (NULL: keep it): paging starts again. */
void pad_pages_reset(struct pad_pages *, const char *sort, const char *q);
/* The params of the next request, NULL when nothing is left to ask (the
 * last page came) or a request is in flight. first: the first page again
 * (a reload). rows: at least that many (a reload: what was loaded; End:
 * the largest page), capped at PAD_PAGE_MAX. Marks the request in flight;
 * *gen gets the generation to hand back. */
json_t *pad_pages_request(struct pad_pages *, int first, size_t rows,
                          unsigned *gen);
/* A reply: rows appended to l after the ones it has (a first page
 * replaces them), skipping ids already listed — a pad created meanwhile
 * can shift rows from one page into the next. Returns the rows added, or
 * -1 when the reply belongs to an older generation (dropped). */
long pad_pages_apply(struct pad_pages *, struct list_model *l, unsigned gen,
                     int first, json_t *result);
/* A failed request: no longer in flight (for its generation). */
void pad_pages_failed(struct pad_pages *, unsigned gen);
/* "1-27 of 250" once all are loaded, else "1-27 of 100+ loaded". */
void pad_pages_status(const struct pad_pages *, const struct list_model *,
                      char *buf, size_t size);
/* Whether the selection is close enough to the loaded end that the next
 * page should be asked (within a screen page). */
int pad_pages_want_more(const struct pad_pages *, const struct list_model *);

#endif
