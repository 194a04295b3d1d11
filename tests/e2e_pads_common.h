/*
 * Shared by the e2e_pads* suites: a per-test fixture (a fresh schema, a real
 * padlined, users alice and bob signed in on their own connections, a direct
 * database connection) and call helpers that assert on the reply.
 * Included by one .c per executable, so everything here is static
 * (inline: a suite may leave some helpers unused).
 */
#ifndef PL_E2E_PADS_COMMON_H
#define PL_E2E_PADS_COMMON_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tsupport.h"

#define PW "Correct-Horse-9-battery"

static struct ts_server srv;
static char schema[64];
static struct ts_client *alice, *bob;
static PGconn *db;

/* The source tree's templates (CMake sets PADLINE_SOURCE_DIR for ctest). */
static inline const char *
templates_dir(void)
{
	static char dir[600];
	const char *src = getenv("PADLINE_SOURCE_DIR");

	ck_assert_msg(src != NULL, "PADLINE_SOURCE_DIR is not set (run ctest)");
	snprintf(dir, sizeof dir, "%s/templates", src);
	return dir;
}

/* Starts padlined with extra settings (NULL-terminated "K=V", may be NULL). */
static inline void
pads_start(const char *const *more_env)
{
	char tdir[700];
	/* tsupport already makes argon2 cheap (fast logins). */
	const char *env[16] = {tdir};
	int n = 1;

	snprintf(tdir, sizeof tdir, "PADLINE_TEMPLATES_DIR=%s",
	         templates_dir());
	for (; more_env && *more_env && n < 15; more_env++)
		env[n++] = *more_env;
	env[n] = NULL;
	ts_unique_schema("pads", schema, sizeof schema);
	ck_assert_int_eq(ts_server_start(&srv, schema, env, NULL), 0);
	ck_assert_int_eq(ts_create_user(schema, "alice", PW, 0), 0);
	ck_assert_int_eq(ts_create_user(schema, "bob", PW, 0), 0);
	alice = ts_client_connect(srv.port);
	bob = ts_client_connect(srv.port);
	ck_assert_ptr_nonnull(alice);
	ck_assert_ptr_nonnull(bob);
	ck_assert_int_eq(ts_login(alice, "alice", PW), 0);
	ck_assert_int_eq(ts_login(bob, "bob", PW), 0);
	db = ts_db_connect(schema);
	ck_assert_ptr_nonnull(db);
}

static inline void
pads_setup(void)
{
	pads_start(NULL);
}

static inline void
pads_teardown(void)
{
	ts_client_free(alice);
	ts_client_free(bob);
	if (db)
		PQfinish(db);
	ts_server_stop(&srv);
	ts_db_drop_schema(schema);
}

/* Calls method and asserts success; returns result (new reference). */
static inline json_t *
ok(struct ts_client *c, const char *method, json_t *params)
{
	json_t *r = ts_call(c, method, params), *res;
	char *text;

	ck_assert_msg(r != NULL, "%s: no reply", method);
	res = ts_result(r);
	if (res == NULL) {
		text = json_dumps(r, 0);
		ck_abort_msg("%s failed: %.300s", method, text);
	}
	json_incref(res);
	json_decref(r);
	return res;
}

/* Calls method, asserts it fails with code (and reason, if not NULL) and
 * returns the error's data member (new reference, may be NULL). */
static inline json_t *
err_data(struct ts_client *c, const char *method, json_t *params, int code,
         const char *reason)
{
	json_t *r = ts_call(c, method, params), *data;
	char *text;

	ck_assert_msg(r != NULL, "%s: no reply", method);
	text = json_dumps(r, 0);
	ck_assert_msg(ts_error_code(r) == code, "%s: want %d, got %.300s",
	              method, code, text);
	if (reason)
		ck_assert_msg(strcmp(ts_error_reason(r), reason) == 0,
		              "%s: want reason %s, got %.300s", method, reason,
		              text);
	free(text);
	data = json_object_get(json_object_get(r, "error"), "data");
	json_incref(data);
	json_decref(r);
	return data;
}

/* Calls method and asserts it fails with code (and reason, if not NULL). */
static inline void
expect_err(struct ts_client *c, const char *method, json_t *params, int code,
           const char *reason)
{
	json_decref(err_data(c, method, params, code, reason));
}

/* A new connection signed in as username (NULL on failure). */
static inline struct ts_client *
signed_in(const char *username)
{
	struct ts_client *c = ts_client_connect(srv.port);

	if (c != NULL && ts_login(c, username, PW) != 0) {
		ts_client_free(c);
		return NULL;
	}
	return c;
}

/* result.pad.<key> as an integer. */
static inline long long
pad_int(json_t *res, const char *key)
{
	return json_integer_value(
	    json_object_get(json_object_get(res, "pad"), key));
}

/* Asserts a 400 whose violations include {field, rule}. */
static inline void
expect_violation(struct ts_client *c, const char *method, json_t *params,
                 const char *field, const char *rule)
{
	json_t *r = ts_call(c, method, params), *v;
	char *text;
	size_t i;
	int seen = 0;

	ck_assert_msg(r != NULL, "%s: no reply", method);
	text = json_dumps(r, 0);
	ck_assert_msg(ts_error_code(r) == 400, "%s: want 400, got %.300s",
	              method, text);
	json_array_foreach (
	    json_object_get(
	        json_object_get(json_object_get(r, "error"), "data"),
	        "violations"),
	    i, v) {
		if (strcmp(json_string_value(json_object_get(v, "field")),
		           field) == 0 &&
		    strcmp(json_string_value(json_object_get(v, "rule")),
		           rule) == 0)
			seen = 1;
	}
	ck_assert_msg(seen, "%s: want violation %s/%s, got %.300s", method,
	              field, rule, text);
	free(text);
	json_decref(r);
}

/* Creates a pad for c; returns its id (static buffer rotation of 4). */
static inline const char *
create_pad(struct ts_client *c, const char *name, json_t *data)
{
	static char ids[4][40];
	static int n;
	json_t *res = ok(
	    c, "pad.create",
	    data ? json_pack("{s:s, s:o}", "display_name", name, "data", data)
	         : json_pack("{s:s}", "display_name", name));
	char *id = ids[n++ % 4];

	snprintf(id, 40, "%s",
	         json_string_value(
	             json_object_get(json_object_get(res, "pad"), "id")));
	json_decref(res);
	return id;
}

/* ts_db_count with one text parameter. */
static inline long long
count1(const char *sql, const char *p)
{
	const char *params[] = {p};

	return ts_db_count(db, sql, 1, params);
}

static inline long long
backups_of(const char *pad_id)
{
	return count1("SELECT count(*) FROM backups WHERE source_id = $1::uuid",
	              pad_id);
}

static inline void
update_data(struct ts_client *c, const char *id, json_t *data)
{
	json_decref(ok(c, "pad.update",
	               json_pack("{s:s, s:o}", "id", id, "data", data)));
}

#endif
