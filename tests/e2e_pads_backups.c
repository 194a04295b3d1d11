/* Pad backups end to end against a real padlined: the chain an update
 * leaves and its retention, PADLINE_BACKUP_MIN_INTERVAL, restore (which
 * backs up what it replaces), a purge cascading to backups. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tsupport.h"

static struct ts_env tenv;
static struct ts_client *alice, *bob;
static const struct ts_env_opts pads = TS_PADS_OPTS(&alice, &bob);

START_TEST(backup_chain_and_retention)
{
	const char *id =
	    ts_pad_create(alice, "Chain", json_pack("{s:i}", "v", 0));
	json_t *res, *b;
	const char *prev = NULL;
	size_t i;

	for (int v = 1; v <= 15; v++)
		ts_pad_update(alice, id, json_pack("{s:i}", "v", v));
	ck_assert_int_eq(ts_pad_backups(tenv.db, id), 10);

	res = ts_ok(alice, "pad.backups",
	            json_pack("{s:s, s:b}", "id", id, "data", 1));
	ck_assert_int_eq(json_array_size(json_object_get(res, "backups")), 10);
	/* Newest first; the newest holds what update 15 replaced (14), and
	 * so on down to what update 6 replaced (5). */
	json_array_foreach (json_object_get(res, "backups"), i, b) {
		const char *at =
		    json_string_value(json_object_get(b, "created_at"));

		ck_assert_int_eq(json_integer_value(json_object_get(
		                     json_object_get(b, "data"), "v")),
		                 14 - (int)i);
		ck_assert_int_gt(json_integer_value(json_object_get(b, "size")),
		                 0);
		if (prev)
			ck_assert_str_lt(at, prev);
		prev = at;
	}
	json_decref(res);
	/* Without data: the summary only. */
	res = ts_ok(alice, "pad.backups", json_pack("{s:s}", "id", id));
	ck_assert_ptr_null(json_object_get(
	    json_array_get(json_object_get(res, "backups"), 0), "data"));
	json_decref(res);
	res = ts_ok(alice, "pad.get", json_pack("{s:s}", "id", id));
	ck_assert_int_eq(
	    json_integer_value(json_object_get(
	        json_object_get(json_object_get(res, "pad"), "data"), "v")),
	    15);
	json_decref(res);
}
END_TEST

START_TEST(backup_min_interval_skips_backups)
{
	const char *const env[] = {"PADLINE_BACKUP_MIN_INTERVAL=3600", NULL};
	const char *id;
	struct ts_env_opts o = pads;

	o.env = env;
	ts_env_stop(&tenv);
	ts_env_start(&tenv, &o);
	id = ts_pad_create(alice, "Slow", json_pack("{s:i}", "v", 0));
	for (int v = 1; v <= 4; v++)
		ts_pad_update(alice, id, json_pack("{s:i}", "v", v));
	/* The first change is backed up, the next ones are too soon. */
	ck_assert_int_eq(ts_pad_backups(tenv.db, id), 1);
	ck_assert_int_eq(
	    ts_db_count1(tenv.db,
	                 "SELECT (data->>'v')::int FROM backups WHERE "
	                 "source_id = $1::uuid",
	                 id),
	    0);
}
END_TEST

START_TEST(restore_backs_up_and_copies_back)
{
	const char *id = ts_pad_create(alice, "R", json_pack("{s:i}", "v", 1));
	const char *other =
	    ts_pad_create(alice, "S", json_pack("{s:i}", "v", 9));
	json_t *res, *backups;
	char oldest[40], foreign[40];

	ts_pad_update(alice, id, json_pack("{s:i}", "v", 2));
	ts_pad_update(alice, id, json_pack("{s:i}", "v", 3));
	ts_pad_update(alice, other, json_pack("{s:i}", "v", 10));
	res = ts_ok(alice, "pad.backups", json_pack("{s:s}", "id", other));
	snprintf(
	    foreign, sizeof foreign, "%s",
	    json_string_value(json_object_get(
	        json_array_get(json_object_get(res, "backups"), 0), "id")));
	json_decref(res);
	res = ts_ok(alice, "pad.backups",
	            json_pack("{s:s, s:b}", "id", id, "data", 1));
	backups = json_object_get(res, "backups");
	ck_assert_int_eq(json_array_size(backups), 2);
	snprintf(oldest, sizeof oldest, "%s",
	         json_string_value(
	             json_object_get(json_array_get(backups, 1), "id")));
	json_decref(res);

	/* A backup of another pad is not this pad's backup. */
	ts_expect_err(alice, "pad.restore",
	              json_pack("{s:s, s:s}", "id", id, "backup_id", foreign),
	              404, NULL);
	res = ts_ok(alice, "pad.restore",
	            json_pack("{s:s, s:s}", "id", id, "backup_id", oldest));
	ck_assert_int_eq(
	    json_integer_value(json_object_get(
	        json_object_get(json_object_get(res, "pad"), "data"), "v")),
	    1);
	json_decref(res);
	ck_assert_int_eq(
	    ts_db_count1(tenv.db,
	                 "SELECT (data->>'v')::int FROM pads WHERE "
	                 "id = $1::uuid",
	                 id),
	    1);
	/* The data it replaced (3) is now the newest backup. */
	res = ts_ok(alice, "pad.backups",
	            json_pack("{s:s, s:b}", "id", id, "data", 1));
	backups = json_object_get(res, "backups");
	ck_assert_int_eq(json_array_size(backups), 3);
	ck_assert_int_eq(
	    json_integer_value(json_object_get(
	        json_object_get(json_array_get(backups, 0), "data"), "v")),
	    3);
	json_decref(res);
	ck_assert_int_eq(
	    ts_db_count1(tenv.db,
	                 "SELECT count(*) FROM audit_log WHERE action = "
	                 "'pad.restored' AND subject_id = $1::uuid",
	                 id),
	    1);
}
END_TEST

START_TEST(purge_cascades_backups)
{
	const char *id = ts_pad_create(alice, "D", json_pack("{s:i}", "v", 0));
	const char *keep =
	    ts_pad_create(alice, "K", json_pack("{s:i}", "v", 0));

	for (int v = 1; v <= 3; v++) {
		ts_pad_update(alice, id, json_pack("{s:i}", "v", v));
		ts_pad_update(alice, keep, json_pack("{s:i}", "v", v));
	}
	ck_assert_int_eq(ts_pad_backups(tenv.db, id), 3);
	json_decref(ts_ok(alice, "pad.delete", json_pack("{s:s}", "id", id)));
	/* The trash keeps them for an undelete; the purge takes them. */
	ck_assert_int_eq(ts_pad_backups(tenv.db, id), 3);
	json_decref(ts_ok(alice, "pad.purge", json_pack("{s:s}", "id", id)));
	ck_assert_int_eq(ts_pad_backups(tenv.db, id), 0);
	ck_assert_int_eq(ts_pad_backups(tenv.db, keep), 3);
	ck_assert_int_eq(
	    ts_db_count1(tenv.db,
	                 "SELECT count(*) FROM audit_log WHERE action = "
	                 "'pad.deleted' AND subject_id = $1::uuid",
	                 id),
	    1);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("e2e_pads_backups");
	TCase *tc = tcase_create("backups");

	ts_env_fixture(tc, &tenv, &pads, TS_PER_TEST);
	tcase_set_timeout(tc, 180);
	tcase_add_test(tc, backup_chain_and_retention);
	tcase_add_test(tc, backup_min_interval_skips_backups);
	tcase_add_test(tc, restore_backs_up_and_copies_back);
	tcase_add_test(tc, purge_cascades_backups);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
