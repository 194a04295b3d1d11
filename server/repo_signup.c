/*
 * Repository for signup attempts, rules and held accounts (see
 * repo_signup.h).
 */
#include "repo_signup.h"

#include <stdio.h>

#include "repo_user.h"

int
repo_signup_attempt_insert(struct db_conn *db,
                           const struct repo_signup_attempt *a,
                           struct pl_error *err)
{
	char fill[24];
	const char *p[] = {a->outcome,
	                   a->user_id,
	                   a->username,
	                   a->email_domain,
	                   a->peer,
	                   a->network,
	                   a->fill_ms >= 0 ? fill : NULL,
	                   a->shape,
	                   a->flags ? a->flags : "{}",
	                   a->rules ? a->rules : "{}",
	                   a->reason};

	snprintf(fill, sizeof fill, "%lld", a->fill_ms);
	return db_query_run(
	    db,
	    "INSERT INTO @signup_attempts (outcome, user_id, username, "
	    "email_domain, peer, network, fill_ms, shape, flags, rules, "
	    "reason) VALUES ($1, $2::uuid, $3, $4, $5, $6, $7::int, $8, "
	    "$9::text[], $10::text[], $11)",
	    11, p, err);
}

int
repo_signup_user_ids(struct db_conn *db, enum repo_signup_key col,
                     const char *key, int window_s, json_t **ids,
                     struct pl_error *err)
{
	static const char *const sql[] = {
	    [REPO_SIGNUP_NETWORK] =
	        "SELECT coalesce(json_agg(user_id ORDER BY at, id), '[]') AS j "
	        "FROM @signup_attempts WHERE network = $1 AND user_id IS NOT "
	        "NULL AND at > now() - $2::int * interval '1 second'",
	    [REPO_SIGNUP_DOMAIN] =
	        "SELECT coalesce(json_agg(user_id ORDER BY at, id), '[]') AS j "
	        "FROM @signup_attempts WHERE email_domain = $1 AND user_id IS "
	        "NOT NULL AND at > now() - $2::int * interval '1 second'",
	    [REPO_SIGNUP_SHAPE] =
	        "SELECT coalesce(json_agg(user_id ORDER BY at, id), '[]') AS j "
	        "FROM @signup_attempts WHERE shape = $1 AND user_id IS NOT "
	        "NULL AND at > now() - $2::int * interval '1 second'",
	};
	char w[16];
	const char *p[] = {key, w};

	snprintf(w, sizeof w, "%d", window_s);
	return db_query_json(db, sql[col], 2, p, ids, err);
}

int
repo_signup_purge(struct db_conn *db, int retention_s, long long *rows,
                  struct pl_error *err)
{
	char r[16];
	const char *p[] = {r};

	snprintf(r, sizeof r, "%d", retention_s);
	/* The lock is the transaction's (this statement's): released when
	 * it ends, and held by one instance at a time. */
	return db_query_count(
	    db,
	    "WITH l AS (SELECT pg_try_advisory_xact_lock("
	    "hashtext('padline.signup_attempts.purge')) AS got) "
	    "DELETE FROM @signup_attempts WHERE (SELECT got FROM l) AND "
	    "at < now() - $1::int * interval '1 second'",
	    1, p, rows, err);
}

#define RULE_JSON                                                              \
	"json_build_object('id', r.id, 'name', r.name, 'when', r.\"when\", "   \
	"'threshold', r.threshold, 'window_s', r.window_s, 'action', "         \
	"r.action, 'mode', r.mode, 'enabled', r.enabled)"

int
repo_signup_rules(struct db_conn *db, json_t **rules, struct pl_error *err)
{
	return db_query_json_all(
	    db, "SELECT " RULE_JSON " AS j FROM @signup_rules r ORDER BY r.id",
	    0, NULL, rules, err);
}

int
repo_signup_rule_put(struct db_conn *db, const struct repo_signup_rule *in,
                     json_t **rule, struct pl_error *err)
{
	const char *p[] = {in->name,   in->when, in->threshold, in->window_s,
	                   in->action, in->mode, in->enabled};

	return db_query_json(
	    db,
	    "INSERT INTO @signup_rules AS r (name, \"when\", threshold, "
	    "window_s, action, mode, enabled) VALUES ($1, $2, $3::int, "
	    "$4::int, $5, $6, $7::boolean) ON CONFLICT (name) DO UPDATE SET "
	    "\"when\" = EXCLUDED.\"when\", threshold = EXCLUDED.threshold, "
	    "window_s = EXCLUDED.window_s, action = EXCLUDED.action, mode = "
	    "EXCLUDED.mode, enabled = EXCLUDED.enabled, updated_at = now() "
	    "RETURNING " RULE_JSON " AS j",
	    7, p, rule, err);
}

int
repo_signup_rule_delete(struct db_conn *db, const char *id, json_t **rule,
                        struct pl_error *err)
{
	const char *p[] = {id};

	return db_query_json(db,
	                     "DELETE FROM @signup_rules r WHERE r.id = "
	                     "$1::bigint RETURNING " RULE_JSON " AS j",
	                     1, p, rule, err);
}

int
repo_signup_decide(struct db_conn *db, const char *ids, const char *status,
                   json_t **users, struct pl_error *err)
{
	const char *p[] = {ids, status};

	return db_query_json_all(
	    db,
	    "UPDATE @users u SET status = $2, disabled = (u.disabled OR $2 = "
	    "'rejected'), updated_at = now() WHERE u.id = ANY($1::uuid[]) "
	    "AND u.status = 'pending' RETURNING " REPO_USER_JSON " AS j",
	    2, p, users, err);
}
