/* padlined against a Redis that wants credentials: one with requirepass and
 * one with an ACL user (percent-encoded password, db 2). Migrations take the
 * Redis lock, login limits count in Redis, events are published; a wrong
 * password is reported with the URL redacted; no password ever reaches the
 * log. Each test runs its own redis-server on a free loopback port. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tsupport.h"

#define PW_PLAIN "hunter2-requirepass"
#define PW_ACL "p@ss:w/rd%acl"
#define PW_ACL_URL "p%40ss%3Aw%2Frd%25acl"

static void
assert_log_clean(const struct ts_server *srv, const char *password)
{
	char *log = ts_file_read(srv->log_path);

	ck_assert_msg(strstr(log, password) == NULL,
	              "the Redis password is in %s", srv->log_path);
	free(log);
}

static redisReply *
cmd_ok(redisContext *rc, const char *fmt, const char *arg)
{
	redisReply *r = redisCommand(rc, fmt, arg);

	ck_assert_ptr_nonnull(r);
	ck_assert_msg(r->type != REDIS_REPLY_ERROR, "%s: %s", fmt, r->str);
	return r;
}

/* Migrated under the Redis lock, events published, login limits counted
 * in this Redis (the 3rd failure is refused with 429). */
static void
exercise(const char *redis_url, const char *password, int db)
{
	char env_url[512], sch[64], key[160], channel[128], uid[64];
	const char *env[] = {env_url, "PADLINE_LOG=debug",
	                     "PADLINE_LOGIN_MAX_FAILURES=2", NULL};
	struct ts_server srv;
	struct ts_client *c;
	redisContext *rc, *sub;
	redisReply *r;
	json_t *resp, *ev;
	const char *id;

	snprintf(env_url, sizeof env_url, "REDIS_URL=%s", redis_url);
	ts_unique_schema("rdsauth", sch, sizeof sch);
	ck_assert_int_eq(ts_server_start(&srv, sch, env, NULL), 0);
	rc = ts_redis_connect_url(redis_url);
	ck_assert_ptr_nonnull(rc);
	snprintf(key, sizeof key, "padline:migrate:status:%s", sch);
	r = cmd_ok(rc, "GET %s", key);
	ck_assert_int_eq(r->type, REDIS_REPLY_STRING);
	ck_assert_str_eq(r->str, "completed");
	freeReplyObject(r);

	sub = ts_redis_connect_url(redis_url);
	ck_assert_ptr_nonnull(sub);
	freeReplyObject(
	    cmd_ok(sub, "SUBSCRIBE %s",
	           ts_events_channel(sch, channel, sizeof channel)));
	c = ts_client_connect(srv.port);
	resp = ts_register_fresh(c, "rosa", TS_PASSWORD, NULL);
	ck_assert_int_eq(ts_error_code(resp), 0);
	id = json_string_value(
	    json_object_get(json_object_get(ts_result(resp), "user"), "id"));
	ev = ts_event_wait(sub, "user.created", "id", id, TS_PATIENCE_MS);
	ck_assert_msg(ev != NULL, "no user.created event via %s",
	              "the authenticated Redis");
	snprintf(uid, sizeof uid, "%s", id);
	json_decref(ev);
	json_decref(resp);

	for (int i = 0; i < 2; i++) {
		resp = ts_call(c, "session.login",
		               json_pack("{s:s, s:s}", "username", "rosa",
		                         "password", "nope"));
		ck_assert_int_eq(ts_error_code(resp), 401);
		json_decref(resp);
	}
	resp = ts_call(c, "session.login",
	               json_pack("{s:s, s:s}", "username", "rosa", "password",
	                         TS_PASSWORD));
	ck_assert_int_eq(ts_error_code(resp), 429);
	json_decref(resp);
	/* Failures count per resolved user (its id). */
	snprintf(key, sizeof key, "padline:login:%s:user:%s", sch, uid);
	r = cmd_ok(rc, "EXISTS %s", key);
	ck_assert_int_eq(r->integer, 1);
	freeReplyObject(r);
	if (db != 0) {
		/* SELECT happened: db 0 holds nothing of ours. */
		freeReplyObject(cmd_ok(rc, "SELECT %s", "0"));
		r = cmd_ok(rc, "EXISTS %s", key);
		ck_assert_int_eq(r->integer, 0);
		freeReplyObject(r);
	}

	ts_client_free(c);
	redisFree(sub);
	redisFree(rc);
	ck_assert_int_eq(ts_server_stop(&srv), 0);
	assert_log_clean(&srv, password);
	ts_db_drop_schema(sch);
}

START_TEST(requirepass)
{
	const char *args[] = {"--requirepass", PW_PLAIN, NULL};
	struct ts_redis rds;
	char url[256];

	ck_assert_int_eq(ts_redis_start(&rds, args), 0);
	snprintf(url, sizeof url, "redis://:%s@127.0.0.1:%d/0", PW_PLAIN,
	         rds.port);
	exercise(url, PW_PLAIN, 0);
	ts_redis_stop(&rds);
}
END_TEST

START_TEST(acl_user)
{
	struct ts_redis rds;
	redisContext *adm;
	char url[256], setuser[256];

	ck_assert_int_eq(ts_redis_start(&rds, NULL), 0);
	snprintf(url, sizeof url, "redis://127.0.0.1:%d", rds.port);
	adm = ts_redis_connect_url(url);
	ck_assert_ptr_nonnull(adm);
	snprintf(setuser, sizeof setuser, ">%s", PW_ACL);
	freeReplyObject(
	    cmd_ok(adm, "ACL SETUSER padsrv on %s ~* &* +@all", setuser));
	/* Without credentials nothing works from now on. */
	freeReplyObject(cmd_ok(adm, "ACL SETUSER %s off", "default"));
	redisFree(adm);

	snprintf(url, sizeof url, "redis://padsrv:%s@127.0.0.1:%d/2",
	         PW_ACL_URL, rds.port);
	exercise(url, PW_ACL, 2);
	ts_redis_stop(&rds);
}
END_TEST

START_TEST(wrong_password_is_reported_redacted)
{
	const char *args[] = {"--requirepass", PW_PLAIN, NULL};
	struct ts_redis rds;
	struct ts_server srv;
	char env_url[256], sch[64];
	const char *env[] = {env_url, NULL};
	char *log;

	ck_assert_int_eq(ts_redis_start(&rds, args), 0);
	snprintf(env_url, sizeof env_url,
	         "REDIS_URL=redis://:not-%s@127.0.0.1:%d/0", PW_PLAIN,
	         rds.port);
	ts_unique_schema("rdsbad", sch, sizeof sch);
	/* Redis is optional at run time: padlined starts on the PostgreSQL
	 * lock alone and says why Redis is not used. */
	ck_assert_int_eq(ts_server_start(&srv, sch, env, NULL), 0);
	ck_assert_int_eq(ts_server_stop(&srv), 0);
	log = ts_file_read(srv.log_path);
	ck_assert_msg(strstr(log, "redis://:***@127.0.0.1") != NULL, "%s", log);
	ck_assert_msg(strstr(log, "AUTH refused") != NULL, "%s", log);
	ck_assert_ptr_null(strstr(log, PW_PLAIN));
	free(log);
	ts_redis_stop(&rds);
	ts_db_drop_schema(sch);
}
END_TEST

/* A bad REDIS_URL stops serve and migrate before they start, with a
 * message naming the setting and what is wrong with it, never the
 * password, and the configuration error's exit status. */
START_TEST(bad_url_refused_at_start)
{
	const char *env[] = {"REDIS_URL=redis://:hunter2@h:99999", NULL};
	const char *serve[] = {"serve", NULL}, *migrate[] = {"migrate", NULL};
	const char *const *cmds[] = {serve, migrate};

	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
		char *out = NULL, *err = NULL;
		int rc = ts_padlined_run("rdsurl", env, cmds[i], NULL, 60, &out,
		                         &err);

		ck_assert_int_eq(rc, 2);
		ck_assert_msg(strstr(err,
		                     "padlined: REDIS_URL (or --redis-url): "
		                     "invalid Redis URL: the port must be "
		                     "1-65535") != NULL,
		              "%s: %s", cmds[i][0], err);
		ck_assert_ptr_null(strstr(err, "hunter2"));
		ck_assert_ptr_null(strstr(err, "out of memory"));
		free(out);
		free(err);
	}
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("redis_auth");
	TCase *tc = tcase_create("auth");

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, requirepass);
	tcase_add_test(tc, acl_user);
	tcase_add_test(tc, wrong_password_is_reported_redacted);
	tcase_add_test(tc, bad_url_refused_at_start);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
