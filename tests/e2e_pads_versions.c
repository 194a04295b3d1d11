/* Pads end to end, phase 2: versions and if_version (50 writers on one
 * version: one wins; 50 read-modify-write writers lose nothing), the
 * version_conflict data, the stored size and the size limit with
 * server.hello's limits and pad.backup_get (the migration's checks are in
 * e2e_pads_migrate.c). */
#include <dirent.h>
#include <pthread.h>
#include <sys/stat.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tsupport.h"

static struct ts_env tenv;
static struct ts_client *alice, *bob;
static const struct ts_env_opts pads = TS_PADS_OPTS(&alice, &bob);

#define WRITERS 50

/* A session token of alice's, for writers that resume instead of logging
 * in (no password hash per connection). */
static void
alice_token(char *token, size_t size)
{
	json_t *res = ts_ok(alice, "session.login",
	                    json_pack("{s:s, s:s}", "username", "alice",
	                              "password", TS_PASSWORD));

	snprintf(token, size, "%s",
	         json_string_value(json_object_get(res, "token")));
	json_decref(res);
}

static struct ts_client *
resumed(const char *token)
{
	struct ts_client *c = ts_client_connect(tenv.srv.port);
	json_t *r;

	ck_assert_ptr_nonnull(c);
	r = ts_call(c, "session.resume", json_pack("{s:s}", "token", token));
	ck_assert_msg(r != NULL && ts_result(r) != NULL, "resume failed");
	json_decref(r);
	return c;
}

/* Sends a request line without waiting for its reply. */
static void
send_request(struct ts_client *c, int id, const char *method, json_t *params)
{
	json_t *req = json_pack("{s:s, s:i, s:s, s:o}", "jsonrpc", "2.0", "id",
	                        id, "method", method, "params", params);
	char *text = json_dumps(req, JSON_COMPACT), *line;

	line = malloc(strlen(text) + 2);
	sprintf(line, "%s\n", text);
	ck_assert_int_eq(ts_client_send_raw(c, line, strlen(line)), 0);
	free(line);
	free(text);
	json_decref(req);
}

START_TEST(one_writer_wins_each_version)
{
	struct ts_client *c[WRITERS];
	const char *id =
	    ts_pad_create(alice, "Hot", json_pack("{s:i}", "w", -1));
	char token[256], pad_id[40];
	int wins = 0, conflicts = 0, winner = -1;
	json_t *res;

	snprintf(pad_id, sizeof pad_id, "%s", id);
	alice_token(token, sizeof token);
	for (int k = 0; k < WRITERS; k++)
		c[k] = resumed(token);
	/* Every request is in flight before any reply is read. */
	for (int k = 0; k < WRITERS; k++)
		send_request(c[k], 1000 + k, "pad.update",
		             json_pack("{s:s, s:i, s:{s:i}}", "id", pad_id,
		                       "if_version", 1, "data", "w", k));
	for (int k = 0; k < WRITERS; k++) {
		char *line = ts_client_read_line(c[k], 60000, NULL);
		json_t *r, *cur;

		ck_assert_msg(line != NULL, "writer %d got no reply", k);
		r = json_loads(line, 0, NULL);
		if (ts_result(r) != NULL) {
			wins++;
			winner = k;
			ck_assert_int_eq(ts_pad_int(ts_result(r), "version"),
			                 2);
		} else {
			ck_assert_msg(ts_error_code(r) == 409 &&
			                  strcmp(ts_error_reason(r),
			                         "version_conflict") == 0,
			              "writer %d: %s", k, line);
			cur = json_object_get(
			    json_object_get(json_object_get(r, "error"),
			                    "data"),
			    "current");
			ck_assert_int_eq(
			    json_integer_value(json_object_get(cur, "version")),
			    2);
			conflicts++;
		}
		free(line);
		json_decref(r);
		ts_client_free(c[k]);
	}
	ck_assert_int_eq(wins, 1);
	ck_assert_int_eq(conflicts, WRITERS - 1);
	/* The winner's data is what is stored; the losers wrote nothing. */
	res = ts_ok(alice, "pad.get", json_pack("{s:s}", "id", pad_id));
	ck_assert_int_eq(ts_pad_int(res, "version"), 2);
	ck_assert_int_eq(
	    json_integer_value(json_object_get(
	        json_object_get(json_object_get(res, "pad"), "data"), "w")),
	    winner);
	json_decref(res);
	ck_assert_int_eq(ts_pad_backups(tenv.db, pad_id), 1);
	ck_assert_int_eq(
	    ts_db_count1(tenv.db,
	                 "SELECT count(*) FROM audit_log WHERE action = "
	                 "'pad.updated' AND subject_id = $1::uuid",
	                 pad_id),
	    1);
}
END_TEST

/* A read-modify-write writer: adds one to data.n, retrying on conflict. */
struct rmw {
	pthread_t th;
	const char *token, *pad_id;
	int attempts, conflicts, failed;
	char error[300];
};

static void *
rmw_run(void *arg)
{
	struct rmw *w = arg;
	struct ts_client *c = ts_client_connect(tenv.srv.port);
	json_t *r = c ? ts_call(c, "session.resume",
	                        json_pack("{s:s}", "token", w->token))
	              : NULL;

	if (r == NULL || ts_result(r) == NULL) {
		w->failed = 1;
		snprintf(w->error, sizeof w->error, "could not resume");
		goto out;
	}
	for (;;) {
		json_t *got = ts_call(c, "pad.get",
		                      json_pack("{s:s}", "id", w->pad_id)),
		       *pad = json_object_get(ts_result(got), "pad"), *put;
		long long n = json_integer_value(
		    json_object_get(json_object_get(pad, "data"), "n"));
		long long v =
		    json_integer_value(json_object_get(pad, "version"));

		json_decref(got);
		w->attempts++;
		put = ts_call(c, "pad.update",
		              json_pack("{s:s, s:I, s:{s:I}}", "id", w->pad_id,
		                        "if_version", (json_int_t)v, "data",
		                        "n", (json_int_t)(n + 1)));
		if (put != NULL && ts_result(put) != NULL) {
			json_decref(put);
			break;
		}
		if (put == NULL || ts_error_code(put) != 409 || v == 0) {
			char *text = put ? json_dumps(put, 0) : NULL;

			w->failed = 1;
			snprintf(w->error, sizeof w->error, "%s",
			         text ? text : "no reply");
			free(text);
			json_decref(put);
			break;
		}
		w->conflicts++;
		json_decref(put);
	}
out:
	json_decref(r);
	ts_client_free(c);
	return NULL;
}

START_TEST(read_modify_write_loses_nothing)
{
	struct rmw w[WRITERS];
	const char *id =
	    ts_pad_create(alice, "Counter", json_pack("{s:i}", "n", 0));
	char token[256], pad_id[40];
	int conflicts = 0;
	json_t *res;

	snprintf(pad_id, sizeof pad_id, "%s", id);
	alice_token(token, sizeof token);
	for (int k = 0; k < WRITERS; k++) {
		memset(&w[k], 0, sizeof w[k]);
		w[k].token = token;
		w[k].pad_id = pad_id;
		ck_assert_int_eq(pthread_create(&w[k].th, NULL, rmw_run, &w[k]),
		                 0);
	}
	for (int k = 0; k < WRITERS; k++) {
		pthread_join(w[k].th, NULL);
		ck_assert_msg(!w[k].failed, "writer %d: %s", k, w[k].error);
		conflicts += w[k].conflicts;
	}
	/* 50 increments, each exactly once: without if_version, concurrent
	 * writers overwrite each other and n ends below 50. */
	res = ts_ok(alice, "pad.get", json_pack("{s:s}", "id", pad_id));
	ck_assert_int_eq(
	    json_integer_value(json_object_get(
	        json_object_get(json_object_get(res, "pad"), "data"), "n")),
	    WRITERS);
	ck_assert_int_eq(ts_pad_int(res, "version"), 1 + WRITERS);
	json_decref(res);
	ck_assert_int_eq(
	    ts_db_count1(tenv.db,
	                 "SELECT count(*) FROM audit_log WHERE action = "
	                 "'pad.updated' AND subject_id = $1::uuid",
	                 pad_id),
	    WRITERS);
	fprintf(stderr, "read_modify_write: %d conflicts retried\n", conflicts);
}
END_TEST

START_TEST(version_conflict_writes_nothing)
{
	const char *id = ts_pad_create(alice, "V", json_pack("{s:i}", "v", 1));
	char pad_id[40], backup[40];
	json_t *res, *data, *cur;
	long long audit;

	snprintf(pad_id, sizeof pad_id, "%s", id);
	res = ts_ok(alice, "pad.get", json_pack("{s:s}", "id", pad_id));
	ck_assert_int_eq(ts_pad_int(res, "version"), 1);
	json_decref(res);
	/* Data and rename alike count as a version. */
	res = ts_ok(alice, "pad.update",
	            json_pack("{s:s, s:{s:i}}", "id", pad_id, "data", "v", 2));
	ck_assert_int_eq(ts_pad_int(res, "version"), 2);
	json_decref(res);
	res = ts_ok(alice, "pad.update",
	            json_pack("{s:s, s:s, s:i}", "id", pad_id, "display_name",
	                      "V2", "if_version", 2));
	ck_assert_int_eq(ts_pad_int(res, "version"), 3);
	json_decref(res);

	audit = ts_db_count(tenv.db, "SELECT count(*) FROM audit_log", 0, NULL);
	data = ts_err_data(alice, "pad.update",
	                   json_pack("{s:s, s:i, s:{s:i}}", "id", pad_id,
	                             "if_version", 2, "data", "v", 99),
	                   409, "version_conflict");
	cur = json_object_get(data, "current");
	ck_assert_int_eq(json_integer_value(json_object_get(cur, "version")),
	                 3);
	{
		const char *p[] = {pad_id, json_string_value(json_object_get(
		                               cur, "updated_at"))};

		ck_assert_int_eq(
		    ts_db_count(tenv.db,
		                "SELECT count(*) FROM pads WHERE id = $1::uuid "
		                "AND updated_at = $2::timestamptz",
		                2, p),
		    1);
	}
	json_decref(data);
	/* A rename and an empty update with a stale version are refused too. */
	ts_expect_err(alice, "pad.update",
	              json_pack("{s:s, s:i, s:s}", "id", pad_id, "if_version",
	                        1, "display_name", "X"),
	              409, "version_conflict");
	ts_expect_err(alice, "pad.update",
	              json_pack("{s:s, s:i}", "id", pad_id, "if_version", 1),
	              409, "version_conflict");
	ck_assert_int_eq(
	    ts_db_count1(tenv.db,
	                 "SELECT version FROM pads WHERE id = $1::uuid",
	                 pad_id),
	    3);
	ck_assert_int_eq(
	    ts_db_count1(tenv.db,
	                 "SELECT (data->>'v')::int FROM pads WHERE "
	                 "id = $1::uuid",
	                 pad_id),
	    2);
	ck_assert_int_eq(ts_pad_backups(tenv.db, pad_id), 1);
	ck_assert_int_eq(
	    ts_db_count(tenv.db, "SELECT count(*) FROM audit_log", 0, NULL),
	    audit);

	/* Restore: same rule, and +1 when it goes through. */
	res = ts_ok(alice, "pad.backups", json_pack("{s:s}", "id", pad_id));
	snprintf(
	    backup, sizeof backup, "%s",
	    json_string_value(json_object_get(
	        json_array_get(json_object_get(res, "backups"), 0), "id")));
	json_decref(res);
	ts_expect_err(alice, "pad.restore",
	              json_pack("{s:s, s:s, s:i}", "id", pad_id, "backup_id",
	                        backup, "if_version", 2),
	              409, "version_conflict");
	ck_assert_int_eq(ts_pad_backups(tenv.db, pad_id), 1);
	res = ts_ok(alice, "pad.restore",
	            json_pack("{s:s, s:s, s:i}", "id", pad_id, "backup_id",
	                      backup, "if_version", 3));
	ck_assert_int_eq(ts_pad_int(res, "version"), 4);
	json_decref(res);
	ts_expect_violation(
	    alice, "pad.update",
	    json_pack("{s:s, s:i}", "id", pad_id, "if_version", 0),
	    "if_version", "range");
	ts_expect_violation(
	    alice, "pad.update",
	    json_pack("{s:s, s:s}", "id", pad_id, "if_version", "3"),
	    "if_version", "type");
}
END_TEST

/* {"s":"xx...x"}: exactly bytes long as compact JSON. */
static json_t *
data_of_size(size_t bytes)
{
	char *s = malloc(bytes);
	json_t *d;

	memset(s, 'x', bytes - 8);
	s[bytes - 8] = '\0';
	d = json_pack("{s:s}", "s", s);
	free(s);
	return d;
}

START_TEST(size_is_stored_and_limited)
{
	const char *const env[] = {"PADLINE_MAX_PAD_BYTES=2048", NULL};
	json_t *res, *limits, *data;
	const char *id;
	char pad_id[40], *text;
	struct ts_env_opts o = pads;

	/* Defaults first. */
	res = ts_ok(alice, "server.hello", NULL);
	limits = json_object_get(res, "limits");
	ck_assert_int_eq(
	    json_integer_value(json_object_get(limits, "max_line")), 4194304);
	ck_assert_int_eq(
	    json_integer_value(json_object_get(limits, "max_pad_bytes")),
	    1048576);
	json_decref(res);

	ts_env_stop(&tenv);
	o.env = env;
	ts_env_start(&tenv, &o);
	res = ts_ok(alice, "server.hello", NULL);
	ck_assert_int_eq(json_integer_value(json_object_get(
	                     json_object_get(res, "limits"), "max_pad_bytes")),
	                 2048);
	json_decref(res);

	data = data_of_size(2048);
	text = json_dumps(data, JSON_COMPACT);
	ck_assert_int_eq(strlen(text), 2048);
	free(text);
	id = ts_pad_create(alice, "Full", data);
	snprintf(pad_id, sizeof pad_id, "%s", id);
	ts_expect_violation(alice, "pad.create",
	                    json_pack("{s:s, s:o}", "display_name", "Over",
	                              "data", data_of_size(2049)),
	                    "data", "too_large");
	ts_expect_violation(
	    alice, "pad.update",
	    json_pack("{s:s, s:o}", "id", pad_id, "data", data_of_size(2049)),
	    "data", "too_large");
	ck_assert_int_eq(
	    ts_db_count1(tenv.db,
	                 "SELECT count(*) FROM pads WHERE display_name "
	                 "= $1",
	                 "Over"),
	    0);
	ck_assert_int_eq(
	    ts_db_count1(tenv.db,
	                 "SELECT version FROM pads WHERE id = $1::uuid",
	                 pad_id),
	    1);

	/* size is the stored text's bytes, kept on every change. */
	ts_pad_update(
	    alice, pad_id,
	    json_pack("{s:s, s:i}", "t", "\xc3\xa9t\xc3\xa9", "n", 1));
	res = ts_ok(alice, "pad.get", json_pack("{s:s}", "id", pad_id));
	ck_assert_int_eq(
	    ts_pad_int(res, "size"),
	    ts_db_count1(tenv.db,
	                 "SELECT octet_length(data::text) FROM pads "
	                 "WHERE id = $1::uuid",
	                 pad_id));
	ck_assert_int_eq(
	    ts_db_count1(tenv.db, "SELECT size FROM pads WHERE id = $1::uuid",
	                 pad_id),
	    ts_db_count1(tenv.db,
	                 "SELECT octet_length(data::text) FROM pads WHERE id = "
	                 "$1::uuid",
	                 pad_id));
	json_decref(res);
	res = ts_ok(alice, "pad.list", NULL);
	ck_assert_int_eq(
	    json_integer_value(json_object_get(
	        json_array_get(json_object_get(res, "pads"), 0), "size")),
	    ts_db_count1(tenv.db,
	                 "SELECT octet_length(data::text) FROM pads WHERE id = "
	                 "$1::uuid",
	                 pad_id));
	json_decref(res);
}
END_TEST

START_TEST(backup_get_returns_one_backup)
{
	const char *id = ts_pad_create(alice, "B", json_pack("{s:i}", "v", 0));
	const char *other =
	    ts_pad_create(alice, "O", json_pack("{s:i}", "v", 0));
	char pad_id[40], other_id[40], newest[40], oldest[40], foreign[40];
	json_t *res, *list, *b;

	snprintf(pad_id, sizeof pad_id, "%s", id);
	snprintf(other_id, sizeof other_id, "%s", other);
	ts_pad_update(alice, pad_id, json_pack("{s:i}", "v", 1));
	ts_pad_update(alice, pad_id, json_pack("{s:i, s:s}", "v", 2, "x", "y"));
	ts_pad_update(alice, other_id, json_pack("{s:i}", "v", 1));
	res = ts_ok(alice, "pad.backups", json_pack("{s:s}", "id", pad_id));
	list = json_object_get(res, "backups");
	snprintf(
	    newest, sizeof newest, "%s",
	    json_string_value(json_object_get(json_array_get(list, 0), "id")));
	snprintf(
	    oldest, sizeof oldest, "%s",
	    json_string_value(json_object_get(json_array_get(list, 1), "id")));
	json_decref(res);
	res = ts_ok(alice, "pad.backups", json_pack("{s:s}", "id", other_id));
	snprintf(
	    foreign, sizeof foreign, "%s",
	    json_string_value(json_object_get(
	        json_array_get(json_object_get(res, "backups"), 0), "id")));
	json_decref(res);

	res = ts_ok(alice, "pad.backup_get",
	            json_pack("{s:s, s:s}", "id", pad_id, "backup_id", newest));
	b = json_object_get(res, "backup");
	ck_assert_str_eq(json_string_value(json_object_get(b, "id")), newest);
	ck_assert_int_eq(json_integer_value(
	                     json_object_get(json_object_get(b, "data"), "v")),
	                 1);
	ck_assert_int_eq(
	    json_integer_value(json_object_get(b, "size")),
	    ts_db_count1(tenv.db,
	                 "SELECT octet_length(data::text) FROM backups "
	                 "WHERE id = $1::uuid",
	                 newest));
	ck_assert_ptr_nonnull(json_object_get(b, "created_at"));
	json_decref(res);
	res = ts_ok(alice, "pad.backup_get",
	            json_pack("{s:s, s:s}", "id", pad_id, "backup_id", oldest));
	ck_assert_int_eq(
	    json_integer_value(json_object_get(
	        json_object_get(json_object_get(res, "backup"), "data"), "v")),
	    0);
	json_decref(res);
	/* Another pad's backup, a missing one, bad ids, another user. */
	ts_expect_err(
	    alice, "pad.backup_get",
	    json_pack("{s:s, s:s}", "id", pad_id, "backup_id", foreign), 404,
	    NULL);
	ts_expect_err(alice, "pad.backup_get",
	              json_pack("{s:s, s:s}", "id", pad_id, "backup_id",
	                        "00000000-0000-4000-8000-000000000000"),
	              404, NULL);
	ts_expect_violation(
	    alice, "pad.backup_get",
	    json_pack("{s:s, s:s}", "id", pad_id, "backup_id", "x"),
	    "backup_id", "format");
	ts_expect_violation(alice, "pad.backup_get",
	                    json_pack("{s:s}", "id", pad_id), "backup_id",
	                    "required");
	ts_expect_err(
	    bob, "pad.backup_get",
	    json_pack("{s:s, s:s}", "id", pad_id, "backup_id", newest), 404,
	    NULL);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("e2e_pads_versions");
	TCase *tc = tcase_create("versions");

	ts_env_fixture(tc, &tenv, &pads, TS_PER_TEST);
	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, one_writer_wins_each_version);
	tcase_add_test(tc, read_modify_write_loses_nothing);
	tcase_add_test(tc, version_conflict_writes_nothing);
	tcase_add_test(tc, size_is_stored_and_limited);
	tcase_add_test(tc, backup_get_returns_one_backup);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
