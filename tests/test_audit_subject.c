/* audit_subject_text: the audit details audit_emit_named prints are the
 * text audit_emit dumps for the same subject, so pad.create's audit row and
 * event read as they did when its details were a tree. */
#include <check.h>
#include <stdlib.h>

#include "json_num.h"
#include "outbox.h"
#include "tsupport.h"

START_TEST(printed_details_are_the_dumped_tree)
{
	static const char *const names[] = {
	    "plain pad",
	    "",
	    "quote \" and backslash \\ and slash /",
	    "tab\there, \x01 and \x1f",
	    "caf\xc3\xa9 \xe2\x80\xae \xf0\x9f\x93\x9d",
	};
	const char *id = "0b0c8f4e-3b1a-4c7e-9d2f-5a6b7c8d9e0f";
	const char *owner = "5d1f2e3a-4b5c-4d6e-8f70-8192a3b4c5d6";

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		json_t *subject =
		    json_pack("{s:s, s:s, s:s}", "id", id, "display_name",
		              names[i], "owner_id", owner);
		json_t *row = audit_details_new(subject, NULL);
		char *want = json_num_dumps(row, JSON_COMPACT);
		char *got = audit_subject_text(id, names[i], owner);

		ck_assert_str_eq(got, want);
		free(got);
		free(want);
		json_decref(row);
		json_decref(subject);
	}
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("audit_subject");
	TCase *tc = tcase_create("text");

	tcase_add_test(tc, printed_details_are_the_dumped_tree);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
