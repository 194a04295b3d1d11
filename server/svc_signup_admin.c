/*
 * Signup defense, the admins' side: the rules (rule.list, rule.put,
 * rule.delete) and the accounts held for approval (user.approve,
 * user.reject). Each change is an audit row and its event.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "config.h"
#include "filter.h"
#include "outbox.h"
#include "repo_signup.h"
#include "signup_screen.h"
#include "stats.h"
#include "svc_signup.h"
#include "svc_user_bulk.h"
#include "throttle_count.h"

#define HITS_WINDOW_S 3600

int
svc_signup_rules(struct padlined *app, struct db_conn *db, json_t **result,
                 struct pl_error *err)
{
	json_t *rows = NULL, *hits = NULL, *all, *r, *h;
	size_t i;

	(void)app;
	if (repo_signup_rules(db, &rows, err) != 0 ||
	    repo_signup_rule_hits(db, HITS_WINDOW_S, &hits, err) != 0) {
		json_decref(rows);
		return err->code;
	}
	all = signup_rules_with_defaults(rows);
	/* By name: a hit belongs to whichever rule has that name now (a
	 * replaced default rule's hits stay with the name). */
	json_array_foreach (all, i, r) {
		h = json_object_get(
		    hits, json_string_value(json_object_get(r, "name")));
		json_object_set_new(
		    r, "hits_1h",
		    h ? json_incref(h)
		      : json_pack("{s:i, s:i}", "enforce", 0, "shadow", 0));
	}
	*result = json_pack("{s:o}", "rules", all);
	json_decref(rows);
	json_decref(hits);
	return PL_OK;
}

/* A rule change in the audit log (its event goes out at commit). */
static int
rule_tx_done(struct padlined *app, struct db_conn *db, const char *action,
             const char *actor_id, json_t *rule, struct pl_error *err)
{
	/* The rule's "id" is a number, not an account: no subject_id. */
	audit_emit(db, action, actor_id, rule, NULL);
	if (db_tx_finish(db, 0, err) != 0)
		return err->code;
	signup_defense_rules_changed(app->signup);
	return PL_OK;
}

int
svc_signup_rule_put(struct padlined *app, struct db_conn *db,
                    const char *actor_id, const struct svc_signup_rule *in,
                    json_t **result, struct pl_error *err)
{
	char th[24], ws[24];
	struct repo_signup_rule row;
	struct filter *f = NULL;
	json_t *rule = NULL;

	if (*in->name == '\0' || strlen(in->name) > 64)
		pl_error_violation(err, "name", "length",
		                   "a rule name is 1 to 64 bytes");
	if (strcmp(in->action, "alarm") != 0 &&
	    strcmp(in->action, "hold") != 0 && strcmp(in->action, "block") != 0)
		pl_error_violation(err, "action", "enum",
		                   "action is alarm, hold or block");
	if (strcmp(in->mode, "enforce") != 0 && strcmp(in->mode, "shadow") != 0)
		pl_error_violation(err, "mode", "enum",
		                   "mode is enforce or shadow");
	if (err->code)
		return err->code;
	if (!signup_detector(in->when)) {
		if (filter_parse(in->when, &f, err) != 0)
			return err->code;
		filter_free(f);
	}
	snprintf(th, sizeof th, "%lld", in->threshold);
	snprintf(ws, sizeof ws, "%lld", in->window_s);
	row = (struct repo_signup_rule){in->name,
	                                in->when,
	                                in->threshold ? th : NULL,
	                                in->window_s ? ws : NULL,
	                                in->action,
	                                in->mode,
	                                in->enabled ? "true" : "false"};
	if (db_tx_begin(db, err) != 0)
		return err->code;
	if (repo_signup_rule_put(db, &row, &rule, err) != 0) {
		db_tx_rollback(db);
		return err->code;
	}
	if (rule_tx_done(app, db, "rule.updated", actor_id, rule, err) != 0) {
		json_decref(rule);
		return err->code;
	}
	*result = json_pack("{s:o}", "rule", rule);
	return PL_OK;
}

int
svc_signup_rule_delete(struct padlined *app, struct db_conn *db,
                       const char *actor_id, const char *id, json_t **result,
                       struct pl_error *err)
{
	json_t *rule = NULL;

	if (db_tx_begin(db, err) != 0)
		return err->code;
	if (repo_signup_rule_delete(db, id, &rule, err) != 0 || rule == NULL) {
		db_tx_rollback(db);
		return err->code ? err->code
		                 : pl_error_set(err, PL_ERR_NOT_FOUND,
		                                "not_found", "no such rule");
	}
	if (rule_tx_done(app, db, "rule.deleted", actor_id, rule, err) != 0) {
		json_decref(rule);
		return err->code;
	}
	*result = json_pack("{s:o}", "rule", rule);
	return PL_OK;
}

int
svc_signup_decide(struct padlined *app, struct db_conn *db,
                  const char *actor_id, json_t *ids, const char *status,
                  json_t **result, struct pl_error *err)
{
	size_t i;
	json_t *users = NULL, *u;
	char *lit = user_ids_literal(ids);

	if (db_tx_begin(db, err) != 0 ||
	    repo_signup_decide(db, lit, status, &users, err) != 0) {
		free(lit);
		db_tx_rollback(db);
		return err->code;
	}
	free(lit);
	json_array_foreach (users, i, u)
		audit_emit(db, "user.updated", actor_id, u, NULL);
	if (db_tx_finish(db, 0, err) != 0) {
		json_decref(users);
		return err->code;
	}
	stats_signup_decided(app->stats, status,
	                     (long long)json_array_size(users));
	*result = json_pack("{s:o}", "users", users);
	return PL_OK;
}

int
svc_signup_stats(struct padlined *app, struct db_conn *db, int window_min,
                 json_t **result, struct pl_error *err)
{
	json_t *series, *e;
	size_t i;

	if (repo_signup_stats(db, window_min, result, err) != 0)
		return err->code;
	series = json_object_get(*result, "series");
	throttle_count_fill(app->rds, app->cfg->schema, series);
	json_array_foreach (series, i, e)
		json_object_del(e, "minute_epoch");
	return PL_OK;
}

void
signup_record_tags(json_t *row, struct filter_record *rec, const char **rules,
                   size_t max)
{
	json_t *v;
	size_t i;

	json_array_foreach (json_object_get(row, "flags"), i, v) {
		const char *fl = json_string_value(v);

		if (fl == NULL)
			continue;
		rec->flags |=
		    strcmp(fl, "fast") == 0         ? FILTER_FLAG_FAST
		    : strcmp(fl, "disposable") == 0 ? FILTER_FLAG_DISPOSABLE
		    : strcmp(fl, "breached") == 0   ? FILTER_FLAG_BREACHED
		                                    : 0;
	}
	rec->rules = rules;
	json_array_foreach (json_object_get(row, "rules"), i, v)
		if (rec->nrules < max && json_is_string(v))
			rules[rec->nrules++] = json_string_value(v);
}

/* An attempt row as the filter language sees it. */
static int
attempt_matches(const struct filter *f, json_t *a)
{
	const char *dom = json_string_value(json_object_get(a, "email_domain"));
	const char *rules[32];
	char email[300];
	struct filter_record rec = {
	    .username = json_string_value(json_object_get(a, "username")),
	    .email = NULL,
	    .peer = json_string_value(json_object_get(a, "peer")),
	    .shape = json_string_value(json_object_get(a, "shape")),
	    .status = strcmp(json_string_value(json_object_get(a, "outcome")),
	                     "held") == 0
	                  ? FILTER_STATUS_PENDING
	                  : FILTER_STATUS_NONE,
	    .rules = rules,
	};

	if (dom) {
		snprintf(email, sizeof email, "@%s", dom);
		rec.email = email;
	}
	signup_record_tags(a, &rec, rules, 32);
	return filter_match(f, &rec);
}

#define ATTEMPTS_BATCH 500
#define ATTEMPTS_SCAN 20000 /* rows read per call at most */

int
svc_signup_attempts(struct db_conn *db, const char *filter, int limit,
                    long long after, json_t **result, struct pl_error *err)
{
	struct filter *f = NULL;
	json_t *out = json_array(), *page = NULL, *a;
	long long cursor = after, scanned = 0;
	int more = 1;
	size_t i;

	if (filter_parse(filter ? filter : "", &f, err) != 0) {
		json_decref(out);
		return err->code;
	}
	/* Filtered here, by the one parser the clients use too; a page
	 * stops after ATTEMPTS_SCAN rows, and next says where to go on. */
	while (more && json_array_size(out) < (size_t)limit &&
	       scanned < ATTEMPTS_SCAN) {
		if (repo_signup_attempts(db, cursor, ATTEMPTS_BATCH, &page,
		                         err) != 0) {
			filter_free(f);
			json_decref(out);
			return err->code;
		}
		more = json_array_size(page) == ATTEMPTS_BATCH;
		json_array_foreach (page, i, a) {
			cursor = json_integer_value(json_object_get(a, "id"));
			scanned++;
			if (attempt_matches(f, a))
				json_array_append(out, a);
			if (json_array_size(out) == (size_t)limit) {
				more = i + 1 < json_array_size(page) || more;
				break;
			}
		}
		json_decref(page);
		page = NULL;
	}
	filter_free(f);
	*result = json_pack("{s:o, s:o}", "attempts", out, "next",
	                    more ? json_integer(cursor) : json_null());
	return PL_OK;
}
