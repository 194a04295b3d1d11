/*
 * The Rules screen (admins): each signup rule (rule.list) with its hits of
 * the last hour, enforced and in shadow; o turns one on or off, m switches
 * enforce / shadow, T changes its threshold and window (rule.put, which
 * asks for the password on a session signed in long ago), t replays it
 * over the last 24 hours (rule.test) and shows what it would have done.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "model_console.h"
#include "readonly.h"
#include "term.h"
#include "widgets.h"
#include "xalloc.h"

#define RULES_TEST_HOURS 24

struct rules_screen {
	struct app *app;
	struct list_model rules;
	int stale;          /* a rule changed elsewhere: ask again */
	char name[72];      /* the rule a change or a replay is about */
	json_t *change;     /* the rule.put being asked for (T) */
	char replay[16384]; /* the last replay, in words */
};

enum { R_TOGGLE = 1, R_MODE, R_THRESHOLD, R_TEST, R_RELOAD };

static const struct binding rules_keys[] = {
    {'o', R_TOGGLE | BIND_ACTS, "turn the rule on or off", "on/off"},
    {'m', R_MODE | BIND_ACTS, "mode: enforce or shadow (records only)", "mode"},
    {'T', R_THRESHOLD | BIND_ACTS, "change the threshold, then the window",
     "threshold"},
    {'t', R_TEST, "replay the rule over the last 24 h: what it would have done",
     "test"},
    {'R', R_RELOAD, "reload (rules and hits)", "reload"},
    NAV_KEYS,
    {0, 0, NULL, NULL},
};

static void
on_rules(void *ud, json_t *result, const struct pl_error *err)
{
	struct rules_screen *r = ud;

	if (app_failed(r->app, err, "rule.list"))
		return;
	list_set_items(&r->rules,
	               json_incref(json_object_get(result, "rules")));
	app_dirty(r->app);
}

static void
rules_load(struct rules_screen *r)
{
	r->stale = 0;
	rpc_send(r->app->rpc, "rule.list", NULL, on_rules, r);
}

static void *
rules_init(struct app *a)
{
	struct rules_screen *r = xcalloc(1, sizeof *r);

	r->app = a;
	list_init(&r->rules, NULL);
	return r;
}

static void
rules_free(void *st)
{
	struct rules_screen *r = st;

	list_free(&r->rules);
	json_decref(r->change);
	free(r);
}

static void
rules_enter(struct app *a, void *st)
{
	rules_load(st);
	app_live(a); /* rules_on_event */
}

/* A rule changed by another admin or padlined's commands. The hits are
 * not followed live: R asks again. */
static void
rules_on_event(struct app *a, void *st, json_t *ev)
{
	const char *action = jstr(ev, "action");

	(void)a;
	if (ev && strncmp(action, "rule.", 5) == 0)
		((struct rules_screen *)st)->stale = 1;
}

static void
rules_tick(struct app *a, void *st)
{
	struct rules_screen *r = st;

	if (r->stale && app_showing(a, &screen_rules))
		rules_load(r);
}

/* ---- changes: o, m, T ---- */

static void
on_put(void *ud, json_t *result, const struct pl_error *err)
{
	struct rules_screen *r = ud;
	json_t *rule = json_object_get(result, "rule");
	char th[24] = "default", ws[24] = "default";

	if (app_failed(r->app, err, "rule.put"))
		return;
	if (json_is_integer(json_object_get(rule, "threshold")))
		snprintf(th, sizeof th, "%lld",
		         (long long)json_integer_value(
		             json_object_get(rule, "threshold")));
	if (json_is_integer(json_object_get(rule, "window_s")))
		snprintf(ws, sizeof ws, "%llds",
		         (long long)json_integer_value(
		             json_object_get(rule, "window_s")));
	app_flash(r->app, 0, "Rule %s: %s, threshold %s, window %s.",
	          jstr(rule, "name"), rule_mode_text(rule), th, ws);
	rules_load(r);
}

/* rule.put of params (stolen), asking for the password when the session
 * is not fresh. */
static void
rules_put(struct rules_screen *r, json_t *params)
{
	app_call_fresh(r->app, "rule.put", params, on_put, r, NULL);
}

static json_t *
rules_selected(struct rules_screen *r, const char *what)
{
	json_t *rule = list_selected(&r->rules);

	if (what && readonly_refuse(r->app, what))
		return NULL;
	if (!rule)
		app_flash(r->app, 1, "No rule is selected.");
	else
		snprintf(r->name, sizeof r->name, "%s", jstr(rule, "name"));
	return rule;
}

static void
on_window(struct app *a, void *ud, int ok, const char *input, size_t choice)
{
	struct rules_screen *r = ud;
	long long n;

	(void)choice;
	if (!ok || !r->change)
		return;
	if (rule_number(input, 1, 86400LL * 30, &n) != 0) {
		app_flash(a, 1, "A window is 1 to 2592000 seconds.");
		return;
	}
	json_object_set_new(r->change, "window_s", json_integer(n));
	rules_put(r, r->change);
	r->change = NULL;
}

static void
on_threshold(struct app *a, void *ud, int ok, const char *input, size_t choice)
{
	struct rules_screen *r = ud;
	json_t *ws;
	char text[200], now[24] = "";
	long long n;

	(void)choice;
	if (!ok || !r->change)
		return;
	if (rule_number(input, 1, 1000000, &n) != 0) {
		app_flash(a, 1, "A threshold is 1 to 1000000 attempts.");
		return;
	}
	json_object_set_new(r->change, "threshold", json_integer(n));
	ws = json_object_get(r->change, "window_s");
	if (json_is_integer(ws))
		snprintf(now, sizeof now, "%lld",
		         (long long)json_integer_value(ws));
	snprintf(text, sizeof text,
	         "Seconds the threshold of %s counts over (1 to 2592000).",
	         r->name);
	app_prompt_text(a, "Window", text, now, on_window, r);
}

static void
rules_threshold(struct rules_screen *r)
{
	json_t *rule = rules_selected(r, "changing a rule"), *th;
	char text[200], now[24] = "";

	if (!rule)
		return;
	json_decref(r->change);
	r->change = rule_put_params(rule);
	th = json_object_get(r->change, "threshold");
	if (json_is_integer(th))
		snprintf(now, sizeof now, "%lld",
		         (long long)json_integer_value(th));
	snprintf(text, sizeof text,
	         "Attempts within the window that make %s act (1 to "
	         "1000000).",
	         r->name);
	app_prompt_text(r->app, "Threshold", text, now, on_threshold, r);
}

/* ---- replay: t ---- */

static void
on_tested(void *ud, json_t *result, const struct pl_error *err)
{
	struct rules_screen *r = ud;
	char title[128];

	if (app_failed(r->app, err, "rule.test"))
		return;
	rule_replay_text(result, r->replay, sizeof r->replay);
	snprintf(title, sizeof title, "Replay of %s, last %d h", r->name,
	         RULES_TEST_HOURS);
	app_view(r->app, title, r->replay, NULL, NULL);
}

static int
rules_key(struct app *a, void *st, int action, int key)
{
	struct rules_screen *r = st;
	json_t *rule, *p;

	(void)a;
	(void)key;
	if (list_nav(&r->rules, action))
		return 1;
	switch (action) {
	case R_TOGGLE:
	case R_MODE:
		if (!(rule = rules_selected(r, "changing a rule")))
			return 1;
		p = rule_put_params(rule);
		if (action == R_TOGGLE)
			json_object_set_new(
			    p, "enabled",
			    json_boolean(!json_is_true(
			        json_object_get(rule, "enabled"))));
		else
			json_object_set_new(
			    p, "mode",
			    json_string(strcmp(jstr(rule, "mode"), "shadow") ==
			                        0
			                    ? "enforce"
			                    : "shadow"));
		rules_put(r, p);
		return 1;
	case R_THRESHOLD:
		rules_threshold(r);
		return 1;
	case R_TEST:
		if (!rules_selected(r, NULL))
			return 1;
		app_flash(a, 0, "Replaying %s over the last %d h...", r->name,
		          RULES_TEST_HOURS);
		app_flow_call(a, "rule.test",
		              json_pack("{s:s, s:i}", "name", r->name,
		                        "since_h", RULES_TEST_HOURS),
		              on_tested, r, NULL);
		return 1;
	case R_RELOAD:
		rules_load(r);
		return 1;
	}
	return 0;
}

/* The detector or filter takes what the other columns leave. */
static int
when_width(int cols)
{
	return cols - 72 > 8 ? cols - 72 : 8;
}

static void
number_text(json_t *rule, const char *key, const char *unit, char *buf,
            size_t size)
{
	json_t *v = json_object_get(rule, key);

	if (json_is_integer(v))
		snprintf(buf, size, "%lld%s", (long long)json_integer_value(v),
		         unit);
	else
		snprintf(buf, size, "-");
}

static void
rule_row(json_t *rule, char *buf, size_t size, int w)
{
	json_t *hits = json_object_get(rule, "hits_1h");
	char name[96], when[160], th[24], ws[24];

	ui_fit(jstr(rule, "name"), 20, name, sizeof name);
	ui_fit(jstr(rule, "when"), when_width(w), when, sizeof when);
	number_text(rule, "threshold", "", th, sizeof th);
	number_text(rule, "window_s", "s", ws, sizeof ws);
	/* The hits first: at 64 columns the window and what it matches
	 * give way. */
	snprintf(
	    buf, size, " %s %-7.7s %8lld %8lld %-6.6s %9s %8s  %s", name,
	    rule_mode_text(rule),
	    (long long)json_integer_value(json_object_get(hits, "enforce")),
	    (long long)json_integer_value(json_object_get(hits, "shadow")),
	    jstr(rule, "action"), th, ws, when);
}

static void
rules_draw(struct app *a, void *st, int rows, int cols)
{
	struct rules_screen *r = st;
	char name[64], when[160];

	(void)a;
	ui_attr(UI_TITLE);
	ui_fit("Rule", 20, name, sizeof name);
	ui_fit("When", when_width(cols), when, sizeof when);
	ui_putf(1, 0, cols, " %s %-7s %8s %8s %-6s %9s %8s  %s", name, "Mode",
	        "Enforced", "Shadow", "Action", "Threshold", "Window", when);
	ui_attr(UI_NORMAL);
	ui_hline(2, 0, cols);
	list_draw(&r->rules, 3, 0, rows - 7, cols, rule_row, "No rules.");
	ui_attr(UI_DIM);
	ui_putf(rows - 3, 1, cols - 2,
	        "Hits in the last hour, by the mode each had · R reloads");
	ui_attr(UI_NORMAL);
}

const struct screen screen_rules = {
    .name = "Rules",
    .admin_only = 1,
    .about = "Rules (admins)\n\nThe signup rules with how many attempts "
             "each matched in the last hour, enforced and in shadow (a "
             "shadow rule only records what it would have done). o turns "
             "the selected rule on or off, m switches it between enforce "
             "and shadow, T changes its threshold and window; each change "
             "asks for your password on a session signed in long ago. t "
             "replays the rule over the last 24 hours and shows what it "
             "would have done: how many attempts it would have acted on, "
             "its alarms, its top keys and a few usernames.",
    .keys = rules_keys,
    .tick = rules_tick,
    .on_event = rules_on_event,
    .init = rules_init,
    .free = rules_free,
    .enter = rules_enter,
    .draw = rules_draw,
    .key = rules_key,
};
