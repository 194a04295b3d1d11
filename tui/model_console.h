/*
 * The models of the Held and Rules screens (held.c, rules.c), in plain C:
 * what a live event does to the list of held accounts, the filter a bulk
 * action on them gets, a rule.put made from a listed rule, and a replay
 * (rule.test) in words. No curses here: test_tui_console checks them.
 */
#ifndef PL_TUI_MODEL_CONSOLE_H
#define PL_TUI_MODEL_CONSOLE_H

#include <jansson.h>
#include <stddef.h>

#include "models.h"

/* ---- Held (model_held.c) ---- */

/* What an event means to the list of held accounts. */
enum held_change {
	HELD_NONE,    /* not about a listed or a newly held account */
	HELD_REMOVED, /* a listed account is no longer pending: row gone */
	HELD_RELOAD   /* new held accounts, or a bulk action: ask again */
};
/* Applies ev to l (a user.held list): removes a listed account approved,
 * rejected, disabled or deleted elsewhere. */
enum held_change held_apply_event(struct list_model *l, json_t *ev);
/* The filter of user.bulk for every held account filter matches (filter
 * may be empty), malloc'd. */
char *held_bulk_filter(const char *filter);
/* "alice, bob, carol and 9 more" of a user.bulk sample and its count. */
void held_sample_text(json_t *sample, long long count, char *buf, size_t size);

/* ---- Rules (model_rules.c) ---- */

/* rule.put's params for a rule.list row as it is (new object): name,
 * when, action, mode, enabled, and threshold and window_s when set. */
json_t *rule_put_params(json_t *rule);
/* "enforce", "shadow", or "off" for a rule turned off. */
const char *rule_mode_text(json_t *rule);
/* A whole number in [min, max] from typed text (spaces around allowed):
 * 0, or -1 when it is not one. */
int rule_number(const char *text, long long min, long long max, long long *out);
/* A rule.test result in words, one rule (the first): what it would have
 * done over the window, its top keys (most hits first, at most 10) and
 * its samples; lines separated by '\n'. */
void rule_replay_text(json_t *report, char *buf, size_t size);

#endif
