/*
 * `padlined rules test`: the stored attempts of a past window replayed
 * against the rules in force, oldest first, each rule's windows counted
 * in memory as the live detectors would have: what each rule would have
 * acted on, how many alarms it would have raised, its top keys and a few
 * usernames.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "repo_signup.h"
#include "signup_screen.h"
#include "svc_signup.h"
#include "svc_user.h"

#define SAMPLES 5

/* The attempt row as the screen would have seen it. */
static void
row_screen(json_t *a, struct svc_new_user *nu, struct signup_screen *s,
           char *email, size_t emailsz)
{
	const char *v;
	json_t *f;
	size_t i;

	memset(s, 0, sizeof *s);
	v = json_string_value(json_object_get(a, "username"));
	snprintf(nu->username, sizeof nu->username, "%s", v ? v : "");
	v = json_string_value(json_object_get(a, "peer"));
	snprintf(nu->peer, sizeof nu->peer, "%s", v ? v : "");
	v = json_string_value(json_object_get(a, "email_domain"));
	snprintf(s->domain, sizeof s->domain, "%s", v ? v : "");
	snprintf(email, emailsz, "@%s", s->domain);
	nu->email = v ? email : NULL;
	v = json_string_value(json_object_get(a, "network"));
	snprintf(s->network, sizeof s->network, "%s", v ? v : "");
	v = json_string_value(json_object_get(a, "shape"));
	snprintf(s->shape, sizeof s->shape, "%s", v ? v : "");
	json_array_foreach (json_object_get(a, "flags"), i, f) {
		v = json_string_value(f);
		s->flags |= strcmp(v, "fast") == 0 ? FILTER_FLAG_FAST
		            : strcmp(v, "disposable") == 0
		                ? FILTER_FLAG_DISPOSABLE
		            : strcmp(v, "breached") == 0 ? FILTER_FLAG_BREACHED
		                                         : 0;
	}
}

/* Counts at_ms in key's window (times: key -> array of ms, pruned). */
static long long
window_add(json_t *times, const char *key, long long at_ms, int window_s)
{
	json_t *t = json_object_get(times, key);

	if (t == NULL) {
		t = json_array();
		json_object_set_new(times, key, t);
	}
	while (json_array_size(t) > 0 &&
	       json_integer_value(json_array_get(t, 0)) <=
	           at_ms - (long long)window_s * 1000)
		json_array_remove(t, 0);
	json_array_append_new(t, json_integer(at_ms));
	return (long long)json_array_size(t);
}

/* One rule over every attempt: {name, action, mode, would_act, alarms,
 * top_keys: {key: n}, samples: [username]}. */
static json_t *
replay_rule(const struct rule *r, json_t *attempts)
{
	json_t *times = json_object(), *claims = json_object();
	json_t *keys = json_object(), *samples = json_array(), *a;
	long long acted = 0, alarms = 0;
	struct svc_new_user nu;
	struct signup_screen s;
	char email[300];
	size_t i;

	json_array_foreach (attempts, i, a) {
		long long at = json_integer_value(json_object_get(a, "at_ms"));
		enum repo_signup_key col;
		const char *key;
		json_t *claim;

		memset(&nu, 0, sizeof nu);
		row_screen(a, &nu, &s, email, sizeof email);
		if (!signup_rule_applies(r, &nu, &s, &key, &col) ||
		    window_add(times, key, at, r->window_s) < r->threshold)
			continue;
		acted++;
		json_object_set_new(
		    keys, key,
		    json_integer(
		        json_integer_value(json_object_get(keys, key)) + 1));
		if (json_array_size(samples) < SAMPLES && nu.username[0])
			json_array_append_new(samples,
			                      json_string(nu.username));
		claim = json_object_get(claims, key);
		if (claim == NULL || json_integer_value(claim) <=
		                         at - (long long)r->window_s * 1000) {
			alarms++;
			json_object_set_new(claims, key, json_integer(at));
		}
	}
	json_decref(times);
	json_decref(claims);
	return json_pack("{s:s, s:s, s:s, s:I, s:I, s:o, s:o}", "name", r->name,
	                 "action", signup_action_names[r->action], "mode",
	                 r->shadow ? "shadow" : "enforce", "would_act",
	                 (json_int_t)acted, "alarms", (json_int_t)alarms,
	                 "keys", keys, "samples", samples);
}

/* 1 when row is the rule a replay asks for: the stored rule id (when not
 * 0), else the rule named name. */
static int
rule_named(json_t *row, const char *name, long long id)
{
	const char *n = json_string_value(json_object_get(row, "name"));

	if (id)
		return json_is_integer(json_object_get(row, "id")) &&
		       json_integer_value(json_object_get(row, "id")) == id;
	return n && strcmp(n, name) == 0;
}

/* The rule rows a replay runs (new array): all of them, or the one asked
 * for alone, enabled even when it is not (a rule switched off is replayed
 * to see what it would do); 404 when there is none. */
static int
replay_rows(json_t *all, const char *name, long long id, json_t **rows,
            struct pl_error *err)
{
	json_t *row;
	size_t i;

	if (name == NULL && id == 0) {
		*rows = json_incref(all);
		return PL_OK;
	}
	json_array_foreach (all, i, row)
		if (rule_named(row, name, id)) {
			row = json_deep_copy(row);
			json_object_set_new(row, "enabled", json_true());
			*rows = json_pack("[o]", row);
			return PL_OK;
		}
	return pl_error_set(err, PL_ERR_NOT_FOUND, "not_found",
	                    "no rule has that name or id");
}

int
svc_signup_replay(struct padlined *app, struct db_conn *db, long long since_s,
                  const char *name, long long id, json_t **result,
                  struct pl_error *err)
{
	json_t *rows = NULL, *all, *run = NULL, *attempts = NULL, *out;
	struct rule_set *rs;

	(void)app;
	if (repo_signup_rules(db, &rows, err) != 0)
		return err->code;
	all = signup_rules_with_defaults(rows);
	json_decref(rows);
	if (replay_rows(all, name, id, &run, err) != 0) {
		json_decref(all);
		return err->code;
	}
	json_decref(all);
	rs = signup_rules_compile(run);
	json_decref(run);
	if (repo_signup_attempts_since(db, since_s, &attempts, err) != 0) {
		signup_rules_free(rs);
		return err->code;
	}
	out = json_array();
	for (size_t i = 0; i < rs->n; i++)
		json_array_append_new(out, replay_rule(&rs->r[i], attempts));
	*result = json_pack("{s:I, s:I, s:o}", "since_s", (json_int_t)since_s,
	                    "attempts", (json_int_t)json_array_size(attempts),
	                    "rules", out);
	json_decref(attempts);
	signup_rules_free(rs);
	return PL_OK;
}
