/* End to end pads against a real padlined: CRUD round trip, every
 * validation error, templates, unicode and a 500 KB pad, pad.create's
 * answer as pad.get reads it, and the events changes publish. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tsupport.h"

static struct ts_env tenv;
static struct ts_client *alice, *bob;
static const struct ts_env_opts pads = TS_PADS_OPTS(&alice, &bob);

static int
is_rfc3339_utc(const char *s)
{
	return s && strlen(s) >= 20 && s[4] == '-' && s[10] == 'T' &&
	       s[strlen(s) - 1] == 'Z';
}

START_TEST(crud_round_trip)
{
	json_t *res, *pad, *pads,
	    *data = json_pack("{s:i, s:[s]}", "a", 1, "list", "x");
	const char *id;
	char idc[40];

	res = ts_ok(
	    alice, "pad.create",
	    json_pack("{s:s, s:O}", "display_name", "  Notes ", "data", data));
	pad = json_object_get(res, "pad");
	ck_assert_str_eq(
	    json_string_value(json_object_get(pad, "display_name")), "Notes");
	ck_assert(json_equal(json_object_get(pad, "data"), data));
	ck_assert(is_rfc3339_utc(
	    json_string_value(json_object_get(pad, "created_at"))));
	ck_assert(is_rfc3339_utc(
	    json_string_value(json_object_get(pad, "updated_at"))));
	snprintf(idc, sizeof idc, "%s",
	         json_string_value(json_object_get(pad, "id")));
	id = idc;
	json_decref(res);
	ck_assert_int_eq(
	    ts_db_count1(tenv.db,
	                 "SELECT count(*) FROM pads p JOIN users u ON "
	                 "u.id = p.owner_id WHERE p.id = $1::uuid AND "
	                 "u.username = 'alice'",
	                 id),
	    1);

	/* A second pad without data starts as {}. */
	res =
	    ts_ok(alice, "pad.create", json_pack("{s:s}", "display_name", "B"));
	ck_assert_int_eq(json_object_size(json_object_get(
	                     json_object_get(res, "pad"), "data")),
	                 0);
	json_decref(res);

	res = ts_ok(alice, "pad.list", NULL);
	pads = json_object_get(res, "pads");
	ck_assert_int_eq(json_array_size(pads), 2);
	pad = json_array_get(pads, 0); /* oldest first */
	ck_assert_str_eq(json_string_value(json_object_get(pad, "id")), id);
	ck_assert_int_eq(
	    json_integer_value(json_object_get(pad, "size")),
	    ts_db_count1(tenv.db,
	                 "SELECT octet_length(data::text) FROM pads "
	                 "WHERE id = $1::uuid",
	                 id));
	ck_assert_ptr_null(json_object_get(pad, "data"));
	ck_assert_str_eq(json_string_value(json_object_get(
	                     json_array_get(pads, 1), "display_name")),
	                 "B");
	json_decref(res);

	res = ts_ok(alice, "pad.get", json_pack("{s:s}", "id", id));
	ck_assert(json_equal(
	    json_object_get(json_object_get(res, "pad"), "data"), data));
	json_decref(res);
	res = ts_ok(alice, "pad.get",
	            json_pack("{s:s}", "display_name", "Notes"));
	ck_assert_str_eq(json_string_value(json_object_get(
	                     json_object_get(res, "pad"), "id")),
	                 id);
	json_decref(res);

	/* Renaming alone takes no backup; new data does. */
	res =
	    ts_ok(alice, "pad.update",
	          json_pack("{s:s, s:s}", "id", id, "display_name", "Renamed"));
	ck_assert_str_eq(json_string_value(json_object_get(
	                     json_object_get(res, "pad"), "display_name")),
	                 "Renamed");
	json_decref(res);
	ck_assert_int_eq(ts_pad_backups(tenv.db, id), 0);
	res = ts_ok(alice, "pad.update",
	            json_pack("{s:s, s:{s:i}}", "id", id, "data", "a", 2));
	pad = json_object_get(res, "pad");
	ck_assert_int_eq(json_integer_value(json_object_get(
	                     json_object_get(pad, "data"), "a")),
	                 2);
	ck_assert_str_gt(json_string_value(json_object_get(pad, "updated_at")),
	                 json_string_value(json_object_get(pad, "created_at")));
	json_decref(res);
	ck_assert_int_eq(ts_pad_backups(tenv.db, id), 1);

	res = ts_ok(alice, "pad.delete", json_pack("{s:s}", "id", id));
	ck_assert(json_is_true(json_object_get(res, "deleted")));
	json_decref(res);
	ts_expect_err(alice, "pad.get", json_pack("{s:s}", "id", id), 404,
	              NULL);
	ts_expect_err(alice, "pad.delete", json_pack("{s:s}", "id", id), 404,
	              NULL);
	/* In the trash: the row stays, marked, until purged. */
	ck_assert_int_eq(
	    ts_db_count1(tenv.db,
	                 "SELECT count(*) FROM pads WHERE id = $1::uuid "
	                 "AND deleted_at IS NOT NULL",
	                 id),
	    1);
	/* One audit row per change, each naming the pad. */
	ck_assert_int_eq(
	    ts_db_count1(tenv.db,
	                 "SELECT count(*) FROM audit_log WHERE "
	                 "subject_id = $1::uuid AND action IN "
	                 "('pad.created','pad.updated','pad.deleted')",
	                 id),
	    4);
	ck_assert_int_eq(ts_db_count1(tenv.db,
	                              "SELECT count(*) FROM audit_log WHERE "
	                              "subject_id = $1::uuid AND "
	                              "details->'subject'->>'id' = $1::text",
	                              id),
	                 4);
	json_decref(data);
}
END_TEST

START_TEST(every_validation_error)
{
	char long_name[202], max_name[301];
	const char *id = ts_pad_create(alice, "Taken", NULL);
	const char *other = ts_pad_create(alice, "Other", NULL);

	memset(long_name, 'x', 101);
	long_name[101] = '\0';
	/* 100 two-byte characters are 100 characters, not 200. */
	for (int i = 0; i < 100; i++)
		memcpy(max_name + 2 * i, "\xc3\xa9", 2);
	max_name[200] = '\0';

	ts_expect_violation(alice, "pad.create", json_object(), "display_name",
	                    "required");
	ts_expect_violation(alice, "pad.create",
	                    json_pack("{s:s}", "display_name", " \t "),
	                    "display_name", "required");
	ts_expect_violation(alice, "pad.create",
	                    json_pack("{s:s}", "display_name", long_name),
	                    "display_name", "length");
	ts_expect_violation(alice, "pad.create",
	                    json_pack("{s:i}", "display_name", 5),
	                    "display_name", "type");
	json_decref(ts_ok(alice, "pad.create",
	                  json_pack("{s:s}", "display_name", max_name)));
	ts_expect_violation(
	    alice, "pad.create",
	    json_pack("{s:s, s:[i]}", "display_name", "x", "data", 1), "data",
	    "type");
	ts_expect_violation(
	    alice, "pad.create",
	    json_pack("{s:s, s:s}", "display_name", "x", "data", "text"),
	    "data", "type");
	ts_expect_violation(alice, "pad.create",
	                    json_pack("{s:s, s:{}, s:s}", "display_name", "x",
	                              "data", "template", "kanban"),
	                    "template", "exclusive");
	ts_expect_err(alice, "pad.create",
	              json_pack("{s:s, s:s}", "display_name", "x", "template",
	                        "no-such-template"),
	              404, NULL);
	ts_expect_err(alice, "pad.create",
	              json_pack("{s:s}", "display_name", " Taken "), 409,
	              "name_taken");

	ts_expect_violation(
	    alice, "pad.update",
	    json_pack("{s:s, s:s}", "id", id, "display_name", ""),
	    "display_name", "required");
	ts_expect_violation(
	    alice, "pad.update",
	    json_pack("{s:s, s:s}", "id", id, "display_name", long_name),
	    "display_name", "length");
	ts_expect_violation(alice, "pad.update",
	                    json_pack("{s:s, s:[]}", "id", id, "data"), "data",
	                    "type");
	ts_expect_err(
	    alice, "pad.update",
	    json_pack("{s:s, s:s}", "id", other, "display_name", "Taken"), 409,
	    "name_taken");
	ts_expect_violation(alice, "pad.update", json_object(), "id",
	                    "required");

	ts_expect_violation(alice, "pad.get", json_object(), "id", "required");
	ts_expect_violation(alice, "pad.get", json_pack("{s:s}", "id", "nope"),
	                    "id", "format");
	ts_expect_err(
	    alice, "pad.get",
	    json_pack("{s:s}", "id", "00000000-0000-4000-8000-000000000000"),
	    404, NULL);
	ts_expect_err(alice, "pad.get",
	              json_pack("{s:s}", "display_name", "Nope"), 404, NULL);
	ts_expect_violation(alice, "pad.delete", json_pack("{s:s}", "id", "x"),
	                    "id", "format");
	ts_expect_violation(alice, "pad.backups", json_pack("{s:i}", "id", 1),
	                    "id", "type");
	ts_expect_violation(
	    alice, "pad.restore",
	    json_pack("{s:s, s:s}", "id", id, "backup_id", "zz"), "backup_id",
	    "format");
	ts_expect_violation(alice, "pad.restore", json_pack("{s:s}", "id", id),
	                    "backup_id", "required");
	ts_expect_err(alice, "pad.restore",
	              json_pack("{s:s, s:s}", "id", id, "backup_id",
	                        "00000000-0000-4000-8000-000000000000"),
	              404, NULL);

	/* Nothing above changed the pads. */
	ck_assert_int_eq(
	    ts_db_count1(tenv.db,
	                 "SELECT count(*) FROM pads p JOIN users u ON "
	                 "u.id = p.owner_id WHERE u.username = $1",
	                 "alice"),
	    3);
	ck_assert_int_eq(ts_db_count1(tenv.db,
	                              "SELECT count(*) FROM pads WHERE "
	                              "display_name = $1",
	                              "Taken"),
	                 1);
}
END_TEST
START_TEST(create_from_template)
{
	struct ts_client *anon = ts_client_connect(tenv.srv.port);
	json_t *res, *t, *pad;
	size_t i;
	int seen = 0;
	char *tdata;
	json_t *want;

	/* template.list needs no session. */
	res = ts_ok(anon, "template.list", NULL);
	json_array_foreach (json_object_get(res, "templates"), i, t) {
		ck_assert_ptr_nonnull(json_object_get(t, "display_name"));
		if (strcmp(json_string_value(json_object_get(t, "name")),
		           "kanban") == 0)
			seen = 1;
	}
	json_decref(res);
	ts_client_free(anon);
	ck_assert_msg(seen, "template kanban not loaded from %s",
	              ts_templates_dir());

	res = ts_ok(alice, "pad.create",
	            json_pack("{s:s, s:s}", "display_name", "Board", "template",
	                      "kanban"));
	pad = json_object_get(res, "pad");
	{
		PGresult *r =
		    PQexec(tenv.db, "SELECT data::text FROM template_pads "
		                    "WHERE name = 'kanban'");

		ck_assert_int_eq(PQntuples(r), 1);
		tdata = strdup(PQgetvalue(r, 0, 0));
		PQclear(r);
	}
	want = json_loads(tdata, 0, NULL);
	ck_assert(json_object_size(want) > 0);
	ck_assert(json_equal(json_object_get(pad, "data"), want));
	json_decref(want);
	free(tdata);
	json_decref(res);
}
END_TEST

/* Strings that tend to break encoders: astral emoji, CJK, combining marks,
 * escaped control characters, quotes and backslashes. */
static json_t *
tricky_data(void)
{
	return json_pack(
	    "{s:s, s:s, s:s, s:s, s:[s, f, I, b, n], s:{s:s}}", "emoji",
	    "\xf0\x9f\x98\x80\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x92\xbb",
	    "cjk", "\xe6\xbc\xa2\xe5\xad\x97\xe3\x81\x8b\xe3\x81\xaa",
	    "combining", "e\xcc\x81 a\xcc\x8a", "control",
	    "tab\tnl\ncr\r\x01\x1f \"q\" \\ /", "mixed", "\xe2\x80\x8f rtl",
	    0.1, (json_int_t)-9007199254740991LL, 1, "nested",
	    "\xf0\x9f\x94\x91 key \xe9\x8d\xb5", "\xe5\x80\xa4");
}

START_TEST(unicode_and_large_round_trip)
{
	json_t *data = tricky_data(), *res, *big, *arr;
	const char *name =
	    "\xf0\x9f\x93\x9d \xe3\x83\xa1\xe3\x83\xa2 e\xcc\x81";
	const char *id;
	char chunk[1001];

	res =
	    ts_ok(alice, "pad.create",
	          json_pack("{s:s, s:O}", "display_name", name, "data", data));
	ck_assert_str_eq(json_string_value(json_object_get(
	                     json_object_get(res, "pad"), "display_name")),
	                 name);
	id = json_string_value(
	    json_object_get(json_object_get(res, "pad"), "id"));
	{
		json_t *got =
		    ts_ok(alice, "pad.get", json_pack("{s:s}", "id", id));

		ck_assert(json_equal(
		    json_object_get(json_object_get(got, "pad"), "data"),
		    data));
		json_decref(got);
		got = ts_ok(alice, "pad.get",
		            json_pack("{s:s}", "display_name", name));
		ck_assert(json_equal(
		    json_object_get(json_object_get(got, "pad"), "data"),
		    data));
		json_decref(got);
	}

	/* ~500 KB: 500 strings of 1000 mixed-width characters. */
	big = json_object();
	arr = json_array();
	for (int i = 0; i < 1000; i++)
		chunk[i] = (char)('a' + i % 26);
	chunk[1000] = '\0';
	memcpy(chunk + 10, "\xe6\xbc\xa2", 3);
	for (int i = 0; i < 500; i++)
		json_array_append_new(arr, json_string(chunk));
	json_object_set_new(big, "lines", arr);
	json_object_set(big, "tricky", data);
	ts_pad_update(alice, id, json_incref(big));
	{
		json_t *got =
		    ts_ok(alice, "pad.get", json_pack("{s:s}", "id", id));

		ck_assert(json_equal(
		    json_object_get(json_object_get(got, "pad"), "data"), big));
		json_decref(got);
	}
	ck_assert_int_gt(
	    ts_db_count1(tenv.db,
	                 "SELECT octet_length(data::text) FROM pads "
	                 "WHERE id = $1::uuid",
	                 id),
	    500000);
	/* The backup of the small data is intact too. */
	{
		json_t *got =
		    ts_ok(alice, "pad.backups",
		          json_pack("{s:s, s:b}", "id", id, "data", 1));

		ck_assert(json_equal(
		    json_object_get(
		        json_array_get(json_object_get(got, "backups"), 0),
		        "data"),
		    data));
		json_decref(got);
	}
	json_decref(res);
	json_decref(big);
	json_decref(data);
}
END_TEST

/* pad.create's answer is printed, not dumped from a tree: it must be the
 * pad pad.get reads back, member for member, whatever its name and data
 * hold (quotes, backslashes, control characters, reals, big integers). */
START_TEST(create_answers_the_pad_get_reads)
{
	json_t *data = tricky_data(), *res, *got;
	const char *name = "say \"hi\" \\ backslash \xf0\x9f\x93\x9d";
	const char *id;

	json_object_set_new(data, "ctl", json_string("\x01\x1f\n\"\\/"));
	json_object_set_new(data, "big", json_real(1e19));
	res =
	    ts_ok(alice, "pad.create",
	          json_pack("{s:s, s:O}", "display_name", name, "data", data));
	id = json_string_value(
	    json_object_get(json_object_get(res, "pad"), "id"));
	got = ts_ok(alice, "pad.get", json_pack("{s:s}", "id", id));
	ck_assert_msg(json_equal(json_object_get(res, "pad"),
	                         json_object_get(got, "pad")),
	              "pad.create answered %s, pad.get %s",
	              json_dumps(res, JSON_COMPACT),
	              json_dumps(got, JSON_COMPACT));
	ck_assert(json_equal(
	    json_object_get(json_object_get(res, "pad"), "data"), data));
	json_decref(got);
	json_decref(res);
	json_decref(data);
}
END_TEST

START_TEST(changes_are_published_as_events)
{
	redisContext *sub = ts_event_subscribe(tenv.schema);
	json_t *ev;
	const char *id;
	const char *actions[] = {"pad.created", "pad.updated", "pad.deleted"};

	ck_assert_ptr_nonnull(sub);
	id = ts_pad_create(alice, "Watched", NULL);
	ts_pad_update(alice, id, json_pack("{s:i}", "v", 1));
	json_decref(ts_ok(alice, "pad.delete", json_pack("{s:s}", "id", id)));
	for (int i = 0; i < 3; i++) {
		ev = ts_event_wait(sub, NULL, "id", id, TS_PATIENCE_MS);
		ck_assert_msg(ev != NULL, "no %s event", actions[i]);
		ck_assert_str_eq(
		    json_string_value(json_object_get(ev, "action")),
		    actions[i]);
		ck_assert_str_eq(
		    json_string_value(json_object_get(
		        json_object_get(ev, "subject"), "display_name")),
		    "Watched");
		ck_assert_int_eq(
		    json_string_length(json_object_get(
		        json_object_get(ev, "subject"), "owner_id")),
		    36);
		json_decref(ev);
	}
	redisFree(sub);
	{
		const char *p[] = {id};

		/* Marked published by the next relay pass (within a
		 * second). */
		ck_assert_int_eq(
		    ts_db_wait_count(tenv.db,
		                     "SELECT count(*) FROM "
		                     "audit_log WHERE subject_id = "
		                     "$1::uuid AND published_at IS "
		                     "NULL",
		                     1, p, 0, TS_PATIENCE_MS),
		    0);
	}
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("e2e_pads_crud");
	TCase *tc = tcase_create("pads");

	ts_env_fixture(tc, &tenv, &pads, TS_PER_TEST);
	tcase_set_timeout(tc, 180);
	tcase_add_test(tc, crud_round_trip);
	tcase_add_test(tc, every_validation_error);
	tcase_add_test(tc, create_from_template);
	tcase_add_test(tc, unicode_and_large_round_trip);
	tcase_add_test(tc, create_answers_the_pad_get_reads);
	tcase_add_test(tc, changes_are_published_as_events);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
