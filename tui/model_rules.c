/*
 * The Rules screen's model (model_console.h): a change of one rule as the
 * rule.put that makes it, typed numbers, and a replay in words.
 */
#include "model_console.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

json_t *
rule_put_params(json_t *rule)
{
	json_t *p = json_pack("{s:s, s:s, s:s, s:s, s:b}", "name",
	                      jstr(rule, "name"), "when", jstr(rule, "when"),
	                      "action", jstr(rule, "action"), "mode",
	                      jstr(rule, "mode"), "enabled",
	                      json_is_true(json_object_get(rule, "enabled")));

	/* Null: the detector's default, kept by leaving it out. */
	if (json_is_integer(json_object_get(rule, "threshold")))
		json_object_set(p, "threshold",
		                json_object_get(rule, "threshold"));
	if (json_is_integer(json_object_get(rule, "window_s")))
		json_object_set(p, "window_s",
		                json_object_get(rule, "window_s"));
	return p;
}

const char *
rule_mode_text(json_t *rule)
{
	if (!json_is_true(json_object_get(rule, "enabled")))
		return "off";
	return strcmp(jstr(rule, "mode"), "shadow") == 0 ? "shadow" : "enforce";
}

int
rule_number(const char *text, long long min, long long max, long long *out)
{
	char *end;
	long long n;

	while (isspace((unsigned char)*text))
		text++;
	if (!isdigit((unsigned char)*text))
		return -1;
	errno = 0;
	n = strtoll(text, &end, 10);
	while (isspace((unsigned char)*end))
		end++;
	if (errno || *end || n < min || n > max)
		return -1;
	*out = n;
	return 0;
}

/* The key of keys with the most hits not taken yet (ties: the first in
 * text order), NULL when none is left; taken is a set of keys. */
static const char *
top_key(json_t *keys, json_t *taken, long long *n)
{
	const char *k, *best = NULL;
	json_t *v;

	*n = -1;
	json_object_foreach (keys, k, v)
		if (!json_object_get(taken, k) &&
		    (json_integer_value(v) > *n ||
		     (best && json_integer_value(v) == *n &&
		      strcmp(k, best) < 0))) {
			*n = json_integer_value(v);
			best = k;
		}
	return best;
}

void
rule_replay_text(json_t *report, char *buf, size_t size)
{
	json_t *r = json_array_get(json_object_get(report, "rules"), 0);
	json_t *keys = json_object_get(r, "keys"), *taken = json_object(), *v;
	long long hours =
	    json_integer_value(json_object_get(report, "since_s")) / 3600;
	const char *k;
	long long n;
	size_t i;

	snprintf(
	    buf, size,
	    "%lld attempts in the last %lld h, replayed against %s as it "
	    "is now (%s, %s).\n\n"
	    "It would have acted on %lld of them and raised %lld "
	    "alarm%s.\n",
	    (long long)json_integer_value(json_object_get(report, "attempts")),
	    hours, jstr(r, "name"), jstr(r, "action"), jstr(r, "mode"),
	    (long long)json_integer_value(json_object_get(r, "would_act")),
	    (long long)json_integer_value(json_object_get(r, "alarms")),
	    json_integer_value(json_object_get(r, "alarms")) == 1 ? "" : "s");
	if (json_object_size(keys) > 0)
		snprintf(buf + strlen(buf), size - strlen(buf),
		         "\nTop keys:\n");
	for (int top = 0; top < 10 && (k = top_key(keys, taken, &n)); top++) {
		snprintf(buf + strlen(buf), size - strlen(buf),
		         "  %-40s %lld\n", k, n);
		json_object_set_new(taken, k, json_true());
	}
	json_decref(taken);
	if (json_array_size(json_object_get(r, "samples")) > 0)
		snprintf(buf + strlen(buf), size - strlen(buf),
		         "\nFor example:\n");
	json_array_foreach (json_object_get(r, "samples"), i, v)
		snprintf(buf + strlen(buf), size - strlen(buf), "  %s\n",
		         json_string_value(v) ? json_string_value(v) : "");
}
