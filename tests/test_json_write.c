/* json_write: text written without a tree is the text jansson would dump
 * for the same values. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "json_num.h"
#include "json_write.h"
#include "tsupport.h"

START_TEST(strings_escape_as_jansson_dumps_them)
{
	static const char *const cases[] = {
	    "",
	    "plain pad",
	    "quote \" and backslash \\ and slash /",
	    "\b\f\n\r\t",
	    "\x01\x1f\x7f end",
	    "caf\xc3\xa9 \xe2\x80\xae \xf0\x9f\x93\x9d",
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct json_write w = {0};
		json_t *s = json_string(cases[i]);
		char *want = json_dumps(s, JSON_COMPACT | JSON_ENCODE_ANY);
		size_t len;
		char *got;

		json_write_str(&w, cases[i]);
		got = json_write_take(&w, &len);
		ck_assert_str_eq(got, want);
		ck_assert_uint_eq(len, strlen(want));
		free(got);
		free(want);
		json_decref(s);
	}
}
END_TEST

START_TEST(an_object_reads_back_as_its_tree)
{
	struct json_write w = {0};
	json_t *want = json_pack(
	    "{s:s, s:I, s:I, s:{s:s}}", "id", "a\"b", "version", (json_int_t)1,
	    "size", (json_int_t)-9223372036854775807LL - 1, "data", "t", "x");
	char *text, *dumped;

	json_write_lit(&w, "{\"id\":");
	json_write_str(&w, "a\"b");
	json_write_lit(&w, ",\"version\":");
	json_write_ll(&w, 1);
	json_write_lit(&w, ",\"size\":");
	json_write_ll(&w, -9223372036854775807LL - 1);
	json_write_lit(&w, ",\"data\":{\"t\":\"x\"}}");
	text = json_write_take(&w, NULL);
	dumped = json_num_dumps(want, JSON_COMPACT);
	ck_assert_str_eq(text, dumped);
	ck_assert_ptr_null(w.buf);
	free(text);
	free(dumped);
	json_decref(want);
	/* Nothing written is the empty text, not NULL. */
	text = json_write_take(&w, NULL);
	ck_assert_str_eq(text, "");
	free(text);
}
END_TEST

/* Parsed as the server parses a request (json_num_loadb, duplicates
 * refused, NUL allowed), printed both ways. */
START_TEST(a_parsed_tree_prints_as_json_num_dumps)
{
	static const char *const cases[] = {
	    "{}",
	    "[]",
	    "{\"text\":\"hello pad\",\"n\":1}",
	    "{\"z\":1,\"a\":2,\"m\":{\"y\":[],\"b\":{}}}",
	    "{\"r\":[0.1,1.5,-0.0,1e100,1.5e300,5e-324,123456789.125,1e22,"
	    "2.5e-7,100.0,-3.0,0.30000000000000004]}",
	    "{\"i\":[0,-1,9223372036854775807,-9223372036854775808]}",
	    "{\"big\":123456789012345678901234567890}",
	    "{\"l\":[true,false,null,[[]],{\"\":\"\"}]}",
	    "{\"s\":\"quote \\\" slash \\/ back \\\\ \\b\\f\\n\\r\\t "
	    "\\u0001 \\u001f \\u007f caf\\u00e9 \\ud83d\\udcdd\"}",
	    "{\"nul key\":\"a\\u0000b\",\"k\\u00e9\":1}",
	    "[1,\"two\",3.25,{\"four\":[5]}]",
	    "\"just a string\"",
	    "42",
	    "2.5",
	    "null",
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		json_error_t jerr;
		json_t *v = json_num_loadb(cases[i], strlen(cases[i]),
		                           JSON_REJECT_DUPLICATES |
		                               JSON_DECODE_ANY | JSON_ALLOW_NUL,
		                           &jerr);
		struct json_write w = {0};
		char *want, *got;
		size_t len;

		ck_assert_msg(v != NULL, "%s: %s", cases[i], jerr.text);
		want = json_num_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		json_write_json(&w, v);
		got = json_write_take(&w, &len);
		ck_assert_str_eq(got, want);
		ck_assert_uint_eq(len, strlen(want));
		free(got);
		free(want);
		json_decref(v);
	}
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("json_write");
	TCase *tc = tcase_create("write");

	tcase_add_test(tc, strings_escape_as_jansson_dumps_them);
	tcase_add_test(tc, an_object_reads_back_as_its_tree);
	tcase_add_test(tc, a_parsed_tree_prints_as_json_num_dumps);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
