/* Pads end to end, access and concurrency: another user's pad is 404 for
 * every method and stays untouched, every pad method is 401 without a
 * session, and 50 concurrent updates of one pad serialise cleanly. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tsupport.h"

static struct ts_env tenv;
static struct ts_client *alice, *bob;
static const struct ts_env_opts pads = TS_PADS_OPTS(&alice, &bob);

/* The pad row's display_name, data and updated_at, as one text. */
static char *
pad_snapshot(const char *id)
{
	const char *p[] = {id};
	PGresult *r =
	    PQexecParams(tenv.db,
	                 "SELECT display_name || '|' || data::text || "
	                 "'|' || updated_at::text FROM pads WHERE id "
	                 "= $1::uuid",
	                 1, NULL, p, NULL, NULL, 0);
	char *s;

	ck_assert_int_eq(PQresultStatus(r), PGRES_TUPLES_OK);
	ck_assert_int_eq(PQntuples(r), 1);
	s = strdup(PQgetvalue(r, 0, 0));
	PQclear(r);
	return s;
}

START_TEST(another_users_pad_is_404_everywhere)
{
	const char *id =
	    ts_pad_create(alice, "Private", json_pack("{s:i}", "v", 0));
	json_t *res;
	char backup[40], *before, *after;
	long long audit_before;

	ts_pad_update(alice, id, json_pack("{s:i}", "v", 1));
	res = ts_ok(alice, "pad.backups", json_pack("{s:s}", "id", id));
	snprintf(
	    backup, sizeof backup, "%s",
	    json_string_value(json_object_get(
	        json_array_get(json_object_get(res, "backups"), 0), "id")));
	json_decref(res);
	before = pad_snapshot(id);
	audit_before =
	    ts_db_count(tenv.db, "SELECT count(*) FROM audit_log", 0, NULL);

	ts_expect_err(bob, "pad.get", json_pack("{s:s}", "id", id), 404, NULL);
	ts_expect_err(bob, "pad.get",
	              json_pack("{s:s}", "display_name", "Private"), 404, NULL);
	ts_expect_err(bob, "pad.update",
	              json_pack("{s:s, s:{s:i}}", "id", id, "data", "v", 666),
	              404, NULL);
	ts_expect_err(bob, "pad.update",
	              json_pack("{s:s, s:s}", "id", id, "display_name", "Mine"),
	              404, NULL);
	ts_expect_err(bob, "pad.backups", json_pack("{s:s}", "id", id), 404,
	              NULL);
	ts_expect_err(bob, "pad.restore",
	              json_pack("{s:s, s:s}", "id", id, "backup_id", backup),
	              404, NULL);
	ts_expect_err(bob, "pad.delete", json_pack("{s:s}", "id", id), 404,
	              NULL);
	res = ts_ok(bob, "pad.list", NULL);
	ck_assert_int_eq(json_array_size(json_object_get(res, "pads")), 0);
	json_decref(res);
	/* Bob may use the same name for his own pad. */
	ts_pad_create(bob, "Private", NULL);

	after = pad_snapshot(id);
	ck_assert_str_eq(after, before);
	ck_assert_int_eq(ts_pad_backups(tenv.db, id), 1);
	/* Only bob's own create was audited. */
	ck_assert_int_eq(
	    ts_db_count(tenv.db, "SELECT count(*) FROM audit_log", 0, NULL),
	    audit_before + 1);
	free(before);
	free(after);
	res = ts_ok(alice, "pad.get", json_pack("{s:s}", "id", id));
	json_decref(res);
}
END_TEST

START_TEST(every_pad_method_needs_a_session)
{
	struct ts_client *anon = ts_client_connect(tenv.srv.port);
	const char *id = ts_pad_create(alice, "Mine", NULL);
	const char *methods[] = {"pad.list",    "pad.get",        "pad.create",
	                         "pad.update",  "pad.delete",     "pad.backups",
	                         "pad.restore", "pad.backup_get", "pad.share",
	                         "pad.unshare", "pad.shares"};

	for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
		ts_expect_err(anon, methods[i],
		              json_pack("{s:s, s:s, s:s, s:{}, s:s}", "id", id,
		                        "backup_id", id, "display_name", "x",
		                        "data", "username", "bob"),
		              401, NULL);
	ck_assert_int_eq(
	    ts_db_count1(tenv.db,
	                 "SELECT count(*) FROM pads WHERE id = $1::uuid", id),
	    1);
	ck_assert_int_eq(
	    ts_db_count(tenv.db, "SELECT count(*) FROM pads", 0, NULL), 1);
	json_decref(ts_ok(anon, "template.list", NULL));
	ts_client_free(anon);
}
END_TEST

#define WRITERS 50

/* Signs c in as alice: session.resume with token when it works (no
 * password hash per connection), else session.login. */
static void
sign_in(struct ts_client *c, const char *token)
{
	json_t *r =
	    ts_call(c, "session.resume", json_pack("{s:s}", "token", token));

	ck_assert_ptr_nonnull(r);
	if (ts_result(r) == NULL)
		ck_assert_int_eq(ts_login(c, "alice", TS_PASSWORD), 0);
	json_decref(r);
}

START_TEST(concurrent_updates_serialise)
{
	struct ts_client *c[WRITERS];
	const char *id =
	    ts_pad_create(alice, "Hot", json_pack("{s:i}", "w", -1));
	json_t *res, *b, *seen;
	char token[256], *line, *final;
	size_t i;

	res = ts_ok(alice, "session.login",
	            json_pack("{s:s, s:s}", "username", "alice", "password",
	                      TS_PASSWORD));
	snprintf(token, sizeof token, "%s",
	         json_string_value(json_object_get(res, "token")));
	json_decref(res);
	for (int k = 0; k < WRITERS; k++) {
		c[k] = ts_client_connect(tenv.srv.port);
		ck_assert_ptr_nonnull(c[k]);
		sign_in(c[k], token);
	}
	/* All requests are in flight before any reply is read. */
	for (int k = 0; k < WRITERS; k++) {
		json_t *req =
		    json_pack("{s:s, s:i, s:s, s:{s:s, s:{s:i}}}", "jsonrpc",
		              "2.0", "id", 1000 + k, "method", "pad.update",
		              "params", "id", id, "data", "w", k);
		char *text = json_dumps(req, JSON_COMPACT);
		size_t n = strlen(text);

		text = realloc(text, n + 2);
		text[n] = '\n';
		text[n + 1] = '\0';
		ck_assert_int_eq(ts_client_send_raw(c[k], text, n + 1), 0);
		free(text);
		json_decref(req);
	}
	for (int k = 0; k < WRITERS; k++) {
		line = ts_client_read_line(c[k], 60000, NULL);
		ck_assert_msg(line != NULL, "writer %d got no reply", k);
		res = json_loads(line, 0, NULL);
		ck_assert_msg(ts_result(res) != NULL, "writer %d: %s", k, line);
		free(line);
		json_decref(res);
		ts_client_free(c[k]);
	}

	ck_assert_int_eq(ts_pad_backups(tenv.db, id),
	                 (WRITERS < 10 ? WRITERS : 10));
	ck_assert_int_eq(
	    ts_db_count1(tenv.db,
	                 "SELECT count(*) FROM audit_log WHERE action = "
	                 "'pad.updated' AND subject_id = $1::uuid",
	                 id),
	    WRITERS);
	res = ts_ok(alice, "pad.get", json_pack("{s:s}", "id", id));
	final = json_dumps(json_object_get(json_object_get(res, "pad"), "data"),
	                   JSON_COMPACT);
	{
		long long w = json_integer_value(json_object_get(
		    json_object_get(json_object_get(res, "pad"), "data"), "w"));

		ck_assert_msg(w >= 0 && w < WRITERS, "final data %s", final);
	}
	json_decref(res);
	/* The chain holds 10 distinct earlier values, none equal to the
	 * final data: every update backed up what the one before wrote. */
	res = ts_ok(alice, "pad.backups",
	            json_pack("{s:s, s:b}", "id", id, "data", 1));
	seen = json_object();
	json_array_foreach (json_object_get(res, "backups"), i, b) {
		char *d = json_dumps(json_object_get(b, "data"), JSON_COMPACT);

		ck_assert_ptr_null(json_object_get(seen, d));
		ck_assert_str_ne(d, final);
		json_object_set_new(seen, d, json_true());
		free(d);
	}
	ck_assert_int_eq(json_object_size(seen), 10);
	json_decref(seen);
	json_decref(res);
	free(final);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("e2e_pads_access");
	TCase *tc = tcase_create("access");

	ts_env_fixture(tc, &tenv, &pads, TS_PER_TEST);
	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, another_users_pad_is_404_everywhere);
	tcase_add_test(tc, every_pad_method_needs_a_session);
	tcase_add_test(tc, concurrent_updates_serialise);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
