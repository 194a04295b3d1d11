/* The last-admin rule end to end: the last enabled admin can't be
 * disabled, demoted or deleted (409 last_admin), a disabled admin does not
 * count, and two admins demoting each other at once leave one. Each test
 * runs its own server on its own schema, so the set of admins is known. */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tsupport.h"

static json_t *
update(struct ts_client *c, const char *id, json_t *fields)
{
	json_object_set_new(fields, "id", json_string(id));
	return ts_call(c, "user.update", fields);
}

/* A server on its own schema, so the set of admins is known exactly. */
static const struct ts_env_opts solo = {.prefix = "adm1"};

START_TEST(last_enabled_admin_is_kept)
{
	struct ts_env s;
	struct ts_client *a, *b;
	char *aid, *bid;
	json_t *r;

	ts_env_start(&s, &solo);
	a = ts_env_admin(&s, "solo_a");
	ck_assert_ptr_nonnull(a);
	aid = ts_my_id(a);
	r = update(a, aid, json_pack("{s:b}", "disabled", 1));
	ck_assert_int_eq(ts_error_code(r), 409);
	ck_assert_str_eq(ts_error_reason(r), "last_admin");
	json_decref(r);
	r = update(a, aid, json_pack("{s:[s]}", "roles", "editor"));
	ck_assert_int_eq(ts_error_code(r), 409);
	ck_assert_str_eq(ts_error_reason(r), "last_admin");
	json_decref(r);
	r = ts_call(a, "user.delete", json_pack("{s:s}", "id", aid));
	ck_assert_int_eq(ts_error_code(r), 409);
	ck_assert_str_eq(ts_error_reason(r), "last_admin");
	json_decref(r);
	/* user.sync replaces roles: the same rule holds. */
	r = ts_call(a, "user.sync",
	            json_pack("{s:s, s:s, s:[]}", "id", aid, "username",
	                      "solo_a", "roles"));
	ck_assert_int_eq(ts_error_code(r), 409);
	ck_assert_str_eq(ts_error_reason(r), "last_admin");
	json_decref(r);
	/* Keeping the admin role while changing roles is fine. */
	r = update(a, aid, json_pack("{s:[s,s]}", "roles", "admin", "editor"));
	ck_assert_int_eq(ts_error_code(r), 0);
	json_decref(r);
	/* A disabled admin does not count as one. */
	b = ts_env_admin(&s, "solo_b");
	ck_assert_ptr_nonnull(b);
	bid = ts_my_id(b);
	r = update(a, bid, json_pack("{s:b}", "disabled", 1));
	ck_assert_int_eq(ts_error_code(r), 0);
	json_decref(r);
	r = update(a, aid, json_pack("{s:[]}", "roles"));
	ck_assert_int_eq(ts_error_code(r), 409);
	json_decref(r);
	/* The CLI follows the same rule. */
	{
		const char *args[] = {"disable", "solo_a", NULL};
		char *err = NULL;

		ck_assert_int_eq(
		    ts_padlined_run(s.schema, NULL, args, NULL, 60, NULL, &err),
		    1);
		ck_assert_ptr_nonnull(strstr(err, "last enabled admin"));
		free(err);
	}
	/* With b enabled again, a may step down. */
	r = update(a, bid, json_pack("{s:b}", "disabled", 0));
	ck_assert_int_eq(ts_error_code(r), 0);
	json_decref(r);
	r = update(a, aid, json_pack("{s:[]}", "roles"));
	ck_assert_int_eq(ts_error_code(r), 0);
	json_decref(r);
	free(aid);
	free(bid);
	ts_client_free(a);
	ts_client_free(b);
	ck_assert_int_eq(ts_env_stop(&s), 0);
}
END_TEST

struct demote {
	struct ts_client *c;
	const char *target;
	pthread_barrier_t *go;
	json_t *resp;
};

static void *
demote_run(void *p)
{
	struct demote *d = p;

	pthread_barrier_wait(d->go);
	d->resp = update(d->c, d->target, json_pack("{s:[]}", "roles"));
	return NULL;
}

START_TEST(two_admins_demoting_each_other_leave_one)
{
	struct ts_env s;
	struct ts_client *a, *b;
	char *aid, *bid;
	PGconn *db;
	int wins_a = 0, wins_b = 0;

	ts_env_start(&s, &solo);
	ck_assert_int_eq(ts_create_user(s.schema, "duo_a", TS_PASSWORD, 1), 0);
	ck_assert_int_eq(ts_create_user(s.schema, "duo_b", TS_PASSWORD, 1), 0);
	a = ts_client_connect(s.srv.port);
	b = ts_client_connect(s.srv.port);
	db = ts_db_connect(s.schema);
	for (int round = 0; round < 10; round++) {
		pthread_barrier_t go;
		pthread_t ta, tb;
		struct demote da = {a, NULL, &go, NULL};
		struct demote dbm = {b, NULL, &go, NULL};
		int ca, cb;

		/* Both admins again, both signed in afresh. */
		ts_db_exec(db, "UPDATE users SET roles = '[\"admin\"]'");
		ck_assert_int_eq(ts_login(a, "duo_a", TS_PASSWORD), 0);
		ck_assert_int_eq(ts_login(b, "duo_b", TS_PASSWORD), 0);
		aid = ts_my_id(a);
		bid = ts_my_id(b);
		da.target = bid;
		dbm.target = aid;
		pthread_barrier_init(&go, NULL, 2);
		pthread_create(&ta, NULL, demote_run, &da);
		pthread_create(&tb, NULL, demote_run, &dbm);
		pthread_join(ta, NULL);
		pthread_join(tb, NULL);
		pthread_barrier_destroy(&go);
		ca = ts_error_code(da.resp);
		cb = ts_error_code(dbm.resp);
		ck_assert_msg((ca == 0 && cb == 409) || (ca == 409 && cb == 0),
		              "round %d: %d / %d", round, ca, cb);
		ck_assert_str_eq(ts_error_reason(ca ? da.resp : dbm.resp),
		                 "last_admin");
		wins_a += ca == 0;
		wins_b += cb == 0;
		ck_assert_int_eq(ts_db_count(db,
		                             "SELECT count(*) FROM users WHERE "
		                             "roles ? 'admin' AND NOT disabled",
		                             0, NULL),
		                 1);
		json_decref(da.resp);
		json_decref(dbm.resp);
		free(aid);
		free(bid);
	}
	printf("mutual demotion, 10 rounds: a won %d, b won %d, never both\n",
	       wins_a, wins_b);
	PQfinish(db);
	ts_client_free(a);
	ts_client_free(b);
	ck_assert_int_eq(ts_env_stop(&s), 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("e2e_last_admin");
	TCase *tc = tcase_create("last_admin");

	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, last_enabled_admin_is_kept);
	tcase_add_test(tc, two_admins_demoting_each_other_leave_one);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
