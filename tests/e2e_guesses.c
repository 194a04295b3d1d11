/* Every secret check is a guess: a wrong current password in
 * user.change_password and a wrong password or code in user.totp_disable
 * count toward the same per-user lockout as session.login (429 once locked,
 * shared both ways, a right guess clears it), and sign-ins in flight are
 * never failures: concurrent correct sign-ins all succeed (per user and per
 * address) while parallel wrong ones still check at most the limit. Each
 * test runs its own padlined with its own limits. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tsupport.h"

#define NEW_PASSWORD "N3w-Horse-Battery!"
#define WRONG "Wr0ng-Passw0rd!"
#define NCORRECT 40
#define NWRONG 30

/* A padlined with these per-user and per-address limits, and extra (may
 * be NULL) in its environment. */
static void
start_with(struct ts_server *s, const char *prefix, int max_user, int max_ip,
           const char *extra)
{
	char u[64], ip[64], sch[64];
	const char *env[] = {u, ip, "PADLINE_LOGIN_WINDOW=600", extra, NULL};

	snprintf(u, sizeof u, "PADLINE_LOGIN_MAX_FAILURES=%d", max_user);
	snprintf(ip, sizeof ip, "PADLINE_LOGIN_MAX_FAILURES_IP=%d", max_ip);
	ts_unique_schema(prefix, sch, sizeof sch);
	ck_assert_int_eq(ts_server_start(s, sch, env, NULL), 0);
}

static void
start(struct ts_server *s, const char *prefix, int max_user, int max_ip)
{
	start_with(s, prefix, max_user, max_ip, NULL);
}

/* Stops it; a clean exit (under a sanitizer: no leak, no error). */
static void
stop(struct ts_server *s)
{
	int status = ts_server_stop(s);

	ck_assert_msg(status == 0, "padlined exit status %d, log %s", status,
	              s->log_path);
	ts_db_drop_schema(s->schema);
}

static struct ts_client *
signed_in(const struct ts_server *s, const char *name)
{
	struct ts_client *c = ts_client_connect(s->port);

	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(ts_login(c, name, TS_PASSWORD), 0);
	return c;
}

/* The answer's code; for a 429, checks data.retry_after and the reason. */
static int
answer_code(json_t *r)
{
	int code = r ? ts_error_code(r) : -1;

	if (code == 429) {
		json_t *data =
		    json_object_get(json_object_get(r, "error"), "data");

		ck_assert_str_eq(ts_error_reason(r), "too_many_attempts");
		ck_assert_int_gt(
		    json_integer_value(json_object_get(data, "retry_after")),
		    0);
	}
	json_decref(r);
	return code;
}

static int
change_code(struct ts_client *c, const char *current)
{
	return answer_code(
	    ts_call(c, "user.change_password",
	            json_pack("{s:s, s:s}", "current_password", current,
	                      "new_password", NEW_PASSWORD)));
}

static int
login_code(struct ts_client *c, const char *name, const char *pw,
           const char *totp)
{
	return answer_code(ts_login_totp(c, name, pw, totp));
}

static int
disable_code(struct ts_client *c, const char *pw, const char *code)
{
	return answer_code(
	    ts_call(c, "user.totp_disable",
	            json_pack("{s:s, s:s}", "password", pw, "code", code)));
}

/* Wrong guesses one after another until the first 429: how many were
 * answered 401 before it (fails when none came in tries). */
static int
wrong_until_locked(int (*guess)(struct ts_client *, const void *),
                   struct ts_client *c, const void *arg, int tries)
{
	for (int i = 0; i < tries; i++) {
		int code = guess(c, arg);

		if (code == 429)
			return i;
		ck_assert_msg(code == 401, "guess %d answered %d", i, code);
	}
	ck_abort_msg("%d wrong guesses, never a 429", tries);
	return -1;
}

static int
wrong_change(struct ts_client *c, const void *arg)
{
	(void)arg;
	return change_code(c, WRONG);
}

static int
wrong_login(struct ts_client *c, const void *name)
{
	return login_code(c, name, WRONG, NULL);
}

START_TEST(change_password_guesses_lock_the_account)
{
	struct ts_server s;
	struct ts_client *c, *other;

	start(&s, "gcp", 5, 1000);
	ck_assert_int_eq(ts_create_user(s.schema, "cpw", TS_PASSWORD, 0), 0);
	c = signed_in(&s, "cpw");
	ck_assert_int_le(wrong_until_locked(wrong_change, c, NULL, 30), 5);
	/* Locked: the right current password too, and sign-in. */
	ck_assert_int_eq(change_code(c, TS_PASSWORD), 429);
	other = ts_client_connect(s.port);
	ck_assert_int_eq(login_code(other, "cpw", TS_PASSWORD, NULL), 429);
	ts_client_free(other);
	ts_client_free(c);
	stop(&s);
}
END_TEST

/* Failed sign-ins lock change_password too; the same counter. */
START_TEST(login_failures_lock_change_password)
{
	struct ts_server s;
	struct ts_client *c, *other;

	start(&s, "gcpl", 5, 1000);
	ck_assert_int_eq(ts_create_user(s.schema, "cpl", TS_PASSWORD, 0), 0);
	c = signed_in(&s, "cpl");
	other = ts_client_connect(s.port);
	ck_assert_int_le(wrong_until_locked(wrong_login, other, "cpl", 30), 5);
	ck_assert_int_eq(change_code(c, TS_PASSWORD), 429);
	ts_client_free(other);
	ts_client_free(c);
	stop(&s);
}
END_TEST

/* A right current password clears the counter as a sign-in does. */
START_TEST(right_guess_clears_the_counter)
{
	struct ts_server s;
	struct ts_client *c;

	start(&s, "gclr", 3, 1000);
	ck_assert_int_eq(ts_create_user(s.schema, "clr", TS_PASSWORD, 0), 0);
	c = signed_in(&s, "clr");
	for (int i = 0; i < 2; i++)
		ck_assert_int_eq(change_code(c, WRONG), 401);
	ck_assert_int_eq(change_code(c, TS_PASSWORD), 0);
	for (int i = 0; i < 2; i++)
		ck_assert_int_eq(login_code(c, "clr", WRONG, NULL), 401);
	ck_assert_int_eq(login_code(c, "clr", NEW_PASSWORD, NULL), 0);
	ts_client_free(c);
	stop(&s);
}
END_TEST

/* A signed-in user with TOTP on: its connection and secret. */
static struct ts_client *
enrolled(const struct ts_server *s, const char *name,
         struct ts_totp_secret *sec)
{
	struct ts_client *c;
	json_t *r;
	char code[8];

	ck_assert_int_eq(ts_create_user(s->schema, name, TS_PASSWORD, 0), 0);
	c = signed_in(s, name);
	r = ts_call(c, "user.totp_begin", NULL);
	ck_assert_int_eq(ts_error_code(r), 0);
	ts_totp_decode(
	    json_string_value(json_object_get(ts_result(r), "secret")), sec);
	json_decref(r);
	ts_totp_code_at(sec, ts_totp_step_now(), code);
	ck_assert_int_eq(ts_call_code(c, "user.totp_enable",
	                              json_pack("{s:s}", "code", code)),
	                 0);
	return c;
}

static int
wrong_code(struct ts_client *c, const void *arg)
{
	(void)arg;
	return disable_code(c, TS_PASSWORD, "000000");
}

static int
wrong_disable_password(struct ts_client *c, const void *arg)
{
	(void)arg;
	return disable_code(c, WRONG, "000000");
}

START_TEST(totp_disable_codes_lock_the_account)
{
	struct ts_server s;
	struct ts_totp_secret sec;
	struct ts_client *c, *other;
	char code[8];

	start(&s, "gtd", 5, 1000);
	c = enrolled(&s, "tdc", &sec);
	/* "000000" could be the right code once in a million steps: the
	 * answer would be 0, and the test fails loudly, not silently. */
	ck_assert_int_le(wrong_until_locked(wrong_code, c, NULL, 30), 5);
	ts_totp_code_at(&sec, ts_totp_step_now(), code);
	ck_assert_int_eq(disable_code(c, TS_PASSWORD, code), 429);
	other = ts_client_connect(s.port);
	ck_assert_int_eq(login_code(other, "tdc", TS_PASSWORD, code), 429);
	ts_client_free(other);
	ts_client_free(c);
	free(sec.raw);
	stop(&s);
}
END_TEST

START_TEST(totp_disable_passwords_lock_the_account)
{
	struct ts_server s;
	struct ts_totp_secret sec;
	struct ts_client *c, *other;

	start(&s, "gtdp", 5, 1000);
	c = enrolled(&s, "tdp", &sec);
	ck_assert_int_le(
	    wrong_until_locked(wrong_disable_password, c, NULL, 30), 5);
	other = ts_client_connect(s.port);
	ck_assert_int_eq(login_code(other, "tdp", TS_PASSWORD, NULL), 429);
	ts_client_free(other);
	ts_client_free(c);
	free(sec.raw);
	stop(&s);
}
END_TEST

/* Sign-in failures lock totp_disable: the same counter. */
START_TEST(login_failures_lock_totp_disable)
{
	struct ts_server s;
	struct ts_totp_secret sec;
	struct ts_client *c, *other;
	char code[8];

	start(&s, "gtdl", 5, 1000);
	c = enrolled(&s, "tdl", &sec);
	other = ts_client_connect(s.port);
	ck_assert_int_le(wrong_until_locked(wrong_login, other, "tdl", 30), 5);
	ts_totp_code_at(&sec, ts_totp_step_now() + 1, code);
	ck_assert_int_eq(disable_code(c, TS_PASSWORD, code), 429);
	ts_client_free(other);
	ts_client_free(c);
	free(sec.raw);
	stop(&s);
}
END_TEST

/* Sends one request line on each of n connections at once, then reads
 * every answer: codes[i] is connection i's (0 for a result). */
static void
all_at_once(struct ts_client **c, int n, json_t *const *reqs, int *codes)
{
	for (int i = 0; i < n; i++) {
		char *line = json_dumps(reqs[i], JSON_COMPACT);
		size_t len = strlen(line);

		line = realloc(line, len + 2);
		line[len] = '\n';
		ck_assert_int_eq(ts_client_send_raw(c[i], line, len + 1), 0);
		free(line);
	}
	for (int i = 0; i < n; i++) {
		char *line = ts_client_read_line(c[i], TS_PATIENCE_MS, NULL);

		ck_assert_msg(line != NULL, "no answer on connection %d", i);
		codes[i] = answer_code(json_loads(line, 0, NULL));
		free(line);
	}
}

static json_t *
login_req(const char *name, const char *pw)
{
	return json_pack("{s:s, s:i, s:s, s:{s:s, s:s}}", "jsonrpc", "2.0",
	                 "id", 1, "method", "session.login", "params",
	                 "username", name, "password", pw);
}

/* n concurrent sign-ins of one user, answered codes in codes. */
static void
concurrent_logins(const struct ts_server *s, const char *name, const char *pw,
                  int n, int *codes)
{
	struct ts_client *c[NCORRECT];
	json_t *reqs[NCORRECT];

	ck_assert_int_le(n, NCORRECT);
	for (int i = 0; i < n; i++) {
		c[i] = ts_client_connect(s->port);
		ck_assert_ptr_nonnull(c[i]);
		reqs[i] = login_req(name, pw);
	}
	all_at_once(c, n, reqs, codes);
	for (int i = 0; i < n; i++) {
		json_decref(reqs[i]);
		ts_client_free(c[i]);
	}
}

/* NCORRECT concurrent sign-ins of one user with the right password, on a
 * padlined started as start_with says: every one succeeds. */
static void
all_sign_in(const char *prefix, int max_user, int max_ip, const char *extra)
{
	struct ts_server s;
	int codes[NCORRECT];

	start_with(&s, prefix, max_user, max_ip, extra);
	ck_assert_int_eq(ts_create_user(s.schema, "many", TS_PASSWORD, 0), 0);
	concurrent_logins(&s, "many", TS_PASSWORD, NCORRECT, codes);
	for (int i = 0; i < NCORRECT; i++)
		ck_assert_msg(codes[i] == 0, "sign-in %d answered %d", i,
		              codes[i]);
	stop(&s);
}

START_TEST(concurrent_right_passwords_all_sign_in)
{
	all_sign_in("gcru", 5, 1000, NULL);
}
END_TEST

/* The same behind one address (one NAT): its counter holds failures, not
 * sign-ins in flight. */
START_TEST(concurrent_right_passwords_one_address)
{
	all_sign_in("gcra", 1000, 5, NULL);
}
END_TEST

/* The same with the counters Redis being away falls back to
 * (port 1: nothing listens there). */
START_TEST(concurrent_right_passwords_without_redis)
{
	all_sign_in("gcrm", 5, 5, "REDIS_URL=redis://127.0.0.1:1/0");
}
END_TEST

/* Two padlineds share the counters through Redis: guesses on one lock
 * sign-ins on the other. */
START_TEST(lockout_is_shared_by_instances)
{
	struct ts_server a, b;
	struct ts_client *c, *other;
	char u[64];
	const char *env[] = {u, "PADLINE_LOGIN_WINDOW=600", NULL};

	start(&a, "gshr", 4, 1000);
	snprintf(u, sizeof u, "PADLINE_LOGIN_MAX_FAILURES=%d", 4);
	ck_assert_int_eq(ts_server_start(&b, a.schema, env, NULL), 0);
	ck_assert_int_eq(ts_create_user(a.schema, "shr", TS_PASSWORD, 0), 0);
	c = signed_in(&a, "shr");
	ck_assert_int_le(wrong_until_locked(wrong_change, c, NULL, 30), 4);
	other = ts_client_connect(b.port);
	ck_assert_int_eq(login_code(other, "shr", TS_PASSWORD, NULL), 429);
	ts_client_free(other);
	ts_client_free(c);
	ck_assert_int_eq(ts_server_stop(&b), 0);
	stop(&a);
}
END_TEST

/* Attempts in flight that never end (a padlined killed mid-check leaves
 * them until their lease ends) hold every try: a right password waits for
 * them, then answers 503 attempts_in_flight, never 429; once they are gone
 * it signs in. */
START_TEST(attempts_in_flight_are_waited_for_not_failures)
{
	struct ts_server s;
	struct ts_client *c;
	redisContext *rc;
	redisReply *r;
	PGconn *db;
	PGresult *res;
	char key[256];
	json_t *ans;

	start(&s, "gwait", 3, 1000);
	ck_assert_int_eq(ts_create_user(s.schema, "waiter", TS_PASSWORD, 0), 0);
	db = ts_db_connect(s.schema);
	res = PQexec(db, "SELECT id FROM users WHERE username = 'waiter'");
	ck_assert_int_eq(PQntuples(res), 1);
	snprintf(key, sizeof key, "padline:login:%s:user:%s:inflight", s.schema,
	         PQgetvalue(res, 0, 0));
	PQclear(res);
	PQfinish(db);
	rc = ts_redis_connect();
	ck_assert_ptr_nonnull(rc);
	/* Leases far in the future: they outlast the wait. */
	r = redisCommand(rc,
	                 "ZADD %s 99999999999999 a 99999999999999 b "
	                 "99999999999999 c",
	                 key);
	ck_assert_int_eq(r->type, REDIS_REPLY_INTEGER);
	freeReplyObject(r);
	c = ts_client_connect(s.port);
	ans = ts_login_totp(c, "waiter", TS_PASSWORD, NULL);
	ck_assert_int_eq(ts_error_code(ans), 503);
	ck_assert_str_eq(ts_error_reason(ans), "attempts_in_flight");
	json_decref(ans);
	freeReplyObject(redisCommand(rc, "DEL %s", key));
	ck_assert_int_eq(login_code(c, "waiter", TS_PASSWORD, NULL), 0);
	redisFree(rc);
	ts_client_free(c);
	stop(&s);
}
END_TEST

/* Parallel wrong sign-ins wait for the ones in flight, and still check at
 * most the limit: the audit log holds one session.login_failed per check. */
START_TEST(parallel_wrong_passwords_check_at_most_the_limit)
{
	struct ts_server s;
	int codes[NWRONG], n401 = 0, n429 = 0;
	PGconn *db;

	start(&s, "gpw", 5, 1000);
	ck_assert_int_eq(ts_create_user(s.schema, "pwx", TS_PASSWORD, 0), 0);
	concurrent_logins(&s, "pwx", WRONG, NWRONG, codes);
	for (int i = 0; i < NWRONG; i++) {
		n401 += codes[i] == 401;
		n429 += codes[i] == 429;
	}
	ck_assert_int_eq(n401 + n429, NWRONG);
	ck_assert_msg(n401 <= 5, "%d wrong passwords were checked", n401);
	db = ts_db_connect(s.schema);
	ck_assert_int_le(ts_db_count(db,
	                             "SELECT count(*) FROM audit_log WHERE "
	                             "action = 'session.login_failed'",
	                             0, NULL),
	                 5);
	PQfinish(db);
	stop(&s);
}
END_TEST

/* Thirty stolen sessions of one user guessing its password at once get
 * no more checks than the limit. */
START_TEST(parallel_wrong_change_password_checks_at_most_the_limit)
{
	struct ts_server s;
	struct ts_client *c[NWRONG];
	json_t *reqs[NWRONG];
	int codes[NWRONG], n401 = 0, n429 = 0;

	start(&s, "gpcw", 5, 1000);
	ck_assert_int_eq(ts_create_user(s.schema, "pcw", TS_PASSWORD, 0), 0);
	for (int i = 0; i < NWRONG; i++) {
		c[i] = signed_in(&s, "pcw");
		reqs[i] = json_pack(
		    "{s:s, s:i, s:s, s:{s:s, s:s}}", "jsonrpc", "2.0", "id", 1,
		    "method", "user.change_password", "params",
		    "current_password", WRONG, "new_password", NEW_PASSWORD);
	}
	all_at_once(c, NWRONG, reqs, codes);
	for (int i = 0; i < NWRONG; i++) {
		n401 += codes[i] == 401;
		n429 += codes[i] == 429;
		json_decref(reqs[i]);
		ts_client_free(c[i]);
	}
	ck_assert_int_eq(n401 + n429, NWRONG);
	ck_assert_msg(n401 <= 5, "%d current passwords were checked", n401);
	stop(&s);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("e2e_guesses");
	TCase *tc = tcase_create("guesses");

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, change_password_guesses_lock_the_account);
	tcase_add_test(tc, login_failures_lock_change_password);
	tcase_add_test(tc, right_guess_clears_the_counter);
	tcase_add_test(tc, totp_disable_codes_lock_the_account);
	tcase_add_test(tc, totp_disable_passwords_lock_the_account);
	tcase_add_test(tc, login_failures_lock_totp_disable);
	tcase_add_test(tc, concurrent_right_passwords_all_sign_in);
	tcase_add_test(tc, concurrent_right_passwords_one_address);
	tcase_add_test(tc, concurrent_right_passwords_without_redis);
	tcase_add_test(tc, lockout_is_shared_by_instances);
	tcase_add_test(tc, attempts_in_flight_are_waited_for_not_failures);
	tcase_add_test(tc, parallel_wrong_passwords_check_at_most_the_limit);
	tcase_add_test(tc,
	               parallel_wrong_change_password_checks_at_most_the_limit);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
