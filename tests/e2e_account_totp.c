/* TOTP two-factor end to end, with codes computed here from the
 * secret by liboath: enrolment (begin → pending, enable → 10 recovery
 * codes), login asks for the code, ±1 step accepted and ±2 refused, a code
 * accepted once (no replay inside its window), wrong codes count toward the
 * lockout, recovery codes single use, the secret sealed at rest, turning it
 * off, and an admin's totp_reset. */
#include <check.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tsupport.h"

static struct ts_env tenv;

/* An enrolled user: its connection, secret, recovery codes. */
struct enrolled {
	struct ts_client *c;
	struct ts_totp_secret secret;
	char b32[64];
	json_t *recovery; /* array of strings */
	long long step;   /* the step of the code that enabled it */
};

static void
enroll(const char *name, struct enrolled *e)
{
	json_t *r;
	const char *b32, *uri;
	char code[8], want[128];

	memset(e, 0, sizeof *e);
	e->c = ts_env_register(&tenv, name);
	r = ts_call(e->c, "user.totp_begin", NULL);
	ck_assert_int_eq(ts_error_code(r), 0);
	b32 = json_string_value(json_object_get(ts_result(r), "secret"));
	uri = json_string_value(json_object_get(ts_result(r), "otpauth_uri"));
	ck_assert_ptr_nonnull(b32);
	snprintf(e->b32, sizeof e->b32, "%s", b32);
	snprintf(want, sizeof want, "otpauth://totp/padline:%s?secret=%s", name,
	         b32);
	ck_assert_msg(strncmp(uri, want, strlen(want)) == 0, "uri %s", uri);
	ck_assert_ptr_nonnull(strstr(uri, "issuer=padline"));
	ts_totp_decode(b32, &e->secret);
	json_decref(r);
	e->step = ts_totp_step_now();
	ts_totp_code_at(&e->secret, e->step, code);
	r = ts_call(e->c, "user.totp_enable", json_pack("{s:s}", "code", code));
	ck_assert_msg(ts_error_code(r) == 0, "enable: %d", ts_error_code(r));
	e->recovery =
	    json_incref(json_object_get(ts_result(r), "recovery_codes"));
	ck_assert_int_eq(json_array_size(e->recovery), 10);
	json_decref(r);
}

static void
enrolled_free(struct enrolled *e)
{
	ts_client_free(e->c);
	free(e->secret.raw);
	json_decref(e->recovery);
}

static int
login_code(struct ts_client *c, const char *name, const char *totp,
           char *reason, size_t size)
{
	json_t *r = ts_login_totp(c, name, TS_PASSWORD, totp);
	int code = ts_error_code(r);

	if (reason)
		snprintf(reason, size, "%s", ts_error_reason(r));
	json_decref(r);
	return code;
}

static int
login_step(struct ts_client *c, const char *name,
           const struct ts_totp_secret *s, long long step, char *reason,
           size_t size)
{
	char code[8];

	ts_totp_code_at(s, step, code);
	return login_code(c, name, code, reason, size);
}

START_TEST(enrol_then_login_needs_the_code)
{
	struct enrolled e;
	struct ts_client *c = ts_client_connect(tenv.srv.port);
	struct ts_client *admin = ts_env_admin(&tenv, "totp_admin");
	PGconn *db = ts_db_connect(tenv.schema);
	char reason[64], code[8], *hex;
	json_t *r;

	enroll("totp_amy", &e);
	/* Sealed at rest: neither the base32 text nor the raw bytes. */
	hex = calloc(1, e.secret.len * 2 + 1);
	for (size_t i = 0; i < e.secret.len; i++)
		sprintf(hex + 2 * i, "%02x", (unsigned char)e.secret.raw[i]);
	ck_assert_int_eq(
	    ts_db_count(db,
	                "SELECT count(*) FROM users WHERE username = "
	                "'totp_amy' AND totp_enabled AND totp_secret_enc IS "
	                "NOT NULL AND totp_pending_enc IS NULL AND "
	                "strpos(upper(totp_secret_enc), upper($1)) = 0 AND "
	                "strpos(lower(totp_secret_enc), $2) = 0",
	                2, (const char *const[]){e.b32, hex}),
	    1);
	free(hex);
	/* Recovery codes: ten, distinct, only hashes stored. */
	ck_assert_int_eq(ts_db_count(db,
	                             "SELECT count(DISTINCT code_hash) FROM "
	                             "recovery_codes r JOIN users u ON u.id = "
	                             "r.user_id WHERE u.username = 'totp_amy'",
	                             0, NULL),
	                 10);
	ck_assert_int_eq(
	    ts_db_count(db,
	                "SELECT count(*) FROM recovery_codes WHERE code_hash "
	                "= $1",
	                1,
	                (const char *const[]){
	                    json_string_value(json_array_get(e.recovery, 0))}),
	    0);
	r = ts_call(e.c, "user.me", NULL);
	ck_assert(json_is_true(json_object_get(
	    json_object_get(ts_result(r), "user"), "totp_enabled")));
	json_decref(r);
	r = ts_call(admin, "user.get",
	            json_pack("{s:s}", "username", "totp_amy"));
	ck_assert(json_is_true(json_object_get(
	    json_object_get(ts_result(r), "user"), "totp_enabled")));
	json_decref(r);

	ck_assert_int_eq(login_code(c, "totp_amy", NULL, reason, sizeof reason),
	                 401);
	ck_assert_str_eq(reason, "totp_required");
	r = ts_login_totp(c, "totp_amy", "Wrong-Passw0rd!", "123456");
	ck_assert_str_eq(ts_error_reason(r), "invalid_credentials");
	json_decref(r);
	/* The code that enabled it is spent already. */
	ts_totp_code_at(&e.secret, e.step, code);
	ck_assert_int_eq(login_code(c, "totp_amy", code, reason, sizeof reason),
	                 401);
	ck_assert_str_eq(reason, "invalid_totp");
	ck_assert_int_eq(login_step(c, "totp_amy", &e.secret, e.step + 1,
	                            reason, sizeof reason),
	                 0);
	/* Enrolment twice is refused. */
	ck_assert_int_eq(ts_call_code(e.c, "user.totp_begin", NULL), 409);
	ck_assert_int_eq(ts_call_code(e.c, "user.totp_enable",
	                              json_pack("{s:s}", "code", code)),
	                 409);
	PQfinish(db);
	ts_client_free(c);
	ts_client_free(admin);
	enrolled_free(&e);
}
END_TEST

START_TEST(enable_errors)
{
	struct ts_client *c = ts_env_register(&tenv, "totp_ben");
	struct ts_totp_secret s;
	char code[8];
	json_t *r;

	/* No begin yet. */
	ck_assert_int_eq(ts_call_code(c, "user.totp_enable",
	                              json_pack("{s:s}", "code", "123456")),
	                 409);
	r = ts_call(c, "user.totp_begin", NULL);
	ts_totp_decode(
	    json_string_value(json_object_get(ts_result(r), "secret")), &s);
	json_decref(r);
	/* Five steps ago is outside the window. */
	ts_totp_code_at(&s, ts_totp_step_now() - 5, code);
	r = ts_call(c, "user.totp_enable", json_pack("{s:s}", "code", code));
	ck_assert_int_eq(ts_error_code(r), 400);
	ck_assert(ts_has_violation(r, "code", "invalid"));
	json_decref(r);
	ck_assert_int_eq(ts_call_code(c, "user.totp_enable", NULL), 400);
	/* Still off: login needs no code. */
	ck_assert_int_eq(login_code(c, "totp_ben", NULL, NULL, 0), 0);
	free(s.raw);
	ts_client_free(c);
}
END_TEST

/* One pass over the window's edges; 0 when a 30 s step boundary passed
 * during it (the outcomes are then ambiguous and the caller retries). */
static int
edges_once(PGconn *db, struct enrolled *e, const char *name)
{
	struct ts_client *c = ts_client_connect(tenv.srv.port);
	int m2, p2, m1, z, p1, replay, older;
	char r_replay[64], r_older[64];
	long long s0, s1;

	/* Forget the enrolment's step so the window is tested alone. */
	ts_db_exec(db, "UPDATE users SET totp_last_step = NULL WHERE "
	               "username LIKE 'totp_edge%'");
	s0 = ts_totp_step_now();
	m2 = login_step(c, name, &e->secret, s0 - 2, NULL, 0);
	p2 = login_step(c, name, &e->secret, s0 + 2, NULL, 0);
	m1 = login_step(c, name, &e->secret, s0 - 1, NULL, 0);
	z = login_step(c, name, &e->secret, s0, NULL, 0);
	p1 = login_step(c, name, &e->secret, s0 + 1, NULL, 0);
	replay =
	    login_step(c, name, &e->secret, s0 + 1, r_replay, sizeof r_replay);
	older = login_step(c, name, &e->secret, s0, r_older, sizeof r_older);
	s1 = ts_totp_step_now();
	ts_client_free(c);
	if (s0 != s1)
		return 0;
	ck_assert_int_eq(m2, 401);
	ck_assert_int_eq(p2, 401);
	ck_assert_int_eq(m1, 0);
	ck_assert_int_eq(z, 0);
	ck_assert_int_eq(p1, 0);
	ck_assert_int_eq(replay, 401);
	ck_assert_str_eq(r_replay, "invalid_totp");
	ck_assert_int_eq(older, 401);
	ck_assert_str_eq(r_older, "invalid_totp");
	return 1;
}

START_TEST(window_edges_and_replay)
{
	struct enrolled e;
	PGconn *db = ts_db_connect(tenv.schema);
	int done = 0;

	enroll("totp_edge", &e);
	for (int attempt = 0; attempt < 3 && !done; attempt++)
		done = edges_once(db, &e, "totp_edge");
	ck_assert_msg(done, "a step boundary passed during every attempt");
	PQfinish(db);
	enrolled_free(&e);
}
END_TEST

START_TEST(wrong_codes_count_toward_lockout)
{
	struct enrolled e;
	struct ts_client *c = ts_client_connect(tenv.srv.port);
	char reason[64];
	json_t *r;

	enroll("totp_lock", &e);
	/* The default limit is 5 failures per username. */
	for (int i = 0; i < 5; i++) {
		ck_assert_int_eq(login_step(c, "totp_lock", &e.secret,
		                            ts_totp_step_now() - 10 - i, reason,
		                            sizeof reason),
		                 401);
		ck_assert_str_eq(reason, "invalid_totp");
	}
	r = ts_login_totp(c, "totp_lock", TS_PASSWORD, "000000");
	ck_assert_int_eq(ts_error_code(r), 429);
	json_decref(r);
	ts_client_free(c);
	enrolled_free(&e);
}
END_TEST

START_TEST(recovery_codes_single_use)
{
	struct enrolled e;
	struct ts_client *c = ts_client_connect(tenv.srv.port);
	PGconn *db = ts_db_connect(tenv.schema);
	char reason[64], typed[32];
	const char *first, *second;
	size_t n = 0;

	enroll("totp_rec", &e);
	first = json_string_value(json_array_get(e.recovery, 0));
	second = json_string_value(json_array_get(e.recovery, 1));
	ck_assert_int_eq(login_code(c, "totp_rec", first, NULL, 0), 0);
	ck_assert_int_eq(
	    login_code(c, "totp_rec", first, reason, sizeof reason), 401);
	ck_assert_str_eq(reason, "invalid_totp");
	/* As typed by a hurried human: upper case, no dash. */
	for (const char *p = second; *p; p++)
		if (*p != '-')
			typed[n++] = (char)toupper((unsigned char)*p);
	typed[n] = '\0';
	ck_assert_int_eq(login_code(c, "totp_rec", typed, NULL, 0), 0);
	ck_assert_int_eq(login_code(c, "totp_rec", "zzzzz-zzzzz", NULL, 0),
	                 401);
	ck_assert_int_eq(ts_db_count(db,
	                             "SELECT count(*) FROM recovery_codes r "
	                             "JOIN users u ON u.id = r.user_id WHERE "
	                             "u.username = 'totp_rec'",
	                             0, NULL),
	                 8);
	ck_assert_int_eq(ts_db_count(db,
	                             "SELECT count(*) FROM audit_log WHERE "
	                             "action = 'user.recovery_code_used'",
	                             0, NULL),
	                 2);
	PQfinish(db);
	ts_client_free(c);
	enrolled_free(&e);
}
END_TEST

static json_t *
disable(struct ts_client *c, const char *pw, const char *code)
{
	return ts_call(c, "user.totp_disable",
	               json_pack("{s:s, s:s}", "password", pw, "code", code));
}

START_TEST(disable_needs_password_and_code)
{
	struct enrolled e;
	struct ts_client *c = ts_client_connect(tenv.srv.port);
	PGconn *db = ts_db_connect(tenv.schema);
	const char *rec;
	char code[8];
	json_t *r;

	enroll("totp_dee", &e);
	rec = json_string_value(json_array_get(e.recovery, 3));
	ts_totp_code_at(&e.secret, e.step + 1, code);
	r = disable(e.c, "Wrong-Passw0rd!", code);
	ck_assert_int_eq(ts_error_code(r), 401);
	ck_assert_str_eq(ts_error_reason(r), "invalid_credentials");
	json_decref(r);
	r = disable(e.c, TS_PASSWORD, "zzzzz-zzzzz");
	ck_assert_int_eq(ts_error_code(r), 401);
	ck_assert_str_eq(ts_error_reason(r), "invalid_totp");
	json_decref(r);
	ck_assert_int_eq(
	    ts_call_code(e.c, "user.totp_disable",
	                 json_pack("{s:s}", "password", TS_PASSWORD)),
	    400);
	/* A lost phone: a recovery code turns it off too. */
	r = disable(e.c, TS_PASSWORD, rec);
	ck_assert_int_eq(ts_error_code(r), 0);
	ck_assert(json_is_false(json_object_get(
	    json_object_get(ts_result(r), "user"), "totp_enabled")));
	json_decref(r);
	ck_assert_int_eq(
	    ts_db_count(db,
	                "SELECT count(*) FROM users u WHERE username = "
	                "'totp_dee' AND totp_secret_enc IS NULL AND NOT "
	                "totp_enabled AND NOT EXISTS (SELECT 1 FROM "
	                "recovery_codes r WHERE r.user_id = u.id)",
	                0, NULL),
	    1);
	ck_assert_int_eq(login_code(c, "totp_dee", NULL, NULL, 0), 0);
	r = disable(e.c, TS_PASSWORD, code);
	ck_assert_int_eq(ts_error_code(r), 409);
	ck_assert_str_eq(ts_error_reason(r), "totp_not_enabled");
	json_decref(r);
	PQfinish(db);
	ts_client_free(c);
	enrolled_free(&e);
}
END_TEST

START_TEST(admin_totp_reset)
{
	struct enrolled e;
	struct ts_client *admin = ts_env_admin(&tenv, "totp_admin2");
	struct ts_client *c = ts_client_connect(tenv.srv.port);
	PGconn *db = ts_db_connect(tenv.schema);
	char *id;
	json_t *r;

	enroll("totp_eli", &e);
	id = ts_my_id(e.c);
	r = ts_call(admin, "user.update",
	            json_pack("{s:s, s:b}", "id", id, "totp_reset", 1));
	ck_assert_int_eq(ts_error_code(r), 0);
	ck_assert(json_is_false(json_object_get(
	    json_object_get(ts_result(r), "user"), "totp_enabled")));
	json_decref(r);
	ck_assert_int_eq(login_code(c, "totp_eli", NULL, NULL, 0), 0);
	ck_assert_int_eq(ts_db_count(db,
	                             "SELECT count(*) FROM recovery_codes "
	                             "WHERE user_id = $1::uuid",
	                             1, (const char *const[]){id}),
	                 0);
	/* Enrolling again works from scratch. */
	ck_assert_int_eq(ts_call_code(e.c, "user.totp_begin", NULL), 0);
	free(id);
	PQfinish(db);
	ts_client_free(c);
	ts_client_free(admin);
	enrolled_free(&e);
}
END_TEST

static const struct ts_env_opts opts = {.prefix = "totp"};

int
main(void)
{
	Suite *s = suite_create("e2e_account_totp");
	TCase *tc = tcase_create("totp");

	ts_env_fixture(tc, &tenv, &opts, TS_PER_SUITE);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, enrol_then_login_needs_the_code);
	tcase_add_test(tc, enable_errors);
	tcase_add_test(tc, window_edges_and_replay);
	tcase_add_test(tc, wrong_codes_count_toward_lockout);
	tcase_add_test(tc, recovery_codes_single_use);
	tcase_add_test(tc, disable_needs_password_and_code);
	tcase_add_test(tc, admin_totp_reset);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
