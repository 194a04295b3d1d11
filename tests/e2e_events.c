/* Events end to end: every user change reaches the schema's channel once, as
 * {id, action, at, subject}, with the same id events.since reports; the
 * audit row is marked published; create-user publishes like register; one
 * log line per created user and never a password in the log. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include "event_sig.h"
#include "events.h"
#include "tsupport.h"

static struct ts_env tenv;

START_TEST(register_sync_and_cli_events)
{
	struct ts_client *c = ts_client_connect(tenv.srv.port);
	struct ts_client *admin;
	redisContext *sub = ts_event_subscribe(tenv.schema);
	json_t *r, *ev, *since;
	char id[40];
	long long evid;
	PGconn *db;

	ck_assert_ptr_nonnull(sub);
	r = ts_register_fresh(c, "quinn", TS_PASSWORD, NULL);
	ck_assert_int_eq(ts_error_code(r), 0);
	snprintf(id, sizeof id, "%s",
	         json_string_value(json_object_get(
	             json_object_get(ts_result(r), "user"), "id")));
	json_decref(r);
	ev = ts_event_wait(sub, "user.created", "username", "quinn",
	                   TS_PATIENCE_MS);
	ck_assert_msg(ev != NULL, "no event for quinn");
	ck_assert_str_eq(json_string_value(json_object_get(
	                     json_object_get(ev, "subject"), "id")),
	                 id);
	ck_assert_ptr_nonnull(json_object_get(ev, "at"));
	ck_assert_ptr_null(
	    json_object_get(json_object_get(ev, "subject"), "password_hash"));
	evid = json_integer_value(json_object_get(ev, "id"));
	json_decref(ev);

	/* create-user goes through the same path. */
	admin = ts_env_admin(&tenv, "rita");
	ck_assert_ptr_nonnull(admin);
	ev = ts_event_wait(sub, "user.created", "username", "rita",
	                   TS_PATIENCE_MS);
	ck_assert_msg(ev != NULL, "no event for create-user");
	json_decref(ev);

	/* A sync that changes a user is user.updated. */
	r = ts_call(admin, "user.sync",
	            json_pack("{s:s, s:s, s:s}", "id", id, "username", "quinn",
	                      "name", "Quinn Q"));
	ck_assert_int_eq(ts_error_code(r), 0);
	ck_assert(json_is_false(json_object_get(ts_result(r), "created")));
	json_decref(r);
	ev = ts_event_wait(sub, "user.updated", "id", id, TS_PATIENCE_MS);
	ck_assert_msg(ev != NULL, "no user.updated event");
	ck_assert_str_eq(json_string_value(json_object_get(
	                     json_object_get(ev, "subject"), "name")),
	                 "Quinn Q");
	json_decref(ev);

	/* events.since reports the very event that was published. */
	r = ts_call(admin, "events.since",
	            json_pack("{s:I, s:i}", "after", (json_int_t)(evid - 1),
	                      "limit", 1));
	since = json_array_get(json_object_get(ts_result(r), "events"), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(since, "id")),
	                 evid);
	ck_assert_str_eq(json_string_value(json_object_get(since, "action")),
	                 "user.created");
	json_decref(r);

	db = ts_db_connect(tenv.schema);
	/* Marked published by the next relay pass (within a second). */
	ck_assert_int_eq(
	    ts_db_wait_count(db,
	                     "SELECT count(*) FROM audit_log WHERE "
	                     "published_at IS NULL AND action "
	                     "LIKE 'user.%'",
	                     0, NULL, 0, TS_PATIENCE_MS),
	    0);
	PQfinish(db);
	redisFree(sub);
	ts_client_free(admin);
	ts_client_free(c);
}
END_TEST

/* The event names the account by id, never by what was typed. */
START_TEST(login_failure_is_an_event)
{
	struct ts_client *c = ts_client_connect(tenv.srv.port);
	redisContext *sub = ts_event_subscribe(tenv.schema);
	json_t *ev, *r;
	char *id, *text;

	ck_assert_int_eq(
	    ts_create_user(tenv.srv.schema, "stella", TS_PASSWORD, 0), 0);
	r = ts_call(c, "session.login",
	            json_pack("{s:s, s:s}", "username", "stella", "password",
	                      TS_PASSWORD));
	id = strdup(json_string_value(
	    json_object_get(json_object_get(ts_result(r), "user"), "id")));
	json_decref(r);
	ck_assert_int_eq(ts_login(c, "STELLA", "Wr0ng-Passw0rd!"), -1);
	ev = ts_event_wait(sub, "session.login_failed", "id", id,
	                   TS_PATIENCE_MS);
	ck_assert_msg(ev != NULL, "no session.login_failed event");
	ck_assert_ptr_null(
	    json_object_get(json_object_get(ev, "subject"), "username"));
	text = json_dumps(ev, 0);
	ck_assert_msg(strstr(text, "STELLA") == NULL,
	              "the typed name is in the event: %s", text);
	free(text);
	json_decref(ev);
	free(id);
	redisFree(sub);
	ts_client_free(c);
}
END_TEST

/* Sends the test events named in ns through events_redis_send (ids from
 * base), and checks each call reports them published. */
static void
send_test_events(redisContext *rc, const char *channel, long long base,
                 const char *ns)
{
	struct event_msg m[4] = {{0}};
	char text[4][128];
	int published[4];
	size_t n = strlen(ns);
	unsigned char pk[32], sk[64];

	for (size_t i = 0; i < n; i++) {
		snprintf(text[i], sizeof text[i],
		         "{\"id\":%lld,\"action\":\"test.claim\","
		         "\"subject\":{\"n\":\"%c\"}}",
		         base + (ns[i] - 'a'), ns[i]);
		m[i].id = base + (ns[i] - 'a');
		m[i].event = text[i];
	}
	ts_event_keys(pk, sk);
	ck_assert_int_ge(
	    events_redis_send(rc, NULL, channel, sk, m, n, published), 0);
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(published[i], "event %c not published", ns[i]);
}

/* The next test.claim message's subject.n, as a letter (0: none came). */
static char
next_test_event(redisContext *sub)
{
	json_t *e =
	    ts_event_next(sub, "test.claim", ts_now_ms() + TS_PATIENCE_MS);
	const char *n;
	char c;

	if (e == NULL)
		return 0;
	n = json_string_value(
	    json_object_get(json_object_get(e, "subject"), "n"));
	c = n ? n[0] : 0;
	json_decref(e);
	return c;
}

/* Publishing survives Redis losing its script cache (a restart, SCRIPT
 * FLUSH: EVALSHA answers NOSCRIPT and the events go again as EVAL), and an
 * event sent twice reaches subscribers once (its claim). */
START_TEST(publish_survives_script_flush_and_claims_once)
{
	redisContext *sub = ts_event_subscribe(tenv.schema);
	redisContext *rc = ts_redis_connect();
	long long base = 4000000000000LL + (long long)getpid() * 10;
	char channel[128];
	redisReply *r;

	ck_assert_ptr_nonnull(sub);
	ck_assert_ptr_nonnull(rc);
	ts_events_channel(tenv.schema, channel, sizeof channel);
	r = redisCommand(rc, "SCRIPT FLUSH");
	ck_assert_ptr_nonnull(r);
	freeReplyObject(r);
	send_test_events(rc, channel, base, "ab");
	ck_assert_int_eq(next_test_event(sub), 'a');
	ck_assert_int_eq(next_test_event(sub), 'b');
	/* Sent again (after another flush): claimed, so not published; the
	 * next message on the channel is the new event c. */
	r = redisCommand(rc, "SCRIPT FLUSH");
	ck_assert_ptr_nonnull(r);
	freeReplyObject(r);
	send_test_events(rc, channel, base, "ab");
	send_test_events(rc, channel, base, "c");
	ck_assert_int_eq(next_test_event(sub), 'c');
	redisFree(rc);
	redisFree(sub);
}
END_TEST

/* Every publish path signs: the publisher thread (a registration) and the
 * relay (a row left unpublished), with the key server.hello names, which is
 * the one derived from PADLINE_SECRET (so every instance signs alike). */
START_TEST(published_events_verify_with_hellos_key)
{
	struct ts_client *c = ts_client_connect(tenv.srv.port);
	redisContext *sub = ts_event_subscribe(tenv.schema);
	json_t *hello = ts_call(c, "server.hello", NULL), *r, *ev;
	unsigned char pk[32], derived[32], sk[64];
	struct event_sig_verifier v;
	redisReply *m = NULL;
	const char *key = json_string_value(json_object_get(
	    json_object_get(ts_result(hello), "events"), "public_key"));
	PGconn *db;
	int seen = 0;

	ck_assert_ptr_nonnull(sub);
	ck_assert_msg(key != NULL, "hello has no events.public_key");
	ck_assert_int_eq(event_sig_pk_parse(key, pk), 0);
	ts_event_keys(derived, sk);
	ck_assert(memcmp(pk, derived, sizeof pk) == 0);
	event_sig_verifier_init(&v, pk);
	r = ts_register_fresh(c, "signee", TS_PASSWORD, NULL);
	ck_assert_int_eq(ts_error_code(r), 0);
	json_decref(r);
	/* The raw message, checked here with hello's key alone. */
	redisSetTimeout(sub, (struct timeval){TS_PATIENCE_MS / 1000, 0});
	while (!seen && redisGetReply(sub, (void **)&m) == REDIS_OK && m) {
		const char *text;
		size_t len;

		if (m->type == REDIS_REPLY_ARRAY && m->elements == 3 &&
		    strstr(m->element[2]->str, "\"signee") != NULL) {
			ck_assert_int_eq(
			    event_sig_verify(&v, m->element[2]->str,
			                     m->element[2]->len, &text, &len),
			    EVENT_SIG_OK);
			ck_assert_int_eq(text[0], '{');
			seen = 1;
		}
		freeReplyObject(m);
	}
	ck_assert(seen);
	/* A row the request never published: the relay's. */
	db = ts_db_connect(tenv.schema);
	ts_db_exec(db, "INSERT INTO audit_log (action, at, details) VALUES "
	               "('test.relay', now() - interval '1 minute', "
	               "'{\"subject\": {\"n\": \"relay\"}}')");
	PQfinish(db);
	ev = ts_event_next(sub, "test.relay", ts_now_ms() + TS_PATIENCE_MS);
	ck_assert_msg(ev != NULL, "no signed event from the relay");
	json_decref(ev);
	json_decref(hello);
	redisFree(sub);
	ts_client_free(c);
}
END_TEST

START_TEST(one_log_line_per_user_no_secrets)
{
	struct ts_client *c = ts_client_connect(tenv.srv.port);
	char *log, *p;
	int lines = 0;
	json_t *r;

	r = ts_register_fresh(c, "sam", "S3cret-Log-Passw0rd", NULL);
	ck_assert_int_eq(ts_error_code(r), 0);
	json_decref(r);
	log = ts_file_read(tenv.srv.log_path);
	for (p = log; (p = strstr(p, "msg=\"user created\"")) != NULL; p++) {
		char *eol = strchr(p, '\n');

		if (eol)
			*eol = '\0';
		if (strstr(p, "username=sam ") && strstr(p, "id=") &&
		    strstr(p, "created_at=") && strstr(p, "totp=off"))
			lines++;
		if (eol)
			*eol = '\n';
	}
	ck_assert_int_eq(lines, 1);
	ck_assert_ptr_null(strstr(log, "S3cret-Log-Passw0rd"));
	ck_assert_ptr_null(strstr(log, "$argon2id$"));
	free(log);
	ts_client_free(c);
}
END_TEST

static const struct ts_env_opts opts = {.prefix = "evt"};

int
main(void)
{
	Suite *s = suite_create("e2e_events");
	TCase *tc = tcase_create("evt");

	ts_env_fixture(tc, &tenv, &opts, TS_PER_SUITE);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, register_sync_and_cli_events);
	tcase_add_test(tc, login_failure_is_an_event);
	tcase_add_test(tc, publish_survives_script_flush_and_claims_once);
	tcase_add_test(tc, published_events_verify_with_hellos_key);
	tcase_add_test(tc, one_log_line_per_user_no_secrets);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
