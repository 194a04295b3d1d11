/*
 * b (act.h): a block rule made from a row. The row's account names its
 * signup; the email domain and the network come from that signup's
 * attempt (user.timeline), so a dashboard and a user list need not carry
 * them. The operator picks domain or network, then shadow (record what it
 * would refuse, to try it) or enforce; the rule's name is derived from
 * what it blocks, so blocking the same thing twice updates one rule.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "act.h"
#include "app.h"
#include "readonly.h"
#include "xalloc.h"

struct block_flow {
	struct app *app;
	char username[80];
	char domain[256]; /* "" when the account has no email */
	char network[64]; /* "" when the signup's address is not kept */
	char when[300];   /* the rule's filter term */
	char name[65];    /* the rule's derived name (rule.put: 64 bytes) */
};

static void
on_put(void *ud, json_t *result, const struct pl_error *err)
{
	struct block_flow *f = ud;
	json_t *rule = json_object_get(result, "rule");
	const char *mode = json_string_value(json_object_get(rule, "mode"));

	if (!app_failed(f->app, err, "rule.put"))
		app_flash(f->app, 0, "Rule %s (%s): %s",
		          json_string_value(json_object_get(rule, "name"))
		              ? json_string_value(json_object_get(rule, "name"))
		              : f->name,
		          mode ? mode : "?",
		          mode && strcmp(mode, "shadow") == 0
		              ? "its signups are recorded, not refused."
		              : "its signups are refused.");
	free(f);
}

static void
on_mode(struct app *a, void *ud, int ok, const char *input, size_t choice)
{
	struct block_flow *f = ud;

	(void)input;
	if (!ok) {
		free(f);
		return;
	}
	app_call_fresh(a, "rule.put",
	               json_pack("{s:s, s:s, s:s, s:s}", "name", f->name,
	                         "when", f->when, "action", "block", "mode",
	                         choice == 0 ? "shadow" : "enforce"),
	               on_put, f, free);
}

static void
on_what(struct app *a, void *ud, int ok, const char *input, size_t choice)
{
	struct block_flow *f = ud;
	/* The choices list the domain first when there is one. */
	int net = !f->domain[0] || (choice == 1 && f->network[0]);
	const char *key = net ? "net" : "domain",
	           *value = net ? f->network : f->domain;
	char text[512];

	(void)input;
	if (!ok) {
		free(f);
		return;
	}
	snprintf(f->when, sizeof f->when, "%s:%s", key, value);
	snprintf(f->name, sizeof f->name, "block-%.57s", f->when);
	snprintf(text, sizeof text,
	         "Rule %s\nblocks the signups matching %s.\nShadow records "
	         "what it would refuse; enforce refuses them.",
	         f->name, f->when);
	app_choose(a, "Block: shadow or enforce?", text,
	           json_pack("[s, s]", "s  shadow: record only",
	                     "e  enforce: refuse the signups"),
	           on_mode, f);
}

static void
on_attempt(void *ud, json_t *result, const struct pl_error *err)
{
	struct block_flow *f = ud;
	json_t *attempt = json_object_get(result, "attempt"), *choices;
	const char *d = json_string_value(
	               json_object_get(attempt, "email_domain")),
	           *n = json_string_value(json_object_get(attempt, "network")),
	           *email = json_string_value(json_object_get(
	               json_object_get(result, "user"), "email"));
	char line[320], text[400];

	if (app_failed(f->app, err, "user.timeline")) {
		free(f);
		return;
	}
	/* The attempt's domain, else the account's email's (changed since,
	 * or made without an attempt). */
	if (!d && email && strrchr(email, '@'))
		d = strrchr(email, '@') + 1;
	snprintf(f->domain, sizeof f->domain, "%s", d ? d : "");
	snprintf(f->network, sizeof f->network, "%s", n ? n : "");
	if (!f->domain[0] && !f->network[0]) {
		app_flash(f->app, 1,
		          "Nothing to block: %s has no email domain and no "
		          "signup address on record.",
		          f->username);
		free(f);
		return;
	}
	choices = json_array();
	if (f->domain[0]) {
		snprintf(line, sizeof line, "d  domain %.200s", f->domain);
		json_array_append_new(choices, json_string(line));
	}
	if (f->network[0]) {
		snprintf(line, sizeof line, "n  network %s", f->network);
		json_array_append_new(choices, json_string(line));
	}
	snprintf(text, sizeof text,
	         "A rule blocking new signups like %s's:", f->username);
	app_choose(f->app, "Block", text, choices, on_what, f);
}

void
block_flow_start(struct app *a, const char *user_id, const char *username)
{
	struct block_flow *f;

	if (readonly_refuse(a, "a block rule"))
		return;
	if (!user_id || !user_id[0]) {
		app_flash(a, 1, "No row to block from.");
		return;
	}
	f = xcalloc(1, sizeof *f);
	f->app = a;
	snprintf(f->username, sizeof f->username, "%s", username);
	app_flow_call(a, "user.timeline",
	              json_pack("{s:s, s:i}", "id", user_id, "limit", 1),
	              on_attempt, f, free);
}
