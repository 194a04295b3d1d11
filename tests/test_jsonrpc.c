/* Unit tests for common/jsonrpc.c: every way a request line can be wrong
 * maps to the right JSON-RPC code, and responses serialise as one line. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "json_num.h"
#include "jsonrpc.h"

#include "tsupport.h"

static int
parse_code(const char *line, json_t **id_out)
{
	struct jsonrpc_request req;
	struct pl_error err;
	int rc;

	pl_error_init(&err);
	rc = jsonrpc_parse_request(line, strlen(line), &req, &err);
	if (id_out)
		*id_out = json_incref(req.id);
	jsonrpc_request_free(&req);
	pl_error_clear(&err);
	return rc;
}

START_TEST(valid_request_parses)
{
	struct jsonrpc_request req;
	struct pl_error err;
	const char *l = "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"pad.list\","
	                "\"params\":{\"a\":1}}";

	pl_error_init(&err);
	ck_assert_int_eq(jsonrpc_parse_request(l, strlen(l), &req, &err), 0);
	ck_assert_str_eq(req.method, "pad.list");
	ck_assert_int_eq(json_integer_value(req.id), 7);
	ck_assert_int_eq(json_integer_value(json_object_get(req.params, "a")),
	                 1);
	jsonrpc_request_free(&req);
}
END_TEST

START_TEST(absent_params_become_empty_object)
{
	struct jsonrpc_request req;
	struct pl_error err;
	const char *l = "{\"jsonrpc\":\"2.0\",\"id\":\"x\",\"method\":\"m\"}";

	pl_error_init(&err);
	ck_assert_int_eq(jsonrpc_parse_request(l, strlen(l), &req, &err), 0);
	ck_assert(json_is_object(req.params));
	ck_assert_int_eq(json_object_size(req.params), 0);
	jsonrpc_request_free(&req);
}
END_TEST

START_TEST(errors_map_to_codes)
{
	json_t *id = NULL;

	ck_assert_int_eq(parse_code("nope", NULL), PL_ERR_PARSE);
	ck_assert_int_eq(parse_code("{\"a\":", NULL), PL_ERR_PARSE);
	ck_assert_int_eq(parse_code("\"\xff\xfe\"", NULL), PL_ERR_PARSE);
	ck_assert_int_eq(parse_code("[1]", NULL), PL_ERR_INVALID_REQUEST);
	ck_assert_int_eq(parse_code("{\"id\":1,\"method\":\"m\"}", NULL),
	                 PL_ERR_INVALID_REQUEST);
	ck_assert_int_eq(parse_code("{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":"
	                            "\"m\"}",
	                            NULL),
	                 PL_ERR_INVALID_REQUEST);
	ck_assert_int_eq(parse_code("{\"jsonrpc\":\"2.0\",\"method\":1}", NULL),
	                 PL_ERR_INVALID_REQUEST);
	ck_assert_int_eq(parse_code("{\"jsonrpc\":\"2.0\",\"id\":{},\"method\":"
	                            "\"m\"}",
	                            NULL),
	                 PL_ERR_INVALID_REQUEST);
	ck_assert_int_eq(parse_code("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
	                            "5}",
	                            NULL),
	                 PL_ERR_INVALID_REQUEST);
	ck_assert_int_eq(parse_code("{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":"
	                            "\"m\",\"params\":[1]}",
	                            &id),
	                 PL_ERR_INVALID_PARAMS);
	/* The id is recovered so the client can match the error. */
	ck_assert_int_eq(json_integer_value(id), 9);
	json_decref(id);
}
END_TEST

START_TEST(deep_nesting_refused_before_parsing)
{
	char *l = malloc(100010);
	size_t n = 0;

	n +=
	    (size_t)sprintf(l, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"m\","
	                       "\"params\":{\"x\":");
	for (int i = 0; i < 50000; i++)
		l[n++] = '[';
	l[n] = '\0';
	ck_assert_int_eq(parse_code(l, NULL), PL_ERR_INVALID_REQUEST);
	ck_assert_int_gt(jsonrpc_depth(l, n), JSONRPC_MAX_DEPTH);
	free(l);
	ck_assert_int_eq(jsonrpc_depth("{\"a\":\"[[[[\"}", 12), 1);
}
END_TEST

/* The envelope is written around the id's and the result's own text:
 * the bytes must be those of the whole message dumped by jansson. */
START_TEST(result_line_matches_the_dumped_message)
{
	json_t *ids[] = {json_integer(7), json_integer(-9007199254740993LL),
	                 json_string("a\"b\\c\n\u00e9\U0001F600"), json_null(),
	                 json_real(0.1)};
	json_t *results[] = {
	    json_pack("{s:{s:s, s:I, s:{s:f, s:[i, s]}}}", "pad", "id", "x\ty",
	              "version", (json_int_t)1, "data", "r", 1e21, "l", 1,
	              "\x01"),
	    json_true(), json_object(), json_string("\xe2\x80\xa8"),
	    json_pack("{s:f}", "n", 2.5)};
	size_t n = sizeof ids / sizeof ids[0];

	for (size_t i = 0; i < n; i++) {
		json_t *msg = json_pack("{s:s, s:O, s:O}", "jsonrpc", "2.0",
		                        "id", ids[i], "result", results[i]);
		char *want = json_num_dumps(msg, JSON_COMPACT), *line;
		size_t len;

		line = jsonrpc_result_line(ids[i], results[i], &len);
		ck_assert_ptr_nonnull(line);
		ck_assert_uint_eq(len, strlen(want) + 1);
		ck_assert_int_eq(memcmp(line, want, len - 1), 0);
		ck_assert_int_eq(line[len - 1], '\n');
		free(want);
		free(line);
		json_decref(msg);
		json_decref(ids[i]);
	}
}
END_TEST

START_TEST(responses_are_single_lines)
{
	struct pl_error err;
	size_t len;
	json_t *id = json_integer(3);
	char *line =
	    jsonrpc_result_line(id, json_pack("{s:s}", "k", "a\nb"), &len);
	json_t *back;

	ck_assert_ptr_nonnull(line);
	ck_assert_int_eq(line[len - 1], '\n');
	ck_assert_ptr_null(memchr(line, '\n', len - 1));
	back = json_loads(line, 0, NULL);
	ck_assert_str_eq(json_string_value(json_object_get(
	                     json_object_get(back, "result"), "k")),
	                 "a\nb");
	json_decref(back);
	free(line);

	pl_error_init(&err);
	pl_error_set(&err, PL_ERR_CONFLICT, "username_taken", "taken");
	pl_error_violation(&err, "username", "format", "bad");
	line = jsonrpc_error_line(id, &err, &len);
	back = json_loads(line, 0, NULL);
	ck_assert_int_eq(json_integer_value(json_object_get(
	                     json_object_get(back, "error"), "code")),
	                 409);
	ck_assert_str_eq(
	    json_string_value(json_object_get(
	        json_object_get(json_object_get(back, "error"), "data"),
	        "reason")),
	    "username_taken");
	json_decref(back);
	free(line);
	pl_error_clear(&err);
	json_decref(id);
}
END_TEST

/* Found by fuzz_jsonrpc: the parse error quoted invalid UTF-8 from the
 * input, the reply could not be serialised and the client got nothing. */
START_TEST(error_quoting_invalid_utf8_still_serialises)
{
	struct jsonrpc_request req;
	struct pl_error err;
	const char bad[] = "\"\\\xd3\x83";
	size_t len = 0;
	char *line;
	json_t *back;

	pl_error_init(&err);
	ck_assert_int_eq(jsonrpc_parse_request(bad, sizeof bad - 1, &req, &err),
	                 PL_ERR_PARSE);
	line = jsonrpc_error_line(req.id, &err, &len);
	ck_assert_ptr_nonnull(line);
	back = json_loads(line, 0, NULL);
	ck_assert_ptr_nonnull(back);
	json_decref(back);
	free(line);
	jsonrpc_request_free(&req);
	pl_error_clear(&err);
}
END_TEST

START_TEST(request_without_id_is_a_notification)
{
	struct jsonrpc_request req;
	struct pl_error err;
	const char ok[] = "{\"jsonrpc\":\"2.0\",\"method\":\"m\"}";
	const char badp[] = "{\"jsonrpc\":\"2.0\",\"method\":\"m\","
	                    "\"params\":[1]}";
	const char invalid[] = "{\"jsonrpc\":\"2.0\",\"method\":2}";
	const char with_id[] = "{\"jsonrpc\":\"2.0\",\"id\":null,"
	                       "\"method\":\"m\"}";

	pl_error_init(&err);
	ck_assert_int_eq(jsonrpc_parse_request(ok, sizeof ok - 1, &req, &err),
	                 0);
	ck_assert_int_eq(req.notification, 1);
	jsonrpc_request_free(&req);
	/* Bad params are the method's business: still a notification. */
	ck_assert_int_eq(
	    jsonrpc_parse_request(badp, sizeof badp - 1, &req, &err),
	    PL_ERR_INVALID_PARAMS);
	ck_assert_int_eq(req.notification, 1);
	jsonrpc_request_free(&req);
	pl_error_clear(&err);
	/* An invalid request is answered, with a null id. */
	ck_assert_int_eq(
	    jsonrpc_parse_request(invalid, sizeof invalid - 1, &req, &err),
	    PL_ERR_INVALID_REQUEST);
	ck_assert_int_eq(req.notification, 0);
	jsonrpc_request_free(&req);
	pl_error_clear(&err);
	/* A null id is an id. */
	ck_assert_int_eq(
	    jsonrpc_parse_request(with_id, sizeof with_id - 1, &req, &err), 0);
	ck_assert_int_eq(req.notification, 0);
	jsonrpc_request_free(&req);
}
END_TEST

START_TEST(batch_line_joins_answers_and_skips_notifications)
{
	char *lines[3];
	size_t lens[3], len = 0;
	char *out;
	json_t *back, *one = json_integer(1), *two = json_integer(2);

	lines[0] = jsonrpc_result_line(one, json_object(), &lens[0]);
	lines[1] = NULL;
	lens[1] = 0;
	lines[2] = jsonrpc_result_line(two, json_true(), &lens[2]);
	json_decref(one);
	json_decref(two);
	out = jsonrpc_batch_line(lines, lens, 3, &len);
	ck_assert_ptr_nonnull(out);
	ck_assert_int_eq(out[len - 1], '\n');
	ck_assert_ptr_null(memchr(out, '\n', len - 1));
	ck_assert_uint_eq(strlen(out), len);
	back = json_loads(out, 0, NULL);
	ck_assert(json_is_array(back));
	ck_assert_int_eq(json_array_size(back), 2);
	ck_assert_int_eq(
	    json_integer_value(json_object_get(json_array_get(back, 1), "id")),
	    2);
	json_decref(back);
	free(out);
	lines[0] = lines[2] = NULL;
	ck_assert_ptr_null(jsonrpc_batch_line(lines, lens, 3, &len));
	ck_assert_uint_eq(len, 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("jsonrpc");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, valid_request_parses);
	tcase_add_test(tc, absent_params_become_empty_object);
	tcase_add_test(tc, errors_map_to_codes);
	tcase_add_test(tc, deep_nesting_refused_before_parsing);
	tcase_add_test(tc, responses_are_single_lines);
	tcase_add_test(tc, result_line_matches_the_dumped_message);
	tcase_add_test(tc, error_quoting_invalid_utf8_still_serialises);
	tcase_add_test(tc, request_without_id_is_a_notification);
	tcase_add_test(tc, batch_line_joins_answers_and_skips_notifications);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
