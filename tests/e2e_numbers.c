/* Numbers in pad data come back as the numbers that were sent (README,
 * "Numbers"): through pad.create, pad.get and a backup restore, large and
 * small, integers beyond 64 bits, nested. A stored pad never reads back as
 * null: what cannot be read is a 500 with a log line naming the pad. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tsupport.h"

static struct ts_env tenv;
static long long next_id = 1000;

/* The numbers as a client types them, and their expected reading. */
static const struct {
	const char *key, *text;
} nums[] = {
    {"a", "1e19"},
    {"b", "9.3e18"},
    {"c", "1E20"},
    {"d", "1.5e300"},
    {"e", "0.1"},
    {"f", "-0.0"},
    {"g", "12345678901234567890"},
    {"h", "-98765432109876543210"},
    {"i", "42"},
    {"j", "9223372036854775807"},
    {"k", "-9223372036854775808"},
    {"l", "2.5"},
    {"m", "1e-7"},
};

static char *
data_text(void)
{
	char *s = strdup("{\"keep\":\"me\"");

	for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
		char *t;

		ck_assert(asprintf(&t, "%s,\"%s\":%s", s, nums[i].key,
		                   nums[i].text) > 0);
		free(s);
		s = t;
	}
	char *t;
	ck_assert(asprintf(&t,
	                   "%s,\"nested\":{\"deep\":[1e19,{\"x\":0.1,\"y\":"
	                   "12345678901234567890}]}}",
	                   s) > 0);
	free(s);
	return t;
}

/* Sends a raw request line (numbers exactly as typed) and returns the raw
 * reply line. */
static char *
raw_call(struct ts_client *c, const char *method, const char *params)
{
	char *line;
	char *reply;

	ck_assert(asprintf(&line,
	                   "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"method\":\"%s\","
	                   "\"params\":%s}\n",
	                   next_id++, method, params) > 0);
	ck_assert_int_eq(ts_client_send_raw(c, line, strlen(line)), 0);
	free(line);
	reply = ts_client_read_line(c, 30000, NULL);
	ck_assert_msg(reply != NULL, "no reply to %s", method);
	return reply;
}

static void
check_number(json_t *v, const char *key, const char *text)
{
	double want = strtod(text, NULL);

	ck_assert_msg(json_is_number(v), "%s is not a number", key);
	if ((strpbrk(text, ".eE") == NULL && strlen(text) < 20) ||
	    strcmp(text, "-9223372036854775808") == 0) {
		/* An integer that fits in 64 bits comes back exact. */
		char buf[32];

		ck_assert_msg(json_is_integer(v), "%s is not an integer", key);
		snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT,
		         json_integer_value(v));
		ck_assert_str_eq(buf, text);
		return;
	}
	ck_assert_msg(json_number_value(v) == want, "%s: sent %s, read %.17g",
	              key, text, json_number_value(v));
}

/* The reply line carries a pad whose data holds every number. */
static void
check_pad_line(const char *line, const char *what)
{
	json_t *r, *data, *deep;

	ck_assert_msg(strstr(line, "\"data\":null") == NULL,
	              "%s: data read back as null: %s", what, line);
	ck_assert_msg(strstr(line, "0.10000000000000001") == NULL,
	              "%s: 0.1 printed longer than needed: %s", what, line);
	r = json_loads(line, 0, NULL);
	ck_assert_msg(r != NULL, "%s: reply is not JSON a client can read: %s",
	              what, line);
	ck_assert_msg(ts_error_code(r) == 0, "%s failed: %s", what, line);
	data = json_object_get(json_object_get(ts_result(r), "pad"), "data");
	ck_assert_str_eq(json_string_value(json_object_get(data, "keep")),
	                 "me");
	for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++)
		check_number(json_object_get(data, nums[i].key), nums[i].key,
		             nums[i].text);
	deep = json_object_get(json_object_get(data, "nested"), "deep");
	check_number(json_array_get(deep, 0), "deep[0]", "1e19");
	check_number(json_object_get(json_array_get(deep, 1), "x"), "x", "0.1");
	check_number(json_object_get(json_array_get(deep, 1), "y"), "y",
	             "12345678901234567890");
	json_decref(r);
}

static char *
pad_id_of(const char *line)
{
	json_t *r = json_loads(line, 0, NULL);
	char *id = strdup(json_string_value(
	    json_object_get(json_object_get(ts_result(r), "pad"), "id")));

	json_decref(r);
	return id;
}

START_TEST(numbers_round_trip)
{
	struct ts_client *c = ts_client_connect(tenv.srv.port);
	char *data = data_text(), *params, *line, *id, *bid;
	json_t *r;
	PGconn *db;

	ck_assert_int_eq(ts_create_user(tenv.schema, "nina", TS_PASSWORD, 0),
	                 0);
	ck_assert_int_eq(ts_login(c, "nina", TS_PASSWORD), 0);
	ck_assert(asprintf(&params, "{\"display_name\":\"nums\",\"data\":%s}",
	                   data) > 0);
	line = raw_call(c, "pad.create", params);
	free(params);
	check_pad_line(line, "pad.create");
	id = pad_id_of(line);
	free(line);

	ck_assert(asprintf(&params, "{\"id\":\"%s\"}", id) > 0);
	line = raw_call(c, "pad.get", params);
	free(params);
	check_pad_line(line, "pad.get");
	free(line);

	/* Stored as the client wrote it: 0.1 is 0.1 in SQL too. */
	db = ts_db_connect(tenv.schema);
	ck_assert_int_eq(ts_db_count(db,
	                             "SELECT count(*) FROM pads WHERE "
	                             "data->>'e' = '0.1' AND "
	                             "(data->>'a')::numeric = 1e19",
	                             0, NULL),
	                 1);

	/* Overwrite (keeping a backup), then restore the backup. */
	ck_assert(asprintf(&params, "{\"id\":\"%s\",\"data\":{\"x\":1}}", id) >
	          0);
	line = raw_call(c, "pad.update", params);
	free(params);
	free(line);
	r = ts_call(c, "pad.backups", json_pack("{s:s}", "id", id));
	ck_assert_int_eq(ts_error_code(r), 0);
	bid = strdup(json_string_value(json_object_get(
	    json_array_get(json_object_get(ts_result(r), "backups"), 0),
	    "id")));
	json_decref(r);
	ck_assert(asprintf(&params, "{\"id\":\"%s\",\"backup_id\":\"%s\"}", id,
	                   bid) > 0);
	line = raw_call(c, "pad.restore", params);
	free(params);
	check_pad_line(line, "pad.restore");
	free(line);
	ck_assert(asprintf(&params, "{\"id\":\"%s\",\"data\":true}", id) > 0);
	line = raw_call(c, "pad.backups", params);
	free(params);
	ck_assert_msg(strstr(line, "\"data\":null") == NULL, "%s", line);
	free(line);

	PQfinish(db);
	free(bid);
	free(id);
	free(data);
	ts_client_free(c);
}
END_TEST

/* A value no double can hold, written behind padlined's back: the read is
 * a 500 and a log line with the pad id, never "data": null. */
START_TEST(unreadable_pad_is_500_and_logged)
{
	struct ts_client *c = ts_client_connect(tenv.srv.port);
	char *params, *line, *id, *log;
	PGconn *db;
	json_t *r;

	ck_assert_int_eq(ts_create_user(tenv.schema, "otto", TS_PASSWORD, 0),
	                 0);
	ck_assert_int_eq(ts_login(c, "otto", TS_PASSWORD), 0);
	line = raw_call(c, "pad.create",
	                "{\"display_name\":\"huge\",\"data\":{\"a\":1}}");
	id = pad_id_of(line);
	free(line);
	db = ts_db_connect(tenv.schema);
	{
		const char *p[] = {id};
		PGresult *res = PQexecParams(
		    db,
		    "UPDATE pads SET data = '{\"a\": 1e400}'::jsonb WHERE id = "
		    "$1::uuid",
		    1, NULL, p, NULL, NULL, 0);
		ck_assert_int_eq(PQresultStatus(res), PGRES_COMMAND_OK);
		PQclear(res);
	}
	ck_assert(asprintf(&params, "{\"id\":\"%s\"}", id) > 0);
	line = raw_call(c, "pad.get", params);
	free(params);
	ck_assert_msg(strstr(line, "\"data\":null") == NULL, "%s", line);
	r = json_loads(line, 0, NULL);
	ck_assert_int_eq(ts_error_code(r), 500);
	json_decref(r);
	free(line);
	log = ts_file_read(tenv.srv.log_path);
	ck_assert_msg(strstr(log, id) != NULL &&
	                  strstr(log, "stored JSON unreadable") != NULL,
	              "no log line naming pad %s", id);
	free(log);
	PQfinish(db);
	free(id);
	ts_client_free(c);
}
END_TEST

static const struct ts_env_opts opts = {.prefix = "num"};

int
main(void)
{
	Suite *s = suite_create("e2e_numbers");
	TCase *tc = tcase_create("num");

	ts_env_fixture(tc, &tenv, &opts, TS_PER_SUITE);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, numbers_round_trip);
	tcase_add_test(tc, unreadable_pad_is_500_and_logged);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
