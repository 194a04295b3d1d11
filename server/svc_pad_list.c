/*
 * pad.list: keyset pages over the pads a user owns or views. The cursor
 * (`next`, passed back as `after`) is opaque to clients: base64url of JSON
 * [sort, key, id] of the last row returned, so a page starts strictly after
 * it whatever was created or deleted meanwhile, and no page reads past rows.
 * The sort names the direction when it is not the sort's own
 * ("name-desc"), so a cursor keeps its order.
 */
#include <ctype.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "repo_pad.h"
#include "validate.h"
#include "svc_pad.h"
#include "xalloc.h"

static const char *const sort_names[] = {
    [REPO_PAD_CREATED] = "created",
    [REPO_PAD_UPDATED] = "updated",
    [REPO_PAD_NAME] = "name",
};

/* Each sort's own direction, and the cursor's names of the other. */
static const char *const sort_own_order[] = {
    [REPO_PAD_CREATED] = "asc",
    [REPO_PAD_UPDATED] = "desc",
    [REPO_PAD_NAME] = "asc",
};
static const char *const sort_reversed[] = {
    [REPO_PAD_CREATED] = "created-desc",
    [REPO_PAD_UPDATED] = "updated-asc",
    [REPO_PAD_NAME] = "name-desc",
};

static int
sort_parse(const char *name, enum repo_pad_sort *sort)
{
	for (int i = 0; i < 3; i++)
		if (strcmp(name, sort_names[i]) == 0) {
			*sort = (enum repo_pad_sort)i;
			return 0;
		}
	return -1;
}

/* A cursor's sort: a sort's name, or its reversed name. */
static int
cursor_sort_parse(const char *name, enum repo_pad_sort *sort, int *reverse)
{
	for (int i = 0; i < 3; i++)
		if (strcmp(name, sort_reversed[i]) == 0) {
			*sort = (enum repo_pad_sort)i;
			*reverse = 1;
			return 0;
		}
	*reverse = 0;
	return sort_parse(name, sort);
}

/* A timestamp key as the repository renders it:
 * YYYY-MM-DDTHH:MM:SS.ffffffZ (anything else would fail the cast: 500). */
static int
time_key_ok(const char *k)
{
	const char *shape = "dddd-dd-ddTdd:dd:dd.ddddddZ";

	if (strlen(k) != strlen(shape))
		return 0;
	for (size_t i = 0; shape[i]; i++)
		if (shape[i] == 'd' ? !isdigit((unsigned char)k[i])
		                    : k[i] != shape[i])
			return 0;
	return 1;
}

char *
svc_pad_cursor_new(const char *kind, const char *key, const char *id)
{
	json_t *c = json_pack("[s, s, s]", kind, key, id);
	char *text = json_dumps(c, JSON_COMPACT), *out;
	size_t len = strlen(text),
	       cap = sodium_base64_ENCODED_LEN(
	           len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);

	out = xmalloc(cap);
	sodium_bin2base64(out, cap, (const unsigned char *)text, len,
	                  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	free(text);
	json_decref(c);
	return out;
}

int
svc_pad_cursor_read(const char *after, const char **kind, const char **key,
                    const char **id, json_t **owned)
{
	size_t cap = strlen(after) + 1, len;
	unsigned char *raw = xmalloc(cap);
	json_t *c = NULL;

	*owned = NULL;
	if (sodium_base642bin(raw, cap, after, strlen(after), NULL, &len, NULL,
	                      sodium_base64_VARIANT_URLSAFE_NO_PADDING) == 0)
		c = json_loadb((const char *)raw, len, 0, NULL);
	free(raw);
	if (json_unpack(c, "[s, s, s]", kind, key, id) != 0 ||
	    !text_is_uuid(*id) || strlen(*key) > 1024) {
		json_decref(c);
		return -1;
	}
	*owned = c;
	return 0;
}

int
svc_pad_time_key_ok(const char *k)
{
	return time_key_ok(k);
}

static char *
cursor_encode(const struct repo_pad_page *page, const char *key, const char *id)
{
	return svc_pad_cursor_new(page->reverse ? sort_reversed[page->sort]
	                                        : sort_names[page->sort],
	                          key, id);
}

static int
cursor_bad(struct pl_error *err, const char *why)
{
	return pl_error_violation(err, "after", "format", why);
}

/* Fills page's sort and order (when the request left them open) and
 * after_*; *owned keeps the decoded JSON alive while page points into
 * it. */
static int
cursor_decode(const char *after, const struct svc_pad_list_req *req,
              struct repo_pad_page *page, json_t **owned, struct pl_error *err)
{
	enum repo_pad_sort sort;
	const char *s, *k, *id;
	json_t *c = NULL;
	int reverse;

	*owned = NULL;
	if (svc_pad_cursor_read(after, &s, &k, &id, &c) != 0 ||
	    cursor_sort_parse(s, &sort, &reverse) != 0 ||
	    (sort != REPO_PAD_NAME && !time_key_ok(k))) {
		json_decref(c);
		return cursor_bad(err, "after is not a cursor from pad.list");
	}
	if ((req->sort && sort != page->sort) ||
	    (req->order &&
	     reverse != (strcmp(req->order, sort_own_order[sort]) != 0))) {
		json_decref(c);
		return cursor_bad(err,
		                  "after is a cursor of another sort or order");
	}
	page->sort = sort;
	page->reverse = reverse;
	page->after_key = k;
	page->after_id = id;
	*owned = c;
	return PL_OK;
}

struct svc_pad_list_batch {
	struct repo_pad_page page;
	int limit;
	json_t *cursor; /* the decoded after: page points into it */
	json_t *pads, *keys;
};

struct svc_pad_list_batch *
svc_pad_list_batch_new(void)
{
	return xcalloc(1, sizeof(struct svc_pad_list_batch));
}

static void
list_batch_clear(struct svc_pad_list_batch *b)
{
	json_decref(b->pads);
	json_decref(b->keys);
	json_decref(b->cursor);
}

void
svc_pad_list_batch_free(struct svc_pad_list_batch *b)
{
	if (b == NULL)
		return;
	list_batch_clear(b);
	free(b);
}

/* Checks the request and fills b's page (one row more than asked: it says
 * whether a next page exists). */
static int
list_page(const struct svc_pad_list_req *req, struct svc_pad_list_batch *b,
          struct pl_error *err)
{
	struct repo_pad_page *page = &b->page;

	page->sort = REPO_PAD_CREATED;
	page->limit = req->limit + 1;
	b->limit = req->limit;
	if (req->sort && sort_parse(req->sort, &page->sort) != 0)
		return pl_error_violation(err, "sort", "enum",
		                          "sort must be created, updated or "
		                          "name");
	if (req->order && strcmp(req->order, "asc") != 0 &&
	    strcmp(req->order, "desc") != 0)
		return pl_error_violation(err, "order", "enum",
		                          "order must be asc or desc");
	page->reverse =
	    req->order && strcmp(req->order, sort_own_order[page->sort]) != 0;
	if (req->q && strlen(req->q) > PAD_NAME_MAX * 4)
		return pl_error_violation(err, "q", "length",
		                          "q is longer than any pad name");
	if (req->after &&
	    cursor_decode(req->after, req, page, &b->cursor, err) != 0)
		return err->code;
	page->q = req->q && req->q[0] ? req->q : NULL;
	return PL_OK;
}

int
svc_pad_list_queue(struct db_conn *db, const char *user_id,
                   const struct svc_pad_list_req *req,
                   struct svc_pad_list_batch *b, struct pl_error *err)
{
	/* A refusal queues nothing: the connection stays fit to lend. */
	if (list_page(req, b, err) != PL_OK || db_tx_begin_one(db, err) != 0)
		return err->code;
	if (repo_pad_list(db, user_id, &b->page, &b->pads, &b->keys, err) != 0)
		db_tx_rollback(db);
	return err->code;
}

int
svc_pad_list_end(struct svc_pad_list_batch *b, int rc, json_t **pads,
                 json_t **next, struct pl_error *err)
{
	size_t n;

	*pads = *next = NULL;
	if (rc != 0)
		return err->code;
	n = json_array_size(b->pads);
	if (n > (size_t)b->limit) {
		char *c;

		json_array_remove(b->pads, n - 1);
		n--;
		c = cursor_encode(
		    &b->page, json_string_value(json_array_get(b->keys, n - 1)),
		    json_string_value(
		        json_object_get(json_array_get(b->pads, n - 1), "id")));
		*next = json_string(c);
		free(c);
	} else {
		*next = json_null();
	}
	*pads = b->pads;
	b->pads = NULL;
	return PL_OK;
}

int
svc_pad_list(struct padlined *app, struct db_conn *db, const char *user_id,
             const struct svc_pad_list_req *req, json_t **pads, json_t **next,
             struct pl_error *err)
{
	struct svc_pad_list_batch b = {0};
	int rc;

	(void)app;
	*pads = *next = NULL;
	if (list_page(req, &b, err) == PL_OK) {
		rc = repo_pad_list(db, user_id, &b.page, &b.pads, &b.keys, err);
		svc_pad_list_end(&b, rc, pads, next, err);
	}
	list_batch_clear(&b);
	return err->code;
}
