/*
 * Signup defense, the record: each attempt's row in signup_attempts and
 * the events it raises (signup.alarm, signup.shadow, signup.refused,
 * user.held), in the registration's transaction or one of their own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "filter.h"
#include "log.h"
#include "outbox.h"
#include "repo_signup.h"
#include "svc_signup.h"
#include "signup_screen.h"
#include "stats.h"
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

/* Every fired rule, or (shadow_only) those fired in shadow mode. */
static char *
rules_literal(const struct signup_screen *s, int shadow_only)
{
	size_t cap = 3, len = 0;
	char *out;

	for (size_t i = 0; i < s->nhits; i++)
		cap += 2 * strlen(s->hits[i].rule) + 4;
	out = xmalloc(cap);
	out[len++] = '{';
	for (size_t i = 0; i < s->nhits; i++) {
		if (!s->hits[i].fired || (shadow_only && !s->hits[i].shadow))
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

json_t *
svc_signup_event_user(const struct svc_new_user *nu, json_t *user)
{
	const struct signup_screen *s = nu->screen;
	json_t *u, *flags;

	if (s == NULL)
		return json_incref(user);
	u = json_copy(user);
	flags = json_array();
	for (unsigned bit = 1; bit != 0 && bit <= s->flags; bit <<= 1)
		if ((s->flags & bit) && filter_flag_name(bit))
			json_array_append_new(
			    flags, json_string(filter_flag_name(bit)));
	json_object_set_new(
	    u, "signup",
	    json_pack("{s:s?, s:o, s:o}", "network",
	              s->network[0] ? s->network : NULL, "fill_ms",
	              s->fill_ms >= 0 ? json_integer((json_int_t)s->fill_ms)
	                              : json_null(),
	              "flags", flags));
	return u;
}

/* The audit rows (and so the events) of the attempt's fired, claimed
 * rules, and user.held, queued in the registration's transaction. */
static int
record_events(struct db_conn *db, struct svc_new_user *nu, json_t *user,
              const char *outcome, struct pl_error *err)
{
	const struct signup_screen *s = nu->screen;

	for (size_t i = 0; i < s->nhits; i++) {
		const struct signup_hit *h = &s->hits[i];
		json_t *ids = NULL, *subject;

		if (!h->fired || !h->claimed)
			continue;
		db_tx_batch(db);
		if (repo_signup_user_ids(db, h->col, h->key, h->window_s, &ids,
		                         err) != 0 ||
		    db_tx_flush(db, err) != 0) {
			json_decref(ids);
			return err->code;
		}
		subject = json_pack(
		    "{s:s, s:s, s:I, s:i, s:o}", "rule", h->rule, "key", h->key,
		    "count", (json_int_t)h->count, "window_s", h->window_s,
		    "user_ids", ids ? ids : json_array());
		if (h->shadow)
			json_object_set_new(
			    subject, "action",
			    json_string(signup_action_names[h->action]));
		audit_emit(db, h->shadow ? "signup.shadow" : "signup.alarm",
		           NULL, subject, NULL);
		json_decref(subject);
	}
	if (strcmp(outcome, "refused") == 0) {
		char *rules = rules_literal(s, 0);
		json_t *subject =
		    json_pack("{s:s, s:s?}", "network", s->network,
		              "email_domain", s->domain[0] ? s->domain : NULL);
		json_t *details =
		    json_pack("{s:s, s:s, s:s}", "peer", nu->peer, "username",
		              nu->username, "rules", rules);

		audit_emit(db, "signup.refused", NULL, subject, details);
		free(rules);
		json_decref(subject);
		json_decref(details);
	}
	if (strcmp(outcome, "held") == 0)
		audit_emit(db, "user.held", NULL, user, NULL);
	return PL_OK;
}

int
svc_signup_record(struct padlined *app, struct db_conn *db,
                  struct svc_new_user *nu, const char *outcome, json_t *user,
                  struct pl_error *err)
{
	const struct signup_screen *s = nu->screen;
	char *flags, *rules, *shadow;
	struct repo_signup_attempt a = {
	    .outcome = outcome,
	    .user_id = json_string_value(json_object_get(user, "id")),
	    .username = nu->username[0] ? nu->username : NULL,
	    .peer = nu->peer[0] ? nu->peer : NULL,
	    .reason = nu->reason,
	};
	int rc;

	(void)app;
	if (s == NULL)
		return PL_OK;
	flags = flags_literal(s->flags);
	rules = rules_literal(s, 0);
	shadow = rules_literal(s, 1);
	a.email_domain = s->domain[0] ? s->domain : NULL;
	a.network = s->network[0] ? s->network : NULL;
	a.shape = s->shape[0] ? s->shape : NULL;
	a.fill_ms = s->fill_ms;
	a.flags = flags;
	a.rules = rules;
	a.shadow_rules = shadow;
	db_tx_batch(db);
	rc = repo_signup_attempt_insert(db, &a, err);
	free(flags);
	free(rules);
	free(shadow);
	if (rc != 0)
		return rc;
	return record_events(db, nu, user, outcome, err);
}

void
svc_signup_counted(struct padlined *app, const struct svc_new_user *nu,
                   const char *outcome, int committed)
{
	const struct signup_screen *s = nu->screen;

	if (s == NULL)
		return;
	stats_signup_attempt(app->stats, outcome);
	/* An alarm counts once its event is on its way: the transaction
	 * that queued it committed. */
	for (size_t i = 0; committed && i < s->nhits; i++)
		if (s->hits[i].fired && s->hits[i].claimed)
			stats_signup_alarm(app->stats, s->hits[i].shadow);
}

void
svc_signup_record_alone(struct padlined *app, struct db_conn *db,
                        struct svc_new_user *nu, const char *outcome,
                        const char *reason)
{
	struct pl_error err;
	int committed;

	if (nu->screen == NULL)
		return;
	pl_error_init(&err);
	free(nu->reason);
	nu->reason = xstrdup(reason);
	committed = db_tx_begin(db, &err) == 0 &&
	            svc_signup_record(app, db, nu, outcome, NULL, &err) == 0 &&
	            db_tx_commit(db, &err) == 0;
	if (!committed) {
		db_tx_rollback(db);
		log_warn("signup attempt not recorded", "outcome=%s error=%s",
		         outcome, err.message);
	}
	svc_signup_counted(app, nu, outcome, committed);
	pl_error_clear(&err);
}

void
svc_signup_purge(struct padlined *app, struct db_conn *db)
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
