/*
 * pad.import: pads (with their backups) from an export, in one transaction,
 * so a request imports all of its entries or none. Names are made unique
 * here against the caller's live pads and the entries before, by suffixing
 * " (2)", " (3)" ...: an import never fails on a name clash.
 */
#include "svc_pad.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "config.h"
#include "db.h"
#include "validate.h"
#include "repo_backup.h"
#include "repo_pad.h"
#include "repo_pad_trash.h"
#include "xalloc.h"

/* One checked entry: its name and data as text, its backups' texts oldest
 * first (the order they are inserted in, so "newest first" reads back the
 * same). */
struct import_entry {
	const char *id; /* an existing pad (backups only), else NULL */
	char name[PAD_NAME_MAX * 4 + 1];
	char *data;
	char **backups;
	size_t nbackups;
};

static void
entries_free(struct import_entry *e, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(e[i].data);
		for (size_t k = 0; k < e[i].nbackups; k++)
			free(e[i].backups[k]);
		free(e[i].backups);
	}
	free(e);
}

/* Checks entry i into *e; errors carry data.index = i. */
static int
entry_check(struct padlined *app, json_t *in, size_t i, struct import_entry *e,
            struct pl_error *err)
{
	json_t *backups = json_object_get(in, "backups"), *b;
	size_t k, n;

	if (!json_is_object(in))
		pl_error_violation(err, "pads", "type",
		                   "each entry must be an object");
	else if (json_object_get(in, "id") != NULL) {
		e->id = json_string_value(json_object_get(in, "id"));
		if (e->id == NULL || !text_is_uuid(e->id))
			pl_error_violation(err, "id", "format",
			                   "id must be a pad's id");
	} else {
		svc_pad_name_check(
		    json_is_string(json_object_get(in, "display_name"))
		        ? json_string_value(json_object_get(in, "display_name"))
		        : "",
		    e->name, err);
		if (err->code == 0)
			svc_pad_data_check(app, json_object_get(in, "data"),
			                   &e->data, err);
	}
	if (err->code == 0 && backups != NULL && !json_is_array(backups))
		pl_error_violation(err, "backups", "type",
		                   "backups must be an array of objects");
	n = json_array_size(backups);
	if (err->code == 0 && n > (size_t)app->cfg->max_backups)
		pl_error_violation(err, "backups", "length",
		                   "more backups than the server keeps");
	if (err->code == 0 && n > 0) {
		e->backups = xcalloc(n, sizeof *e->backups);
		/* Given newest first: stored oldest first. */
		for (k = 0; k < n && err->code == 0; k++) {
			b = json_array_get(backups, n - 1 - k);
			if (svc_pad_data_check(app, b, &e->backups[k], err) ==
			    0)
				e->nbackups++;
		}
	}
	if (err->code)
		pl_error_data(err, "index", json_integer((json_int_t)i));
	return err->code;
}

/* name, or name with the first free " (N)" (the base cut to fit the
 * length limit on a character boundary), into out; taken gains it. */
static int
name_unique(json_t *taken, const char *name, char *out, size_t size)
{
	char suffix[24], base[PAD_NAME_MAX * 4 + 1];
	size_t len, chars;

	snprintf(out, size, "%s", name);
	if (json_object_get(taken, out) == NULL) {
		json_object_set_new(taken, out, json_true());
		return 0;
	}
	for (int k = 2;; k++) {
		snprintf(suffix, sizeof suffix, " (%d)", k);
		snprintf(base, sizeof base, "%s", name);
		/* Characters of base + suffix within PAD_NAME_MAX. */
		len = strlen(base);
		chars = 0;
		for (size_t j = 0; j < len; j++)
			if (((unsigned char)base[j] & 0xc0) != 0x80)
				chars++;
		while (chars + strlen(suffix) > PAD_NAME_MAX && len > 0) {
			do
				len--;
			while (len > 0 &&
			       ((unsigned char)base[len] & 0xc0) == 0x80);
			chars--;
		}
		base[len] = '\0';
		snprintf(out, size, "%s%s", base, suffix);
		if (json_object_get(taken, out) == NULL) {
			json_object_set_new(taken, out, json_true());
			return 1;
		}
	}
}

/* Queues entry e's writes; *pad = {id, display_name, owner_id, renamed}
 * for a new pad. */
static int
entry_write(struct padlined *app, struct db_conn *db, const char *user_id,
            json_t *taken, struct import_entry *e, json_t **pad, json_t **rows,
            struct pl_error *err)
{
	char id[37], name[PAD_NAME_MAX * 4 + 32];
	const char *pid = e->id;
	int renamed = 0;

	*pad = NULL;
	if (pid == NULL) {
		renamed = name_unique(taken, e->name, name, sizeof name);
		svc_pad_new_id(id);
		pid = id;
		if (repo_pad_create(db, id, user_id, name, e->data, &rows[0],
		                    err) != 0)
			return err->code;
		*pad =
		    json_pack("{s:s, s:s, s:s, s:b}", "id", id, "display_name",
		              name, "owner_id", user_id, "renamed", renamed);
	}
	for (size_t k = 0; k < e->nbackups; k++)
		if (repo_backup_add(db, pid, e->backups[k], err) != 0)
			return err->code;
	if (e->nbackups > 0 &&
	    repo_backup_prune(db, pid, app->cfg->max_backups, err) != 0)
		return err->code;
	return PL_OK;
}

int
svc_pad_import(struct padlined *app, struct db_conn *db, const char *user_id,
               json_t *in, json_t **result, struct pl_error *err)
{
	size_t n = json_array_size(in), i, nb = 0;
	struct import_entry *e;
	json_t *taken = NULL, *pads = NULL, **rows = NULL, *head = NULL;

	*result = NULL;
	if (!json_is_array(in) || n == 0 || n > PAD_IMPORT_MAX)
		return pl_error_violation(err, "pads", "length",
		                          "pads must be an array of 1 to 1000 "
		                          "entries");
	e = xcalloc(n, sizeof *e);
	for (i = 0; i < n; i++)
		if (entry_check(app, json_array_get(in, i), i, &e[i], err))
			goto out;
	if (db_tx_begin(db, err) != 0)
		goto out;
	/* Every pad whose backups are added must be the caller's (locked
	 * until the end), and the caller's names are read once. */
	for (i = 0; i < n; i++) {
		if (e[i].id == NULL)
			continue;
		if (svc_pad_owned(db, user_id, e[i].id, 1, &head, err) != 0) {
			pl_error_data(err, "index",
			              json_integer((json_int_t)i));
			goto fail;
		}
		json_decref(head);
		head = NULL;
	}
	if (repo_pad_names(db, user_id, &taken, err) != 0)
		goto fail;
	pads = json_array();
	rows = xcalloc(n, sizeof *rows);
	db_tx_batch(db);
	for (i = 0; i < n; i++) {
		json_t *pad;

		if (entry_write(app, db, user_id, taken, &e[i], &pad, &rows[i],
		                err) != 0)
			goto fail;
		if (pad)
			json_array_append_new(pads, pad);
		nb += e[i].nbackups;
	}
	/* The audit rows (pad.created, as for pad.create) and COMMIT. */
	{
		json_t *extra = json_pack("{s:b}", "imported", 1);

		svc_pad_emit_many(db, "pad.created", user_id, pads, extra);
		svc_pad_commit(db, err);
		json_decref(extra);
	}
	if (err->code == 0) {
		json_t *out = json_array(), *p;

		json_array_foreach (pads, i, p)
			json_array_append_new(
			    out, json_pack(
			             "{s:O, s:O, s:O}", "id",
			             json_object_get(p, "id"), "display_name",
			             json_object_get(p, "display_name"),
			             "renamed", json_object_get(p, "renamed")));
		*result = json_pack("{s:o, s:I}", "pads", out, "backups",
		                    (json_int_t)nb);
	}
	goto out;
fail:
	db_tx_rollback(db);
out:
	if (rows)
		for (i = 0; i < n; i++)
			json_decref(rows[i]);
	free(rows);
	json_decref(taken);
	json_decref(pads);
	entries_free(e, n);
	return err->code;
}
