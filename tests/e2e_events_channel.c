/* One Redis, several deployments: each padlined publishes on its own
 * channel (padline:events:<schema>, or PADLINE_EVENTS_CHANNEL) and names it
 * in server.hello, so one deployment's subscribers never see another's
 * signups. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tsupport.h"

static const char *
hello_channel(struct ts_client *c, char *buf, size_t size)
{
	json_t *h = ts_call(c, "server.hello", NULL);
	const char *ch = json_string_value(json_object_get(
	    json_object_get(ts_result(h), "events"), "channel"));

	snprintf(buf, size, "%s", ch ? ch : "");
	json_decref(h);
	return buf;
}

static redisContext *
subscribe(const char *channel)
{
	redisContext *rc = ts_redis_connect();
	redisReply *r;

	ck_assert_ptr_nonnull(rc);
	r = redisCommand(rc, "SUBSCRIBE %s", channel);
	ck_assert_ptr_nonnull(r);
	freeReplyObject(r);
	return rc;
}

static char *
register_user(struct ts_client *c, const char *name)
{
	json_t *r = ts_register_fresh(c, name, TS_PASSWORD, NULL);
	char *id;

	ck_assert_int_eq(ts_error_code(r), 0);
	id = strdup(json_string_value(
	    json_object_get(json_object_get(ts_result(r), "user"), "id")));
	json_decref(r);
	return id;
}

/*
 * Reads sub until the marker we publish on its channel arrives and fails if
 * an event mentioning foreign came first. Redis delivers a channel's
 * messages in order, and foreign's event was already delivered elsewhere,
 * so had it been published here it would come before the marker.
 */
static void
assert_not_seen(redisContext *sub, const char *channel, const char *foreign)
{
	redisContext *pub = ts_redis_connect();
	long long end = ts_now_ms() + TS_PATIENCE_MS;

	ck_assert_ptr_nonnull(pub);
	freeReplyObject(
	    redisCommand(pub, "PUBLISH %s %s", channel, "marker-e2e"));
	redisFree(pub);
	while (ts_now_ms() < end) {
		redisReply *r = NULL;
		int done;

		ck_assert_int_eq(redisGetReply(sub, (void **)&r), REDIS_OK);
		ck_assert(r->type == REDIS_REPLY_ARRAY && r->elements == 3);
		ck_assert_msg(strstr(r->element[2]->str, foreign) == NULL,
		              "%s saw %s", channel, foreign);
		done = strcmp(r->element[2]->str, "marker-e2e") == 0;
		freeReplyObject(r);
		if (done)
			return;
	}
	ck_abort_msg("marker never arrived on %s", channel);
}

START_TEST(two_schemas_one_redis)
{
	struct ts_server a, b;
	char sa[64], sb[64], cha[128], chb[128], want[128];
	struct ts_client *ca, *cb;
	redisContext *suba, *subb;
	char *ida, *idb;
	json_t *ev;

	ts_unique_schema("chana", sa, sizeof sa);
	ts_unique_schema("chanb", sb, sizeof sb);
	ck_assert_int_eq(ts_server_start(&a, sa, NULL, NULL), 0);
	ck_assert_int_eq(ts_server_start(&b, sb, NULL, NULL), 0);
	ca = ts_client_connect(a.port);
	cb = ts_client_connect(b.port);
	ck_assert_str_eq(hello_channel(ca, cha, sizeof cha),
	                 ts_events_channel(sa, want, sizeof want));
	ck_assert_str_eq(hello_channel(cb, chb, sizeof chb),
	                 ts_events_channel(sb, want, sizeof want));
	suba = subscribe(cha);
	subb = subscribe(chb);

	/* The same username in both: only the id tells them apart. */
	ida = register_user(ca, "twin");
	ev = ts_event_wait(suba, "user.created", "id", ida, TS_PATIENCE_MS);
	ck_assert_msg(ev != NULL, "no event on %s", cha);
	json_decref(ev);
	idb = register_user(cb, "twin");
	ev = ts_event_wait(subb, "user.created", "id", idb, TS_PATIENCE_MS);
	ck_assert_msg(ev != NULL, "no event on %s", chb);
	json_decref(ev);
	assert_not_seen(suba, cha, idb);
	assert_not_seen(subb, chb, ida);

	free(ida);
	free(idb);
	redisFree(suba);
	redisFree(subb);
	ts_client_free(ca);
	ts_client_free(cb);
	ts_server_stop(&a);
	ts_server_stop(&b);
	ts_db_drop_schema(sa);
	ts_db_drop_schema(sb);
}
END_TEST

START_TEST(channel_setting_overrides)
{
	char sch[64], ch[128], chan_env[128], custom[96];
	const char *env[] = {chan_env, NULL};
	struct ts_server s;
	struct ts_client *c;
	redisContext *sub;
	char *id;
	json_t *ev;

	ts_unique_schema("chanx", sch, sizeof sch);
	snprintf(custom, sizeof custom, "ops:%s:signups", sch);
	snprintf(chan_env, sizeof chan_env, "PADLINE_EVENTS_CHANNEL=%s",
	         custom);
	ck_assert_int_eq(ts_server_start(&s, sch, env, NULL), 0);
	c = ts_client_connect(s.port);
	ck_assert_str_eq(hello_channel(c, ch, sizeof ch), custom);
	sub = subscribe(custom);
	id = register_user(c, "odin");
	ev = ts_event_wait(sub, "user.created", "id", id, TS_PATIENCE_MS);
	ck_assert_msg(ev != NULL, "no event on %s", custom);
	json_decref(ev);
	free(id);
	redisFree(sub);
	ts_client_free(c);
	ts_server_stop(&s);
	ts_db_drop_schema(sch);
}
END_TEST

START_TEST(bad_channel_refused)
{
	char *err = NULL;
	const char *env[] = {"PADLINE_EVENTS_CHANNEL=padline:*", NULL};
	const char *args[] = {"migrate", NULL};

	ck_assert_int_ne(
	    ts_padlined_run("chanbad", env, args, NULL, 60, NULL, &err), 0);
	ck_assert_msg(strstr(err, "events channel") != NULL, "%s", err);
	free(err);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("events_channel");
	TCase *tc = tcase_create("channel");

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, two_schemas_one_redis);
	tcase_add_test(tc, channel_setting_overrides);
	tcase_add_test(tc, bad_channel_refused);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
