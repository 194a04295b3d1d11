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
	                   a->reason,
	                   a->shadow_rules ? a->shadow_rules : "{}"};

	snprintf(fill, sizeof fill, "%lld", a->fill_ms);
	return db_query_run(
	    db,
	    "INSERT INTO @signup_attempts (outcome, user_id, username, "
	    "email_domain, peer, network, fill_ms, shape, flags, rules, "
	    "reason, shadow_rules) VALUES ($1, $2::uuid, $3, $4, $5, $6, "
	    "$7::int, $8, $9::text[], $10::text[], $11, $12::text[])",
	    12, p, err);
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
repo_signup_rule_hits(struct db_conn *db, int window_s, json_t **hits,
                      struct pl_error *err)
{
	char w[16];
	const char *p[] = {w};

	snprintf(w, sizeof w, "%d", window_s);
	return db_query_json(
	    db,
	    "SELECT coalesce(json_object_agg(h.rule, json_build_object("
	    "'enforce', h.enforce, 'shadow', h.shadow)), '{}') AS j FROM ("
	    "SELECT r.rule, count(*) FILTER (WHERE NOT r.rule = ANY("
	    "a.shadow_rules)) AS enforce, count(*) FILTER (WHERE r.rule = "
	    "ANY(a.shadow_rules)) AS shadow FROM @signup_attempts a, "
	    "unnest(a.rules) AS r(rule) WHERE a.at > now() - $1::int * "
	    "interval '1 second' GROUP BY r.rule) h",
	    1, p, hits, err);
}

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
	    "'rejected'), rejected_at = CASE WHEN $2 = 'rejected' THEN now() "
	    "END, updated_at = now() WHERE u.id = ANY($1::uuid[]) "
	    "AND u.status = 'pending' RETURNING " REPO_USER_JSON " AS j",
	    2, p, users, err);
}

/* An attempt row (alias a) as the object signup.attempts lists. */
#define ATTEMPT_JSON                                                           \
	"json_build_object('id', a.id, 'at', "                                 \
	"to_char(a.at AT TIME ZONE 'UTC', " DB_TIME_US "), 'outcome', "        \
	"a.outcome, 'user_id', a.user_id, 'username', a.username, "            \
	"'email_domain', a.email_domain, 'peer', a.peer, 'network', "          \
	"a.network, 'fill_ms', a.fill_ms, 'shape', a.shape, 'flags', "         \
	"a.flags, 'rules', a.rules, 'reason', a.reason)"

int
repo_signup_attempts(struct db_conn *db, long long before, int limit,
                     json_t **attempts, struct pl_error *err)
{
	char b[24], l[16];
	const char *p[] = {b, l};

	snprintf(b, sizeof b, "%lld", before);
	snprintf(l, sizeof l, "%d", limit);
	return db_query_json_all(
	    db,
	    "SELECT " ATTEMPT_JSON " AS j "
	    "FROM @signup_attempts a WHERE $1::bigint = 0 OR a.id < $1::bigint "
	    "ORDER BY a.id DESC LIMIT $2::int",
	    2, p, attempts, err);
}

int
repo_signup_attempt_of(struct db_conn *db, const char *user_id,
                       json_t **attempt, struct pl_error *err)
{
	const char *p[] = {user_id};

	return db_query_json(
	    db,
	    "SELECT " ATTEMPT_JSON " AS j "
	    "FROM @signup_attempts a WHERE a.user_id = $1::uuid "
	    "ORDER BY a.id DESC LIMIT 1",
	    1, p, attempt, err);
}

/* The top 10 values of column c in the window, as [{key, count}]. */
#define TOP(c)                                                                 \
	"(SELECT coalesce(json_agg(json_build_object('key', k, 'count', n) "   \
	"ORDER BY n DESC, k), '[]') FROM (SELECT " c " AS k, count(*) AS n "   \
	"FROM @signup_attempts WHERE at >= (SELECT min(t) FROM m) AND " c      \
	" IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 10) x)"

int
repo_signup_stats(struct db_conn *db, int window_min, json_t **stats,
                  struct pl_error *err)
{
	char w[16];
	const char *p[] = {w};

	snprintf(w, sizeof w, "%d", window_min);
	return db_query_json(
	    db,
	    "WITH m AS (SELECT generate_series(date_trunc('minute', now()) - "
	    "($1::int - 1) * interval '1 minute', date_trunc('minute', now()), "
	    "interval '1 minute') AS t), "
	    "a AS (SELECT date_trunc('minute', at) AS t, "
	    "count(*) FILTER (WHERE outcome = 'created') AS created, "
	    "count(*) FILTER (WHERE outcome = 'held') AS held, "
	    "count(*) FILTER (WHERE outcome = 'refused') AS refused, "
	    "count(*) FILTER (WHERE outcome = 'invalid') AS invalid "
	    "FROM @signup_attempts WHERE at >= (SELECT min(t) FROM m) "
	    "GROUP BY 1), "
	    "e AS (SELECT date_trunc('minute', at) AS t, "
	    "count(*) FILTER (WHERE action = 'signup.alarm') AS alarms, "
	    "count(*) FILTER (WHERE action = 'session.login_failed') AS failed "
	    "FROM @audit_log WHERE at >= (SELECT min(t) FROM m) AND action IN "
	    "('signup.alarm', 'session.login_failed') GROUP BY 1) "
	    "SELECT json_build_object('window_min', $1::int, 'series', "
	    "(SELECT json_agg(json_build_object('minute', "
	    "to_char(m.t AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI\"Z\"'), "
	    "'minute_epoch', (extract(epoch FROM m.t) / 60)::bigint, "
	    "'created', coalesce(a.created, 0), 'held', coalesce(a.held, 0), "
	    "'refused', coalesce(a.refused, 0), 'invalid', "
	    "coalesce(a.invalid, 0), 'alarms', coalesce(e.alarms, 0), "
	    "'failed_signins', coalesce(e.failed, 0)) ORDER BY m.t) "
	    "FROM m LEFT JOIN a USING (t) LEFT JOIN e USING (t)), "
	    "'top_networks', " TOP("network") ", 'top_domains', " TOP(
	        "email_domain") ", 'top_shapes', " TOP("shape") ") AS j",
	    1, p, stats, err);
}

int
repo_signup_attempts_since(struct db_conn *db, long long since_s,
                           json_t **attempts, struct pl_error *err)
{
	char w[24];
	const char *p[] = {w};

	snprintf(w, sizeof w, "%lld", since_s);
	return db_query_json_all(
	    db,
	    "SELECT json_build_object('id', a.id, 'at_ms', "
	    "(extract(epoch FROM a.at) * 1000)::bigint, 'outcome', a.outcome, "
	    "'username', a.username, 'email_domain', a.email_domain, 'peer', "
	    "a.peer, 'network', a.network, 'shape', a.shape, 'flags', "
	    "a.flags) AS j FROM @signup_attempts a WHERE a.at > now() - "
	    "$1::bigint * interval '1 second' ORDER BY a.at, a.id",
	    1, p, attempts, err);
}
