/* The trash against a real padlined: pad.delete hides a pad (from its owner
 * and the users it is shared with) until pad.undelete brings it back with
 * its backups and shares; name clashes on undelete; pad.purge; pad.trash
 * paging; and the timer's purge of expired pads, once with two instances. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tsupport.h"

static struct ts_env tenv;
static struct ts_client *alice, *bob;
static const struct ts_env_opts pads = TS_PADS_OPTS(&alice, &bob);

static long long
trashed(const char *id)
{
	return ts_db_count1(tenv.db,
	                    "SELECT count(*) FROM pads WHERE id = $1::uuid AND "
	                    "deleted_at IS NOT NULL",
	                    id);
}

static json_t *
id_param(const char *id)
{
	return json_pack("{s:s}", "id", id);
}

START_TEST(delete_hides_and_undelete_restores)
{
	char id[40];
	json_t *res, *p;

	snprintf(id, sizeof id, "%s",
	         ts_pad_create(alice, "Kept", json_pack("{s:i}", "v", 0)));
	ts_pad_update(alice, id, json_pack("{s:i}", "v", 1));
	ts_pad_update(alice, id, json_pack("{s:i}", "v", 2));
	json_decref(
	    ts_ok(alice, "pad.share",
	          json_pack("{s:s, s:s}", "id", id, "username", "bob")));
	json_decref(ts_ok(alice, "pad.delete", id_param(id)));
	ck_assert_int_eq(trashed(id), 1);

	/* Gone for every other method, the owner's and the viewer's. */
	ts_expect_err(alice, "pad.get", id_param(id), 404, "not_found");
	ts_expect_err(alice, "pad.get",
	              json_pack("{s:s}", "display_name", "Kept"), 404,
	              "not_found");
	ts_expect_err(alice, "pad.update",
	              json_pack("{s:s, s:s}", "id", id, "display_name", "x"),
	              404, "not_found");
	ts_expect_err(alice, "pad.backups", id_param(id), 404, "not_found");
	ts_expect_err(alice, "pad.share",
	              json_pack("{s:s, s:s}", "id", id, "username", "bob"), 404,
	              "not_found");
	ts_expect_err(alice, "pad.delete", id_param(id), 404, "not_found");
	ts_expect_err(bob, "pad.get", id_param(id), 404, "not_found");
	ts_expect_err(bob, "pad.update",
	              json_pack("{s:s, s:s}", "id", id, "display_name", "x"),
	              404, "not_found");
	res = ts_ok(alice, "pad.list", NULL);
	ck_assert_int_eq(json_array_size(json_object_get(res, "pads")), 0);
	json_decref(res);
	res = ts_ok(bob, "pad.list", NULL);
	ck_assert_int_eq(json_array_size(json_object_get(res, "pads")), 0);
	json_decref(res);

	/* The owner's trash lists it; nobody else's does. */
	res = ts_ok(alice, "pad.trash", NULL);
	ck_assert_int_eq(json_array_size(json_object_get(res, "pads")), 1);
	p = json_array_get(json_object_get(res, "pads"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(p, "id")), id);
	ck_assert_str_eq(json_string_value(json_object_get(p, "display_name")),
	                 "Kept");
	ck_assert_int_eq(json_integer_value(json_object_get(p, "backups")), 2);
	ck_assert_ptr_nonnull(
	    json_string_value(json_object_get(p, "deleted_at")));
	ck_assert_str_gt(json_string_value(json_object_get(p, "purge_at")),
	                 json_string_value(json_object_get(p, "deleted_at")));
	ck_assert(json_is_null(json_object_get(res, "next")));
	json_decref(res);
	res = ts_ok(bob, "pad.trash", NULL);
	ck_assert_int_eq(json_array_size(json_object_get(res, "pads")), 0);
	json_decref(res);
	ts_expect_err(bob, "pad.undelete", id_param(id), 404, "not_found");
	ts_expect_err(bob, "pad.purge", id_param(id), 404, "not_found");

	/* Back with its data, backups and share. */
	res = ts_ok(alice, "pad.undelete", id_param(id));
	ck_assert_int_eq(
	    json_integer_value(json_object_get(
	        json_object_get(json_object_get(res, "pad"), "data"), "v")),
	    2);
	json_decref(res);
	ck_assert_int_eq(trashed(id), 0);
	res = ts_ok(alice, "pad.backups", id_param(id));
	ck_assert_int_eq(json_array_size(json_object_get(res, "backups")), 2);
	json_decref(res);
	json_decref(ts_ok(bob, "pad.get", id_param(id)));
	ts_expect_err(alice, "pad.undelete", id_param(id), 404, "not_found");
	res = ts_ok(alice, "pad.trash", NULL);
	ck_assert_int_eq(json_array_size(json_object_get(res, "pads")), 0);
	json_decref(res);
	ck_assert_int_eq(
	    ts_db_count1(tenv.db,
	                 "SELECT count(*) FROM audit_log WHERE "
	                 "action = 'pad.undeleted' AND subject_id = "
	                 "$1::uuid",
	                 id),
	    1);
}
END_TEST

START_TEST(undelete_name_clash)
{
	char id[40];
	json_t *data, *res;

	snprintf(id, sizeof id, "%s", ts_pad_create(alice, "Plan", NULL));
	json_decref(ts_ok(alice, "pad.delete", id_param(id)));
	/* A trashed pad gives its name up. */
	ts_pad_create(alice, "Plan", NULL);
	ts_pad_create(alice, "Plan B", NULL);
	data =
	    ts_err_data(alice, "pad.undelete", id_param(id), 409, "name_taken");
	json_decref(data);
	ck_assert_int_eq(trashed(id), 1);
	ts_expect_err(alice, "pad.undelete",
	              json_pack("{s:s, s:s}", "id", id, "new_name", "Plan B"),
	              409, "name_taken");
	ts_expect_violation(alice, "pad.undelete",
	                    json_pack("{s:s, s:s}", "id", id, "new_name", " "),
	                    "display_name", "required");
	res = ts_ok(
	    alice, "pad.undelete",
	    json_pack("{s:s, s:s}", "id", id, "new_name", " Plan (old) "));
	ck_assert_str_eq(json_string_value(json_object_get(
	                     json_object_get(res, "pad"), "display_name")),
	                 "Plan (old)");
	json_decref(res);
	ck_assert_int_eq(trashed(id), 0);
}
END_TEST

START_TEST(purge_is_for_good)
{
	char id[40], live[40];

	snprintf(id, sizeof id, "%s",
	         ts_pad_create(alice, "Gone", json_pack("{s:i}", "v", 0)));
	snprintf(live, sizeof live, "%s", ts_pad_create(alice, "Live", NULL));
	ts_pad_update(alice, id, json_pack("{s:i}", "v", 1));
	/* Only a trashed pad can be purged. */
	ts_expect_err(alice, "pad.purge", id_param(live), 404, "not_found");
	ts_expect_err(alice, "pad.purge", id_param(id), 404, "not_found");
	json_decref(ts_ok(alice, "pad.delete", id_param(id)));
	json_decref(ts_ok(alice, "pad.purge", id_param(id)));
	ck_assert_int_eq(
	    ts_db_count1(tenv.db,
	                 "SELECT count(*) FROM pads WHERE id = $1::uuid", id),
	    0);
	ck_assert_int_eq(ts_pad_backups(tenv.db, id), 0);
	ts_expect_err(alice, "pad.undelete", id_param(id), 404, "not_found");
	ts_expect_err(alice, "pad.purge", id_param(id), 404, "not_found");
	ts_expect_violation(alice, "pad.purge", id_param("x"), "id", "format");
	ck_assert_int_eq(ts_db_count1(tenv.db,
	                              "SELECT count(*) FROM audit_log WHERE "
	                              "action = 'pad.purged' AND subject_id = "
	                              "$1::uuid",
	                              id),
	                 1);
}
END_TEST

START_TEST(trash_pages)
{
	char ids[5][40], name[8];
	json_t *res, *next = NULL;
	int seen = 0, pages = 0;

	for (int i = 0; i < 5; i++) {
		snprintf(name, sizeof name, "T%d", i);
		snprintf(ids[i], 40, "%s", ts_pad_create(alice, name, NULL));
		json_decref(ts_ok(alice, "pad.delete", id_param(ids[i])));
	}
	do {
		json_t *params = json_pack("{s:i}", "limit", 2);

		if (next)
			json_object_set(params, "after", next);
		json_decref(next);
		res = ts_ok(alice, "pad.trash", params);
		/* Most recently trashed first. */
		for (size_t k = 0;
		     k < json_array_size(json_object_get(res, "pads"));
		     k++, seen++)
			ck_assert_str_eq(
			    json_string_value(json_object_get(
			        json_array_get(json_object_get(res, "pads"), k),
			        "id")),
			    ids[4 - seen]);
		next = json_incref(json_object_get(res, "next"));
		json_decref(res);
		pages++;
	} while (!json_is_null(next));
	json_decref(next);
	ck_assert_int_eq(seen, 5);
	ck_assert_int_eq(pages, 3);
	ts_expect_violation(alice, "pad.trash",
	                    json_pack("{s:s}", "after", "nope"), "after",
	                    "format");
	ts_expect_violation(alice, "pad.trash", json_pack("{s:i}", "limit", 0),
	                    "limit", "range");
}
END_TEST

START_TEST(expired_pads_are_purged_once)
{
	static const char *const env[] = {"PADLINE_TRASH_PURGE_INTERVAL=1",
	                                  "PADLINE_TRASH_DAYS=7", NULL};
	struct ts_server second;
	char old[40], recent[40];
	const char *none[] = {NULL};
	struct ts_env_opts o = pads;

	o.env = env;
	ts_env_start(&tenv, &o);
	/* A second instance of the same schema purges too. */
	ck_assert_int_eq(ts_server_start(&second, tenv.schema, env, NULL), 0);
	snprintf(old, sizeof old, "%s",
	         ts_pad_create(alice, "Old", json_pack("{s:i}", "v", 0)));
	ts_pad_update(alice, old, json_pack("{s:i}", "v", 1));
	snprintf(recent, sizeof recent, "%s",
	         ts_pad_create(alice, "Recent", NULL));
	json_decref(ts_ok(alice, "pad.delete", id_param(old)));
	json_decref(ts_ok(alice, "pad.delete", id_param(recent)));
	ck_assert_int_eq(
	    ts_db_count1(
	        tenv.db,
	        "UPDATE pads SET deleted_at = now() - interval '8 days' "
	        "WHERE id = $1::uuid RETURNING 1",
	        old),
	    1);
	(void)none;
	ck_assert_int_eq(
	    ts_db_wait_count(tenv.db,
	                     "SELECT count(*) FROM pads WHERE "
	                     "deleted_at < now() - interval '7 days'",
	                     0, NULL, 0, TS_PATIENCE_MS),
	    0);
	ck_assert_int_eq(ts_pad_backups(tenv.db, old), 0);
	ck_assert_int_eq(trashed(recent), 1);
	ck_assert_int_eq(ts_db_count1(tenv.db,
	                              "SELECT count(*) FROM audit_log WHERE "
	                              "action = 'pad.purged' AND subject_id = "
	                              "$1::uuid AND actor_id IS NULL",
	                              old),
	                 1);
	ts_server_stop(&second);
}
END_TEST

/* The timer test starts its own padlined (with a purge interval). */
static void
timer_teardown(void)
{
	ts_env_stop(&tenv);
}

int
main(void)
{
	Suite *s = suite_create("e2e_pads_trash");
	TCase *tc = tcase_create("trash"), *timer = tcase_create("timer");

	ts_env_fixture(tc, &tenv, &pads, TS_PER_TEST);
	tcase_set_timeout(tc, 180);
	tcase_add_test(tc, delete_hides_and_undelete_restores);
	tcase_add_test(tc, undelete_name_clash);
	tcase_add_test(tc, purge_is_for_good);
	tcase_add_test(tc, trash_pages);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(timer, NULL, timer_teardown);
	tcase_set_timeout(timer, 180);
	tcase_add_test(timer, expired_pads_are_purged_once);
	suite_add_tcase(s, timer);
	return ts_run(s);
}
