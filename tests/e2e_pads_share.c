/* Pads end to end, sharing: for every pad method, what the owner, a viewer
 * (bob, shared read-only) and a stranger (carol) get; the share methods'
 * own errors; unsharing; audit rows and events of share changes; shares go
 * with their pad. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tsupport.h"

static struct ts_env tenv;
static struct ts_client *alice, *bob, *carol;
static const struct ts_env_opts pads = {
    .prefix = "pads",
    .templates = 1,
    .users = {{"alice", 0, &alice}, {"bob", 0, &bob}, {"carol", 0, &carol}},
};

/* Everything about a pad that a refused call must leave alone. */
static char *
pad_state(const char *id)
{
	const char *p[] = {id};
	PGresult *r = PQexecParams(
	    tenv.db,
	    "SELECT p.display_name || '|' || p.data::text || '|' || p.version "
	    "       || '|' || p.updated_at::text || '|' "
	    "       || (SELECT count(*) FROM backups WHERE source_id = p.id) "
	    "       || '|' || (SELECT COALESCE(string_agg(user_id::text || role, "
	    "                                      ',' ORDER BY user_id), '') "
	    "                  FROM pad_shares WHERE pad_id = p.id) "
	    "       || '|' || (SELECT count(*) FROM audit_log) "
	    "FROM pads p WHERE p.id = $1::uuid",
	    1, NULL, p, NULL, NULL, 0);
	char *s;

	ck_assert_int_eq(PQresultStatus(r), PGRES_TUPLES_OK);
	ck_assert_int_eq(PQntuples(r), 1);
	s = strdup(PQgetvalue(r, 0, 0));
	PQclear(r);
	return s;
}

/* Every method but list/create, with params naming pad id (backup_id a
 * backup of it), as a new params object. */
static const char *const methods[] = {
    "pad.get",    "pad.update",  "pad.update",  "pad.update",
    "pad.delete", "pad.backups", "pad.restore", "pad.backup_get",
    "pad.share",  "pad.unshare", "pad.shares",
};

static json_t *
method_params(size_t i, const char *id, const char *backup_id)
{
	switch (i) {
	case 1:
		return json_pack("{s:s, s:{s:i}}", "id", id, "data", "v", 666);
	case 2:
		return json_pack("{s:s, s:s}", "id", id, "display_name",
		                 "Taken over");
	case 3:
		return json_pack("{s:s}", "id", id); /* an empty update */
	case 6:
	case 7:
		return json_pack("{s:s, s:s}", "id", id, "backup_id",
		                 backup_id);
	case 8:
		return json_pack("{s:s, s:s}", "id", id, "username", "carol");
	case 9:
		return json_pack("{s:s, s:s}", "id", id, "username", "bob");
	default:
		return json_pack("{s:s}", "id", id);
	}
}

/* Creates alice's pad "Plans" with one backup; returns its id in id and
 * the backup's in backup. */
static void
shared_pad(char id[40], char backup[40])
{
	json_t *res;

	snprintf(id, 40, "%s",
	         ts_pad_create(alice, "Plans", json_pack("{s:i}", "v", 0)));
	ts_pad_update(alice, id, json_pack("{s:i}", "v", 1));
	res = ts_ok(alice, "pad.backups", json_pack("{s:s}", "id", id));
	snprintf(
	    backup, 40, "%s",
	    json_string_value(json_object_get(
	        json_array_get(json_object_get(res, "backups"), 0), "id")));
	json_decref(res);
}

/* The entry for id in c's pad.list (new reference), or NULL. */
static json_t *
listed(struct ts_client *c, const char *id)
{
	json_t *res = ts_ok(c, "pad.list", NULL), *p, *found = NULL;
	size_t i;

	json_array_foreach (json_object_get(res, "pads"), i, p)
		if (strcmp(json_string_value(json_object_get(p, "id")), id) ==
		    0)
			found = json_incref(p);
	json_decref(res);
	return found;
}

static int
is_listed(struct ts_client *c, const char *id)
{
	json_t *entry = listed(c, id);

	json_decref(entry);
	return entry != NULL;
}

START_TEST(viewer_reads_and_nothing_else)
{
	char id[40], backup[40], *before, *after;
	json_t *res, *pad, *share, *entry;

	shared_pad(id, backup);
	ts_pad_create(bob, "Bob's own", NULL);
	res = ts_ok(alice, "pad.share",
	            json_pack("{s:s, s:s, s:s}", "id", id, "username", "BOB",
	                      "role", "viewer"));
	share = json_object_get(res, "share");
	ck_assert_str_eq(json_string_value(json_object_get(share, "username")),
	                 "bob");
	ck_assert_str_eq(json_string_value(json_object_get(share, "role")),
	                 "viewer");
	ck_assert_ptr_nonnull(json_object_get(share, "created_at"));
	json_decref(res);

	/* The viewer reads it by id, with its owner... */
	res = ts_ok(bob, "pad.get", json_pack("{s:s}", "id", id));
	pad = json_object_get(res, "pad");
	ck_assert_str_eq(json_string_value(json_object_get(pad, "access")),
	                 "viewer");
	ck_assert_str_eq(json_string_value(json_object_get(
	                     json_object_get(pad, "owner"), "username")),
	                 "alice");
	ck_assert_int_eq(json_integer_value(json_object_get(
	                     json_object_get(pad, "data"), "v")),
	                 1);
	json_decref(res);
	/* ...but names address only their own pads. */
	ts_expect_err(bob, "pad.get",
	              json_pack("{s:s}", "display_name", "Plans"), 404, NULL);
	/* It is in the viewer's list, marked; their own pads say owner. */
	entry = listed(bob, id);
	ck_assert_ptr_nonnull(entry);
	ck_assert_str_eq(json_string_value(json_object_get(entry, "access")),
	                 "viewer");
	ck_assert_str_eq(json_string_value(json_object_get(
	                     json_object_get(entry, "owner"), "username")),
	                 "alice");
	res = ts_ok(alice, "user.me", NULL);
	ck_assert_str_eq(json_string_value(json_object_get(
	                     json_object_get(entry, "owner"), "id")),
	                 json_string_value(json_object_get(
	                     json_object_get(res, "user"), "id")));
	json_decref(res);
	json_decref(entry);
	res = ts_ok(bob, "pad.list", NULL);
	ck_assert_int_eq(json_array_size(json_object_get(res, "pads")), 2);
	json_decref(res);
	entry = listed(alice, id);
	ck_assert_str_eq(json_string_value(json_object_get(entry, "access")),
	                 "owner");
	ck_assert_ptr_null(json_object_get(entry, "owner"));
	json_decref(entry);

	/* Everything else the viewer tries is 403 read_only and changes
	 * nothing; the stranger gets 404 for all of it. */
	before = pad_state(id);
	for (size_t i = 1; i < sizeof methods / sizeof methods[0]; i++)
		ts_expect_err(bob, methods[i], method_params(i, id, backup),
		              403, "read_only");
	for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
		ts_expect_err(carol, methods[i], method_params(i, id, backup),
		              404, NULL);
	ck_assert(!is_listed(carol, id));
	after = pad_state(id);
	ck_assert_str_eq(after, before);
	free(before);
	free(after);
}
END_TEST

START_TEST(owner_may_do_everything)
{
	char id[40], backup[40];
	json_t *res;

	shared_pad(id, backup);
	json_decref(
	    ts_ok(alice, "pad.share",
	          json_pack("{s:s, s:s}", "id", id, "username", "bob")));
	/* Every method in order, the owner's way; delete last. */
	for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
		if (strcmp(methods[i], "pad.delete") == 0)
			continue;
		json_decref(
		    ts_ok(alice, methods[i], method_params(i, id, backup)));
	}
	/* pad.share carol and pad.unshare bob ran above. */
	res = ts_ok(alice, "pad.shares", json_pack("{s:s}", "id", id));
	ck_assert_int_eq(json_array_size(json_object_get(res, "shares")), 1);
	ck_assert_str_eq(
	    json_string_value(json_object_get(
	        json_array_get(json_object_get(res, "shares"), 0), "username")),
	    "carol");
	json_decref(res);
	json_decref(ts_ok(carol, "pad.get", json_pack("{s:s}", "id", id)));
	ts_expect_err(bob, "pad.get", json_pack("{s:s}", "id", id), 404, NULL);
	/* Trashing hides the pad from its viewers (404, unlisted); purging
	 * it takes its shares with it. */
	json_decref(ts_ok(alice, "pad.delete", json_pack("{s:s}", "id", id)));
	ts_expect_err(carol, "pad.get", json_pack("{s:s}", "id", id), 404,
	              NULL);
	ts_expect_err(carol, "pad.update",
	              json_pack("{s:s, s:s}", "id", id, "display_name", "x"),
	              404, NULL);
	ck_assert(!is_listed(carol, id));
	json_decref(ts_ok(alice, "pad.purge", json_pack("{s:s}", "id", id)));
	ck_assert_int_eq(
	    ts_db_count1(
	        tenv.db,
	        "SELECT count(*) FROM pad_shares WHERE pad_id = $1::uuid", id),
	    0);
	ck_assert(!is_listed(carol, id));
}
END_TEST

START_TEST(share_errors_and_unshare)
{
	char id[40], backup[40];
	json_t *res;

	shared_pad(id, backup);
	ts_expect_err(alice, "pad.share",
	              json_pack("{s:s, s:s}", "id", id, "username", "nobody"),
	              404, "no_such_user");
	ts_expect_violation(
	    alice, "pad.share",
	    json_pack("{s:s, s:s}", "id", id, "username", "Alice"), "username",
	    "self");
	ts_expect_violation(alice, "pad.share",
	                    json_pack("{s:s, s:s, s:s}", "id", id, "username",
	                              "bob", "role", "editor"),
	                    "role", "enum");
	ts_expect_violation(alice, "pad.share", json_pack("{s:s}", "id", id),
	                    "username", "required");
	ts_expect_err(alice, "pad.unshare",
	              json_pack("{s:s, s:s}", "id", id, "username", "bob"), 404,
	              "not_shared");
	ck_assert_int_eq(
	    ts_db_count(tenv.db, "SELECT count(*) FROM pad_shares", 0, NULL),
	    0);

	/* Sharing twice is one share and one event. */
	json_decref(
	    ts_ok(alice, "pad.share",
	          json_pack("{s:s, s:s}", "id", id, "username", "bob")));
	json_decref(
	    ts_ok(alice, "pad.share",
	          json_pack("{s:s, s:s}", "id", id, "username", "bob")));
	ck_assert_int_eq(
	    ts_db_count(tenv.db, "SELECT count(*) FROM pad_shares", 0, NULL),
	    1);
	ck_assert(is_listed(bob, id));
	res = ts_ok(alice, "pad.unshare",
	            json_pack("{s:s, s:s}", "id", id, "username", "bob"));
	ck_assert(json_is_true(json_object_get(res, "unshared")));
	json_decref(res);
	ts_expect_err(bob, "pad.get", json_pack("{s:s}", "id", id), 404, NULL);
	ck_assert(!is_listed(bob, id));

	/* One audit row per change, naming the pad and the user, each
	 * published after its commit. */
	ck_assert_int_eq(
	    ts_db_count1(tenv.db,
	                 "SELECT count(*) FROM audit_log WHERE action = "
	                 "'pad.shared' AND subject_id = $1::uuid AND "
	                 "details->'share'->>'username' = 'bob'",
	                 id),
	    1);
	ck_assert_int_eq(
	    ts_db_count1(tenv.db,
	                 "SELECT count(*) FROM audit_log WHERE action = "
	                 "'pad.unshared' AND subject_id = $1::uuid AND "
	                 "details->'subject'->>'display_name' = 'Plans'",
	                 id),
	    1);
	{
		const char *p[] = {id};

		ck_assert_int_eq(
		    ts_db_wait_count(tenv.db,
		                     "SELECT count(*) FROM audit_log WHERE "
		                     "subject_id = $1::uuid AND action LIKE "
		                     "'pad.%shared' AND published_at IS NULL",
		                     1, p, 0, 60000),
		    0);
	}
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("e2e_pads_share");
	TCase *tc = tcase_create("share");

	ts_env_fixture(tc, &tenv, &pads, TS_PER_TEST);
	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, viewer_reads_and_nothing_else);
	tcase_add_test(tc, owner_may_do_everything);
	tcase_add_test(tc, share_errors_and_unshare);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
