/*
 * pad.list: keyset pages over the pads a user owns or views. The cursor
 * (`next`, passed back as `after`) is opaque to clients: base64url of JSON
 * [sort, key, id] of the last row returned, so a page starts strictly after
 * it whatever was created or deleted meanwhile, and no page reads past rows.
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

static char *
cursor_encode(enum repo_pad_sort sort, const char *key, const char *id)
{
	json_t *c = json_pack("[s, s, s]", sort_names[sort], key, id);
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

static int
cursor_bad(struct pl_error *err, const char *why)
{
	return pl_error_violation(err, "after", "format", why);
}

/* Fills page's sort (when the request left it open) and after_*; *owned
 * keeps the decoded JSON alive while page points into it. */
static int
cursor_decode(const char *after, int sort_given, struct repo_pad_page *page,
              json_t **owned, struct pl_error *err)
{
	size_t cap = strlen(after) + 1, len;
	unsigned char *raw = xmalloc(cap);
	enum repo_pad_sort sort;
	const char *s, *k, *id;
	json_t *c = NULL;

	*owned = NULL;
	if (sodium_base642bin(raw, cap, after, strlen(after), NULL, &len, NULL,
	                      sodium_base64_VARIANT_URLSAFE_NO_PADDING) == 0)
		c = json_loadb((const char *)raw, len, 0, NULL);
	free(raw);
	if (json_unpack(c, "[s, s, s]", &s, &k, &id) != 0 ||
	    sort_parse(s, &sort) != 0 || !text_is_uuid(id) ||
	    (sort != REPO_PAD_NAME && !time_key_ok(k)) || strlen(k) > 1024) {
		json_decref(c);
		return cursor_bad(err, "after is not a cursor from pad.list");
	}
	if (sort_given && sort != page->sort) {
		json_decref(c);
		return cursor_bad(err, "after is a cursor of another sort");
	}
	page->sort = sort;
	page->after_key = k;
	page->after_id = id;
	*owned = c;
	return PL_OK;
}

int
svc_pad_list(struct app *app, struct db_conn *db, const char *user_id,
             const struct svc_pad_list_req *req, json_t **pads, json_t **next,
             struct pl_error *err)
{
	struct repo_pad_page page = {.sort = REPO_PAD_CREATED,
	                             .limit = req->limit + 1};
	json_t *cursor = NULL, *keys = NULL;
	size_t n;

	(void)app;
	*pads = *next = NULL;
	if (req->sort && sort_parse(req->sort, &page.sort) != 0)
		return pl_error_violation(err, "sort", "enum",
		                          "sort must be created, updated or "
		                          "name");
	if (req->q && strlen(req->q) > PAD_NAME_MAX * 4)
		return pl_error_violation(err, "q", "length",
		                          "q is longer than any pad name");
	if (req->after && cursor_decode(req->after, req->sort != NULL, &page,
	                                &cursor, err) != 0)
		return err->code;
	page.q = req->q && req->q[0] ? req->q : NULL;
	if (repo_pad_list(db, user_id, &page, pads, &keys, err) == 0) {
		/* One row more than asked says whether a next page exists. */
		n = json_array_size(*pads);
		if (n > (size_t)req->limit) {
			char *c;

			json_array_remove(*pads, n - 1);
			n--;
			c = cursor_encode(
			    page.sort,
			    json_string_value(json_array_get(keys, n - 1)),
			    json_string_value(json_object_get(
			        json_array_get(*pads, n - 1), "id")));
			*next = json_string(c);
			free(c);
		} else {
			*next = json_null();
		}
	}
	json_decref(keys);
	json_decref(cursor);
	return err->code;
}
