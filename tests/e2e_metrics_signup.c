/*
 * The signup defense on /metrics against real padlined, PostgreSQL and
 * Redis: registration attempts by outcome, alarms by mode, rule hits by
 * mode and action and held accounts decided, each counted once, with no
 * username, address or domain in a label, and promtool clean.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tsupport.h"

static char schema[64];
static struct ts_server srv;
static int mport;

static void
setup(void)
{
	const char *env[] = {"PADLINE_TRUSTED_PROXIES=127.0.0.1/32", NULL};

	ts_unique_schema("msignup", schema, sizeof schema);
	mport = ts_server_start_metrics(&srv, schema, env);
}

static void
teardown(void)
{
	ck_assert_int_eq(ts_server_stop(&srv), 0);
	ts_db_drop_schema(schema);
}

/* user.register from src with token (a fresh one when NULL); its error
 * code (0: registered), the new account's id into id when given. */
static int
signup(const char *src, const char *token, const char *username, char *id)
{
	struct ts_client *c = ts_client_proxied(srv.port, src);
	char *fresh = token ? NULL : ts_form_token(c);
	json_t *r = ts_register_with(c, token ? token : fresh, username,
	                             TS_PASSWORD, NULL, NULL);
	int code;

	ck_assert_ptr_nonnull(r);
	code = ts_error_code(r);
	if (id != NULL && code == 0)
		snprintf(id, 40, "%s",
		         json_string_value(json_object_get(
		             json_object_get(ts_result(r), "user"), "id")));
	json_decref(r);
	free(fresh);
	ts_client_free(c);
	return code;
}

static void
put_rule(struct ts_client *admin, const char *json)
{
	json_t *r = ts_call(admin, "rule.put", json_loads(json, 0, NULL));

	ck_assert_msg(ts_error_code(r) == 0, "rule.put %s failed", json);
	json_decref(r);
}

static double
value(const char *text, const char *name)
{
	return ts_metrics_sample(text, name);
}

START_TEST(signup_defense_is_counted)
{
	struct ts_client *admin, *c;
	char held[40], *token, *text, *said;
	json_t *r;

	ck_assert_int_eq(ts_create_user(schema, "boss", TS_PASSWORD, 1), 0);
	admin = ts_client_proxied(srv.port, "192.0.2.250");
	ck_assert_int_eq(ts_login(admin, "boss", TS_PASSWORD), 0);
	/* Every signup here is fast: fast-fill off keeps the figures to the
	 * rules below. */
	put_rule(admin, "{\"name\":\"fast-fill\",\"when\":\"fast-fill\","
	                "\"action\":\"alarm\",\"enabled\":false}");
	put_rule(admin, "{\"name\":\"watch-doc\",\"when\":\"net:192.0.2.0/"
	                "24\",\"action\":\"alarm\"}");
	put_rule(admin, "{\"name\":\"hold-doc\",\"when\":\"net:198.51.100.0/"
	                "24\",\"action\":\"hold\"}");
	put_rule(admin, "{\"name\":\"try-doc\",\"when\":\"net:198.51.100.0/"
	                "24\",\"action\":\"block\",\"mode\":\"shadow\"}");
	put_rule(admin, "{\"name\":\"block-doc\",\"when\":\"net:203.0.113.0/"
	                "24\",\"action\":\"block\"}");

	/* created (watch-doc alarms), held (try-doc alarms in shadow),
	 * refused, invalid, duplicate, and failed: a spent form token. */
	c = ts_client_proxied(srv.port, "192.0.2.10");
	token = ts_form_token(c);
	ts_client_free(c);
	ck_assert_int_eq(signup("192.0.2.10", token, "keptname", NULL), 0);
	ck_assert_int_eq(signup("198.51.100.5", NULL, "waitname", held), 0);
	ck_assert_int_eq(signup("203.0.113.5", NULL, "burnname", NULL), 403);
	ck_assert_int_eq(signup("100.64.0.1", NULL, "x", NULL), 400);
	ck_assert_int_eq(signup("100.64.0.2", NULL, "keptname", NULL), 409);
	ck_assert_int_ne(signup("100.64.0.3", token, "latename", NULL), 0);
	free(token);
	r = ts_call(admin, "user.approve", json_pack("{s:[s]}", "ids", held));
	ck_assert_int_eq(ts_error_code(r), 0);
	json_decref(r);

	text = ts_metrics_scrape(mport);
	ck_assert_msg(
	    value(text, "padline_signup_attempts_total{outcome=\"created\"}") ==
	            1 &&
	        value(text,
	              "padline_signup_attempts_total{outcome=\"held\"}") == 1 &&
	        value(text,
	              "padline_signup_attempts_total{outcome=\"refused\"}") ==
	            1 &&
	        value(text,
	              "padline_signup_attempts_total{outcome=\"invalid\"}") ==
	            1 &&
	        value(text,
	              "padline_signup_attempts_total{outcome=\"duplicate\"}") ==
	            1 &&
	        value(text,
	              "padline_signup_attempts_total{outcome=\"failed\"}") == 1,
	    "attempts by outcome:\n%s", text);
	ck_assert_msg(
	    value(text, "padline_signup_alarms_total{mode=\"enforce\"}") == 1 &&
	        value(text, "padline_signup_alarms_total{mode=\"shadow\"}") ==
	            1,
	    "alarms:\n%s", text);
	/* The duplicate and the failed attempt came from networks no rule
	 * names; the invalid one is refused before the rules. */
	ck_assert_msg(
	    value(text, "padline_signup_rule_hits_total{mode=\"enforce\","
	                "action=\"alarm\"}") == 1 &&
	        value(text, "padline_signup_rule_hits_total{mode=\"enforce\","
	                    "action=\"hold\"}") == 1 &&
	        value(text, "padline_signup_rule_hits_total{mode=\"enforce\","
	                    "action=\"block\"}") == 1 &&
	        value(text, "padline_signup_rule_hits_total{mode=\"shadow\","
	                    "action=\"block\"}") == 1 &&
	        value(text, "padline_signup_rule_hits_total{mode=\"shadow\","
	                    "action=\"alarm\"}") == 0,
	    "rule hits:\n%s", text);
	ck_assert_msg(
	    value(text,
	          "padline_signup_decisions_total{decision=\"approved\"}") ==
	            1 &&
	        value(
	            text,
	            "padline_signup_decisions_total{decision=\"rejected\"}") ==
	            0,
	    "decisions:\n%s", text);
	/* Bounded labels: nothing a client chose. */
	ck_assert_msg(strstr(text, "keptname") == NULL,
	              "a username in the metrics:\n%s", text);
	ck_assert(strstr(text, "waitname") == NULL);
	ck_assert(strstr(text, "192.0.2.") == NULL);
	ck_assert(strstr(text, "198.51.100") == NULL);
	ck_assert(strstr(text, "doc\"") == NULL);
	ck_assert_msg(ts_promtool(text, &said) == 0 && said[0] == '\0',
	              "promtool check metrics:\n%s\non:\n%s", said, text);
	free(said);
	free(text);
	ts_client_free(admin);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("e2e_metrics_signup");
	TCase *tc = tcase_create("signup");

	tcase_set_timeout(tc, 300);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, signup_defense_is_counted);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
