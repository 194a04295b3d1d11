/*
 * Helpers shared by the user suites (e2e_register, e2e_session, e2e_admin,
 * e2e_events, e2e_fault_redis): registration with chosen params, violation
 * lookup, an admin connection and a subscriber to the schema's events
 * channel (padline:events:<schema>).
 */
#ifndef PL_USERS_SUPPORT_H
#define PL_USERS_SUPPORT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "tsupport.h"

#define US_PASSWORD "Corr3ct-Horse!"
#define US_ADMIN_PASSWORD "Adm1n-Passw0rd!"

/* A fresh form token from server.hello (malloc'd), NULL on failure. */
static inline char *
us_form_token(struct ts_client *c)
{
	json_t *h = ts_call(c, "server.hello", NULL);
	const char *t =
	    json_string_value(json_object_get(ts_result(h), "form_token"));
	char *tok = t ? strdup(t) : NULL;

	json_decref(h);
	return tok;
}

/* user.register with exactly these params (NULL = absent). */
static inline json_t *
us_register(struct ts_client *c, const char *token, const char *username,
            const char *password, const char *email, const char *invitation)
{
	json_t *p = json_object();

	if (token)
		json_object_set_new(p, "form_token", json_string(token));
	if (username)
		json_object_set_new(p, "username", json_string(username));
	if (password)
		json_object_set_new(p, "password", json_string(password));
	if (email)
		json_object_set_new(p, "email", json_string(email));
	if (invitation)
		json_object_set_new(p, "invitation", json_string(invitation));
	return ts_call(c, "user.register", p);
}

/* hello + register: the common case. */
static inline json_t *
us_register_fresh(struct ts_client *c, const char *username,
                  const char *password, const char *invitation)
{
	char *tok = us_form_token(c);
	json_t *r = us_register(c, tok, username, password, NULL, invitation);

	free(tok);
	return r;
}

/* 1 when the error response lists {field, rule}. */
static inline int
us_has_violation(const json_t *resp, const char *field, const char *rule)
{
	json_t *v = json_object_get(
	    json_object_get(json_object_get(resp, "error"), "data"),
	    "violations");
	size_t i;
	json_t *e;

	json_array_foreach (v, i, e) {
		const char *f = json_string_value(json_object_get(e, "field"));
		const char *r = json_string_value(json_object_get(e, "rule"));

		if (f && r && strcmp(f, field) == 0 && strcmp(r, rule) == 0)
			return 1;
	}
	return 0;
}

static inline size_t
us_violation_count(const json_t *resp)
{
	return json_array_size(json_object_get(
	    json_object_get(json_object_get(resp, "error"), "data"),
	    "violations"));
}

/* A client signed in as a new admin named name (created with create-user). */
static inline struct ts_client *
us_admin_client(const struct ts_server *srv, const char *name)
{
	struct ts_client *c;

	if (ts_create_user(srv->schema, name, US_ADMIN_PASSWORD, 1) != 0)
		return NULL;
	c = ts_client_connect(srv->port);
	if (c && ts_login(c, name, US_ADMIN_PASSWORD) != 0) {
		ts_client_free(c);
		return NULL;
	}
	return c;
}

/* A Redis connection subscribed to schema's events channel, NULL on
 * failure. */
static inline redisContext *
us_subscribe(const char *schema)
{
	redisContext *rc = ts_redis_connect();
	redisReply *r;
	char channel[128];

	if (rc == NULL)
		return NULL;
	r = redisCommand(rc, "SUBSCRIBE %s",
	                 ts_events_channel(schema, channel, sizeof channel));
	if (r == NULL) {
		redisFree(rc);
		return NULL;
	}
	freeReplyObject(r);
	return rc;
}

/*
 * The next event of action (NULL: any) that arrives before end_ms
 * (ts_now_ms()), skipping others (other suites publish on the same
 * channel) and messages that are not signed by padlined's key. Returns the
 * event (new reference) or NULL.
 */
static inline json_t *
us_next_event(redisContext *rc, const char *action, long long end_ms)
{
	while (ts_now_ms() < end_ms) {
		long long left = end_ms - ts_now_ms();
		struct timeval tv = {left / 1000, (left % 1000) * 1000};
		redisReply *r = NULL;
		json_t *ev = NULL;

		redisSetTimeout(rc, tv);
		if (redisGetReply(rc, (void **)&r) != REDIS_OK || r == NULL)
			return NULL;
		if (r->type == REDIS_REPLY_ARRAY && r->elements == 3 &&
		    r->element[2]->type == REDIS_REPLY_STRING)
			ev = ts_event_open(r->element[2]->str,
			                   r->element[2]->len);
		freeReplyObject(r);
		if (ev == NULL)
			continue;
		const char *a =
		    json_string_value(json_object_get(ev, "action"));

		if (a && (action == NULL || strcmp(a, action) == 0))
			return ev;
		json_decref(ev);
	}
	return NULL;
}

/*
 * Waits up to timeout_ms for an event of action whose subject has
 * field == value. Returns the event (new reference) or NULL.
 */
static inline json_t *
us_wait_event(redisContext *rc, const char *action, const char *field,
              const char *value, long long timeout_ms)
{
	long long end = ts_now_ms() + timeout_ms;
	json_t *ev;

	while ((ev = us_next_event(rc, action, end)) != NULL) {
		const char *v = json_string_value(
		    json_object_get(json_object_get(ev, "subject"), field));

		if (v && strcmp(v, value) == 0)
			return ev;
		json_decref(ev);
	}
	return NULL;
}

/* A server log (or any file) as one string, up to 4 MiB; malloc'd. */
static inline char *
us_slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = calloc(1, 1 << 22);
	size_t n;

	if (f == NULL)
		return buf;
	n = fread(buf, 1, (1 << 22) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* What a user suite's main needs to know. */
struct us_suite {
	const char *name;       /* suite name */
	const char *prefix;     /* schema prefix */
	struct ts_server *srv;  /* started on schema before the tests */
	char *schema;           /* buffer of 64 */
	int (*setup)(void);     /* after start, may be NULL; != 0 aborts */
	void (*teardown)(void); /* before stop, may be NULL */
	const char *restore;    /* ts_stack action afterwards, or NULL */
	const TTest *const *tests;
	size_t ntests;
};

/* Starts padlined, runs the tests in one TCase (no fork when restore is
 * set, so a failure cannot skip it), stops and drops. Exit status. */
static inline int
us_suite_main(const struct us_suite *u)
{
	Suite *s = suite_create(u->name);
	TCase *tc = tcase_create(u->prefix);
	SRunner *sr;
	int failed, status;

	ts_unique_schema(u->prefix, u->schema, 64);
	if (ts_server_start(u->srv, u->schema, NULL, NULL) != 0)
		return 1;
	if (u->setup && u->setup() != 0) {
		ts_server_stop(u->srv);
		ts_db_drop_schema(u->schema);
		return 1;
	}
	tcase_set_timeout(tc, 120);
	for (size_t i = 0; i < u->ntests; i++)
		tcase_add_test(tc, u->tests[i]);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	if (u->restore)
		srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	if (u->restore)
		ts_stack(u->restore);
	if (u->teardown)
		u->teardown();
	status = ts_server_stop(u->srv);
	if (status != 0)
		fprintf(stderr, "padlined exit status %d, log %s\n", status,
		        u->srv->log_path);
	ts_db_drop_schema(u->schema);
	return failed == 0 && status == 0 ? 0 : 1;
}

#endif
