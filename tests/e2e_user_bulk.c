/*
 * Bulk actions on accounts against real padlined, PostgreSQL and Redis:
 * user.bulk over a filtered wave and its user.bulk_undo, while other
 * signups keep arriving, put back exactly the prior state and leave every
 * account outside the filter alone; a dry run changes nothing; a stale
 * session is refused; one user.bulk event; rejected accounts purged after
 * PADLINE_REJECT_PURGE_DAYS.
 */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tsupport.h"

#define TRUST "PADLINE_TRUSTED_PROXIES=127.0.0.1/32"
#define PW "bulk-Password-42"
#define WAVE 530 /* 20 of them disabled and 10 held before the action */
#define WAVE_NET "net:203.0.113.0/24"

static struct ts_server srv;
static char schema[64];

static void
setup(void)
{
	const char *env[] = {TRUST, NULL};

	ts_unique_schema("bulk", schema, sizeof schema);
	ck_assert_int_eq(ts_server_start(&srv, schema, env, NULL), 0);
}

static void
teardown(void)
{
	ck_assert_int_eq(ts_server_stop(&srv), 0);
	ts_db_drop_schema(schema);
}

static int
register_ok(struct ts_client *c, const char *name)
{
	char email[96];
	json_t *r;
	int ok;

	snprintf(email, sizeof email, "%s@example.org", name);
	r = ts_register(c, name, PW, email);
	ok = r != NULL && ts_error_code(r) == 0;
	if (!ok)
		fprintf(stderr, "register %s: %d %s\n", name,
		        r ? ts_error_code(r) : -1, r ? ts_error_reason(r) : "");
	json_decref(r);
	return ok;
}

/* An admin signed in through the proxy (every 127.0.0.1 connection is
 * the trusted proxy's). */
static struct ts_client *
admin(const char *name)
{
	struct ts_client *c;

	ck_assert_int_eq(ts_create_user(schema, name, PW, 1), 0);
	c = ts_client_proxied(srv.port, "192.0.2.250");
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(ts_login(c, name, PW), 0);
	return c;
}

static long long
count(PGconn *db, const char *sql)
{
	return ts_db_count(db, sql, 0, NULL);
}

static const char *
action_of(const json_t *ev)
{
	const char *a = json_string_value(json_object_get(ev, "action"));

	return a ? a : "";
}

/* Signups that keep arriving: from outside the wave's network, and from
 * inside it (those the filter matches when they land before the scan). */
struct late {
	volatile int stop;
	int made, failed;
};

static void *
late_signups(void *arg)
{
	struct late *l = arg;
	struct ts_client *out = ts_client_proxied(srv.port, "198.51.100.9"),
	                 *in = ts_client_proxied(srv.port, "203.0.113.200");
	char name[32];

	while (!l->stop && out && in) {
		int inside = l->made % 2;

		snprintf(name, sizeof name, "%s%d", inside ? "lin" : "lout",
		         l->made);
		if (register_ok(inside ? in : out, name))
			l->made++;
		else if (++l->failed > 3)
			break;
	}
	ts_client_free(out);
	ts_client_free(in);
	return NULL;
}

/* The wave: WAVE accounts from ten addresses of 203.0.113.0/24, and 40
 * others from elsewhere (one with a shape the wave has). */
static void
make_accounts(void)
{
	char src[32], name[32];

	for (int a = 0; a < 10; a++) {
		struct ts_client *c;

		snprintf(src, sizeof src, "203.0.113.%d", a + 1);
		c = ts_client_proxied(srv.port, src);
		ck_assert_ptr_nonnull(c);
		for (int i = a; i < WAVE; i += 10) {
			snprintf(name, sizeof name, "wave%03d", i);
			ck_assert(register_ok(c, name));
		}
		ts_client_free(c);
	}
	for (int i = 0; i < 40; i++) {
		struct ts_client *c;

		snprintf(src, sizeof src, "192.0.2.%d", 10 + i);
		snprintf(name, sizeof name, "%s%03d", i ? "other" : "wave",
		         900 + i);
		c = ts_client_proxied(srv.port, src);
		ck_assert_ptr_nonnull(c);
		ck_assert(register_ok(c, name));
		ts_client_free(c);
	}
}

static json_t *
bulk(struct ts_client *c, const char *filter, const char *action, int dry)
{
	json_t *r = ts_call(c, "user.bulk",
	                    json_pack("{s:s, s:s, s:b}", "filter", filter,
	                              "action", action, "dry_run", dry));

	ck_assert_ptr_nonnull(r);
	return r;
}

/* Users whose state differs from the snapshot t_snap. */
#define CHANGED_SINCE_SNAP                                                     \
	"SELECT count(*) FROM users u JOIN t_snap s USING (id) WHERE "         \
	"(u.status, u.disabled, u.rejected_at) IS DISTINCT FROM "              \
	"(s.status, s.disabled, s.rejected_at)"

START_TEST(bulk_disable_and_undo_racing_signups)
{
	struct ts_client *adm, *victim;
	PGconn *db = ts_db_connect(schema);
	redisContext *sub;
	struct late late = {0};
	pthread_t th;
	json_t *r, *res, *ev;
	long long batch, n, bulk_events = 0, other_events = 0;
	long long end;

	make_accounts();
	adm = admin("bulk_admin");
	/* Prior states the undo must keep: 20 of the wave already disabled,
	 * 10 held for approval. */
	ts_db_exec(db, "UPDATE users SET disabled = true WHERE username "
	               "BETWEEN 'wave100' AND 'wave119'");
	ts_db_exec(db, "UPDATE users SET status = 'pending' WHERE username "
	               "BETWEEN 'wave200' AND 'wave209'");
	victim = ts_client_proxied(srv.port, "203.0.113.1");
	ck_assert_int_eq(ts_login(victim, "wave000", PW), 0);
	ts_db_exec(db, "CREATE TABLE t_snap AS SELECT id, username, status, "
	               "disabled, rejected_at FROM users");

	/* Dry run: the count and samples, nothing changed or written. */
	r = bulk(adm, WAVE_NET, "disable", 1);
	res = ts_result(r);
	ck_assert_msg(res != NULL, "dry run: %s", ts_error_reason(r));
	ck_assert(json_is_null(json_object_get(res, "batch_id")));
	ck_assert_int_eq(json_integer_value(json_object_get(res, "count")),
	                 WAVE - 30);
	ck_assert_int_eq(json_array_size(json_object_get(res, "sample")), 10);
	json_decref(r);
	ck_assert_int_eq(count(db, CHANGED_SINCE_SNAP), 0);
	ck_assert_int_eq(count(db, "SELECT count(*) FROM user_bulk_batches"),
	                 0);
	ck_assert_int_eq(count(db, "SELECT count(*) FROM audit_log WHERE "
	                           "action LIKE 'user.bulk%'"),
	                 0);

	sub = ts_event_subscribe(schema);
	ck_assert_ptr_nonnull(sub);
	ck_assert_int_eq(pthread_create(&th, NULL, late_signups, &late), 0);
	/* Some signups land before the action. */
	end = ts_now_ms() + TS_PATIENCE_MS;
	while (late.made < 4 && ts_now_ms() < end && late.failed <= 3)
		usleep(10 * 1000);

	r = bulk(adm, WAVE_NET, "disable", 0);
	res = ts_result(r);
	ck_assert_msg(res != NULL, "bulk: %s", ts_error_reason(r));
	batch = json_integer_value(json_object_get(res, "batch_id"));
	n = json_integer_value(json_object_get(res, "count"));
	ck_assert_int_gt(batch, 0);
	json_decref(r);

	/* Exactly the wave's active accounts, and late ones from inside
	 * its network; nobody else, and nobody outside the batch changed. */
	ck_assert_int_eq(
	    count(db, "SELECT count(*) FROM user_bulk_accounts k JOIN users u "
	              "ON u.id = k.user_id WHERE u.username LIKE 'wave%' AND "
	              "k.prior_status = 'active' AND NOT k.prior_disabled"),
	    WAVE - 30);
	ck_assert_int_eq(
	    count(db, "SELECT count(*) FROM user_bulk_accounts k JOIN users u "
	              "ON u.id = k.user_id WHERE u.username NOT LIKE 'wave%' "
	              "AND u.username NOT LIKE 'lin%'"),
	    0);
	ck_assert_int_eq(count(db, "SELECT count(*) FROM user_bulk_accounts"),
	                 n);
	ck_assert_int_eq(
	    count(db, "SELECT count(*) FROM users u JOIN user_bulk_accounts k "
	              "ON k.user_id = u.id WHERE NOT u.disabled"),
	    0);
	ck_assert_int_eq(
	    count(db, "SELECT count(*) FROM users u JOIN t_snap s USING (id) "
	              "WHERE u.id NOT IN (SELECT user_id FROM "
	              "user_bulk_accounts) AND (u.status, u.disabled, "
	              "u.rejected_at) IS DISTINCT FROM (s.status, s.disabled, "
	              "s.rejected_at)"),
	    0);
	ck_assert_int_eq(count(db, "SELECT count(*) FROM users WHERE username "
	                           "= 'wave900' AND NOT disabled"),
	                 1);
	/* The disabled account's session ended. */
	r = ts_call(victim, "user.me", NULL);
	ck_assert_int_eq(ts_error_code(r), 401);
	json_decref(r);
	/* One audit row per account, one event. */
	ck_assert_int_eq(count(db, "SELECT count(*) FROM audit_log WHERE "
	                           "action = 'user.bulk' AND audit_only AND "
	                           "subject_id IS NOT NULL"),
	                 n);
	ck_assert_int_eq(count(db, "SELECT count(*) FROM audit_log WHERE "
	                           "action = 'user.bulk' AND audit_only IS "
	                           "NOT TRUE"),
	                 1);

	/* Signups go on between the action and its undo. */
	long long made = late.made;
	end = ts_now_ms() + TS_PATIENCE_MS;
	while (late.made < made + 4 && ts_now_ms() < end && late.failed <= 3)
		usleep(10 * 1000);
	r = ts_call(adm, "user.bulk_undo",
	            json_pack("{s:I}", "batch_id", batch));
	ck_assert_msg(ts_result(r) != NULL, "undo: %s", ts_error_reason(r));
	ck_assert_int_eq(
	    json_integer_value(json_object_get(ts_result(r), "count")), n);
	json_decref(r);
	late.stop = 1;
	pthread_join(th, NULL);
	ck_assert_int_eq(late.failed, 0);
	ck_assert_int_ge(late.made, 8);

	/* Exactly the prior state, and the late signups as they came. */
	ck_assert_int_eq(count(db, CHANGED_SINCE_SNAP), 0);
	ck_assert_int_eq(
	    count(db, "SELECT count(*) FROM users WHERE id NOT IN (SELECT id "
	              "FROM t_snap) AND (disabled OR status <> 'active')"),
	    0);
	ck_assert_int_eq(count(db, "SELECT count(*) FROM users WHERE "
	                           "username LIKE 'l%' AND username <> "
	                           "'bulk_admin'"),
	                 late.made);
	ck_assert_int_eq(count(db, "SELECT count(*) FROM audit_log WHERE "
	                           "action = 'user.bulk_undone' AND "
	                           "audit_only"),
	                 n);
	ck_assert_int_eq(ts_login(victim, "wave000", PW), 0);
	/* The account's own activity shows what an admin did to it. */
	r = ts_call(victim, "account.activity", NULL);
	ck_assert_ptr_nonnull(ts_result(r));
	{
		json_t *evs = json_object_get(ts_result(r), "events"), *e;
		int seen_bulk = 0, seen_undo = 0;
		size_t k;

		json_array_foreach (evs, k, e) {
			const char *a =
			    json_string_value(json_object_get(e, "action"));
			const char *by = json_string_value(json_object_get(
			    json_object_get(e, "by"), "username"));

			if (a && by && strcmp(by, "bulk_admin") == 0) {
				seen_bulk += strcmp(a, "user.bulk") == 0;
				seen_undo += strcmp(a, "user.bulk_undone") == 0;
			}
		}
		ck_assert_int_eq(seen_bulk, 1);
		ck_assert_int_eq(seen_undo, 1);
	}
	json_decref(r);

	/* On the channel: one user.bulk, no change per account, then the
	 * undo's one event. */
	end = ts_now_ms() + TS_PATIENCE_MS;
	while ((ev = ts_event_next(sub, NULL, end)) != NULL) {
		const char *a = action_of(ev);
		json_t *s = json_object_get(ev, "subject");
		int done = strcmp(a, "user.bulk_undone") == 0;

		if (strcmp(a, "user.bulk") == 0) {
			bulk_events++;
			ck_assert_int_eq(
			    json_integer_value(json_object_get(s, "batch_id")),
			    batch);
			ck_assert_int_eq(
			    json_integer_value(json_object_get(s, "count")), n);
			ck_assert_str_eq(
			    json_string_value(json_object_get(s, "filter")),
			    WAVE_NET);
		} else if (strcmp(a, "user.updated") == 0) {
			other_events++;
		}
		json_decref(ev);
		if (done)
			break;
	}
	ck_assert_int_eq(bulk_events, 1);
	ck_assert_int_eq(other_events, 0);
	redisFree(sub);

	/* A second undo is refused; the batch is spent. */
	r = ts_call(adm, "user.bulk_undo",
	            json_pack("{s:I}", "batch_id", batch));
	ck_assert_int_eq(ts_error_code(r), 409);
	ck_assert_str_eq(ts_error_reason(r), "already_undone");
	json_decref(r);

	/* A reject takes the wave in every state it is in (active, disabled,
	 * held); its undo gives each account back its own. */
	r = bulk(adm, WAVE_NET " wave", "reject", 0);
	ck_assert_int_eq(ts_error_code(r), 0);
	ck_assert_int_eq(
	    json_integer_value(json_object_get(ts_result(r), "count")), WAVE);
	batch = json_integer_value(json_object_get(ts_result(r), "batch_id"));
	json_decref(r);
	ck_assert_int_eq(count(db, "SELECT count(*) FROM users WHERE username "
	                           "LIKE 'wave%' AND status = 'rejected' AND "
	                           "disabled AND rejected_at IS NOT NULL"),
	                 WAVE);
	r = ts_call(adm, "user.bulk_undo",
	            json_pack("{s:I}", "batch_id", batch));
	ck_assert_int_eq(ts_error_code(r), 0);
	json_decref(r);
	ck_assert_int_eq(count(db, CHANGED_SINCE_SNAP), 0);
	ts_client_free(victim);
	ts_client_free(adm);
	PQfinish(db);
}
END_TEST

START_TEST(stale_session_and_bad_input_refused)
{
	struct ts_client *adm = admin("stale_admin");
	PGconn *db = ts_db_connect(schema);
	json_t *r;

	ck_assert(register_ok(adm, "plainuser"));
	r = bulk(adm, "", "disable", 1);
	ck_assert_int_eq(ts_error_code(r), 400);
	json_decref(r);
	r = bulk(adm, "nett:1.2.3.4", "disable", 1);
	ck_assert_str_eq(ts_error_reason(r), "bad_filter");
	json_decref(r);
	r = bulk(adm, "plainuser", "delete", 1);
	ck_assert_int_eq(ts_error_code(r), 400);
	json_decref(r);
	r = ts_call(adm, "user.bulk_undo", json_pack("{s:i}", "batch_id", 999));
	ck_assert_int_eq(ts_error_code(r), 404);
	json_decref(r);

	/* Past PADLINE_REAUTH_WINDOW: refused, nothing changed. */
	ts_db_exec(db, "UPDATE sessions SET reauth_at = reauth_at - "
	               "interval '1 hour'");
	r = bulk(adm, "plainuser", "disable", 0);
	ck_assert_int_eq(ts_error_code(r), 401);
	ck_assert_str_eq(ts_error_reason(r), "reauth_required");
	json_decref(r);
	r = ts_call(adm, "user.bulk_undo", json_pack("{s:i}", "batch_id", 1));
	ck_assert_str_eq(ts_error_reason(r), "reauth_required");
	json_decref(r);
	ck_assert_int_eq(count(db, "SELECT count(*) FROM users WHERE disabled"),
	                 0);
	/* More accounts than one page of the server's scan: every one is
	 * counted once. */
	ts_db_exec(db, "INSERT INTO users (username) SELECT 'filler' || i FROM "
	               "generate_series(1, 2500) i");
	r = ts_call(adm, "session.reauth", json_pack("{s:s}", "password", PW));
	ck_assert_int_eq(ts_error_code(r), 0);
	json_decref(r);
	r = bulk(adm, "filler", "disable", 1);
	ck_assert_int_eq(
	    json_integer_value(json_object_get(ts_result(r), "count")), 2500);
	json_decref(r);
	ts_db_exec(db, "DELETE FROM users WHERE username LIKE 'filler%'");
	ts_db_exec(db, "UPDATE sessions SET reauth_at = reauth_at - "
	               "interval '1 hour'");
	r = bulk(adm, "plainuser", "disable", 0);
	ck_assert_str_eq(ts_error_reason(r), "reauth_required");
	json_decref(r);
	/* After session.reauth it works, and never touches an admin. */
	r = ts_call(adm, "session.reauth", json_pack("{s:s}", "password", PW));
	ck_assert_int_eq(ts_error_code(r), 0);
	json_decref(r);
	r = bulk(adm, "user", "disable", 0);
	ck_assert_int_eq(ts_error_code(r), 0);
	ck_assert_int_eq(
	    json_integer_value(json_object_get(ts_result(r), "count")), 1);
	json_decref(r);
	ck_assert_int_eq(count(db, "SELECT count(*) FROM users WHERE disabled "
	                           "AND username = 'plainuser'"),
	                 1);
	ck_assert_int_eq(count(db, "SELECT count(*) FROM users WHERE disabled"),
	                 1);
	ts_client_free(adm);
	PQfinish(db);
}
END_TEST

START_TEST(rejected_accounts_purged_after_days)
{
	const char *env[] = {TRUST, "PADLINE_REJECT_PURGE_DAYS=2", NULL};
	struct ts_client *adm = admin("purge_admin");
	PGconn *db = ts_db_connect(schema);
	struct ts_server again;
	json_t *r;

	for (int i = 0; i < 6; i++) {
		char name[16];

		snprintf(name, sizeof name, "rej%d", i);
		ck_assert(register_ok(adm, name));
	}
	ck_assert(register_ok(adm, "keepme"));
	r = bulk(adm, "rej", "reject", 0);
	ck_assert_int_eq(ts_error_code(r), 0);
	ck_assert_int_eq(
	    json_integer_value(json_object_get(ts_result(r), "count")), 6);
	json_decref(r);
	ck_assert_int_eq(count(db, "SELECT count(*) FROM users WHERE status = "
	                           "'rejected' AND disabled AND rejected_at "
	                           "IS NOT NULL"),
	                 6);
	/* Three were rejected three days ago, three just now. */
	ts_db_exec(db, "UPDATE users SET rejected_at = now() - interval "
	               "'3 days' WHERE username IN ('rej0', 'rej1', 'rej2')");
	/* A starting instance purges what is due. */
	ck_assert_int_eq(ts_server_start(&again, schema, env, NULL), 0);
	ck_assert_int_eq(
	    ts_db_wait_count(db,
	                     "SELECT count(*) FROM audit_log WHERE action = "
	                     "'user.deleted' AND actor_id IS NULL",
	                     0, NULL, 3, TS_PATIENCE_MS),
	    3);
	ck_assert_int_eq(ts_server_stop(&again), 0);
	ck_assert_int_eq(count(db, "SELECT count(*) FROM users WHERE username "
	                           "IN ('rej0', 'rej1', 'rej2')"),
	                 0);
	ck_assert_int_eq(count(db, "SELECT count(*) FROM users WHERE username "
	                           "IN ('rej3', 'rej4', 'rej5', 'keepme')"),
	                 4);
	ts_client_free(adm);
	PQfinish(db);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("e2e_user_bulk");
	TCase *tc = tcase_create("bulk");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 900);
	tcase_add_test(tc, bulk_disable_and_undo_racing_signups);
	tcase_add_test(tc, stale_session_and_bad_input_refused);
	tcase_add_test(tc, rejected_accounts_purged_after_days);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return ts_run(suite());
}
