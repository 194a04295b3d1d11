/* The JSON-RPC 2.0 specification's own examples (section 7) against a real
 * padlined, with its methods in place of the spec's: server.health for
 * "sum", template.list for "subtract", server.hello for "get_data" and
 * session.login as the method taking params (padlined takes named params
 * only: positional ones are -32602). Then what padlined adds: batch order
 * on a connection, the batch length limit, and batches that change the
 * session running in order. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tsupport.h"

static struct ts_env tenv;

/* Sends text and parses the next line the server sends. */
static json_t *
send_read(struct ts_client *c, const char *text)
{
	char *line;
	json_t *j;

	ck_assert_int_eq(ts_client_send_raw(c, text, strlen(text)), 0);
	line = ts_client_read_line(c, 30000, NULL);
	ck_assert_msg(line != NULL, "no answer to %.120s", text);
	j = json_loads(line, JSON_DECODE_ANY, NULL);
	ck_assert_msg(j != NULL, "answer is not JSON: %s", line);
	free(line);
	return j;
}

/* Sends text, which must get no answer: the id-99 server.health sent right
 * after it must be the next thing the server says. */
static void
send_expect_nothing(struct ts_client *c, const char *text)
{
	json_t *r;

	ck_assert_int_eq(ts_client_send_raw(c, text, strlen(text)), 0);
	r = send_read(c, "{\"jsonrpc\":\"2.0\",\"method\":\"server.health\","
	                 "\"id\":99}\n");
	ck_assert_msg(json_is_object(r) &&
	                  json_integer_value(json_object_get(r, "id")) == 99,
	              "something answered %.120s", text);
	json_decref(r);
}

static int
is_null_id(const json_t *r)
{
	return json_is_null(json_object_get(r, "id"));
}

static const char *
str_id(const json_t *r)
{
	return json_string_value(json_object_get(r, "id"));
}

START_TEST(call_with_named_params)
{
	struct ts_client *c = ts_client_connect(tenv.srv.port);
	json_t *r = send_read(
	    c, "{\"jsonrpc\":\"2.0\",\"method\":\"session.login\",\"params\":"
	       "{\"username\":\"specuser\",\"password\":\"" TS_PASSWORD
	       "\"},\"id\":3}\n");

	ck_assert_int_eq(json_integer_value(json_object_get(r, "id")), 3);
	ck_assert_ptr_nonnull(json_object_get(ts_result(r), "token"));
	ck_assert_str_eq(json_string_value(json_object_get(r, "jsonrpc")),
	                 "2.0");
	json_decref(r);
	ts_client_free(c);
}
END_TEST

START_TEST(call_with_positional_params_is_invalid_params)
{
	struct ts_client *c = ts_client_connect(tenv.srv.port);
	json_t *r = send_read(
	    c, "{\"jsonrpc\":\"2.0\",\"method\":\"session.login\",\"params\":"
	       "[\"specuser\",\"" TS_PASSWORD "\"],\"id\":1}\n");

	ck_assert_int_eq(ts_error_code(r), -32602);
	ck_assert_int_eq(json_integer_value(json_object_get(r, "id")), 1);
	json_decref(r);
	ts_client_free(c);
}
END_TEST

START_TEST(notifications)
{
	struct ts_client *c = ts_client_connect(tenv.srv.port);

	send_expect_nothing(c, "{\"jsonrpc\":\"2.0\",\"method\":"
	                       "\"template.list\",\"params\":[1,2,3,4,5]}\n");
	send_expect_nothing(c, "{\"jsonrpc\":\"2.0\",\"method\":\"foobar\"}\n");
	ts_client_free(c);
}
END_TEST

START_TEST(non_existent_method)
{
	struct ts_client *c = ts_client_connect(tenv.srv.port);
	json_t *r = send_read(
	    c, "{\"jsonrpc\":\"2.0\",\"method\":\"foobar\",\"id\":\"1\"}\n");

	ck_assert_int_eq(ts_error_code(r), -32601);
	ck_assert_str_eq(str_id(r), "1");
	json_decref(r);
	ts_client_free(c);
}
END_TEST

START_TEST(invalid_json)
{
	struct ts_client *c = ts_client_connect(tenv.srv.port);
	json_t *r = send_read(c, "{\"jsonrpc\":\"2.0\",\"method\":\"foobar, "
	                         "\"params\":\"bar\",\"baz]\n");

	ck_assert_int_eq(ts_error_code(r), -32700);
	ck_assert(is_null_id(r));
	json_decref(r);
	ts_client_free(c);
}
END_TEST

START_TEST(invalid_request_object)
{
	struct ts_client *c = ts_client_connect(tenv.srv.port);
	json_t *r = send_read(
	    c, "{\"jsonrpc\":\"2.0\",\"method\":1,\"params\":\"bar\"}\n");

	ck_assert_int_eq(ts_error_code(r), -32600);
	ck_assert(is_null_id(r));
	json_decref(r);
	ts_client_free(c);
}
END_TEST

START_TEST(batch_invalid_json)
{
	struct ts_client *c = ts_client_connect(tenv.srv.port);
	json_t *r = send_read(
	    c, "[{\"jsonrpc\":\"2.0\",\"method\":\"server.health\",\"params\":"
	       "[1,2,4],\"id\":\"1\"},{\"jsonrpc\":\"2.0\",\"method\"]\n");

	ck_assert(json_is_object(r));
	ck_assert_int_eq(ts_error_code(r), -32700);
	ck_assert(is_null_id(r));
	json_decref(r);
	ts_client_free(c);
}
END_TEST

START_TEST(batch_empty_array)
{
	struct ts_client *c = ts_client_connect(tenv.srv.port);
	json_t *r = send_read(c, "[]\n");

	ck_assert(json_is_object(r));
	ck_assert_int_eq(ts_error_code(r), -32600);
	ck_assert(is_null_id(r));
	json_decref(r);
	ts_client_free(c);
}
END_TEST

START_TEST(batch_invalid_but_not_empty)
{
	struct ts_client *c = ts_client_connect(tenv.srv.port);
	json_t *r = send_read(c, "[1]\n");

	ck_assert(json_is_array(r));
	ck_assert_int_eq(json_array_size(r), 1);
	ck_assert_int_eq(ts_error_code(json_array_get(r, 0)), -32600);
	ck_assert(is_null_id(json_array_get(r, 0)));
	json_decref(r);
	ts_client_free(c);
}
END_TEST

START_TEST(batch_invalid)
{
	struct ts_client *c = ts_client_connect(tenv.srv.port);
	json_t *r = send_read(c, "[1,2,3]\n");

	ck_assert(json_is_array(r));
	ck_assert_int_eq(json_array_size(r), 3);
	for (size_t i = 0; i < 3; i++) {
		ck_assert_int_eq(ts_error_code(json_array_get(r, i)), -32600);
		ck_assert(is_null_id(json_array_get(r, i)));
	}
	json_decref(r);
	ts_client_free(c);
}
END_TEST

/* Finds the response with string id in a batch answer. */
static json_t *
by_id(json_t *batch, const char *id)
{
	size_t i;
	json_t *v;

	json_array_foreach (batch, i, v) {
		if (str_id(v) && strcmp(str_id(v), id) == 0)
			return v;
	}
	return NULL;
}

START_TEST(batch_mixed)
{
	struct ts_client *c = ts_client_connect(tenv.srv.port);
	json_t *r = send_read(
	    c,
	    "[{\"jsonrpc\":\"2.0\",\"method\":\"server.health\",\"id\":\"1\"},"
	    "{\"jsonrpc\":\"2.0\",\"method\":\"template.list\",\"params\":"
	    "[7]},"
	    "{\"jsonrpc\":\"2.0\",\"method\":\"template.list\",\"id\":\"2\"},"
	    "{\"foo\":\"boo\"},"
	    "{\"jsonrpc\":\"2.0\",\"method\":\"foo.get\",\"params\":{\"name\":"
	    "\"myself\"},\"id\":\"5\"},"
	    "{\"jsonrpc\":\"2.0\",\"method\":\"server.hello\",\"id\":\"9\"}]"
	    "\n");
	json_t *invalid = NULL, *v;
	size_t i;

	ck_assert(json_is_array(r));
	ck_assert_int_eq(json_array_size(r), 5); /* the notification: none */
	ck_assert_str_eq(
	    json_string_value(json_object_get(ts_result(by_id(r, "1")), "db")),
	    "up");
	ck_assert(json_is_array(
	    json_object_get(ts_result(by_id(r, "2")), "templates")));
	ck_assert_int_eq(ts_error_code(by_id(r, "5")), -32601);
	ck_assert_str_eq(json_string_value(json_object_get(
	                     ts_result(by_id(r, "9")), "server")),
	                 "padlined");
	json_array_foreach (r, i, v) {
		if (is_null_id(v))
			invalid = v;
	}
	ck_assert_ptr_nonnull(invalid);
	ck_assert_int_eq(ts_error_code(invalid), -32600);
	json_decref(r);
	ts_client_free(c);
}
END_TEST

START_TEST(batch_all_notifications)
{
	struct ts_client *c = ts_client_connect(tenv.srv.port);

	send_expect_nothing(
	    c, "[{\"jsonrpc\":\"2.0\",\"method\":\"server.health\",\"params\":"
	       "[1,2,4]},{\"jsonrpc\":\"2.0\",\"method\":\"template.list\","
	       "\"params\":[7]}]\n");
	ts_client_free(c);
}
END_TEST

/* A batch is answered after the request before it and before the one
 * after it, its entries in order, whatever order they finish in. */
START_TEST(batch_keeps_its_place_on_the_connection)
{
	struct ts_client *c = ts_client_connect(tenv.srv.port);
	char text[4096], *p = text;
	json_t *r;

	p += sprintf(p, "{\"jsonrpc\":\"2.0\",\"method\":\"server.health\","
	                "\"id\":1}\n[");
	for (int i = 2; i <= 11; i++) /* max_batch is 10 here */
		p += sprintf(p,
		             "%s{\"jsonrpc\":\"2.0\",\"method\":\"%s\","
		             "\"id\":%d}",
		             i > 2 ? "," : "",
		             i % 2 ? "server.health" : "template.list", i);
	p += sprintf(p, "]\n{\"jsonrpc\":\"2.0\",\"method\":\"server.hello\","
	                "\"id\":12}\n");
	r = send_read(c, text);
	ck_assert_int_eq(json_integer_value(json_object_get(r, "id")), 1);
	json_decref(r);
	r = send_read(c, "");
	ck_assert(json_is_array(r));
	ck_assert_int_eq(json_array_size(r), 10);
	for (size_t i = 0; i < 10; i++) {
		json_t *e = json_array_get(r, i);

		ck_assert_int_eq(json_integer_value(json_object_get(e, "id")),
		                 (json_int_t)i + 2);
		ck_assert_ptr_nonnull(ts_result(e));
	}
	json_decref(r);
	r = send_read(c, "");
	ck_assert_int_eq(json_integer_value(json_object_get(r, "id")), 12);
	json_decref(r);
	ts_client_free(c);
}
END_TEST

START_TEST(batch_longer_than_the_maximum_is_invalid)
{
	struct ts_client *c = ts_client_connect(tenv.srv.port);
	char text[4096], *p = text;
	json_t *r;

	/* max_batch is 10 in this suite */
	*p++ = '[';
	for (int i = 0; i < 11; i++)
		p += sprintf(p,
		             "%s{\"jsonrpc\":\"2.0\",\"method\":"
		             "\"server.health\",\"id\":%d}",
		             i ? "," : "", i);
	p += sprintf(p, "]\n");
	r = send_read(c, text);
	ck_assert(json_is_object(r));
	ck_assert_int_eq(ts_error_code(r), -32600);
	ck_assert_str_eq(ts_error_reason(r), "batch_too_long");
	json_decref(r);
	/* Ten is fine. */
	p = strstr(text, ",{\"jsonrpc\":\"2.0\",\"method\":\"server.health\","
	                 "\"id\":10}");
	sprintf(p, "]\n");
	r = send_read(c, text);
	ck_assert(json_is_array(r));
	ck_assert_int_eq(json_array_size(r), 10);
	json_decref(r);
	ts_client_free(c);
}
END_TEST

/* A signed-in connection on its own (malloc'd client). */
static struct ts_client *
signed_in(const char *name)
{
	struct ts_client *c = ts_env_login(&tenv, name);

	ck_assert_ptr_nonnull(c);
	return c;
}

/* The username user.me answers in entry i of a batch answer, or NULL. */
static const char *
me_in(json_t *batch, size_t i)
{
	return json_string_value(json_object_get(
	    json_object_get(ts_result(json_array_get(batch, i)), "user"),
	    "username"));
}

/* A batch holding a login runs in order, like pipelined lines: the login
 * binds for the entries after it, and for what comes after the batch. */
START_TEST(batch_login_binds_for_the_next_entry)
{
	struct ts_client *c = signed_in("specbob");
	json_t *r = send_read(
	    c, "[{\"jsonrpc\":\"2.0\",\"method\":\"user.me\",\"id\":1},"
	       "{\"jsonrpc\":\"2.0\",\"method\":\"session.login\",\"params\":"
	       "{\"username\":\"speccarol\",\"password\":\"" TS_PASSWORD
	       "\"},\"id\":2},"
	       "{\"jsonrpc\":\"2.0\",\"method\":\"user.me\",\"id\":3},"
	       "{\"jsonrpc\":\"2.0\",\"method\":\"pad.list\",\"id\":4}]\n");

	ck_assert(json_is_array(r));
	ck_assert_int_eq(json_array_size(r), 4);
	ck_assert_str_eq(me_in(r, 0), "specbob");
	ck_assert_ptr_nonnull(ts_result(json_array_get(r, 1)));
	ck_assert_msg(me_in(r, 2) && strcmp(me_in(r, 2), "speccarol") == 0,
	              "the entry after the login ran as %s",
	              me_in(r, 2) ? me_in(r, 2) : "nobody");
	ck_assert_ptr_nonnull(ts_result(json_array_get(r, 3)));
	json_decref(r);
	r = send_read(c, "[{\"jsonrpc\":\"2.0\",\"method\":\"user.me\","
	                 "\"id\":5}]\n");
	ck_assert_str_eq(me_in(r, 0), "speccarol");
	json_decref(r);
	ts_client_free(c);
}
END_TEST

/* A signed-out connection: the login inside the batch is what signs the
 * next entry in. */
START_TEST(batch_login_signs_in_the_rest)
{
	struct ts_client *c = ts_client_connect(tenv.srv.port);
	json_t *r = send_read(
	    c, "[{\"jsonrpc\":\"2.0\",\"method\":\"pad.list\",\"id\":1},"
	       "{\"jsonrpc\":\"2.0\",\"method\":\"session.login\",\"params\":"
	       "{\"username\":\"specuser\",\"password\":\"" TS_PASSWORD
	       "\"},\"id\":2},"
	       "{\"jsonrpc\":\"2.0\",\"method\":\"pad.list\",\"id\":3}]\n");

	ck_assert_int_eq(ts_error_code(json_array_get(r, 0)), 401);
	ck_assert_ptr_nonnull(ts_result(json_array_get(r, 1)));
	ck_assert_msg(ts_result(json_array_get(r, 2)) != NULL,
	              "pad.list after the login answered %d",
	              ts_error_code(json_array_get(r, 2)));
	json_decref(r);
	ts_client_free(c);
}
END_TEST

/* Entries after a logout in the same batch run signed out. */
START_TEST(batch_logout_signs_out_the_rest)
{
	struct ts_client *c = signed_in("specbob");
	json_t *r = send_read(
	    c, "[{\"jsonrpc\":\"2.0\",\"method\":\"user.me\",\"id\":1},"
	       "{\"jsonrpc\":\"2.0\",\"method\":\"session.logout\",\"id\":2},"
	       "{\"jsonrpc\":\"2.0\",\"method\":\"user.me\",\"id\":3},"
	       "{\"jsonrpc\":\"2.0\",\"method\":\"pad.create\",\"params\":"
	       "{\"name\":\"after-logout\"},\"id\":4}]\n");

	ck_assert_str_eq(me_in(r, 0), "specbob");
	ck_assert_ptr_nonnull(ts_result(json_array_get(r, 1)));
	ck_assert_int_eq(ts_error_code(json_array_get(r, 2)), 401);
	ck_assert_int_eq(ts_error_code(json_array_get(r, 3)), 401);
	json_decref(r);
	r = send_read(c, "{\"jsonrpc\":\"2.0\",\"method\":\"user.me\","
	                 "\"id\":5}\n");
	ck_assert_int_eq(ts_error_code(r), 401);
	json_decref(r);
	ts_client_free(c);
}
END_TEST

/* Revoking the session in use inside a batch signs out the entries after
 * it. */
START_TEST(batch_self_revoke_signs_out_the_rest)
{
	struct ts_client *c = signed_in("specbob");
	json_t *list = ts_call(c, "session.list", NULL), *s, *r;
	const char *id = NULL;
	char text[1024];
	size_t i;

	json_array_foreach (json_object_get(ts_result(list), "sessions"), i,
	                    s) {
		if (json_is_true(json_object_get(s, "current")))
			id = json_string_value(json_object_get(s, "id"));
	}
	ck_assert_ptr_nonnull(id);
	snprintf(text, sizeof text,
	         "[{\"jsonrpc\":\"2.0\",\"method\":\"session.revoke\","
	         "\"params\":{\"id\":\"%s\"},\"id\":1},"
	         "{\"jsonrpc\":\"2.0\",\"method\":\"user.me\",\"id\":2},"
	         "{\"jsonrpc\":\"2.0\",\"method\":\"pad.list\",\"id\":3}]\n",
	         id);
	json_decref(list);
	r = send_read(c, text);
	ck_assert_ptr_nonnull(ts_result(json_array_get(r, 0)));
	ck_assert_int_eq(ts_error_code(json_array_get(r, 1)), 401);
	ck_assert_int_eq(ts_error_code(json_array_get(r, 2)), 401);
	json_decref(r);
	ts_client_free(c);
}
END_TEST

static const char *const spec_env[] = {"PADLINE_MAX_BATCH=10", NULL};
static const struct ts_env_opts opts = {
    .prefix = "spec",
    .env = spec_env,
    .users = {{"specuser"}, {"specbob"}, {"speccarol"}},
};

int
main(void)
{
	Suite *s = suite_create("e2e_jsonrpc_spec");
	TCase *tc = tcase_create("spec");

	ts_env_fixture(tc, &tenv, &opts, TS_PER_SUITE);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, call_with_named_params);
	tcase_add_test(tc, call_with_positional_params_is_invalid_params);
	tcase_add_test(tc, notifications);
	tcase_add_test(tc, non_existent_method);
	tcase_add_test(tc, invalid_json);
	tcase_add_test(tc, invalid_request_object);
	tcase_add_test(tc, batch_invalid_json);
	tcase_add_test(tc, batch_empty_array);
	tcase_add_test(tc, batch_invalid_but_not_empty);
	tcase_add_test(tc, batch_invalid);
	tcase_add_test(tc, batch_mixed);
	tcase_add_test(tc, batch_all_notifications);
	tcase_add_test(tc, batch_keeps_its_place_on_the_connection);
	tcase_add_test(tc, batch_longer_than_the_maximum_is_invalid);
	tcase_add_test(tc, batch_login_binds_for_the_next_entry);
	tcase_add_test(tc, batch_login_signs_in_the_rest);
	tcase_add_test(tc, batch_logout_signs_out_the_rest);
	tcase_add_test(tc, batch_self_revoke_signs_out_the_rest);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
