/*
 * Pad rules and transactions. A change runs in one transaction that first
 * locks the pad's row (SELECT ... FOR UPDATE), so concurrent updates of one
 * pad queue on that lock: each sees the version the previous one wrote (an
 * if_version check cannot pass twice), backs up exactly the data the
 * previous one wrote, and pruning never races another insert.
 */
#include "svc_pad.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "db.h"
#include "json_num.h"
#include "json_write.h"
#include "outbox.h"
#include "repo_backup.h"
#include "repo_pad.h"
#include "repo_share.h"
#include "repo_template.h"
#include "validate.h"
#include "xalloc.h"

static size_t
utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

/* Copies name without surrounding whitespace into out; adds a violation
 * when it is empty or longer than PAD_NAME_MAX characters. */
static int
pad_name_check(const char *name, char out[PAD_NAME_BYTES], struct pl_error *err)
{
	size_t len;

	while (isspace((unsigned char)*name))
		name++;
	len = strlen(name);
	while (len > 0 && isspace((unsigned char)name[len - 1]))
		len--;
	if (len == 0)
		return pl_error_violation(err, "display_name", "required",
		                          "display_name must not be empty");
	if (len >= PAD_NAME_BYTES)
		goto too_long;
	memcpy(out, name, len);
	out[len] = '\0';
	if (utf8_chars(out) > PAD_NAME_MAX)
		goto too_long;
	return text_no_controls("display_name", out, err);
too_long:
	return pl_error_violation(
	    err, "display_name", "length",
	    "display_name must be at most 100 characters");
}

/* Checks data is an object within max_pad_bytes as compact JSON (what a
 * client sends, so it can check first); *text = that JSON (malloc'd) when it
 * passes. */
static int
pad_data_check(struct padlined *app, json_t *data, char **text,
               struct pl_error *err)
{
	struct json_write w = {0};
	char msg[128];
	size_t len;

	*text = NULL;
	if (!json_is_object(data))
		return pl_error_violation(err, "data", "type",
		                          "data must be a JSON object");
	/* Printed, not dumped: the text json_num_dumps makes, for less. */
	json_write_json(&w, data);
	*text = json_write_take(&w, &len);
	if (len <= (size_t)app->cfg->max_pad_bytes)
		return PL_OK;
	free(*text);
	*text = NULL;
	snprintf(msg, sizeof msg,
	         "data is %zu bytes as compact JSON; the limit is %d bytes",
	         len, app->cfg->max_pad_bytes);
	return pl_error_violation(err, "data", "too_large", msg);
}

/* 409 version_conflict unless head is at if_version (0: no check). */
static int
pad_version_check(json_t *head, long long if_version, struct pl_error *err)
{
	json_int_t v = json_integer_value(json_object_get(head, "version"));

	if (if_version <= 0 || v == if_version)
		return PL_OK;
	pl_error_set(err, PL_ERR_CONFLICT, "version_conflict",
	             "the pad is at version %lld, not %lld: it changed since "
	             "you read it",
	             (long long)v, if_version);
	return pl_error_data(err, "current",
	                     json_pack("{s:I, s:O}", "version", v, "updated_at",
	                               json_object_get(head, "updated_at")));
}

static int
pad_not_found(struct pl_error *err)
{
	return pl_error_set(err, PL_ERR_NOT_FOUND, "not_found", "no such pad");
}

/* The error for a pad the caller does not own: 403 read_only when it is
 * shared with them, 404 otherwise. */
static int
pad_not_owned(struct db_conn *db, const char *user_id, const char *id,
              struct pl_error *err)
{
	char role[16];

	if (repo_share_role(db, id, user_id, role, err) != 0)
		return err->code;
	if (role[0] == '\0')
		return pad_not_found(err);
	return pl_error_set(err, PL_ERR_FORBIDDEN, "read_only",
	                    "this pad is shared with you read-only");
}

int
svc_pad_owned(struct db_conn *db, const char *user_id, const char *id, int lock,
              json_t **head, struct pl_error *err)
{
	if (repo_pad_head(db, id, user_id, lock, head, err) != 0 ||
	    db_tx_flush(db, err) != 0)
		return err->code;
	return *head ? PL_OK : pad_not_owned(db, user_id, id, err);
}

/*
 * In a transaction: queues the lock of the caller's own pad (*head once
 * sent). The caller queues the reads that must see the pad as locked, then
 * pad_locked sends the batch and answers for a pad that is not theirs.
 */
static int
pad_lock(struct db_conn *db, const char *user_id, const char *id, json_t **head,
         struct pl_error *err)
{
	return repo_pad_head(db, id, user_id, 1, head, err);
}

static int
pad_locked(struct db_conn *db, const char *user_id, const char *id,
           json_t **head, struct pl_error *err)
{
	if (db_tx_flush(db, err) != 0)
		return err->code;
	return *head ? PL_OK : pad_not_owned(db, user_id, id, err);
}

int
svc_pad_read_begin(struct db_conn *db, const char *user_id, const char *id,
                   json_t **head, struct pl_error *err)
{
	*head = NULL;
	if (db_tx_begin(db, err) != 0)
		return err->code;
	db_tx_batch(db);
	return repo_pad_head(db, id, user_id, 0, head, err);
}

int
svc_pad_read_end(struct db_conn *db, const char *user_id, const char *id,
                 json_t **head, struct pl_error *err)
{
	if (err->code == 0 && db_tx_commit(db, err) == 0 && *head == NULL)
		pad_not_owned(db, user_id, id, err);
	db_tx_rollback(db);
	return err->code;
}

/* Turns a failed pads write into 409 name_taken when it hit the only unique
 * key a client can clash with (owner_id, display_name). */
static int
pad_write_failed(struct db_conn *db, struct pl_error *err)
{
	if (strcmp(db_sqlstate(db), "23505") != 0)
		return err->code;
	pl_error_clear(err);
	return pl_error_set(err, PL_ERR_CONFLICT, "name_taken",
	                    "you already have a pad with this name");
}

void
svc_pad_emit(struct db_conn *db, const char *action, const char *user_id,
             json_t *pad, json_t *extra)
{
	json_t *subject = json_pack(
	    "{s:O, s:O, s:s}", "id", json_object_get(pad, "id"), "display_name",
	    json_object_get(pad, "display_name"), "owner_id", user_id);

	audit_emit(db, action, user_id, subject, extra);
	json_decref(subject);
	json_decref(extra);
}

int
svc_pad_commit(struct db_conn *db, struct pl_error *err)
{
	/* One round trip for whatever the caller queued, the audit row and
	 * COMMIT; a failure anywhere rolls all of it back. */
	if (db_tx_commit(db, err) != 0) {
		db_tx_rollback(db);
		return pad_write_failed(db, err);
	}
	return PL_OK;
}

/* Random bytes for pad ids, drawn PAD_ID_DRAW at a time: a draw is a
 * system call (getrandom), and one per pad.create was one in ten of the
 * request's. Per thread, so no lock; each byte is used once and wiped. */
#define PAD_ID_DRAW 512
static _Thread_local unsigned char pad_id_pool[PAD_ID_DRAW];
static _Thread_local size_t pad_id_left;

static void
pad_id_random(unsigned char *b, size_t n)
{
	unsigned char *from;

	if (pad_id_left < n) {
		randombytes_buf(pad_id_pool, sizeof pad_id_pool);
		pad_id_left = sizeof pad_id_pool;
	}
	from = pad_id_pool + sizeof pad_id_pool - pad_id_left;
	memcpy(b, from, n);
	sodium_memzero(from, n);
	pad_id_left -= n;
}

/* A new pad's id, chosen here rather than by the database so the audit
 * row naming it goes in the same batch as the INSERT (uuid version 4). */
static void
pad_new_id(char id[37])
{
	static const unsigned char dash_after[] = {4, 6, 8, 10};
	unsigned char b[16];
	char *p = id;

	pad_id_random(b, sizeof b);
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	/* 8-4-4-4-12 hex digits; sodium_bin2hex rather than a printf of 16
	 * bytes, which costs more than the rest of the id. */
	for (size_t i = 0, from = 0; i <= sizeof dash_after; i++) {
		size_t to = i < sizeof dash_after ? dash_after[i] : sizeof b;

		sodium_bin2hex(p, (to - from) * 2 + 1, b + from, to - from);
		p += (to - from) * 2;
		*p++ = i < sizeof dash_after ? '-' : '\0';
		from = to;
	}
}

/*
 * Inside the pad's lock: saves its current data as a backup unless the
 * newest backup is younger than backup_min_interval (force ignores that),
 * then keeps only the newest max_backups.
 */
static int
pad_backup(struct padlined *app, struct db_conn *db, const char *id, int force,
           double age, struct pl_error *err)
{
	int interval = app->cfg->backup_min_interval;

	/* age was read in the same batch as the pad's lock (pad_backup_due). */
	if (!force && interval > 0 && age >= 0 && age < interval)
		return PL_OK;
	if (repo_backup_insert(db, id, err) != 0)
		return err->code;
	return repo_backup_prune(db, id, app->cfg->max_backups, err);
}

int
svc_template_list(struct padlined *app, struct db_conn *db, json_t **templates,
                  struct pl_error *err)
{
	(void)app;
	return repo_template_list(db, templates, err);
}

/* svc_pad_get's read of the pad into *pad, by id or by name (checked
 * into name beforehand: pad_get_name); run now, or queued in a batch. */
static int
pad_get_read(struct db_conn *db, const char *user_id, const char *id,
             const char *name, json_t **pad, struct pl_error *err)
{
	*pad = NULL;
	if (id != NULL)
		return repo_pad_get(db, id, user_id, pad, err);
	return repo_pad_get_by_name(db, user_id, name, pad, err);
}

/* The name to read by when there is no id. */
static int
pad_get_name(const char *id, const char *display_name,
             char name[PAD_NAME_BYTES], struct pl_error *err)
{
	if (id != NULL)
		return PL_OK;
	return pad_name_check(display_name ? display_name : "", name, err);
}

int
svc_pad_get_queue(struct db_conn *db, const char *user_id, const char *id,
                  const char *display_name, json_t **pad, struct pl_error *err)
{
	char name[PAD_NAME_BYTES];

	*pad = NULL;
	/* A refusal queues nothing: the connection stays fit to lend. */
	if (pad_get_name(id, display_name, name, err) != PL_OK ||
	    db_tx_begin_one(db, err) != 0)
		return err->code;
	if (pad_get_read(db, user_id, id, name, pad, err) != 0)
		db_tx_rollback(db);
	return err->code;
}

int
svc_pad_get_end(json_t **pad, int rc, struct pl_error *err)
{
	if (rc != 0) {
		json_decref(*pad);
		*pad = NULL;
		return err->code;
	}
	return *pad ? PL_OK : pad_not_found(err);
}

int
svc_pad_get(struct padlined *app, struct db_conn *db, const char *user_id,
            const char *id, const char *display_name, json_t **pad,
            struct pl_error *err)
{
	char name[PAD_NAME_BYTES];
	int rc;

	(void)app;
	*pad = NULL;
	if (pad_get_name(id, display_name, name, err) != PL_OK)
		return err->code;
	rc = pad_get_read(db, user_id, id, name, pad, err);
	return svc_pad_get_end(pad, rc, err);
}

/* How create and update end: text is freed, and a failure returns no pad. */
static int
pad_done(char *text, json_t **pad, struct pl_error *err)
{
	free(text);
	if (err->code) {
		json_decref(*pad);
		*pad = NULL;
	}
	return err->code;
}

int
svc_pad_update(struct padlined *app, struct db_conn *db, const char *user_id,
               const char *id, const char *display_name, json_t *data,
               long long if_version, json_t **pad, struct pl_error *err)
{
	char name[PAD_NAME_BYTES], *text = NULL;
	json_t *head = NULL;
	double age = -1;

	*pad = NULL;
	if (display_name != NULL)
		pad_name_check(display_name, name, err);
	if (data != NULL)
		pad_data_check(app, data, &text, err);
	if (err->code)
		return pad_done(text, pad, err);
	if (display_name == NULL && data == NULL) {
		/* Nothing to write, but the same answers as a write. */
		if (svc_pad_owned(db, user_id, id, 0, &head, err) == 0 &&
		    pad_version_check(head, if_version, err) == 0)
			svc_pad_get(app, db, user_id, id, NULL, pad, err);
		json_decref(head);
		return err->code;
	}
	/* Two round trips: the pad's lock (with its newest backup's age)
	 * decides; then the backup, the update, its audit row and COMMIT. */
	if (db_tx_begin(db, err) != 0)
		goto out;
	db_tx_batch(db);
	if (pad_lock(db, user_id, id, &head, err) != 0 ||
	    (text != NULL && app->cfg->backup_min_interval > 0 &&
	     repo_backup_newest_age(db, id, &age, err) != 0) ||
	    pad_locked(db, user_id, id, &head, err) != 0 ||
	    pad_version_check(head, if_version, err) != 0)
		goto fail;
	db_tx_batch(db);
	if (text != NULL && pad_backup(app, db, id, 0, age, err) != 0)
		goto fail;
	if (repo_pad_update(db, id, user_id, display_name ? name : NULL, text,
	                    pad, err) != 0)
		goto fail;
	if (display_name != NULL)
		json_object_set_new(head, "display_name", json_string(name));
	svc_pad_emit(db, "pad.updated", user_id, head, NULL);
	svc_pad_commit(db, err);
	goto out;
fail:
	db_tx_rollback(db);
out:
	json_decref(head);
	return pad_done(text, pad, err);
}

int
svc_pad_delete(struct padlined *app, struct db_conn *db, const char *user_id,
               const char *id, struct pl_error *err)
{
	json_t *pad = NULL;

	(void)app;
	/* Two round trips: the UPDATE says whether there was a pad (and its
	 * name for the audit row), then the audit row and COMMIT. */
	if (db_tx_begin(db, err) != 0)
		return err->code;
	if (repo_pad_trash(db, id, user_id, &pad, err) != 0 ||
	    db_tx_flush(db, err) != 0)
		goto fail;
	if (pad == NULL) {
		pad_not_owned(db, user_id, id, err);
		goto fail;
	}
	svc_pad_emit(db, "pad.deleted", user_id, pad, NULL);
	svc_pad_commit(db, err);
	json_decref(pad);
	return err->code;
fail:
	json_decref(pad);
	db_tx_rollback(db);
	return err->code;
}

int
svc_pad_backups(struct padlined *app, struct db_conn *db, const char *user_id,
                const char *id, int with_data, json_t **backups,
                struct pl_error *err)
{
	json_t *head = NULL;

	(void)app;
	*backups = NULL;
	if (svc_pad_read_begin(db, user_id, id, &head, err) == 0)
		repo_backup_list(db, id, with_data, backups, err);
	if (svc_pad_read_end(db, user_id, id, &head, err) != 0) {
		json_decref(*backups);
		*backups = NULL;
	}
	json_decref(head);
	return err->code;
}

static int
backup_not_found(struct pl_error *err)
{
	return pl_error_set(err, PL_ERR_NOT_FOUND, "not_found",
	                    "no such backup");
}

int
svc_pad_backup_get(struct padlined *app, struct db_conn *db,
                   const char *user_id, const char *id, const char *backup_id,
                   json_t **backup, struct pl_error *err)
{
	json_t *head = NULL;

	(void)app;
	*backup = NULL;
	if (svc_pad_read_begin(db, user_id, id, &head, err) == 0)
		repo_backup_get(db, backup_id, id, backup, err);
	if (svc_pad_read_end(db, user_id, id, &head, err) == 0 &&
	    *backup == NULL)
		backup_not_found(err);
	if (err->code) {
		json_decref(*backup);
		*backup = NULL;
	}
	json_decref(head);
	return err->code;
}

int
svc_pad_restore(struct padlined *app, struct db_conn *db, const char *user_id,
                const char *id, const char *backup_id, long long if_version,
                json_t **pad, struct pl_error *err)
{
	json_t *head = NULL, *b = NULL;
	char *text = NULL;

	*pad = NULL;
	if (db_tx_begin(db, err) != 0)
		return err->code;
	/* Two round trips: the lock and the backup, then the writes. */
	db_tx_batch(db);
	if (pad_lock(db, user_id, id, &head, err) != 0 ||
	    repo_backup_get(db, backup_id, id, &b, err) != 0 ||
	    pad_locked(db, user_id, id, &head, err) != 0 ||
	    pad_version_check(head, if_version, err) != 0)
		goto fail;
	if (b == NULL) {
		backup_not_found(err);
		goto fail;
	}
	text = json_num_dumps(json_object_get(b, "data"), JSON_COMPACT);
	if (text == NULL) {
		pl_error_set(err, PL_ERR_INTERNAL, "internal",
		             "internal error");
		goto fail;
	}
	db_tx_batch(db);
	if (pad_backup(app, db, id, 1, -1, err) != 0 ||
	    repo_pad_update(db, id, user_id, NULL, text, pad, err) != 0)
		goto fail;
	svc_pad_emit(db, "pad.restored", user_id, head,
	             json_pack("{s:O}", "backup_id", json_object_get(b, "id")));
	svc_pad_commit(db, err);
	goto out;
fail:
	db_tx_rollback(db);
out:
	json_decref(head);
	json_decref(b);
	return pad_done(text, pad, err);
}

/* ---- for the other pad services (svc_pad_trash.c, svc_pad_import.c) ---- */

int
svc_pad_not_owned(struct db_conn *db, const char *user_id, const char *id,
                  struct pl_error *err)
{
	return pad_not_owned(db, user_id, id, err);
}

int
svc_pad_name_check(const char *name, char *out, struct pl_error *err)
{
	return pad_name_check(name, out, err);
}

int
svc_pad_write_failed(struct db_conn *db, struct pl_error *err)
{
	return pad_write_failed(db, err);
}

int
svc_pad_data_check(struct padlined *app, json_t *data, char **text,
                   struct pl_error *err)
{
	return pad_data_check(app, data, text, err);
}

void
svc_pad_new_id(char id[37])
{
	pad_new_id(id);
}
