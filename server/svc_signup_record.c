/*
 * Signup defense, the record: each attempt's row in signup_attempts and
 * the events it raises (signup.alarm, signup.shadow, signup.refused,
 * user.held), in the registration's transaction or one of their own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "events.h"
#include "filter.h"
#include "log.h"
#include "repo_audit.h"
#include "repo_signup.h"
#include "svc_signup.h"
#include "signup_screen.h"
#include "svc_user.h"
#include "xalloc.h"

/* "{a,b}" of the names of flags / fired rules (quoted: names are free). */
static char *
flags_literal(unsigned flags)
{
	char buf[64];

	snprintf(buf, sizeof buf, "{%s%s%s}",
	         flags & FILTER_FLAG_FAST ? "fast," : "",
	         flags & FILTER_FLAG_DISPOSABLE ? "disposable," : "",
	         flags & FILTER_FLAG_BREACHED ? "breached," : "");
	if (strlen(buf) > 2)
		buf[strlen(buf) - 2] = '}', buf[strlen(buf) - 1] = '\0';
	return xstrdup(buf);
}

static char *
rules_literal(const struct signup_screen *s)
{
	size_t cap = 3, len = 0;
	char *out;

	for (size_t i = 0; i < s->nhits; i++)
		cap += 2 * strlen(s->hits[i].rule) + 4;
	out = xmalloc(cap);
	out[len++] = '{';
	for (size_t i = 0; i < s->nhits; i++) {
		if (!s->hits[i].fired)
			continue;
		if (len > 1)
			out[len++] = ',';
		out[len++] = '"';
		for (const char *p = s->hits[i].rule; *p; p++) {
			if (*p == '"' || *p == '\\')
				out[len++] = '\\';
			out[len++] = *p;
		}
		out[len++] = '"';
	}
	out[len++] = '}';
	out[len] = '\0';
	return out;
}

/* The event rows of the attempt's fired, claimed rules, and user.held. */
static int
record_events(struct db_conn *db, struct svc_new_user *nu, json_t *user,
              const char *outcome, struct audit_row *audit, int *naudit,
              struct pl_error *err)
{
	const struct signup_screen *s = nu->screen;
	const char *uid = json_string_value(json_object_get(user, "id"));

	for (size_t i = 0; i < s->nhits && *naudit < SIGNUP_AUDIT_MAX; i++) {
		const struct signup_hit *h = &s->hits[i];
		json_t *ids = NULL, *details;
		int rc;

		if (!h->fired || !h->claimed)
			continue;
		db_tx_batch(db);
		if (repo_signup_user_ids(db, h->col, h->key, h->window_s, &ids,
		                         err) != 0 ||
		    db_tx_flush(db, err) != 0) {
			json_decref(ids);
			return err->code;
		}
		details = json_pack(
		    "{s:{s:s, s:s, s:I, s:i, s:o}}", "subject", "rule", h->rule,
		    "key", h->key, "count", (json_int_t)h->count, "window_s",
		    h->window_s, "user_ids", ids ? ids : json_array());
		if (h->shadow)
			json_object_set_new(
			    json_object_get(details, "subject"), "action",
			    json_string(signup_action_names[h->action]));
		rc = repo_audit_insert(
		    db, h->shadow ? "signup.shadow" : "signup.alarm", NULL,
		    NULL, details, &audit[(*naudit)++], err);
		json_decref(details);
		if (rc != 0)
			return rc;
	}
	if (strcmp(outcome, "refused") == 0 && *naudit < SIGNUP_AUDIT_MAX) {
		char *rules = rules_literal(s);
		json_t *details = json_pack(
		    "{s:{s:s, s:s?}, s:s, s:s, s:s}", "subject", "network",
		    s->network, "email_domain", s->domain[0] ? s->domain : NULL,
		    "peer", nu->peer, "username", nu->username, "rules", rules);
		int rc = repo_audit_insert(db, "signup.refused", NULL, NULL,
		                           details, &audit[(*naudit)++], err);

		free(rules);
		json_decref(details);
		if (rc != 0)
			return rc;
	}
	if (strcmp(outcome, "held") == 0 && *naudit < SIGNUP_AUDIT_MAX) {
		json_t *details = json_pack("{s:O}", "subject", user);
		int rc = repo_audit_insert(db, "user.held", NULL, uid, details,
		                           &audit[(*naudit)++], err);

		json_decref(details);
		if (rc != 0)
			return rc;
	}
	return PL_OK;
}

int
svc_signup_record(struct app *app, struct db_conn *db, struct svc_new_user *nu,
                  const char *outcome, json_t *user, struct audit_row *audit,
                  int *naudit, struct pl_error *err)
{
	const struct signup_screen *s = nu->screen;
	char *flags, *rules;
	struct repo_signup_attempt a = {
	    .outcome = outcome,
	    .user_id = json_string_value(json_object_get(user, "id")),
	    .username = nu->username[0] ? nu->username : NULL,
	    .peer = nu->peer[0] ? nu->peer : NULL,
	    .reason = nu->reason,
	};
	int rc;

	(void)app;
	*naudit = 0;
	if (s == NULL)
		return PL_OK;
	flags = flags_literal(s->flags);
	rules = rules_literal(s);
	a.email_domain = s->domain[0] ? s->domain : NULL;
	a.network = s->network[0] ? s->network : NULL;
	a.shape = s->shape[0] ? s->shape : NULL;
	a.fill_ms = s->fill_ms;
	a.flags = flags;
	a.rules = rules;
	db_tx_batch(db);
	rc = repo_signup_attempt_insert(db, &a, err);
	free(flags);
	free(rules);
	if (rc != 0)
		return rc;
	return record_events(db, nu, user, outcome, audit, naudit, err);
}

void
svc_signup_publish(struct app *app, struct db_conn *db,
                   const struct audit_row *audit, int n)
{
	for (int i = 0; i < n; i++)
		events_publish_one(app, db, &audit[i]);
}

void
svc_signup_record_alone(struct app *app, struct db_conn *db,
                        struct svc_new_user *nu, const char *outcome,
                        const char *reason)
{
	struct audit_row audit[SIGNUP_AUDIT_MAX];
	struct pl_error err;
	int n = 0;

	if (nu->screen == NULL)
		return;
	pl_error_init(&err);
	free(nu->reason);
	nu->reason = xstrdup(reason);
	if (db_tx_begin(db, &err) == 0 &&
	    svc_signup_record(app, db, nu, outcome, NULL, audit, &n, &err) ==
	        0 &&
	    db_tx_commit(db, &err) == 0)
		svc_signup_publish(app, db, audit, n);
	else {
		db_tx_rollback(db);
		log_warn("signup attempt not recorded", "outcome=%s error=%s",
		         outcome, err.message);
	}
	pl_error_clear(&err);
}

void
svc_signup_purge(struct app *app, struct db_conn *db)
{
	struct pl_error err;
	long long rows = 0;

	pl_error_init(&err);
	if (repo_signup_purge(db, app->cfg->signup_retention * 86400, &rows,
	                      &err) == 0 &&
	    rows > 0)
		log_info("signup attempts purged", "rows=%lld", rows);
	pl_error_clear(&err);
}
