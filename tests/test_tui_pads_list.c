/*
 * The pads list's models without a terminal: the line diff of the backups
 * view (tui/diff.c) and paging pad.list with its cursor
 * (tui/model_pad_pages.c): requests, de-dup of rows that shift between
 * pages while pads are created, replies to an old search dropped.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diff.h"
#include "pad_pages.h"
#include "text.h"
#include "tsupport.h"
#include "xalloc.h"

/* The diff as text: one line per entry, "  same", "- gone", "+ new". */
static char *
diff_text(const char *a, const char *b)
{
	char **la, **lb, *out = xstrdup("");
	size_t na = text_split_lines(a, &la), nb = text_split_lines(b, &lb);
	struct diff_line *d;
	size_t n = diff_lines(la, na, lb, nb, &d);

	for (size_t i = 0; i < n; i++) {
		char *t = xasprintf("%s%s%s\n", out,
		                    d[i].op == DIFF_SAME  ? "  "
		                    : d[i].op == DIFF_DEL ? "- "
		                                          : "+ ",
		                    d[i].text);

		free(out);
		out = t;
	}
	free(d);
	text_lines_free(la, na);
	text_lines_free(lb, nb);
	return out;
}

START_TEST(diff_identical_is_all_same)
{
	char *t = diff_text("a\nb\nc", "a\nb\nc");

	ck_assert_str_eq(t, "  a\n  b\n  c\n");
	free(t);
}
END_TEST

START_TEST(diff_one_changed_line)
{
	char *t = diff_text("{\n  \"n\": 1,\n  \"t\": \"x\"\n}",
	                    "{\n  \"n\": 2,\n  \"t\": \"x\"\n}");

	ck_assert_str_eq(t, "  {\n-   \"n\": 1,\n+   \"n\": 2,\n"
	                    "    \"t\": \"x\"\n  }\n");
	free(t);
}
END_TEST

START_TEST(diff_insert_delete_and_moves)
{
	char *t = diff_text("a\nb\nc\nd\ne", "a\nc\nd\nx\ne\nf");
	size_t del, add;
	struct diff_line *d;
	char *a[] = {"x", "y"}, *b[] = {"y", "x"};
	size_t n;

	ck_assert_str_eq(t, "  a\n- b\n  c\n  d\n+ x\n  e\n+ f\n");
	free(t);
	t = diff_text("", "new");
	ck_assert_str_eq(t, "+ new\n");
	free(t);
	t = diff_text("old", "");
	ck_assert_str_eq(t, "- old\n");
	free(t);
	/* A swap keeps one line and moves the other. */
	n = diff_lines(a, 2, b, 2, &d);
	diff_count(d, n, &del, &add);
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(del, 1);
	ck_assert_uint_eq(add, 1);
	free(d);
}
END_TEST

START_TEST(diff_is_an_lcs_on_random_texts)
{
	/* Applying the diff rebuilds both sides, and the kept lines are as
	 * many as a brute-force LCS says. */
	srand(7);
	for (int round = 0; round < 200; round++) {
		char *a[12], *b[12], buf[4];
		size_t na = (size_t)(rand() % 12), nb = (size_t)(rand() % 12);
		size_t L[13][13] = {{0}}, n, ia = 0, ib = 0, same = 0;
		struct diff_line *d;

		for (size_t i = 0; i < na; i++) {
			snprintf(buf, sizeof buf, "%c", 'a' + rand() % 4);
			a[i] = xstrdup(buf);
		}
		for (size_t i = 0; i < nb; i++) {
			snprintf(buf, sizeof buf, "%c", 'a' + rand() % 4);
			b[i] = xstrdup(buf);
		}
		for (size_t i = na; i-- > 0;)
			for (size_t j = nb; j-- > 0;)
				L[i][j] = strcmp(a[i], b[j]) == 0
				              ? L[i + 1][j + 1] + 1
				          : L[i + 1][j] > L[i][j + 1]
				              ? L[i + 1][j]
				              : L[i][j + 1];
		n = diff_lines(a, na, b, nb, &d);
		for (size_t k = 0; k < n; k++) {
			if (d[k].op != DIFF_ADD)
				ck_assert_str_eq(d[k].text, a[ia++]);
			if (d[k].op != DIFF_DEL)
				ck_assert_str_eq(d[k].text, b[ib++]);
			same += d[k].op == DIFF_SAME;
		}
		ck_assert_uint_eq(ia, na);
		ck_assert_uint_eq(ib, nb);
		ck_assert_uint_eq(same, L[0][0]);
		free(d);
		for (size_t i = 0; i < na; i++)
			free(a[i]);
		for (size_t i = 0; i < nb; i++)
			free(b[i]);
	}
}
END_TEST

/* A pad.list reply: pads named by their ids, and the cursor. */
static json_t *
page_of(const char *const *ids, const char *next)
{
	json_t *pads = json_array();

	for (; *ids; ids++)
		json_array_append_new(pads, json_pack("{s:s, s:s}", "id", *ids,
		                                      "display_name", *ids));
	return json_pack("{s:o, s:o}", "pads", pads, "next",
	                 next ? json_string(next) : json_null());
}

static const char *
row_id(struct list_model *l, size_t i)
{
	return jstr(list_row(l, i), "id");
}

START_TEST(pages_follow_the_cursor)
{
	struct pad_pages pp;
	struct list_model l;
	unsigned g1, g2;
	json_t *params, *r;
	char st[64];
	static const char *const p1[] = {"a", "b", NULL}, *const p2[] = {"c",
	                                                                 NULL};

	pad_pages_init(&pp);
	list_init(&l, NULL);
	list_set_page(&l, 2);
	/* Nothing to page before the first page came. */
	ck_assert_ptr_null(pad_pages_request(&pp, 0, 0, &g1));
	params = pad_pages_request(&pp, 1, 0, &g1);
	ck_assert_int_eq(json_integer_value(json_object_get(params, "limit")),
	                 PAD_PAGE_ROWS);
	ck_assert_str_eq(jstr(params, "sort"), "created");
	ck_assert_ptr_null(json_object_get(params, "after"));
	ck_assert_ptr_null(json_object_get(params, "q"));
	json_decref(params);
	r = page_of(p1, "CUR1");
	ck_assert_int_eq(pad_pages_apply(&pp, &l, g1, 1, r), 2);
	json_decref(r);
	pad_pages_status(&pp, &l, st, sizeof st);
	ck_assert_str_eq(st, "1-2 of 2+ loaded");
	ck_assert(pad_pages_want_more(&pp, &l));
	params = pad_pages_request(&pp, 0, 0, &g2);
	ck_assert_str_eq(jstr(params, "after"), "CUR1");
	json_decref(params);
	/* One in flight: no second request for the same page. */
	ck_assert_ptr_null(pad_pages_request(&pp, 0, 0, &g1));
	ck_assert(!pad_pages_want_more(&pp, &l));
	r = page_of(p2, NULL);
	ck_assert_int_eq(pad_pages_apply(&pp, &l, g2, 0, r), 1);
	json_decref(r);
	ck_assert(pp.done);
	ck_assert_uint_eq(l.nvis, 3);
	ck_assert_str_eq(row_id(&l, 2), "c");
	list_end(&l);
	pad_pages_status(&pp, &l, st, sizeof st);
	ck_assert_str_eq(st, "2-3 of 3");
	/* The last page came: nothing more to ask. */
	ck_assert(!pad_pages_want_more(&pp, &l));
	ck_assert_ptr_null(pad_pages_request(&pp, 0, 0, &g1));
	list_free(&l);
	pad_pages_free(&pp);
}
END_TEST

START_TEST(rows_shifted_by_new_pads_are_not_repeated)
{
	/* A reload while pads are created elsewhere: the first page again,
	 * then the next one repeats rows already listed (they shifted). */
	struct pad_pages pp;
	struct list_model l;
	unsigned g;
	json_t *params, *r;
	static const char *const p1[] = {"a", "b", "c", NULL},
	                         *const p2[] = {"c", "d", NULL},
	                         *const p3[] = {"new", "a", "b", NULL};

	pad_pages_init(&pp);
	list_init(&l, NULL);
	list_set_page(&l, 10);
	json_decref(pad_pages_request(&pp, 1, 0, &g));
	r = page_of(p1, "C1");
	pad_pages_apply(&pp, &l, g, 1, r);
	json_decref(r);
	l.sel = 1; /* "b" */
	json_decref(pad_pages_request(&pp, 0, 0, &g));
	r = page_of(p2, "C2");
	ck_assert_int_eq(pad_pages_apply(&pp, &l, g, 0, r), 1);
	json_decref(r);
	ck_assert_uint_eq(l.nvis, 4);
	ck_assert_str_eq(row_id(&l, 3), "d");
	ck_assert_str_eq(row_id(&l, l.sel), "b");
	/* A reload re-reads as many rows as were loaded; the selection stays
	 * on "b" though a new pad came first. */
	params = pad_pages_request(&pp, 1, 250, &g);
	ck_assert_int_eq(json_integer_value(json_object_get(params, "limit")),
	                 250);
	json_decref(params);
	r = page_of(p3, "C3");
	ck_assert_int_eq(pad_pages_apply(&pp, &l, g, 1, r), 3);
	json_decref(r);
	ck_assert_uint_eq(l.nvis, 3);
	ck_assert_str_eq(row_id(&l, l.sel), "b");
	ck_assert(!pp.done);
	list_free(&l);
	pad_pages_free(&pp);
}
END_TEST

START_TEST(old_search_replies_are_dropped)
{
	struct pad_pages pp;
	struct list_model l;
	unsigned g_old, g_new;
	json_t *params, *r;
	static const char *const all[] = {"a", "b", NULL}, *const found[] = {
	                                                       "b", NULL};

	pad_pages_init(&pp);
	list_init(&l, NULL);
	json_decref(pad_pages_request(&pp, 1, 0, &g_old));
	/* The user types a search before the first reply. */
	pad_pages_reset(&pp, "name", "B");
	params = pad_pages_request(&pp, 1, 0, &g_new);
	ck_assert_str_eq(jstr(params, "q"), "B");
	ck_assert_str_eq(jstr(params, "sort"), "name");
	json_decref(params);
	r = page_of(found, NULL);
	ck_assert_int_eq(pad_pages_apply(&pp, &l, g_new, 1, r), 1);
	json_decref(r);
	r = page_of(all, "X");
	ck_assert_int_eq(pad_pages_apply(&pp, &l, g_old, 1, r), -1);
	json_decref(r);
	ck_assert_uint_eq(l.nvis, 1);
	ck_assert_str_eq(row_id(&l, 0), "b");
	ck_assert(pp.done);
	/* A failed old request does not unblock the new one. */
	json_decref(pad_pages_request(&pp, 1, 0, &g_new));
	pad_pages_failed(&pp, g_old);
	ck_assert(pp.loading);
	pad_pages_failed(&pp, g_new);
	ck_assert(!pp.loading);
	list_free(&l);
	pad_pages_free(&pp);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("tui_pads_list");
	TCase *tc = tcase_create("pads_list");

	tcase_add_test(tc, diff_identical_is_all_same);
	tcase_add_test(tc, diff_one_changed_line);
	tcase_add_test(tc, diff_insert_delete_and_moves);
	tcase_add_test(tc, diff_is_an_lcs_on_random_texts);
	tcase_add_test(tc, pages_follow_the_cursor);
	tcase_add_test(tc, rows_shifted_by_new_pads_are_not_repeated);
	tcase_add_test(tc, old_search_replies_are_dropped);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
