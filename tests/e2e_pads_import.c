/* pad.import against a real padlined: all entries in one transaction (a
 * bad entry, named by data.index, imports nothing), names suffixed against
 * the caller's pads and the entries before, backups kept in order, {id,
 * backups} entries only for the caller's own pads, and the entry limit. */
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
pads_of(const char *username)
{
	return ts_db_count1(
	    tenv.db,
	    "SELECT count(*) FROM pads p JOIN users u ON u.id = "
	    "p.owner_id WHERE u.username = $1",
	    username);
}

START_TEST(imports_all_or_nothing)
{
	json_t *res, *data, *p;
	const char *id;

	ts_pad_create(alice, "Notes", NULL);
	res =
	    ts_ok(alice, "pad.import",
	          json_pack("{s:[{s:s, s:{s:i}, s:[{s:i}, {s:i}]}, "
	                    "{s:s, s:{}}, {s:s, s:{}}]}",
	                    "pads", "display_name", "Notes", "data", "v", 3,
	                    "backups", "v", 2, "v", 1, "display_name", "Other",
	                    "data", "display_name", "Other", "data"));
	ck_assert_int_eq(json_integer_value(json_object_get(res, "backups")),
	                 2);
	p = json_object_get(res, "pads");
	ck_assert_int_eq(json_array_size(p), 3);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(p, 0),
	                                                   "display_name")),
	                 "Notes (2)");
	ck_assert(
	    json_is_true(json_object_get(json_array_get(p, 0), "renamed")));
	ck_assert(
	    json_is_false(json_object_get(json_array_get(p, 1), "renamed")));
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(p, 2),
	                                                   "display_name")),
	                 "Other (2)");
	id = json_string_value(json_object_get(json_array_get(p, 0), "id"));
	/* Backups read back in the order given (newest first). */
	data = ts_ok(alice, "pad.backups",
	             json_pack("{s:s, s:b}", "id", id, "data", 1));
	ck_assert_int_eq(
	    json_integer_value(json_object_get(
	        json_object_get(
	            json_array_get(json_object_get(data, "backups"), 0),
	            "data"),
	        "v")),
	    2);
	json_decref(data);
	/* More backups for one's own pad; not for another's. */
	json_decref(ts_ok(alice, "pad.import",
	                  json_pack("{s:[{s:s, s:[{s:i}]}]}", "pads", "id", id,
	                            "backups", "v", 9)));
	ck_assert_int_eq(ts_pad_backups(tenv.db, id), 3);
	ts_expect_err(bob, "pad.import",
	              json_pack("{s:[{s:s, s:[{s:i}]}]}", "pads", "id", id,
	                        "backups", "v", 9),
	              404, "not_found");
	json_decref(res);

	/* The third entry is bad: nothing of the request is imported. */
	data = ts_err_data(
	    bob, "pad.import",
	    json_pack("{s:[{s:s, s:{}}, {s:s, s:{}}, {s:s, s:i}]}", "pads",
	              "display_name", "a", "data", "display_name", "b", "data",
	              "display_name", "c", "data", 5),
	    400, NULL);
	ck_assert_int_eq(json_integer_value(json_object_get(data, "index")), 2);
	json_decref(data);
	ck_assert_int_eq(pads_of("bob"), 0);
	ts_expect_violation(bob, "pad.import", json_pack("{s:[]}", "pads"),
	                    "pads", "length");
	ts_expect_violation(bob, "pad.import", NULL, "pads", "length");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("e2e_pads_import");
	TCase *tc = tcase_create("import");

	ts_env_fixture(tc, &tenv, &pads, TS_PER_TEST);
	tcase_set_timeout(tc, 180);
	tcase_add_test(tc, imports_all_or_nothing);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
