/* Unit tests for common/validate.c: the password policy reports every
 * violated rule, usernames are stripped and checked, emails are sane. */
#include <check.h>
#include <string.h>

#include "tsupport.h"
#include "validate.h"

static int
has_rule(const struct pl_error *err, const char *field, const char *rule)
{
	size_t i;
	json_t *v;

	json_array_foreach (err->violations, i, v) {
		if (strcmp(json_string_value(json_object_get(v, "field")),
		           field) == 0 &&
		    strcmp(json_string_value(json_object_get(v, "rule")),
		           rule) == 0)
			return 1;
	}
	return 0;
}

START_TEST(good_password_passes)
{
	struct pl_error err;

	pl_error_init(&err);
	ck_assert_uint_eq(password_check("Correct-Horse-9"), 0);
	ck_assert_int_eq(password_validate("Correct-Horse-9", &err), 0);
	ck_assert_ptr_null(err.violations);
	/* Non-ASCII letters count as special characters and as one char. */
	ck_assert_uint_eq(password_check("Pässwörd1abcd"), 0);
}
END_TEST

START_TEST(every_violation_is_listed)
{
	struct pl_error err;

	pl_error_init(&err);
	/* "ab c": short, no upper, no digit, no special, has a space. */
	ck_assert_int_eq(password_validate("ab c", &err), PL_ERR_VALIDATION);
	ck_assert_int_eq(err.code, 400);
	ck_assert_uint_eq(json_array_size(err.violations), 5);
	ck_assert(has_rule(&err, "password", "length"));
	ck_assert(has_rule(&err, "password", "uppercase"));
	ck_assert(has_rule(&err, "password", "digit"));
	ck_assert(has_rule(&err, "password", "special"));
	ck_assert(has_rule(&err, "password", "no_whitespace"));
	ck_assert(!has_rule(&err, "password", "lowercase"));
	pl_error_clear(&err);
	ck_assert_uint_eq(json_array_size(err.violations), 0);
	ck_assert_int_eq(password_validate("", &err), PL_ERR_VALIDATION);
	ck_assert_uint_eq(json_array_size(err.violations), 5);
	pl_error_clear(&err);
}
END_TEST

START_TEST(each_rule_alone)
{
	ck_assert_uint_eq(password_check("Short-1a"), 1u << PW_RULE_LENGTH);
	ck_assert_uint_eq(password_check("NOLOWERCASE-12"),
	                  1u << PW_RULE_LOWER);
	ck_assert_uint_eq(password_check("nouppercase-12"),
	                  1u << PW_RULE_UPPER);
	ck_assert_uint_eq(password_check("No-Digits-Here"),
	                  1u << PW_RULE_DIGIT);
	ck_assert_uint_eq(password_check("NoSpecials123"),
	                  1u << PW_RULE_SPECIAL);
	ck_assert_uint_eq(password_check("Has Space-123"),
	                  1u << PW_RULE_NO_SPACE);
	ck_assert_uint_eq(password_check("Has\tTab-1234"),
	                  1u << PW_RULE_NO_SPACE);
	/* U+00A0 no-break space is whitespace too. */
	ck_assert_uint_eq(password_check("Has\xc2\xa0Nbsp-123"),
	                  1u << PW_RULE_NO_SPACE);
}
END_TEST

START_TEST(policy_json_lists_every_rule)
{
	json_t *p = password_policy_json();
	json_t *rules = json_object_get(p, "rules");

	ck_assert_int_eq(json_integer_value(json_object_get(p, "min_length")),
	                 12);
	ck_assert_uint_eq(json_array_size(rules), PW_RULE_COUNT);
	for (int r = 0; r < PW_RULE_COUNT; r++)
		ck_assert_str_eq(json_string_value(json_object_get(
		                     json_array_get(rules, (size_t)r), "id")),
		                 password_rule_id((enum password_rule)r));
	json_decref(p);
}
END_TEST

START_TEST(usernames)
{
	struct pl_error err;
	char out[80];

	pl_error_init(&err);
	ck_assert_int_eq(
	    username_normalize("  alice_01.x-y \n", out, sizeof out, &err), 0);
	ck_assert_str_eq(out, "alice_01.x-y");
	ck_assert_int_eq(username_normalize("ab", out, sizeof out, &err), 400);
	ck_assert(has_rule(&err, "username", "length"));
	pl_error_clear(&err);
	ck_assert_int_eq(username_normalize("   ", out, sizeof out, &err), 400);
	ck_assert(has_rule(&err, "username", "required"));
	pl_error_clear(&err);
	ck_assert_int_eq(username_normalize("bad name", out, sizeof out, &err),
	                 400);
	ck_assert(has_rule(&err, "username", "format"));
	pl_error_clear(&err);
	ck_assert_int_eq(username_normalize("émile", out, sizeof out, &err),
	                 400);
	pl_error_clear(&err);
	ck_assert_int_eq(username_normalize("a234567890123456789012345678901234"
	                                    "567890123456789012345678901234",
	                                    out, sizeof out, &err),
	                 0);
	ck_assert_int_eq(username_normalize("a234567890123456789012345678901234"
	                                    "5678901234567890123456789012345",
	                                    out, sizeof out, &err),
	                 400);
	pl_error_clear(&err);
}
END_TEST

START_TEST(emails)
{
	struct pl_error err;
	char long_email[300];

	pl_error_init(&err);
	ck_assert_int_eq(email_validate(NULL, &err), 0);
	ck_assert_int_eq(email_validate("", &err), 0);
	ck_assert_int_eq(email_validate("a.b+tag@example.org", &err), 0);
	ck_assert_int_eq(email_validate("no-at.example.org", &err), 400);
	ck_assert_int_eq(email_validate("@example.org", &err), 400);
	ck_assert_int_eq(email_validate("a@b@example.org", &err), 400);
	ck_assert_int_eq(email_validate("a@example", &err), 400);
	ck_assert_int_eq(email_validate("a@example.", &err), 400);
	ck_assert_int_eq(email_validate("a@.org", &err), 400);
	ck_assert_int_eq(email_validate("a b@example.org", &err), 400);
	ck_assert(has_rule(&err, "email", "format"));
	pl_error_clear(&err);
	/* What a terminal acts on: C0, DEL, C1 (U+009B is CSI) and bidi
	 * controls; other non-ASCII is an address's own business. */
	ck_assert_int_eq(email_validate("a\tb@example.org", &err), 400);
	ck_assert_int_eq(email_validate("a\x7f@example.org", &err), 400);
	ck_assert_int_eq(email_validate("a\xc2\x9b"
	                                "2J@example.org",
	                                &err),
	                 400);
	ck_assert_int_eq(email_validate("a\xc2\x85@example.org", &err), 400);
	ck_assert_int_eq(email_validate("gro.\xe2\x80\xae@example.org", &err),
	                 400);
	ck_assert_int_eq(email_validate("a@exa\xe2\x81\xa6mple.org", &err),
	                 400);
	ck_assert(has_rule(&err, "email", "format"));
	pl_error_clear(&err);
	ck_assert_int_eq(email_validate("ren\xc3\xa9@example.org", &err), 0);
	memset(long_email, 'a', sizeof long_email);
	strcpy(long_email + 250, "@example.org");
	ck_assert_int_eq(email_validate(long_email, &err), 400);
	ck_assert(has_rule(&err, "email", "length"));
	pl_error_clear(&err);
}
END_TEST

START_TEST(names_refuse_controls)
{
	struct pl_error err;

	pl_error_init(&err);
	ck_assert_int_eq(text_no_controls("note", NULL, &err), 0);
	ck_assert_int_eq(
	    text_no_controls("note", "caf\xc3\xa9 \xe4\xb8\xad", &err), 0);
	ck_assert_int_eq(text_no_controls("note", "a\x1b]0;x\x07", &err), 400);
	ck_assert_int_eq(text_no_controls("note", "line\nbreak", &err), 400);
	ck_assert_int_eq(text_no_controls("note", "\x7f", &err), 400);
	ck_assert_int_eq(text_no_controls("note", "\xc2\x9f", &err), 400);
	ck_assert_int_eq(text_no_controls("note", "\xe2\x80\xaa", &err), 400);
	ck_assert_int_eq(
	    text_no_controls("display_name", "x\xe2\x81\xa9", &err), 400);
	ck_assert(has_rule(&err, "note", "control"));
	ck_assert(has_rule(&err, "display_name", "control"));
	pl_error_clear(&err);
}
END_TEST

/* Characters are code points, as PostgreSQL's length() counts them. */
START_TEST(text_counts_characters)
{
	struct pl_error err;
	char note[512] = "", cut[8];

	pl_error_init(&err);
	for (int i = 0; i < 150; i++)
		strcat(note, "\xc3\xa9"); /* é */
	ck_assert_uint_eq(text_chars(note), 150);
	ck_assert_int_eq(text_max_chars("note", note, 200, &err), 0);
	ck_assert_int_eq(text_max_chars("note", note, 149, &err), 400);
	ck_assert(has_rule(&err, "note", "length"));
	pl_error_clear(&err);
	ck_assert_int_eq(text_max_chars("note", NULL, 1, &err), 0);
	/* Cut before a character that does not fit whole. */
	text_copy(cut, sizeof cut, "ab\xe2\x82\xac\xe2\x82\xac");
	ck_assert_str_eq(cut, "ab\xe2\x82\xac");
	text_copy(cut, sizeof cut, "abc");
	ck_assert_str_eq(cut, "abc");
	text_copy(cut, 2, "\xc3\xa9");
	ck_assert_str_eq(cut, "");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("validate");
	TCase *tc = tcase_create("rules");

	tcase_add_test(tc, good_password_passes);
	tcase_add_test(tc, every_violation_is_listed);
	tcase_add_test(tc, each_rule_alone);
	tcase_add_test(tc, policy_json_lists_every_rule);
	tcase_add_test(tc, usernames);
	tcase_add_test(tc, emails);
	tcase_add_test(tc, names_refuse_controls);
	tcase_add_test(tc, text_counts_characters);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
