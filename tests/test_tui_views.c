/*
 * The TUI's view stack without a terminal: push and pop, keys going to the
 * top view through its key table (and no further than a dialog), the help
 * page and the status hints generated from the tables, dialogs as views
 * (answered off the stack, cancelled when closed otherwise), an answer
 * for a popped view dropped while the view lives on until it comes, and
 * the next / previous match of a search (n / N in the list views).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "app_keys.h" /* and the TUI's app.h (the server has one) */
#include "term.h"
#include "tsupport.h"
#include "view.h"

/* ---- a test view: counts what it is given ---- */

enum { T_ONE = 1, T_TWO, T_TYPE };

struct test_view {
	struct view v;
	const char *name;
	int keys, last_action, last_key, typing;
	int *freed; /* bumped by free */
};

static const struct binding test_keys[] = {
    {'a', T_ONE, "the first action", "one"},
    {'b', T_TWO, "the second action", "two"},
    {'B', T_TWO, NULL, NULL},
    {0, 0, NULL, NULL},
};

static void
tv_draw(struct view *v, int rows, int cols)
{
	(void)v;
	(void)rows;
	(void)cols;
}

/* Uses its own actions; a typing view uses every key. */
static int
tv_key(struct view *v, int action, int key)
{
	struct test_view *t = (struct test_view *)v;

	t->keys++;
	t->last_action = action;
	t->last_key = key;
	return action != 0 || t->typing;
}

static int
tv_typing(struct view *v)
{
	return ((struct test_view *)v)->typing;
}

static void
tv_free(struct view *v)
{
	struct test_view *t = (struct test_view *)v;

	if (t->freed)
		(*t->freed)++;
}

static const struct view_ops test_ops = {
    .name = "Test",
    .about = "A test view.\n\nIt counts keys.",
    .keys = test_keys,
    .typing = tv_typing,
    .draw = tv_draw,
    .key = tv_key,
    .free = tv_free,
};

static const struct view_ops test_modal_ops = {
    .name = "Modal",
    .keys = test_keys,
    .draw = tv_draw,
    .key = tv_key,
    .free = tv_free,
    .modal = 1,
};

static struct test_view *
tv_new(const struct view_ops *ops, int *freed)
{
	struct test_view *t = view_new(sizeof *t, ops, NULL);

	t->freed = freed;
	return t;
}

START_TEST(push_pop_and_top)
{
	struct view_stack s = {0};
	int freed = 0;
	struct test_view *a = tv_new(&test_ops, &freed),
	                 *b = tv_new(&test_ops, &freed),
	                 *c = tv_new(&test_modal_ops, &freed);

	ck_assert_ptr_null(view_top(&s));
	view_push(&s, &a->v);
	view_push(&s, &b->v);
	view_push(&s, &c->v);
	ck_assert_ptr_eq(view_top(&s), &c->v);
	/* A dialog is drawn over the full view beneath, which keeps the
	 * status line. */
	ck_assert_ptr_eq(view_base(&s), &b->v);
	ck_assert_uint_eq(view_base_index(&s), 1);
	view_pop(&s);
	ck_assert_int_eq(freed, 1);
	ck_assert_ptr_eq(view_top(&s), &b->v);
	ck_assert_ptr_eq(view_base(&s), &b->v);
	/* Closing a view closes what was opened on it. */
	c = tv_new(&test_modal_ops, &freed);
	view_push(&s, &c->v);
	ck_assert(view_close(&s, &b->v));
	ck_assert_int_eq(freed, 3);
	ck_assert_uint_eq(s.n, 1);
	ck_assert(!view_close(&s, &b->v)); /* gone already */
	view_pop_to(&s, 0);
	ck_assert_int_eq(freed, 4);
	ck_assert_ptr_null(view_top(&s));
}
END_TEST

START_TEST(keys_go_to_the_top_view_only)
{
	struct view_stack s = {0};
	struct test_view *bottom = tv_new(&test_ops, NULL),
	                 *top = tv_new(&test_ops, NULL), *dlg;

	view_push(&s, &bottom->v);
	view_push(&s, &top->v);
	/* Its table turns the key into its action; another key for the
	 * same action gives the same. */
	ck_assert(view_stack_key(&s, 'b'));
	ck_assert_int_eq(top->last_action, T_TWO);
	ck_assert(view_stack_key(&s, 'B'));
	ck_assert_int_eq(top->last_action, T_TWO);
	/* Not in its table and not used: left to the global keys. */
	ck_assert(!view_stack_key(&s, 'z'));
	ck_assert_int_eq(top->last_action, 0);
	ck_assert_int_eq(top->last_key, 'z');
	ck_assert_int_eq(top->keys, 3);
	ck_assert_int_eq(bottom->keys, 0); /* no forwarding by hand */
	/* A dialog takes every key, used or not. */
	dlg = tv_new(&test_modal_ops, NULL);
	view_push(&s, &dlg->v);
	ck_assert(view_stack_key(&s, 'z'));
	ck_assert_int_eq(dlg->keys, 1);
	ck_assert_int_eq(top->keys, 3);
	view_pop(&s);
	ck_assert(view_stack_key(&s, 'a'));
	ck_assert_int_eq(top->last_action, T_ONE);
	view_pop_to(&s, 0);
}
END_TEST

START_TEST(help_and_hints_come_from_the_tables)
{
	struct test_view *t = tv_new(&test_ops, NULL);
	char help[4096], hints[256];

	help_text(&t->v, 1, help, sizeof help);
	ck_assert_msg(strstr(help, "A test view."), "%s", help);
	/* One line per action, its other keys with it. */
	ck_assert_msg(strstr(help, "a                the first action\n"), "%s",
	              help);
	ck_assert_msg(strstr(help, "b B              the second action\n"),
	              "%s", help);
	/* Then the global keys. */
	ck_assert_msg(strstr(help, "\nEverywhere:\n"), "%s", help);
	ck_assert_msg(strstr(help, "? F1             help\n"), "%s", help);
	ck_assert_msg(strstr(help, "L                sign out"), "%s", help);

	hints_text(&t->v, 1, 200, hints, sizeof hints);
	ck_assert_str_eq(hints, "a one · b two · q back/quit · ? help");
	/* Short of room: the view's own first, and ? help always. */
	hints_text(&t->v, 1, 16, hints, sizeof hints);
	ck_assert_str_eq(hints, "a one · ? help");

	/* A dialog's foot line: every hint of its own table. */
	binding_hints(test_keys, 1, hints, sizeof hints);
	ck_assert_str_eq(hints, "a one · b two");

	/* While it types, q L ? are letters: F1 alone is global. */
	t->typing = 1;
	hints_text(&t->v, 1, 200, hints, sizeof hints);
	ck_assert_str_eq(hints, "a one · b two · F1 help");
	help_text(&t->v, 1, help, sizeof help);
	ck_assert_msg(!strstr(help, "sign out"), "%s", help);
	view_release(&t->v);
}
END_TEST

/* A table that takes Space and G before the list keys that also name
 * them (the dashboard's pause and back-to-live before NAV_KEYS). */
static const struct binding shadowing_keys[] = {
    {' ', T_ONE, "pause", "pause"},     {'G', T_TWO, "back to live", NULL},
    {K_PGDN, T_TWO, "page down", NULL}, {' ', T_TWO, NULL, NULL},
    {'G', T_TWO, "last", NULL},         {0, 0, NULL, NULL},
};

static const struct view_ops shadowing_ops = {
    .name = "Shadowing",
    .keys = shadowing_keys,
    .draw = tv_draw,
    .key = tv_key,
    .free = tv_free,
};

START_TEST(help_leaves_out_a_key_taken_earlier_in_its_table)
{
	struct test_view *t = tv_new(&shadowing_ops, NULL);
	char help[4096];

	/* Space pauses and G goes live: the help must not say they page
	 * down or go to the last row. */
	help_text(&t->v, 1, help, sizeof help);
	ck_assert_msg(strstr(help, "Space            pause\n"), "%s", help);
	ck_assert_msg(strstr(help, "PgDn             page down\n"), "%s", help);
	ck_assert_msg(!strstr(help, "last\n"), "%s", help);
	ck_assert_int_eq(binding_action(shadowing_keys, ' '), T_ONE);
	view_release(&t->v);
}
END_TEST

/* ---- dialogs are views ---- */

static int answers, last_ok;
static char last_input[64];

static void
on_answer(struct app *a, void *ud, int ok, const char *input, size_t choice)
{
	(void)ud;
	(void)choice;
	answers++;
	last_ok = ok;
	snprintf(last_input, sizeof last_input, "%s", input);
	/* Off the stack already: the next question can follow. */
	if (ok && strcmp(input, "again") == 0)
		app_confirm(a, "Sure?", "Really?", on_answer, NULL);
}

START_TEST(dialogs_are_views)
{
	struct app *a = calloc(1, sizeof *a);
	int freed = 0;
	struct test_view *screen = tv_new(&test_ops, &freed);

	answers = 0;
	view_push(&a->views, &screen->v);
	app_confirm(a, "Delete", "Delete it?", on_answer, NULL);
	ck_assert_uint_eq(a->views.n, 2);
	ck_assert(view_top(&a->views)->ops->modal);
	ck_assert_ptr_eq(view_base(&a->views), &screen->v);
	ck_assert(view_stack_key(&a->views, 'x')); /* not for the screen */
	ck_assert_int_eq(screen->keys, 0);
	ck_assert_int_eq(answers, 0);
	ck_assert(view_stack_key(&a->views, 'y'));
	ck_assert_int_eq(answers, 1);
	ck_assert_int_eq(last_ok, 1);
	ck_assert_uint_eq(a->views.n, 1);

	/* A prompt: keys are typed, Enter answers, and its callback may
	 * open the next dialog. */
	app_prompt(a, "Name", "", on_answer, NULL);
	for (const char *k = "again"; *k; k++)
		view_stack_key(&a->views, *k);
	view_stack_key(&a->views, K_ENTER);
	ck_assert_int_eq(answers, 2);
	ck_assert_str_eq(last_input, "again");
	ck_assert_uint_eq(a->views.n, 2); /* the confirm it opened */
	view_stack_key(&a->views, K_ESC);
	ck_assert_int_eq(answers, 3);
	ck_assert_int_eq(last_ok, 0);
	ck_assert_uint_eq(a->views.n, 1);

	/* Closed by anything but its keys (a tab switch): cancelled. */
	app_prompt(a, "Name", "kept", on_answer, NULL);
	view_pop_to(&a->views, 1);
	ck_assert_int_eq(answers, 4);
	ck_assert_int_eq(last_ok, 0);
	view_pop_to(&a->views, 0);
	ck_assert_int_eq(freed, 1);
	free(a);
}
END_TEST

/* ---- an answer for a popped view ---- */

static int calls_heard;

static void
on_heard(void *ud, json_t *result, const struct pl_error *err)
{
	(void)ud;
	(void)result;
	(void)err;
	calls_heard++;
}

START_TEST(answers_for_a_popped_view_are_dropped)
{
	uv_loop_t *loop = malloc(sizeof *loop);
	/* Nothing listens on port 1: every call fails "disconnected",
	 * which is an answer like any other. */
	struct rpc_client *rpc;
	struct view_stack s = {0};
	int freed = 0;
	struct test_view *kept = tv_new(&test_ops, &freed),
	                 *gone = tv_new(&test_ops, &freed);

	ck_assert_int_eq(uv_loop_init(loop), 0);
	rpc = rpc_client_new(loop, "127.0.0.1", 1);
	calls_heard = 0;
	view_push(&s, &kept->v);
	view_push(&s, &gone->v);
	view_call(&kept->v, rpc, "server.hello", NULL, on_heard, NULL);
	view_call(&gone->v, rpc, "server.hello", NULL, on_heard, NULL);
	view_pop(&s);
	ck_assert_int_eq(freed, 0); /* its call still holds it */
	while (rpc_pending(rpc))
		uv_run(loop, UV_RUN_ONCE);
	ck_assert_int_eq(calls_heard, 1); /* the view still shown */
	ck_assert_int_eq(freed, 1);       /* and the popped one is gone */
	view_pop_to(&s, 0);
	ck_assert_int_eq(freed, 2);
	rpc_client_free(rpc);
	uv_run(loop, UV_RUN_DEFAULT);
	uv_loop_close(loop);
	free(loop);
}
END_TEST

/* ---- n / N after a search ---- */

START_TEST(next_and_previous_match)
{
	static const char *const keys[] = {"name", "email", NULL};
	struct list_model l;

	list_init(&l, NULL);
	list_set_items(&l, json_pack("[{s:s, s:s}, {s:s, s:s}, {s:s, s:s}, "
	                             "{s:s, s:s}]",
	                             "id", "1", "name", "alpha", "id", "2",
	                             "name", "beta", "id", "3", "email",
	                             "ALPHA@x", "id", "4", "name", "gamma"));
	list_set_page(&l, 10);
	ck_assert(list_find(&l, keys, "alpha", 1));
	ck_assert_str_eq(jstr(list_selected(&l), "id"), "3"); /* any key */
	ck_assert(list_find(&l, keys, "alpha", 1));
	ck_assert_str_eq(jstr(list_selected(&l), "id"), "1"); /* around */
	ck_assert(list_find(&l, keys, "alpha", -1));
	ck_assert_str_eq(jstr(list_selected(&l), "id"), "3");
	ck_assert(!list_find(&l, keys, "delta", 1));
	ck_assert_str_eq(jstr(list_selected(&l), "id"), "3"); /* stays */
	list_free(&l);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("tui_views");
	TCase *tc = tcase_create("views");

	tcase_add_test(tc, push_pop_and_top);
	tcase_add_test(tc, keys_go_to_the_top_view_only);
	tcase_add_test(tc, help_and_hints_come_from_the_tables);
	tcase_add_test(tc, help_leaves_out_a_key_taken_earlier_in_its_table);
	tcase_add_test(tc, dialogs_are_views);
	tcase_add_test(tc, answers_for_a_popped_view_are_dropped);
	tcase_add_test(tc, next_and_previous_match);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
