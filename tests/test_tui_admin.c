/*
 * The admin screens' model code without a terminal: who counts as an admin
 * (the app's tabs and the user detail's role toggle ask the same function),
 * and the invitations list sorted by each of its keys.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "models.h"
#include "tsupport.h"

START_TEST(has_role_from_roles_or_is_admin)
{
	json_t *u = json_pack("{s:[s,s]}", "roles", "editor", "admin");

	ck_assert(user_has_role(u, "admin"));
	ck_assert(user_has_role(u, "editor"));
	ck_assert(!user_has_role(u, "adm"));
	json_decref(u);
	u = json_pack("{s:[i,s], s:b}", "roles", 7, "viewer", "is_admin", 1);
	ck_assert(user_has_role(u, "admin")); /* session.login's flag */
	ck_assert(!user_has_role(u, "editor"));
	json_decref(u);
	u = json_pack("{s:s}", "roles", "admin"); /* not an array */
	ck_assert(!user_has_role(u, "admin"));
	json_decref(u);
	ck_assert(!user_has_role(NULL, "admin"));
}
END_TEST

static const char *
first_note(const struct list_model *l)
{
	return jstr(list_row(l, 0), "note");
}

START_TEST(invitations_sort_by_each_key)
{
	struct list_model l;

	list_init(&l, NULL);
	list_set_items(
	    &l,
	    json_pack(
	        "[{s:s, s:s, s:s, s:s, s:s}, {s:s, s:s, s:s, s:s, "
	        "s:s}, {s:s, s:s, s:s, s:s, s:s}]",
	        "id", "1", "note", "beta", "status", "used", "created_at",
	        "2026-11-27T01:00:00Z", "expires_at", "2026-12-01T00:00:00Z",
	        "id", "2", "note", "Alpha", "status", "open", "created_at",
	        "2026-11-27T03:00:00Z", "expires_at", "2026-11-28T00:00:00Z",
	        "id", "3", "note", "gamma", "status", "revoked", "created_at",
	        "2026-11-27T02:00:00Z", "expires_at", "2026-12-04T00:00:00Z"));
	list_sort(&l, "created_at", 1);
	ck_assert_str_eq(first_note(&l), "Alpha"); /* newest */
	list_sort(&l, "expires_at", 0);
	ck_assert_str_eq(first_note(&l), "Alpha"); /* soonest */
	list_sort(&l, "expires_at", 1);
	ck_assert_str_eq(first_note(&l), "gamma");
	list_sort(&l, "status", 0);
	ck_assert_str_eq(first_note(&l), "Alpha"); /* open < revoked < used */
	list_sort(&l, "note", 1);
	ck_assert_str_eq(first_note(&l), "gamma"); /* any case */
	list_sort(&l, "note", 0);
	ck_assert_str_eq(first_note(&l), "Alpha");
	list_free(&l);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("tui_admin");
	TCase *tc = tcase_create("admin");

	tcase_add_test(tc, has_role_from_roles_or_is_admin);
	tcase_add_test(tc, invitations_sort_by_each_key);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
