/* `padlined redis-acl NAME`: the printed ACL SETUSER, run on a real Redis,
 * gives a user that can SUBSCRIBE to this deployment's channel (and PING)
 * and receives padlined's events there, while PUBLISH, SET, GET and other
 * channels are refused. Each test runs its own redis-server. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tsupport.h"

/* Runs the one-line command cmd on rc (split on spaces); returns reply. */
static redisReply *
run_line(redisContext *rc, char *cmd)
{
	const char *argv[32];
	int argc = 0;

	cmd[strcspn(cmd, "\r\n")] = '\0';
	for (char *t = strtok(cmd, " "); t && argc < 32; t = strtok(NULL, " "))
		argv[argc++] = t;
	return redisCommandArgv(rc, argc, argv, NULL);
}

static void
refused(redisContext *rc, const char *fmt, const char *arg)
{
	redisReply *r = redisCommand(rc, fmt, arg);

	ck_assert_ptr_nonnull(r);
	ck_assert_msg(r->type == REDIS_REPLY_ERROR &&
	                  strncmp(r->str, "NOPERM", 6) == 0,
	              "%s was not refused", fmt);
	freeReplyObject(r);
}

/* Creates the user from padlined's output on the private Redis. */
static void
create_user(const char *schema, int port, const char *stdin_text,
            const char *const *args, char **err_out)
{
	char env_url[160], url[128], *out = NULL;
	const char *env[] = {env_url, NULL};
	redisContext *adm;
	redisReply *r;

	snprintf(url, sizeof url, "redis://127.0.0.1:%d", port);
	snprintf(env_url, sizeof env_url, "REDIS_URL=%s", url);
	ck_assert_int_eq(
	    ts_padlined_run(schema, env, args, stdin_text, 60, &out, err_out),
	    0);
	ck_assert_msg(strncmp(out, "ACL SETUSER ", 12) == 0, "%s", out);
	ck_assert_ptr_null(strstr(out, "Dash-pw")); /* only its hash */
	adm = ts_redis_connect_url(url);
	ck_assert_ptr_nonnull(adm);
	r = run_line(adm, out);
	ck_assert_ptr_nonnull(r);
	ck_assert_msg(r->type == REDIS_REPLY_STATUS, "%s", r->str);
	freeReplyObject(r);
	redisFree(adm);
	free(out);
}

START_TEST(subscribe_only)
{
	const char *args[] = {"redis-acl", "dash", "--password-stdin", NULL};
	struct ts_redis rds;
	struct ts_server srv;
	struct ts_client *c;
	char sch[64], url[160], env_url[160], channel[128];
	const char *env[] = {env_url, NULL};
	redisContext *dash, *other;
	redisReply *r;
	json_t *resp, *ev;
	const char *id;

	ck_assert_int_eq(ts_redis_start(&rds, NULL), 0);
	ts_unique_schema("rdsacl", sch, sizeof sch);
	ts_events_channel(sch, channel, sizeof channel);
	create_user(sch, rds.port, "Dash-pw 1\n", args, NULL);

	snprintf(url, sizeof url, "redis://dash:Dash-pw%%201@127.0.0.1:%d",
	         rds.port);
	dash = ts_redis_connect_url(url);
	ck_assert_ptr_nonnull(dash);
	r = redisCommand(dash, "PING");
	ck_assert_int_eq(r->type, REDIS_REPLY_STATUS);
	freeReplyObject(r);
	refused(dash, "PUBLISH %s x", channel);
	refused(dash, "SET %s x", "padline:anything");
	refused(dash, "GET %s", "padline:anything");
	refused(dash, "SUBSCRIBE %s", "padline:events:someone_else");
	refused(dash, "PSUBSCRIBE %s", "padline:*");
	other = ts_redis_connect_url(url);
	ck_assert_ptr_nonnull(other);
	refused(other, "SELECT %s", "1");
	redisFree(other);

	/* And it does what a dashboard needs: padlined's events arrive. */
	r = redisCommand(dash, "SUBSCRIBE %s", channel);
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(r->type, REDIS_REPLY_ARRAY);
	freeReplyObject(r);
	snprintf(env_url, sizeof env_url, "REDIS_URL=redis://127.0.0.1:%d/0",
	         rds.port);
	ck_assert_int_eq(ts_server_start(&srv, sch, env, NULL), 0);
	c = ts_client_connect(srv.port);
	resp = ts_register_fresh(c, "dina", TS_PASSWORD, NULL);
	ck_assert_int_eq(ts_error_code(resp), 0);
	id = json_string_value(
	    json_object_get(json_object_get(ts_result(resp), "user"), "id"));
	ev = ts_event_wait(dash, "user.created", "id", id, TS_PATIENCE_MS);
	ck_assert_msg(ev != NULL, "no event for the subscribe-only user");
	json_decref(ev);
	json_decref(resp);
	ts_client_free(c);
	ts_server_stop(&srv);
	redisFree(dash);
	ts_redis_stop(&rds);
	ts_db_drop_schema(sch);
}
END_TEST

START_TEST(generated_password_url_works)
{
	const char *args[] = {"redis-acl", "dash2", NULL};
	struct ts_redis rds;
	char *err = NULL, *url;
	redisContext *dash;
	redisReply *r;

	ck_assert_int_eq(ts_redis_start(&rds, NULL), 0);
	create_user("rdsaclgen", rds.port, NULL, args, &err);
	url = strstr(err, "--redis ");
	ck_assert_msg(url != NULL, "%s", err);
	url += 8;
	url[strcspn(url, "\n")] = '\0';
	dash = ts_redis_connect_url(url);
	ck_assert_ptr_nonnull(dash);
	r = redisCommand(dash, "PING");
	ck_assert_int_eq(r->type, REDIS_REPLY_STATUS);
	freeReplyObject(r);
	refused(dash, "PUBLISH %s x", "padline:events:rdsaclgen");
	redisFree(dash);
	free(err);
	ts_redis_stop(&rds);
}
END_TEST

START_TEST(bad_name_and_usage)
{
	const char *bad[] = {"redis-acl", "a b", NULL};
	const char *none[] = {"redis-acl", NULL};
	const char *empty[] = {"redis-acl", "x", "--password-stdin", NULL};

	ck_assert_int_eq(
	    ts_padlined_run("rdsaclbad", NULL, bad, NULL, 60, NULL, NULL), 2);
	ck_assert_int_eq(
	    ts_padlined_run("rdsaclbad", NULL, none, NULL, 60, NULL, NULL), 2);
	ck_assert_int_eq(
	    ts_padlined_run("rdsaclbad", NULL, empty, "\n", 60, NULL, NULL), 2);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("redis_acl");
	TCase *tc = tcase_create("acl");

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, subscribe_only);
	tcase_add_test(tc, generated_password_url_works);
	tcase_add_test(tc, bad_name_and_usage);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
