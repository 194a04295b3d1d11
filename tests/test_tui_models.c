/*
 * The TUI's screen models without a terminal: register checklist and field
 * errors, list filter/selection/paging, dashboard buckets and de-dup (text
 * and the line editor are in test_tui_text.c).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "edit.h"
#include "models.h"
#include "term.h"
#include "text.h"
#include "tsupport.h"

#include <locale.h>
#include <stdio.h>
#include <wchar.h>

static json_t *
hello_with_policy(const char *mode)
{
	return json_pack("{s:s, s:o, s:s}", "registration", mode,
	                 "password_policy", password_policy_json(),
	                 "form_token", "ft");
}

START_TEST(checklist_each_rule)
{
	struct reg_model m;
	json_t *hello = hello_with_policy("open");
	/* For each password, which rule ids must be violated. */
	static const struct {
		const char *pw;
		unsigned bad; /* mask over enum password_rule */
	} cases[] = {
	    {"", 1u << PW_RULE_LENGTH | 1u << PW_RULE_LOWER |
	             1u << PW_RULE_UPPER | 1u << PW_RULE_DIGIT |
	             1u << PW_RULE_SPECIAL},
	    {"abcdefghijkl",
	     1u << PW_RULE_UPPER | 1u << PW_RULE_DIGIT | 1u << PW_RULE_SPECIAL},
	    {"Abcdefghijk1!", 0},
	    {"Abcdefg hijk1!", 1u << PW_RULE_NO_SPACE},
	    {"Ab1!", 1u << PW_RULE_LENGTH},
	    {"ABCDEFGHIJK1!", 1u << PW_RULE_LOWER},
	    {"abcdefghijK!!", 1u << PW_RULE_DIGIT},
	    {"abcdefghijK11", 1u << PW_RULE_SPECIAL},
	};

	reg_model_init(&m);
	reg_model_set_hello(&m, hello);
	ck_assert_int_eq(m.policy.nrules, PW_RULE_COUNT);
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		snprintf(m.field[REG_PASSWORD], sizeof m.field[0], "%s",
		         cases[c].pw);
		for (int i = 0; i < m.policy.nrules; i++) {
			int want =
			    !(cases[c].bad & (1u << m.policy.rules[i].rule));

			ck_assert_msg(reg_rule_ok(&m, i) == want,
			              "pw '%s' rule %s: got %d want %d",
			              cases[c].pw, m.policy.rules[i].id,
			              reg_rule_ok(&m, i), want);
		}
	}
	json_decref(hello);
}
END_TEST

START_TEST(checklist_unknown_server_rule)
{
	struct reg_model m;
	json_t *hello =
	    json_pack("{s:s, s:{s:i, s:[{s:s, s:s}, {s:s, s:s}]}}",
	              "registration", "invite", "password_policy", "min_length",
	              12, "rules", "id", "digit", "message", "a digit", "id",
	              "not_pwned", "message", "not in a breach list");

	reg_model_init(&m);
	reg_model_set_hello(&m, hello);
	ck_assert_int_eq(m.policy.nrules, 2);
	ck_assert(m.invite);
	strcpy(m.field[REG_PASSWORD], "x1");
	ck_assert_int_eq(reg_rule_ok(&m, 0), 1);
	ck_assert_int_eq(reg_rule_ok(&m, 1), -1);
	ck_assert_str_eq(m.policy.rules[1].message, "not in a breach list");
	/* Invite mode requires the code before submitting. */
	strcpy(m.field[REG_USERNAME], "alice");
	strcpy(m.field[REG_PASSWORD], "Abcdefghijk1!");
	strcpy(m.field[REG_CONFIRM], "Abcdefghijk1!");
	ck_assert_int_eq(reg_model_check(&m), -1);
	ck_assert(m.err[REG_INVITATION][0]);
	strcpy(m.field[REG_INVITATION], "code");
	ck_assert_int_eq(reg_model_check(&m), 0);
	json_decref(hello);
}
END_TEST

START_TEST(username_feedback_and_confirm)
{
	struct reg_model m;

	reg_model_init(&m);
	ck_assert_ptr_nonnull(reg_username_feedback(&m));
	strcpy(m.field[REG_USERNAME], "ab");
	ck_assert_ptr_nonnull(reg_username_feedback(&m));
	strcpy(m.field[REG_USERNAME], "bad name!");
	ck_assert_ptr_nonnull(reg_username_feedback(&m));
	strcpy(m.field[REG_USERNAME], "  good.name-1 ");
	ck_assert_ptr_null(reg_username_feedback(&m));
	strcpy(m.field[REG_PASSWORD], "Abcdefghijk1!");
	strcpy(m.field[REG_CONFIRM], "Abcdefghijk1?");
	ck_assert(!reg_confirm_ok(&m));
	ck_assert_int_eq(reg_model_check(&m), -1);
	ck_assert(m.err[REG_CONFIRM][0]);
	ck_assert(!m.err[REG_USERNAME][0]);
	strcpy(m.field[REG_CONFIRM], "Abcdefghijk1!");
	ck_assert(reg_confirm_ok(&m));
	ck_assert_int_eq(reg_model_check(&m), 0);
}
END_TEST

START_TEST(server_errors_to_fields)
{
	struct reg_model m;
	struct pl_error e;
	json_t *p;

	reg_model_init(&m);
	pl_error_init(&e);
	pl_error_set(&e, PL_ERR_CONFLICT, "username_taken", "taken");
	reg_model_apply_error(&m, &e);
	ck_assert(strstr(m.err[REG_USERNAME], "taken"));
	ck_assert(!m.err[REG_PASSWORD][0] && !m.general[0]);
	pl_error_clear(&e);

	pl_error_violation(&e, "password", "uppercase", "an uppercase letter");
	pl_error_violation(&e, "password", "digit", "a digit");
	pl_error_violation(&e, "email", "format", "not an email");
	reg_model_apply_error(&m, &e);
	ck_assert(!m.err[REG_USERNAME][0]); /* the old 409 is cleared */
	ck_assert(strstr(m.err[REG_PASSWORD], "an uppercase letter"));
	ck_assert(strstr(m.err[REG_PASSWORD], "a digit"));
	ck_assert_str_eq(m.err[REG_EMAIL], "not an email");
	pl_error_clear(&e);

	pl_error_set(&e, PL_ERR_NOT_FOUND, "invitation_invalid",
	             "no such code");
	reg_model_apply_error(&m, &e);
	ck_assert_str_eq(m.err[REG_INVITATION], "no such code");
	pl_error_clear(&e);

	pl_error_set(&e, PL_ERR_INTERNAL, NULL, "boom");
	reg_model_apply_error(&m, &e);
	ck_assert_str_eq(m.general, "boom");
	pl_error_clear(&e);

	strcpy(m.field[REG_USERNAME], "bob");
	strcpy(m.field[REG_PASSWORD], "pw");
	p = reg_model_params(&m, "tok");
	ck_assert_str_eq(json_string_value(json_object_get(p, "form_token")),
	                 "tok");
	ck_assert_ptr_null(json_object_get(p, "email"));
	json_decref(p);
}
END_TEST

START_TEST(login_errors)
{
	struct login_model m;
	struct pl_error e;

	login_model_init(&m);
	strcpy(m.password, "secret");
	pl_error_init(&e);
	pl_error_set(&e, PL_ERR_UNAVAILABLE, "disconnected", "cannot reach");
	login_model_apply_error(&m, &e);
	ck_assert(m.server_down);
	ck_assert(strstr(m.error, "unreachable"));
	ck_assert_str_eq(m.password, "secret"); /* Enter retries */
	pl_error_set(&e, PL_ERR_UNAUTHORIZED, NULL, "bad credentials");
	login_model_apply_error(&m, &e);
	ck_assert_str_eq(m.password, ""); /* refused: forgotten */
	ck_assert(strstr(m.error, "Wrong username or password"));
	pl_error_set(&e, PL_ERR_TOO_MANY, NULL, "slow down");
	e.retry_after = 7;
	login_model_apply_error(&m, &e);
	ck_assert(!m.server_down);
	ck_assert(strstr(m.error, "7 s"));
	pl_error_clear(&e);
}
END_TEST

static json_t *
items(int n)
{
	json_t *a = json_array();

	for (int i = 0; i < n; i++) {
		char id[16], name[32];

		snprintf(id, sizeof id, "id%d", i);
		snprintf(name, sizeof name, i % 3 ? "Notes %d" : "Plan %d", i);
		json_array_append_new(
		    a, json_pack("{s:s, s:s}", "id", id, "display_name", name));
	}
	return a;
}

static const char *const name_keys[] = {"display_name", NULL};

static const char *
sel_id(struct list_model *l)
{
	return json_string_value(json_object_get(list_selected(l), "id"));
}

START_TEST(list_paging)
{
	struct list_model l;

	list_init(&l, name_keys);
	ck_assert_ptr_null(list_selected(&l));
	list_move(&l, 1); /* empty list: nothing moves, nothing breaks */
	list_set_items(&l, items(25));
	list_set_page(&l, 10);
	ck_assert_str_eq(sel_id(&l), "id0");
	list_move(&l, -1);
	ck_assert_str_eq(sel_id(&l), "id0");
	list_move(&l, 12);
	ck_assert_int_eq(l.sel, 12);
	ck_assert_int_eq(l.top, 3); /* selection kept on the last row */
	list_page_move(&l, 1);
	ck_assert_int_eq(l.sel, 22);
	ck_assert_int_eq(l.top, 13); /* the next page */
	list_page_move(&l, 1);
	ck_assert_int_eq(l.sel, 24);
	list_home(&l);
	ck_assert_int_eq(l.sel, 0);
	ck_assert_int_eq(l.top, 0);
	list_end(&l);
	ck_assert_int_eq(l.sel, 24);
	ck_assert_int_eq(l.top, 15);
	list_page_move(&l, -1);
	ck_assert_int_eq(l.sel, 14);
	ck_assert(l.sel >= l.top && l.sel < l.top + l.page);
	list_set_page(&l, 3); /* terminal shrank */
	ck_assert(l.sel >= l.top && l.sel < l.top + 3);
	list_free(&l);
}
END_TEST

START_TEST(list_filtering)
{
	struct list_model l;

	list_init(&l, name_keys);
	list_set_items(&l, items(12));
	list_set_page(&l, 5);
	list_move(&l, 3);                    /* id3 = "Plan 3" */
	list_set_filter(&l, "plan");         /* case-insensitive */
	ck_assert_int_eq(l.nvis, 4);         /* 0 3 6 9 */
	ck_assert_str_eq(sel_id(&l), "id3"); /* selection kept */
	list_set_filter(&l, "zzz");
	ck_assert_int_eq(l.nvis, 0);
	ck_assert_ptr_null(list_selected(&l));
	list_end(&l);
	list_set_filter(&l, "notes 1");
	ck_assert_int_eq(l.nvis, 3); /* 1 10 11 */
	list_set_filter(&l, "");
	ck_assert_int_eq(l.nvis, 12);
	/* A refresh keeps the selection on the same id. */
	list_set_filter(&l, "");
	list_home(&l);
	list_move(&l, 7);
	list_set_items(&l, items(12));
	ck_assert_str_eq(sel_id(&l), "id7");
	/* ... and clamps when the list shrinks. */
	list_set_items(&l, items(2));
	ck_assert_str_eq(sel_id(&l), "id1");
	ck_assert(text_matches("Hello World", "o w"));
	ck_assert(!text_matches(NULL, "x"));
	list_free(&l);
}
END_TEST

static json_t *
user_event(long long id, const char *name, const char *at)
{
	return json_pack("{s:I, s:s, s:s, s:{s:s, s:s, s:s, s:s, s:b}}", "id",
	                 (json_int_t)id, "action", "user.created", "at", at,
	                 "subject", "id", "0000-uuid", "username", name,
	                 "email", "x@example.org", "created_at", at,
	                 "totp_enabled", 0);
}

START_TEST(list_sorts_and_keeps_selection)
{
	struct list_model l;
	static const char *const keys[] = {"display_name", NULL};

	list_init(&l, keys);
	list_set_items(
	    &l, json_pack("[{s:s,s:s,s:s},{s:s,s:s,s:s},{s:s,s:s,s:s}]", "id",
	                  "1", "display_name", "beta", "updated_at",
	                  "2026-11-25T10:00:00Z", "id", "2", "display_name",
	                  "Alpha", "updated_at", "2026-11-27T10:00:00Z", "id",
	                  "3", "display_name", "gamma", "updated_at",
	                  "2026-11-26T10:00:00Z"));
	list_set_page(&l, 10);
	list_move(&l, 2); /* gamma */
	list_sort(&l, "display_name", 0);
	ck_assert_str_eq(jstr(list_row(&l, 0), "display_name"), "Alpha");
	ck_assert_str_eq(jstr(list_row(&l, 1), "display_name"), "beta");
	ck_assert_str_eq(jstr(list_selected(&l), "display_name"), "gamma");
	list_sort(&l, "updated_at", 1); /* newest first */
	ck_assert_str_eq(jstr(list_row(&l, 0), "id"), "2");
	ck_assert_str_eq(jstr(list_row(&l, 1), "id"), "3");
	ck_assert_str_eq(jstr(list_row(&l, 2), "id"), "1");
	/* New items from the server keep the chosen order, and the filter. */
	list_set_filter(&l, "a");
	list_set_items(&l, json_pack("[{s:s,s:s,s:s},{s:s,s:s,s:s}]", "id", "4",
	                             "display_name", "delta", "updated_at",
	                             "2026-11-28T10:00:00Z", "id", "1",
	                             "display_name", "beta", "updated_at",
	                             "2026-11-25T10:00:00Z"));
	ck_assert_uint_eq(l.nvis, 2);
	ck_assert_str_eq(jstr(list_row(&l, 0), "id"), "4");
	list_free(&l);
}
END_TEST

START_TEST(stats_and_ring)
{
	struct dash_model *d = malloc(sizeof *d);
	json_t *stats = json_pack("{s:i, s:i, s:i}", "total", 10, "last_hour",
	                          4, "last_24h", 6);
	json_t *ev;

	dash_init(d);
	dash_set_stats(d, stats);
	ck_assert_int_eq(d->total, 10);
	ck_assert_int_eq(d->last_hour, 4);
	/* Live signups count, and the ring keeps them in arrival order. */
	ev = user_event(7, "amy", "2026-11-25T19:30:01Z");
	ck_assert_int_eq(dash_add_event(d, ev), 1);
	json_decref(ev);
	ev = user_event(8, "ben", "2026-11-25T19:25:59.5Z");
	ck_assert_int_eq(dash_add_event(d, ev), 1);
	json_decref(ev);
	ck_assert_int_eq(d->total, 12);
	ev = user_event(9, "old", "2026-11-25T18:00:00Z");
	dash_add_event(d, ev);
	json_decref(ev);
	ck_assert_str_eq(dash_signup_at(d, 0)->username, "old");
	ck_assert_str_eq(dash_signup_at(d, 1)->username, "ben");
	ck_assert_str_eq(dash_signup_at(d, 2)->at_text, "2026-11-25 19:30:01");
	json_decref(stats);
	free(d);
}
END_TEST

START_TEST(event_dedup)
{
	struct dash_model *d = malloc(sizeof *d);
	json_t *ev = user_event(42, "amy", "2026-11-25T19:30:01Z");
	json_t *other =
	    json_pack("{s:i, s:s}", "id", 43, "action", "pad.created");

	dash_init(d);
	ck_assert_int_eq(dash_add_event(d, ev), 1);
	ck_assert_int_eq(dash_add_event(d, ev), -1); /* live + backfill */
	ck_assert_int_eq(dash_add_event(d, other), 0);
	ck_assert_int_eq(dash_add_event(d, other), -1);
	ck_assert_int_eq(d->n, 1);
	ck_assert_int_eq(d->max_id, 43);
	/* Same integer id from another deployment on the channel: not a dup. */
	{
		json_t *foreign = user_event(42, "zed", "2026-11-25T19:30:02Z");

		json_object_set_new(json_object_get(foreign, "subject"), "id",
		                    json_string("other-uuid"));
		ck_assert_int_eq(dash_add_event(d, foreign), 1);
		ck_assert_int_eq(dash_add_event(d, foreign), -1);
		json_decref(foreign);
	}
	ck_assert_int_eq(d->n, 2);
	ck_assert_uint_eq(d->duplicates, 3);
	/* Far more ids than the set holds: recent ones are still caught. */
	for (long long i = 100; i < 100 + 3 * SEEN_MAX; i++)
		ck_assert_int_eq(dash_seen(d, i), 0);
	for (long long i = 100 + 2 * SEEN_MAX + 1; i < 100 + 3 * SEEN_MAX; i++)
		ck_assert_int_eq(dash_seen(d, i), -1);
	ck_assert_int_eq(d->seen.n, SEEN_MAX);
	json_decref(ev);
	json_decref(other);
	free(d);
}
END_TEST

/* The feed hands each event over once, whether it came live, from a
 * backfill that overlaps the live stream, or twice from a republish. */
START_TEST(feed_dedup_live_and_backfill)
{
	struct seen_set *ss = calloc(1, sizeof *ss);
	json_t *a = json_pack("{s:i, s:s, s:{s:s}}", "id", 41, "action",
	                      "user.created", "subject", "id", "u-41");
	json_t *b = json_pack("{s:i, s:s, s:{s:s}}", "id", 42, "action",
	                      "user.created", "subject", "id", "u-42");
	/* Same integer id from another deployment on the same channel. */
	json_t *other = json_pack("{s:i, s:s, s:{s:s}}", "id", 41, "action",
	                          "user.created", "subject", "id", "v-41");
	json_t *noid = json_pack("{s:s}", "action", "user.created");

	ck_assert_int_eq(event_is_new(ss, a), 1);     /* live */
	ck_assert_int_eq(event_is_new(ss, b), 1);     /* live */
	ck_assert_int_eq(event_is_new(ss, a), 0);     /* backfill overlap */
	ck_assert_int_eq(event_is_new(ss, b), 0);     /* backfill overlap */
	ck_assert_int_eq(event_is_new(ss, other), 1); /* not a duplicate */
	ck_assert_int_eq(event_is_new(ss, noid), -1);
	/* After SEEN_MAX newer keys, the oldest is forgotten (bounded). */
	for (long long i = 0; i < SEEN_MAX; i++)
		ck_assert_int_eq(seen_add(ss, 1000000 + i), 0);
	ck_assert_int_eq(event_is_new(ss, a), 1);
	json_decref(a);
	json_decref(b);
	json_decref(other);
	json_decref(noid);
	free(ss);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("tui_models");
	TCase *tc = tcase_create("models");

	tcase_add_test(tc, checklist_each_rule);
	tcase_add_test(tc, checklist_unknown_server_rule);
	tcase_add_test(tc, username_feedback_and_confirm);
	tcase_add_test(tc, server_errors_to_fields);
	tcase_add_test(tc, login_errors);
	tcase_add_test(tc, list_paging);
	tcase_add_test(tc, list_filtering);
	tcase_add_test(tc, list_sorts_and_keeps_selection);
	tcase_add_test(tc, stats_and_ring);
	tcase_add_test(tc, event_dedup);
	tcase_add_test(tc, feed_dedup_live_and_backfill);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
