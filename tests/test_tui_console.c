/*
 * The models of the Held and Rules screens (tui/model_held.c,
 * tui/model_rules.c) without a terminal: what a live event does to the
 * held list, the filter of a bulk action, a rule.put made from a listed
 * rule, typed numbers, a replay in words; and that a read-only console
 * may read held accounts and replay rules but changes nothing.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "model_console.h"
#include "readonly.h"
#include "tsupport.h"

static json_t *
held_list(void)
{
	return json_pack("[{s:s, s:s, s:s}, {s:s, s:s, s:s}]", "id", "u1",
	                 "username", "wave1", "status", "pending", "id", "u2",
	                 "username", "wave2", "status", "pending");
}

static json_t *
event(const char *action, const char *id, const char *status)
{
	return json_pack("{s:I, s:s, s:{s:s, s:s}}", "id", (json_int_t)1,
	                 "action", action, "subject", "id", id, "status",
	                 status);
}

START_TEST(events_change_the_held_list)
{
	struct list_model l;
	json_t *ev;

	list_init(&l, NULL);
	list_set_items(&l, held_list());
	/* Approved elsewhere: its row goes. */
	ev = event("user.updated", "u2", "active");
	ck_assert_int_eq(held_apply_event(&l, ev), HELD_REMOVED);
	json_decref(ev);
	ck_assert_uint_eq(l.nvis, 1);
	ck_assert_str_eq(jstr(list_row(&l, 0), "username"), "wave1");
	/* Still pending (its name changed, say): stays. */
	ev = event("user.updated", "u1", "pending");
	ck_assert_int_eq(held_apply_event(&l, ev), HELD_NONE);
	json_decref(ev);
	/* Someone not listed: nothing. */
	ev = event("user.updated", "u9", "rejected");
	ck_assert_int_eq(held_apply_event(&l, ev), HELD_NONE);
	json_decref(ev);
	ev = event("user.deleted", "u1", "pending");
	ck_assert_int_eq(held_apply_event(&l, ev), HELD_REMOVED);
	json_decref(ev);
	ck_assert_uint_eq(l.nvis, 0);
	/* New held accounts and bulk actions: ask the server. */
	ev = event("user.held", "u3", "pending");
	ck_assert_int_eq(held_apply_event(&l, ev), HELD_RELOAD);
	json_decref(ev);
	ev = event("user.bulk", "u4", "active");
	ck_assert_int_eq(held_apply_event(&l, ev), HELD_RELOAD);
	json_decref(ev);
	ev = event("user.created", "u5", "active");
	ck_assert_int_eq(held_apply_event(&l, ev), HELD_NONE);
	json_decref(ev);
	list_free(&l);
}
END_TEST

START_TEST(bulk_filter_and_sample)
{
	char *f = held_bulk_filter("");
	char buf[128];
	json_t *sample =
	    json_pack("[{s:s}, {s:s}, {s:s}, {s:s}]", "username", "a",
	              "username", "b", "username", "c", "username", "d");

	ck_assert_str_eq(f, "status:held");
	free(f);
	f = held_bulk_filter("net:203.0.113.0/24 !bob");
	ck_assert_str_eq(f, "status:held net:203.0.113.0/24 !bob");
	free(f);
	held_sample_text(sample, 12, buf, sizeof buf);
	ck_assert_str_eq(buf, "a, b, c and 9 more");
	json_array_remove(sample, 3);
	json_array_remove(sample, 2);
	held_sample_text(sample, 2, buf, sizeof buf);
	ck_assert_str_eq(buf, "a, b");
	json_decref(sample);
}
END_TEST

/* A filter typed into a field: one that does not parse says where first
 * and leaves the caller's last good filter alone. */
START_TEST(typed_filter_compiles_or_says_where)
{
	struct filter *good = NULL, *keep;
	char why[300];

	ck_assert_int_eq(filter_field_compile("net:203.0.113.0/24 !calm", &good,
	                                      why, sizeof why),
	                 0);
	ck_assert_ptr_nonnull(good);
	ck_assert_str_eq(why, "");
	keep = good;
	ck_assert_int_eq(
	    filter_field_compile("calm nett:1", &good, why, sizeof why), -1);
	ck_assert_ptr_eq(good, keep);
	ck_assert_str_eq(why, "at 6: unknown key \"nett\" at 6");
	filter_free(good);
	good = NULL;
	ck_assert_int_eq(filter_field_compile("  ", &good, why, sizeof why), 0);
	ck_assert_ptr_null(good);
	ck_assert_int_eq(filter_field_compile("a !", NULL, why, sizeof why),
	                 -1);
	ck_assert_msg(strncmp(why, "at 3: ", 6) == 0, "%s", why);
}
END_TEST

START_TEST(rule_put_from_a_listed_rule)
{
	json_t *dflt = json_loads(
	    "{\"id\":null,\"name\":\"net-velocity\",\"when\":\"net-velocity\","
	    "\"threshold\":5,\"window_s\":60,\"action\":\"alarm\",\"mode\":"
	    "\"enforce\",\"enabled\":true,\"default\":true,\"hits_1h\":"
	    "{\"enforce\":2,\"shadow\":0}}",
	    0, NULL);
	json_t *stored = json_loads(
	    "{\"id\":7,\"name\":\"evil\",\"when\":\"domain:evil.example\","
	    "\"threshold\":null,\"window_s\":null,\"action\":\"block\","
	    "\"mode\":\"shadow\",\"enabled\":false}",
	    0, NULL);
	json_t *p = rule_put_params(dflt);
	json_t *want = json_loads(
	    "{\"name\":\"net-velocity\",\"when\":\"net-velocity\",\"action\":"
	    "\"alarm\",\"mode\":\"enforce\",\"enabled\":true,\"threshold\":5,"
	    "\"window_s\":60}",
	    0, NULL);

	ck_assert(json_equal(p, want));
	json_decref(p);
	json_decref(want);
	/* Null threshold and window: the detector's defaults, left out. */
	p = rule_put_params(stored);
	want = json_loads("{\"name\":\"evil\",\"when\":\"domain:evil.example\","
	                  "\"action\":\"block\",\"mode\":\"shadow\","
	                  "\"enabled\":false}",
	                  0, NULL);
	ck_assert(json_equal(p, want));
	json_decref(p);
	json_decref(want);
	ck_assert_str_eq(rule_mode_text(dflt), "enforce");
	ck_assert_str_eq(rule_mode_text(stored), "off");
	json_object_set_new(stored, "enabled", json_true());
	ck_assert_str_eq(rule_mode_text(stored), "shadow");
	json_decref(dflt);
	json_decref(stored);
}
END_TEST

START_TEST(typed_numbers)
{
	long long n = 0;

	ck_assert_int_eq(rule_number(" 42 ", 1, 100, &n), 0);
	ck_assert_int_eq(n, 42);
	ck_assert_int_eq(rule_number("0", 1, 100, &n), -1);
	ck_assert_int_eq(rule_number("101", 1, 100, &n), -1);
	ck_assert_int_eq(rule_number("-5", 1, 100, &n), -1);
	ck_assert_int_eq(rule_number("5x", 1, 100, &n), -1);
	ck_assert_int_eq(rule_number("", 1, 100, &n), -1);
	ck_assert_int_eq(rule_number("99999999999999999999", 1, 100, &n), -1);
	ck_assert_int_eq(n, 42);
}
END_TEST

START_TEST(replay_in_words)
{
	json_t *report = json_loads(
	    "{\"since_s\":86400,\"attempts\":7,\"rules\":[{\"name\":"
	    "\"net-velocity\",\"action\":\"alarm\",\"mode\":\"enforce\","
	    "\"would_act\":4,\"alarms\":1,\"keys\":{\"198.51.100.0/24\":1,"
	    "\"203.0.113.0/24\":3},\"samples\":[\"wave5\",\"wave6\"]}]}",
	    0, NULL);
	char text[2048];

	rule_replay_text(report, text, sizeof text);
	ck_assert_msg(strstr(text, "7 attempts in the last 24 h, replayed "
	                           "against net-velocity as it is now "
	                           "(alarm, enforce).") != NULL,
	              "%s", text);
	ck_assert_msg(strstr(text, "acted on 4 of them and raised 1 alarm.") !=
	                  NULL,
	              "%s", text);
	/* Most hits first. */
	ck_assert_ptr_nonnull(strstr(text, "203.0.113.0/24"));
	ck_assert(strstr(text, "203.0.113.0/24") <
	          strstr(text, "198.51.100.0/24"));
	ck_assert_ptr_nonnull(strstr(text, "For example:\n  wave5\n  wave6"));
	json_decref(report);
}
END_TEST

START_TEST(read_only_console_reads_and_replays)
{
	ck_assert(readonly_allows("user.held"));
	ck_assert(readonly_allows("rule.test"));
	ck_assert(readonly_allows("rule.list"));
	ck_assert(!readonly_allows("rule.put"));
	ck_assert(!readonly_allows("user.approve"));
	ck_assert(!readonly_allows("user.reject"));
	ck_assert(!readonly_allows("user.bulk"));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("tui_console");
	TCase *tc = tcase_create("console");

	tcase_add_test(tc, events_change_the_held_list);
	tcase_add_test(tc, bulk_filter_and_sample);
	tcase_add_test(tc, typed_filter_compiles_or_says_where);
	tcase_add_test(tc, rule_put_from_a_listed_rule);
	tcase_add_test(tc, typed_numbers);
	tcase_add_test(tc, replay_in_words);
	tcase_add_test(tc, read_only_console_reads_and_replays);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
