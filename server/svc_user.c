/*
 * Registration, sync, list and stats. Registration runs, in order: all
 * input rules before the database, the hash outside any transaction, then
 * one transaction whose unique violations become 409 username_taken.
 */
#include "svc_user.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "breached.h"
#include "db.h"
#include "filter.h"
#include "form_token.h"
#include "log.h"
#include "outbox.h"
#include "repo_invitation.h"
#include "repo_user.h"
#include "xalloc.h"
#include "svc_signup.h"
#include "svc_user_admin.h"
#include "svc_user_bulk.h"

static char *
dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

struct svc_new_user *
svc_new_user_new(const char *username, const char *password, const char *email,
                 const char *invitation, const char *form_token)
{
	struct svc_new_user *nu = xcalloc(1, sizeof *nu);

	nu->username_in = xstrdup(username ? username : "");
	nu->password = dup_or_null(password);
	nu->email = email && *email ? xstrdup(email) : NULL;
	nu->invitation = invitation && *invitation ? xstrdup(invitation) : NULL;
	nu->form_token = dup_or_null(form_token);
	pl_error_init(&nu->invalid);
	return nu;
}

static void
wipe_free(char *s)
{
	if (s) {
		sodium_memzero(s, strlen(s));
		free(s);
	}
}

void
svc_new_user_free(void *p)
{
	struct svc_new_user *nu = p;

	if (nu == NULL)
		return;
	wipe_free(nu->password);
	wipe_free(nu->invitation);
	wipe_free(nu->form_token);
	free(nu->email);
	free(nu->username_in);
	free(nu->reason);
	pl_error_clear(&nu->invalid);
	svc_signup_screen_free(nu->screen);
	sodium_memzero(nu->hash, sizeof nu->hash);
	free(nu);
}

int
svc_user_validate(struct padlined *app, struct svc_new_user *nu,
                  struct pl_error *err)
{
	enum registration_mode mode = app->cfg->registration;

	if (!nu->trusted && mode == REG_CLOSED)
		return pl_error_set(err, PL_ERR_FORBIDDEN,
		                    "registration_closed",
		                    "registration is closed on this server");
	/* Each check adds its own violations: the client sees them all. */
	username_normalize(nu->username_in, nu->username, sizeof nu->username,
	                   err);
	password_validate(nu->password ? nu->password : "", err);
	nu->breached = app->breached && nu->password &&
	               breached_count(app->breached, nu->password) > 0;
	breached_check(app->breached, nu->password, "password", err);
	email_validate(nu->email, err);
	/* Forged or stale tokens are refused here, before the argon2 hash;
	 * the token is spent in the registration's transaction
	 * (create_tx). */
	if (!nu->trusted)
		form_token_check(app, nu->form_token, err);
	if (!nu->trusted && mode == REG_INVITE && nu->invitation == NULL)
		pl_error_violation(err, "invitation", "required",
		                   "an invitation code is required");
	return err->code;
}

int
svc_user_hash(struct padlined *app, struct svc_new_user *nu,
              struct pl_error *err)
{
	int rc = pwhash_hash(app->cfg, nu->password, nu->hash, err);

	wipe_free(nu->password);
	nu->password = NULL;
	return rc;
}

static int
taken(struct pl_error *err)
{
	pl_error_clear(err);
	return pl_error_set(err, PL_ERR_CONFLICT, "username_taken",
	                    "that username is taken");
}

/* Takes the invitation under FOR UPDATE and spends it on user_id. */
static int
use_invitation(struct db_conn *db, const char *code, const char *user_id,
               struct pl_error *err)
{
	char hash[PWHASH_SHA256_HEX], id[40];
	enum invitation_state st;

	pwhash_sha256_hex(code, hash);
	if (repo_invitation_lock(db, hash, &st, id, err) != 0)
		return err->code;
	switch (st) {
	case INV_MISSING:
		return pl_error_violation(err, "invitation", "invalid",
		                          "unknown invitation code");
	case INV_USED:
		return pl_error_violation(err, "invitation", "used",
		                          "this invitation was already used");
	case INV_EXPIRED:
		return pl_error_violation(err, "invitation", "expired",
		                          "this invitation has expired");
	case INV_REVOKED:
		return pl_error_violation(err, "invitation", "revoked",
		                          "this invitation was revoked");
	case INV_USABLE:
		break;
	}
	return repo_invitation_mark_used(db, id, user_id, err);
}

static void
log_created(json_t *u)
{
	char name[160], email[300];
	const char *e = json_string_value(json_object_get(u, "email"));

	log_info("user created",
	         "id=%s username=%s email=%s created_at=%s "
	         "totp=%s",
	         json_string_value(json_object_get(u, "id")),
	         log_quote(name, sizeof name,
	                   json_string_value(json_object_get(u, "username"))),
	         log_quote(email, sizeof email, e ? e : ""),
	         json_string_value(json_object_get(u, "created_at")),
	         json_is_true(json_object_get(u, "totp_enabled")) ? "on"
	                                                          : "off");
}

static int
create_tx(struct padlined *app, struct db_conn *db, struct svc_new_user *nu,
          json_t **user, struct pl_error *err)
{
	int held = svc_signup_holds(nu);
	json_t *ev_user;
	int is_taken = 0, rc;

	/* Round trip 1: BEGIN and the form token's spend. It is spent in
	 * the transaction: a registration refused later (the name taken,
	 * the invitation used) rolls the spend back and the token stays
	 * good for the next try, while a second registration with the
	 * same token waits on the first's uncommitted spend and finds it
	 * spent once that commits. */
	if (!nu->trusted &&
	    form_token_consume(app, db, nu->form_token, err) != 0)
		return err->code;
	/* Round trip 2: the check and the INSERT (which fails 23505 when
	 * the name is taken); the check keeps the common case off the
	 * error path. Round trip 3: the invitation, when one is needed
	 * (its state decides). Last: the audit row and COMMIT. */
	db_tx_batch(db);
	if (repo_user_name_taken(db, nu->username, &is_taken, err) != 0 ||
	    repo_user_insert(db, nu->username, nu->email, nu->hash,
	                     nu->admin ? "[\"admin\"]" : "[]",
	                     held ? "pending" : "active", user, err) != 0 ||
	    db_tx_flush(db, err) != 0)
		return is_taken || strcmp(db_sqlstate(db), "23505") == 0
		           ? taken(err)
		           : err->code;
	if (!nu->trusted && app->cfg->registration == REG_INVITE &&
	    use_invitation(db, nu->invitation,
	                   json_string_value(json_object_get(*user, "id")),
	                   err) != 0)
		return err->code;
	ev_user = svc_signup_event_user(nu, *user);
	rc = svc_signup_record(app, db, nu, held ? "held" : "created", ev_user,
	                       err);
	if (rc == PL_OK)
		audit_emit(db, "user.created", NULL, ev_user, NULL);
	json_decref(ev_user);
	if (rc != PL_OK)
		return rc;
	if (db_tx_commit(db, err) != 0)
		return strcmp(db_sqlstate(db), "23505") == 0 ? taken(err)
		                                             : err->code;
	return PL_OK;
}

int
svc_user_create(struct padlined *app, struct db_conn *db,
                struct svc_new_user *nu, json_t **user, struct pl_error *err)
{
	*user = NULL;
	if (db_tx_begin(db, err) != 0)
		return err->code;
	if (create_tx(app, db, nu, user, err) != 0) {
		db_tx_rollback(db);
		json_decref(*user);
		*user = NULL;
		if (strcmp(err->reason, "username_taken") == 0)
			svc_signup_record_alone(app, db, nu, "duplicate",
			                        "username_taken");
		else
			svc_signup_counted(app, nu, "failed", 0);
		return err->code;
	}
	svc_signup_counted(app, nu, svc_signup_holds(nu) ? "held" : "created",
	                   1);
	log_created(*user);
	return PL_OK;
}

/* One attempt at the sync transaction; *conflict set on a unique
 * violation (the caller decides whether to retry). */
static int
sync_tx(struct db_conn *db, const char *actor_id,
        const struct repo_user_sync *in, json_t **result, int *conflict,
        struct pl_error *err)
{
	json_t *user = NULL;
	int created = 0;

	*conflict = 0;
	if (db_tx_begin(db, err) != 0)
		return err->code;
	if (svc_user_keeps_an_admin(db, in->id, in->roles, err) != 0)
		goto fail;
	if (repo_user_upsert(db, in, &user, &created, err) != 0) {
		*conflict = strcmp(db_sqlstate(db), "23505") == 0;
		goto fail;
	}
	audit_emit(db, created ? "user.created" : "user.updated", actor_id,
	           user, NULL);
	if (db_tx_commit(db, err) != 0)
		goto fail;
	if (created)
		log_created(user);
	*result = json_pack("{s:o, s:b}", "user", user, "created", created);
	return PL_OK;
fail:
	db_tx_rollback(db);
	json_decref(user);
	return err->code;
}

int
svc_user_sync(struct padlined *app, struct db_conn *db, const char *actor_id,
              const struct svc_user_sync *in, json_t *roles, json_t **result,
              struct pl_error *err)
{
	struct repo_user_sync row = {
	    .id = in->id,
	    .email = in->email,
	    .name = in->name,
	    .given_name = in->given_name,
	    .family_name = in->family_name,
	    .email_verified = in->email_verified,
	};
	char name[USERNAME_MAX + 1];
	char *roles_text;
	json_t *r;
	size_t i;
	int rc, conflict = 0;

	(void)app;
	username_normalize(in->username, name, sizeof name, err);
	email_validate(in->email, err);
	text_no_controls("name", in->name, err);
	text_no_controls("given_name", in->given_name, err);
	text_no_controls("family_name", in->family_name, err);
	json_array_foreach (roles, i, r)
		if (!json_is_string(r)) {
			pl_error_violation(err, "roles", "type",
			                   "roles must be strings");
			break;
		}
	if (err->code)
		return err->code;
	row.username = name;
	if (row.email && *row.email == '\0')
		row.email = NULL;
	roles_text = roles ? json_dumps(roles, JSON_COMPACT) : xstrdup("[]");
	row.roles = roles_text;
	/*
	 * ON CONFLICT (id) only arbitrates the id: two syncs inserting the
	 * same new user at once can still collide on the username index.
	 * Once the first has committed, a retry takes the update path; a
	 * name held by another id keeps failing and is a real 409.
	 */
	for (int attempt = 0; attempt < 3; attempt++) {
		pl_error_clear(err);
		rc = sync_tx(db, actor_id, &row, result, &conflict, err);
		if (rc == 0 || !conflict)
			break;
	}
	if (rc != 0 && conflict)
		rc = taken(err);
	free(roles_text);
	return rc;
}

/* user.list's sort names (the whitelist), each with its usual direction. */
static const struct {
	const char *name;
	enum repo_user_sort sort;
	int desc;
} user_sorts[] = {
    {"created_at", REPO_USER_SORT_CREATED, 1},
    {"username", REPO_USER_SORT_USERNAME, 0},
    {"email", REPO_USER_SORT_EMAIL, 0},
};

#define LIST_SCAN_PAGE 500
#define LIST_SCAN_MAX 50000 /* accounts one filtered user.list reads */

/* The accounts f matches, in the list's order from before: read a page at
 * a time and matched here (svc_user_row_matches), until limit match and
 * one more shows there is a next page, or LIST_SCAN_MAX were read (then
 * next is the last account read, and the page may be short). */
static int
list_filtered(struct db_conn *db, const struct filter *f,
              enum repo_user_sort sort, int desc, int limit, const char *before,
              json_t **result, struct pl_error *err)
{
	json_t *users = json_array(), *rows = NULL, *row, *next;
	char after[40];
	size_t i, n = 0, page = 0, read = 0;
	int full = 0;

	snprintf(after, sizeof after, "%s", before ? before : "");
	while (!full && n == page && read < LIST_SCAN_MAX) {
		page = LIST_SCAN_MAX - read < LIST_SCAN_PAGE
		           ? LIST_SCAN_MAX - read
		           : LIST_SCAN_PAGE;
		if (repo_user_list_rows(db, *after ? after : NULL, sort, desc,
		                        (int)page, &rows, err) != 0) {
			json_decref(users);
			return err->code;
		}
		n = json_array_size(rows);
		json_array_foreach (rows, i, row) {
			json_t *user = json_object_get(row, "user");

			if (svc_user_row_matches(f, row)) {
				if (json_array_size(users) == (size_t)limit) {
					full = 1;
					break;
				}
				json_array_append(users, user);
			}
			snprintf(
			    after, sizeof after, "%s",
			    json_string_value(json_object_get(user, "id")));
			read++;
		}
		json_decref(rows);
	}
	if (full)
		next = json_incref(json_object_get(
		    json_array_get(users, (size_t)limit - 1), "id"));
	else
		next = n == page ? json_string(after) : json_null();
	*result = json_pack("{s:o, s:o}", "users", users, "next", next);
	return PL_OK;
}

/* query as a LIKE pattern for repo_user_list (*prefix: from the start);
 * caller frees. */
static char *
query_pattern(const char *query, int *prefix)
{
	size_t n = strlen(query), j = 0, chars = 0;
	char *pat;

	for (size_t i = 0; i < n; i++)
		chars += ((unsigned char)query[i] & 0xC0) != 0x80;
	/* Any part of a name from 3 characters on (the trigram indexes); 1
	 * or 2 match the start, which an index answers (a substring that
	 * short has no trigram: at a million users a miss would read every
	 * row). Case-insensitive; the input is literal, so LIKE's own
	 * characters are escaped. */
	*prefix = chars < 3;
	pat = xmalloc(2 * n + 3);
	if (!*prefix)
		pat[j++] = '%';
	for (size_t i = 0; i < n; i++) {
		char c = query[i];

		if (c == '%' || c == '_' || c == '\\')
			pat[j++] = '\\';
		pat[j++] = c;
	}
	pat[j++] = '%';
	pat[j] = '\0';
	return pat;
}

int
svc_user_list(struct db_conn *db, const struct svc_user_list_in *in,
              json_t **result, struct pl_error *err)
{
	struct filter *f = NULL;
	char *pat = NULL;
	json_t *users = NULL, *next = json_null();
	size_t k = 0;
	int desc, prefix = 0, rc;

	while (in->sort && k < sizeof user_sorts / sizeof user_sorts[0] &&
	       strcmp(in->sort, user_sorts[k].name) != 0)
		k++;
	if (k == sizeof user_sorts / sizeof user_sorts[0])
		return pl_error_violation(err, "sort", "enum",
		                          "sort is created_at, username or "
		                          "email");
	if (in->order && strcmp(in->order, "asc") != 0 &&
	    strcmp(in->order, "desc") != 0)
		return pl_error_violation(err, "order", "enum",
		                          "order is asc or desc");
	desc = in->order ? strcmp(in->order, "desc") == 0 : user_sorts[k].desc;
	if (in->query && *in->query && in->filter && *in->filter)
		return pl_error_violation(err, "filter", "exclusive",
		                          "give query or filter, not both");
	if (in->filter && filter_parse(in->filter, &f, err) != 0)
		return err->code;
	if (f && filter_terms(f) > 0) {
		rc = list_filtered(db, f, user_sorts[k].sort, desc, in->limit,
		                   in->before, result, err);
		filter_free(f);
		return rc;
	}
	filter_free(f); /* empty: every account, as without one */
	if (in->query && *in->query)
		pat = query_pattern(in->query, &prefix);
	/* One extra row tells whether there is a next page. */
	rc = repo_user_list(db, pat, prefix, in->before, user_sorts[k].sort,
	                    desc, in->limit + 1, &users, err);
	free(pat);
	if (rc != 0)
		return err->code;
	if (json_array_size(users) > (size_t)in->limit) {
		json_array_remove(users, (size_t)in->limit);
		next = json_incref(json_object_get(
		    json_array_get(users, (size_t)in->limit - 1), "id"));
	}
	*result = json_pack("{s:o, s:o}", "users", users, "next", next);
	return PL_OK;
}

int
svc_user_stats(struct db_conn *db, json_t **result, struct pl_error *err)
{
	return repo_user_stats(db, result, err);
}
