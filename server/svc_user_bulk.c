/*
 * user.bulk, user.bulk_undo and the list of held accounts, user.held
 * (svc_user_bulk.h): the filter is compiled
 * once by common/filter.c and matched here against each account, paged by
 * id; the ids that match go to PostgreSQL as one uuid[] parameter. The
 * purge of rejected accounts lives here too: a bulk reject is how most of
 * them come to be.
 */
#include "svc_user_bulk.h"

#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "config.h"
#include "filter.h"
#include "log.h"
#include "outbox.h"
#include "repo_user_bulk.h"
#include "signup_screen.h"
#include "xalloc.h"

#define BULK_PAGE 1000
#define PURGE_BATCH 200

static const char *const bulk_actions[] = {"disable", "enable", "approve",
                                           "reject"};

static enum filter_status
row_status(json_t *row)
{
	const char *st = json_string_value(json_object_get(row, "raw_status"));
	json_t *user = json_object_get(row, "user");

	if (st && strcmp(st, "pending") == 0)
		return FILTER_STATUS_PENDING;
	if (st && strcmp(st, "rejected") == 0)
		return FILTER_STATUS_REJECTED;
	return json_is_true(json_object_get(user, "disabled"))
	           ? FILTER_STATUS_DISABLED
	           : FILTER_STATUS_ACTIVE;
}

/* Whether action changes the account of row at all. Admins are changed
 * one at a time (user.update keeps the last one), never in bulk. */
static int
bulk_changes(const char *action, json_t *row, const char *actor_id)
{
	enum filter_status st = row_status(row);
	json_t *user = json_object_get(row, "user");
	const char *id = json_string_value(json_object_get(user, "id"));

	if (json_is_true(json_object_get(row, "admin")) ||
	    (actor_id && id && strcmp(id, actor_id) == 0))
		return 0;
	if (strcmp(action, "disable") == 0)
		return st == FILTER_STATUS_ACTIVE;
	if (strcmp(action, "enable") == 0)
		return st == FILTER_STATUS_DISABLED;
	if (strcmp(action, "approve") == 0)
		return st == FILTER_STATUS_PENDING;
	return st != FILTER_STATUS_REJECTED; /* reject */
}

int
svc_user_row_matches(const struct filter *f, json_t *row)
{
	json_t *user = json_object_get(row, "user");
	const char *rules[SIGNUP_RULES_MAX];
	struct filter_record rec = {
	    .username = json_string_value(json_object_get(user, "username")),
	    .email = json_string_value(json_object_get(user, "email")),
	    .peer = json_string_value(json_object_get(row, "peer")),
	    .shape = json_string_value(json_object_get(row, "shape")),
	    .status = row_status(row),
	};

	signup_record_tags(row, &rec, rules, SIGNUP_RULES_MAX);
	return filter_match(f, &rec);
}

/* The accounts of rows that match and that action changes, as ids (and
 * up to USER_BULK_SAMPLE public objects into sample, when not NULL). */
static void
pick(const struct filter *f, const char *action, const char *actor_id,
     json_t *rows, json_t *ids, json_t *sample)
{
	json_t *row;
	size_t i;

	json_array_foreach (rows, i, row) {
		json_t *user = json_object_get(row, "user");

		if (!bulk_changes(action, row, actor_id) ||
		    !svc_user_row_matches(f, row))
			continue;
		json_array_append(ids, json_object_get(user, "id"));
		if (sample && json_array_size(sample) < USER_BULK_SAMPLE)
			json_array_append(sample, user);
	}
}

static int
too_many(struct pl_error *err)
{
	return pl_error_violation(err, "filter", "too_many",
	                          "the filter matches more accounts than one "
	                          "bulk action may change; narrow it");
}

/* Every account, paged by id, through pick. */
static int
scan(struct db_conn *db, const struct filter *f, const char *action,
     const char *actor_id, json_t *ids, json_t *sample, struct pl_error *err)
{
	char after[40] = "";
	json_t *rows = NULL;
	size_t n;

	do {
		if (repo_user_bulk_scan(db, *after ? after : NULL, BULK_PAGE,
		                        &rows, err) != 0)
			return err->code;
		pick(f, action, actor_id, rows, ids, sample);
		n = json_array_size(rows);
		if (n > 0)
			snprintf(after, sizeof after, "%s",
			         json_string_value(json_object_get(
			             json_object_get(
			                 json_array_get(rows, n - 1), "user"),
			             "id")));
		json_decref(rows);
		rows = NULL;
		if (json_array_size(ids) > USER_BULK_MAX)
			return too_many(err);
	} while (n == BULK_PAGE);
	return PL_OK;
}

char *
user_ids_literal(json_t *ids)
{
	size_t i, n = json_array_size(ids), at = 1;
	char *lit = xmalloc(n * 37 + 3);
	json_t *id;

	lit[0] = '{';
	json_array_foreach (ids, i, id) {
		size_t len = strlen(json_string_value(id));

		if (i)
			lit[at++] = ',';
		memcpy(lit + at, json_string_value(id), len);
		at += len;
	}
	lit[at++] = '}';
	lit[at] = '\0';
	return lit;
}

static json_t *
first_users(json_t *users)
{
	json_t *out = json_array();

	for (size_t i = 0; i < json_array_size(users) && i < USER_BULK_SAMPLE;
	     i++)
		json_array_append(out, json_array_get(users, i));
	return out;
}

/* Ends the sessions of the accounts among users that are not active
 * (disabled, rejected, pending) now. */
static int
end_sessions(struct db_conn *db, json_t *users, struct pl_error *err)
{
	json_t *ids = json_array(), *u;
	char *lit;
	size_t i;
	int rc = PL_OK;

	json_array_foreach (users, i, u) {
		const char *st =
		    json_string_value(json_object_get(u, "status"));

		if (st && strcmp(st, "active") != 0)
			json_array_append(ids, json_object_get(u, "id"));
	}
	if (json_array_size(ids) > 0) {
		lit = user_ids_literal(ids);
		rc = repo_user_bulk_end_sessions(db, lit, err);
		free(lit);
	}
	json_decref(ids);
	return rc;
}

/* In the transaction: lock what the scan found, match it again as it is
 * now, change it, keep the batch, write the rows. */
static int
run_tx(struct db_conn *db, const struct filter *f, const char *action,
       const char *actor_id, json_t *found, long long *batch, json_t **users,
       struct pl_error *err)
{
	json_t *rows = NULL, *ids = json_array(), *details, *subject;
	char *lit = user_ids_literal(found), *text;
	int rc;

	rc = repo_user_bulk_lock(db, lit, &rows, err);
	free(lit);
	if (rc != 0) {
		json_decref(ids);
		return rc;
	}
	pick(f, action, actor_id, rows, ids, NULL);
	json_decref(rows);
	if (json_array_size(ids) == 0) {
		json_decref(ids);
		*users = json_array();
		return PL_OK;
	}
	text = filter_render(f);
	lit = user_ids_literal(ids);
	rc = repo_user_bulk_batch_insert(db, actor_id, action, text,
	                                 (long long)json_array_size(ids), batch,
	                                 err);
	if (rc == 0)
		rc = repo_user_bulk_apply(db, *batch, lit, action, users, err);
	free(lit);
	json_decref(ids);
	if (rc == 0)
		rc = end_sessions(db, *users, err);
	if (rc == 0) {
		details = json_pack("{s:I, s:s}", "batch_id", *batch, "action",
		                    action);
		audit_emit_quiet(db, "user.bulk", actor_id, *users, details);
		json_decref(details);
		subject = json_pack("{s:I, s:s, s:I, s:s}", "batch_id", *batch,
		                    "action", action, "count",
		                    (json_int_t)json_array_size(*users),
		                    "filter", text);
		audit_emit(db, "user.bulk", actor_id, subject, NULL);
		json_decref(subject);
	}
	free(text);
	return rc;
}

static int
check_input(const char *filter, const char *action, struct filter **f,
            struct pl_error *err)
{
	size_t i;

	for (i = 0; i < sizeof bulk_actions / sizeof *bulk_actions; i++)
		if (strcmp(action, bulk_actions[i]) == 0)
			break;
	if (i == sizeof bulk_actions / sizeof *bulk_actions)
		return pl_error_violation(err, "action", "enum",
		                          "action is disable, enable, approve "
		                          "or reject");
	if (filter_parse(filter, f, err) != 0)
		return err->code;
	if (filter_terms(*f) == 0) {
		filter_free(*f);
		*f = NULL;
		return pl_error_violation(err, "filter", "required",
		                          "a bulk action needs a filter that "
		                          "picks accounts");
	}
	return PL_OK;
}

int
svc_user_bulk(struct padlined *app, struct db_conn *db, const char *actor_id,
              const char *filter, const char *action, int dry_run,
              json_t **result, struct pl_error *err)
{
	struct filter *f = NULL;
	json_t *ids, *sample = NULL, *users = NULL;
	long long batch = 0;
	int rc;

	(void)app; /* the outbox publishes */
	if (check_input(filter, action, &f, err) != 0)
		return err->code;
	ids = json_array();
	if (dry_run)
		sample = json_array();
	/* Found without locks; the transaction locks and checks again. */
	rc = scan(db, f, action, actor_id, ids, sample, err);
	if (rc == 0 && dry_run) {
		*result = json_pack("{s:n, s:I, s:o}", "batch_id", "count",
		                    (json_int_t)json_array_size(ids), "sample",
		                    sample);
		sample = NULL;
	} else if (rc == 0 && json_array_size(ids) == 0) {
		*result = json_pack("{s:n, s:i, s:[]}", "batch_id", "count", 0,
		                    "sample");
	} else if (rc == 0 && (rc = db_tx_begin(db, err)) == 0) {
		rc = run_tx(db, f, action, actor_id, ids, &batch, &users, err);
		if (db_tx_finish(db, rc, err) != 0) {
			rc = err->code;
		} else {
			*result = json_pack(
			    "{s:o, s:I, s:o}", "batch_id",
			    batch ? json_integer(batch) : json_null(), "count",
			    (json_int_t)json_array_size(users), "sample",
			    first_users(users));
		}
	}
	json_decref(users);
	json_decref(sample);
	json_decref(ids);
	filter_free(f);
	return rc;
}

#define HELD_SCAN 20000 /* pending accounts read per user.held at most */

/* A held account as the Held screen lists it: the public object with
 * what its registration attempt says (new object). */
static json_t *
held_user(json_t *row)
{
	json_t *u = json_deep_copy(json_object_get(row, "user"));
	static const char *const keys[] = {"peer", "network", "shape", "flags",
	                                   "rules"};
	json_t *signup = json_object();

	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		json_object_set(signup, keys[i],
		                json_object_get(row, keys[i])
		                    ? json_object_get(row, keys[i])
		                    : json_null());
	json_object_set_new(u, "signup", signup);
	return u;
}

int
svc_user_held(struct db_conn *db, const char *filter, int limit,
              json_t **result, struct pl_error *err)
{
	struct filter *f = NULL;
	json_t *rows = NULL, *users, *row;
	long long count = 0;
	size_t i;

	if (filter_parse(filter ? filter : "", &f, err) != 0)
		return err->code;
	if (repo_user_bulk_pending(db, HELD_SCAN, &rows, err) != 0) {
		filter_free(f);
		return err->code;
	}
	users = json_array();
	json_array_foreach (rows, i, row) {
		if (!svc_user_row_matches(f, row))
			continue;
		if (count++ < limit)
			json_array_append_new(users, held_user(row));
	}
	*result = json_pack("{s:o, s:I, s:b}", "users", users, "count",
	                    (json_int_t)count, "more",
	                    json_array_size(rows) == HELD_SCAN);
	json_decref(rows);
	filter_free(f);
	return PL_OK;
}

static int
undo_tx(struct db_conn *db, const char *actor_id, long long id, json_t **batch,
        json_t **users, struct pl_error *err)
{
	json_t *details, *subject;

	if (repo_user_bulk_batch_lock(db, id, batch, err) != 0)
		return err->code;
	if (*batch == NULL)
		return pl_error_set(err, PL_ERR_NOT_FOUND, "not_found",
		                    "no such bulk action");
	if (json_is_true(json_object_get(*batch, "undone")))
		return pl_error_set(err, PL_ERR_CONFLICT, "already_undone",
		                    "this bulk action was undone already");
	if (repo_user_bulk_restore(db, id, actor_id, users, err) != 0 ||
	    end_sessions(db, *users, err) != 0)
		return err->code;
	details = json_pack("{s:I}", "batch_id", id);
	audit_emit_quiet(db, "user.bulk_undone", actor_id, *users, details);
	json_decref(details);
	subject = json_pack("{s:I, s:O, s:I}", "batch_id", id, "action",
	                    json_object_get(*batch, "action"), "count",
	                    (json_int_t)json_array_size(*users));
	audit_emit(db, "user.bulk_undone", actor_id, subject, NULL);
	json_decref(subject);
	return PL_OK;
}

int
svc_user_bulk_undo(struct padlined *app, struct db_conn *db,
                   const char *actor_id, long long batch_id, json_t **result,
                   struct pl_error *err)
{
	json_t *batch = NULL, *users = NULL;
	int rc;

	(void)app;
	if (db_tx_begin(db, err) != 0)
		return err->code;
	rc = undo_tx(db, actor_id, batch_id, &batch, &users, err);
	if (db_tx_finish(db, rc, err) == 0)
		*result = json_pack("{s:I, s:I, s:o}", "batch_id", batch_id,
		                    "count", (json_int_t)json_array_size(users),
		                    "sample", first_users(users));
	json_decref(batch);
	json_decref(users);
	return err->code;
}

void
svc_user_bulk_purge_rejected(struct padlined *app, struct db_conn *db)
{
	struct pl_error err;
	json_t *users = NULL, *u;
	size_t i, n = 0;
	int rc;

	pl_error_init(&err);
	do {
		if (db_tx_begin(db, &err) != 0)
			break;
		rc = repo_user_bulk_purge_rejected(
		    db, app->cfg->reject_purge_days, PURGE_BATCH, &users, &err);
		json_array_foreach (users, i, u)
			audit_emit(db, "user.deleted", NULL, u, NULL);
		if (db_tx_finish(db, rc, &err) != 0)
			break;
		n += json_array_size(users);
		i = json_array_size(users);
		json_decref(users);
		users = NULL;
	} while (i == PURGE_BATCH);
	json_decref(users);
	if (err.code)
		log_warn("rejected accounts not purged", "error=%s",
		         err.message);
	else if (n > 0)
		log_info("rejected accounts purged", "accounts=%zu", n);
	pl_error_clear(&err);
}
