/*
 * The models of the operator's console, in plain C: a filter typed into a
 * field (dashboard, Users, attempts), what a live event does to Held's
 * list, the filter a bulk action on held accounts gets, a rule.put made
 * from a listed rule, and a replay (rule.test) in words. No curses here:
 * test_tui_console checks them.
 */
#ifndef PL_TUI_MODEL_CONSOLE_H
#define PL_TUI_MODEL_CONSOLE_H

#include <jansson.h>
#include <stddef.h>

#include "filter.h"
#include "models.h"
#include "pl_error.h"

/* ---- a filter typed into a field (model_filter.c) ---- */

/* Why a filter does not parse, from filter_parse's or padlined's
 * bad_filter error: "at 7: ..." (the position first). */
void filter_error_text(const struct pl_error *, char *why, size_t size);
/* Compiles text: 0 and *out the filter (NULL when it has no term: it
 * matches everything; out may be NULL to only check), or -1 with why
 * filled and *out untouched, so the caller keeps its last good filter. */
int filter_field_compile(const char *text, struct filter **out, char *why,
                         size_t size);

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
