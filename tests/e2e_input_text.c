/* Text params: a NUL (\u0000, valid JSON that PostgreSQL text cannot hold)
 * in any string is a 400 naming the field, wherever it is nested; limits
 * stated in characters count characters, not bytes. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tsupport.h"

static struct ts_env tenv;

/* 400 with a violation on field (any rule). */
static void
assert_field_400(json_t *r, const char *field)
{
	json_t *v = json_object_get(
	    json_object_get(json_object_get(r, "error"), "data"), "violations");
	json_t *e;
	size_t i;
	int found = 0;

	ck_assert_int_eq(ts_error_code(r), 400);
	json_array_foreach (v, i, e)
		found |= strcmp(json_string_value(json_object_get(e, "field")),
		                field) == 0;
	ck_assert_msg(found, "no violation on %s", field);
	json_decref(r);
}

START_TEST(nul_in_a_string_is_400)
{
	struct ts_client *c = ts_client_connect(tenv.srv.port);
	char *tok;

	assert_field_400(ts_call(c, "session.login",
	                         json_pack("{s:s#, s:s}", "username", "a\0b",
	                                   (size_t)3, "password", "x")),
	                 "username");
	tok = ts_form_token(c);
	assert_field_400(
	    ts_call(c, "user.register",
	            json_pack("{s:s, s:s#, s:s}", "form_token", tok, "username",
	                      "bad\0name", (size_t)8, "password", TS_PASSWORD)),
	    "username");
	free(tok);
	ck_assert_int_eq(ts_create_user(tenv.schema, "nils", TS_PASSWORD, 0),
	                 0);
	ck_assert_int_eq(ts_login(c, "nils", TS_PASSWORD), 0);
	assert_field_400(
	    ts_call(c, "pad.create",
	            json_pack("{s:s#}", "display_name", "x\0y", (size_t)3)),
	    "display_name");
	assert_field_400(
	    ts_call(c, "pad.create",
	            json_pack("{s:s, s:{s:[s#]}}", "display_name", "ok", "data",
	                      "list", "v\0", (size_t)2)),
	    "data");
	ts_client_free(c);
}
END_TEST

START_TEST(note_limit_counts_characters)
{
	struct ts_client *admin = ts_env_admin(&tenv, "root_t");
	char note[1024] = "";
	json_t *r;

	ck_assert_ptr_nonnull(admin);
	for (int i = 0; i < 150; i++)
		strcat(note, "\xc3\xa9"); /* é */
	r = ts_call(admin, "invitation.create",
	            json_pack("{s:s}", "note", note));
	ck_assert_int_eq(ts_error_code(r), 0);
	json_decref(r);
	for (int i = 150; i < 201; i++)
		strcat(note, "\xc3\xa9");
	assert_field_400(ts_call(admin, "invitation.create",
	                         json_pack("{s:s}", "note", note)),
	                 "note");
	ts_client_free(admin);
}
END_TEST

/* What a terminal would act on (C0, DEL, C1 and bidi controls) is refused
 * in the text other people's screens show: emails, pad names, notes, the
 * names user.sync sets. */
START_TEST(controls_in_shown_text_are_400)
{
	struct ts_client *admin = ts_env_admin(&tenv, "root_c");
	struct ts_client *c = ts_client_connect(tenv.srv.port);
	static const char *const bad[] = {
	    "a\x1b]0;pwned\x07",
	    "a\xc2\x9b"
	    "2J",
	    "a\xc2\x85",
	    "a\x7f",
	    "gro.\xe2\x80\xae",
	    "x\xe2\x81\xa6y",
	    "tab\there",
	};
	char email[64], *tok;
	json_t *r;

	ck_assert_ptr_nonnull(admin);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(email, sizeof email, "%s@example.org", bad[i]);
		tok = ts_form_token(c);
		assert_field_400(
		    ts_call(c, "user.register",
		            json_pack("{s:s, s:s, s:s, s:s}", "form_token", tok,
		                      "username", "ctl_user", "password",
		                      TS_PASSWORD, "email", email)),
		    "email");
		free(tok);
		assert_field_400(
		    ts_call(admin, "pad.create",
		            json_pack("{s:s}", "display_name", bad[i])),
		    "display_name");
		assert_field_400(ts_call(admin, "invitation.create",
		                         json_pack("{s:s}", "note", bad[i])),
		                 "note");
		assert_field_400(
		    ts_call(admin, "user.sync",
		            json_pack("{s:s, s:s, s:s}", "id",
		                      "6f1c2b9e-1d2a-4c1e-9a7b-2f4e8c9d0a11",
		                      "username", "synced", "given_name",
		                      bad[i])),
		    "given_name");
	}
	/* A rename is checked like a new name. */
	r = ts_call(
	    admin, "pad.create",
	    json_pack("{s:s}", "display_name", "caf\xc3\xa9 \xe4\xb8\xad"));
	ck_assert_int_eq(ts_error_code(r), 0);
	assert_field_400(
	    ts_call(admin, "pad.update",
	            json_pack("{s:s, s:s}", "id",
	                      json_string_value(json_object_get(
	                          json_object_get(json_object_get(r, "result"),
	                                          "pad"),
	                          "id")),
	                      "display_name", "x\xe2\x80\xabrenamed")),
	    "display_name");
	json_decref(r);
	ts_client_free(c);
	ts_client_free(admin);
}
END_TEST

static const struct ts_env_opts opts = {.prefix = "txt"};

int
main(void)
{
	Suite *s = suite_create("e2e_input_text");
	TCase *tc = tcase_create("txt");

	ts_env_fixture(tc, &tenv, &opts, TS_PER_SUITE);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, nul_in_a_string_is_400);
	tcase_add_test(tc, note_limit_counts_characters);
	tcase_add_test(tc, controls_in_shown_text_are_400);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
