/*
 * `padlined rules`: list the rules in force, add (or replace by name) one,
 * remove one by id or name, replay the stored attempts against them. Text from
 * the database reaches the terminal through term_safe.
 */
#include "cli_rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "cli_user.h"
#include "svc_signup.h"
#include "term_safe.h"

static int
usage(void)
{
	fprintf(stderr,
	        "usage: padlined rules list\n"
	        "       padlined rules add NAME WHEN alarm|hold|block "
	        "[--mode enforce|shadow]\n"
	        "                          [--threshold N] [--window SECONDS] "
	        "[--disabled]\n"
	        "       padlined rules rm ID|NAME\n"
	        "       padlined rules test [--since N[s|m|h|d]] [--rule "
	        "ID|NAME]\n");
	return 2;
}

static void
print_rules(json_t *rules)
{
	json_t *r;
	size_t i;

	printf("%-6s %-24s %-8s %-8s %-9s %-7s %s\n", "ID", "NAME", "ACTION",
	       "MODE", "THRESHOLD", "WINDOW", "WHEN");
	json_array_foreach (rules, i, r) {
		char id[24] = "-", th[24] = "-", ws[24] = "-";
		char *name = term_safe_dup(
		    json_string_value(json_object_get(r, "name")));
		char *when = term_safe_dup(
		    json_string_value(json_object_get(r, "when")));

		if (json_is_integer(json_object_get(r, "id")))
			snprintf(id, sizeof id, "%lld",
			         (long long)json_integer_value(
			             json_object_get(r, "id")));
		if (json_is_integer(json_object_get(r, "threshold")))
			snprintf(th, sizeof th, "%lld",
			         (long long)json_integer_value(
			             json_object_get(r, "threshold")));
		if (json_is_integer(json_object_get(r, "window_s")))
			snprintf(ws, sizeof ws, "%llds",
			         (long long)json_integer_value(
			             json_object_get(r, "window_s")));
		printf("%-6s %-24s %-8s %-8s %-9s %-7s %s%s\n", id, name,
		       json_string_value(json_object_get(r, "action")),
		       json_is_true(json_object_get(r, "enabled"))
		           ? json_string_value(json_object_get(r, "mode"))
		           : "off",
		       th, ws, when,
		       json_is_true(json_object_get(r, "default"))
		           ? " (default)"
		           : "");
		free(name);
		free(when);
	}
}

static int
add(struct padlined *app, struct db_conn *db, int argc, char **argv,
    json_t **result, struct pl_error *err)
{
	struct svc_signup_rule in = {.mode = "enforce", .enabled = 1};

	if (argc < 5)
		return -2;
	in.name = argv[2];
	in.when = argv[3];
	in.action = argv[4];
	for (int i = 5; i < argc; i++) {
		if (strcmp(argv[i], "--disabled") == 0)
			in.enabled = 0;
		else if (i + 1 >= argc)
			return -2;
		else if (strcmp(argv[i], "--mode") == 0)
			in.mode = argv[++i];
		else if (strcmp(argv[i], "--threshold") == 0)
			in.threshold = atoll(argv[++i]);
		else if (strcmp(argv[i], "--window") == 0)
			in.window_s = atoll(argv[++i]);
		else
			return -2;
	}
	if (in.threshold < 0 || in.window_s < 0)
		return -2;
	return svc_signup_rule_put(app, db, NULL, &in, result, err);
}

/* ID, or the id of the stored rule named NAME. */
static int
rm(struct padlined *app, struct db_conn *db, const char *what, json_t **result,
   struct pl_error *err)
{
	char id[24] = "";
	json_t *all = NULL, *r;
	size_t i;

	if (strspn(what, "0123456789") == strlen(what) && *what)
		snprintf(id, sizeof id, "%s", what);
	else if (svc_signup_rules(app, db, &all, err) != 0)
		return err->code;
	json_array_foreach (json_object_get(all, "rules"), i, r)
		if (strcmp(json_string_value(json_object_get(r, "name")),
		           what) == 0 &&
		    json_is_integer(json_object_get(r, "id")))
			snprintf(id, sizeof id, "%lld",
			         (long long)json_integer_value(
			             json_object_get(r, "id")));
	json_decref(all);
	if (id[0] == '\0')
		return pl_error_set(err, PL_ERR_NOT_FOUND, "not_found",
		                    "no stored rule by that name (a default "
		                    "rule is turned off with add --disabled)");
	return svc_signup_rule_delete(app, db, NULL, id, result, err);
}

/* "24h", "90m", "3600" (seconds) ...; -1 when it is none. */
static long long
duration_s(const char *text)
{
	char *end;
	long long n = strtoll(text, &end, 10);
	long long unit = *end == '\0' || strcmp(end, "s") == 0 ? 1
	                 : strcmp(end, "m") == 0               ? 60
	                 : strcmp(end, "h") == 0               ? 3600
	                 : strcmp(end, "d") == 0               ? 86400
	                                                       : -1;

	return end == text || n <= 0 || unit < 0 || n > 86400LL * 3650 / unit
	           ? -1
	           : n * unit;
}

static void
print_replay(json_t *report, long long since)
{
	json_t *r;
	size_t i, j;

	printf(
	    "%lld attempts in the last %llds\n",
	    (long long)json_integer_value(json_object_get(report, "attempts")),
	    since);
	json_array_foreach (json_object_get(report, "rules"), i, r) {
		char *name = term_safe_dup(
		    json_string_value(json_object_get(r, "name")));
		json_t *keys = json_object_get(r, "keys"), *v;
		const char *k;

		printf("%s (%s, %s): would act on %lld, alarms %lld\n", name,
		       json_string_value(json_object_get(r, "action")),
		       json_string_value(json_object_get(r, "mode")),
		       (long long)json_integer_value(
		           json_object_get(r, "would_act")),
		       (long long)json_integer_value(
		           json_object_get(r, "alarms")));
		/* The three keys with the most hits. */
		for (int top = 0; top < 3 && json_object_size(keys) > 0;
		     top++) {
			const char *best = NULL;
			long long n = -1;

			json_object_foreach (keys, k, v)
				if (json_integer_value(v) > n) {
					n = json_integer_value(v);
					best = k;
				}
			char *safe = term_safe_dup(best);

			printf("  key %s: %lld\n", safe, n);
			free(safe);
			json_object_del(keys, best);
		}
		json_array_foreach (json_object_get(r, "samples"), j, v) {
			char *safe = term_safe_dup(json_string_value(v));

			printf("  e.g. %s\n", safe);
			free(safe);
		}
		free(name);
	}
}

static int
test(struct padlined *app, struct db_conn *db, int argc, char **argv,
     json_t **result, long long *since, struct pl_error *err)
{
	const char *only = NULL;

	*since = 86400;
	for (int i = 2; i < argc; i++) {
		if (i + 1 >= argc)
			return -2;
		if (strcmp(argv[i], "--since") == 0) {
			if ((*since = duration_s(argv[++i])) < 0)
				return -2;
		} else if (strcmp(argv[i], "--rule") == 0)
			only = argv[++i];
		else
			return -2;
	}
	/* ID (digits) is a stored rule's, as for rm. */
	if (only && *only && strspn(only, "0123456789") == strlen(only))
		return svc_signup_replay(app, db, *since, NULL,
		                         strtoll(only, NULL, 10), result, err);
	return svc_signup_replay(app, db, *since, only, 0, result, err);
}

int
cli_rules(struct padlined *app, int argc, char **argv)
{
	struct pl_error err;
	struct db_conn *db;
	json_t *result = NULL;
	long long since = 0;
	int rc;

	if (argc < 2 || (strcmp(argv[1], "list") == 0 && argc != 2) ||
	    (strcmp(argv[1], "rm") == 0 && argc != 3))
		return usage();
	if (strcmp(argv[1], "list") != 0 && strcmp(argv[1], "add") != 0 &&
	    strcmp(argv[1], "rm") != 0 && strcmp(argv[1], "test") != 0)
		return usage();
	pl_error_init(&err);
	if ((db = cli_db_open(app, &err)) == NULL) {
		cli_print_error(&err);
		pl_error_clear(&err);
		return 1;
	}
	if (strcmp(argv[1], "list") == 0)
		rc = svc_signup_rules(app, db, &result, &err);
	else if (strcmp(argv[1], "add") == 0)
		rc = add(app, db, argc, argv, &result, &err);
	else if (strcmp(argv[1], "test") == 0)
		rc = test(app, db, argc, argv, &result, &since, &err);
	else
		rc = rm(app, db, argv[2], &result, &err);
	db_conn_free(db);
	if (rc == -2)
		return usage();
	if (rc != 0) {
		cli_print_error(&err);
		pl_error_clear(&err);
		return 1;
	}
	if (strcmp(argv[1], "test") == 0)
		print_replay(result, since);
	else if (json_object_get(result, "rules"))
		print_rules(json_object_get(result, "rules"));
	else {
		json_t *one = json_pack("[O]", json_object_get(result, "rule"));

		print_rules(one);
		json_decref(one);
	}
	json_decref(result);
	return 0;
}
