/*
 * Login, resume, logout. Failure counters are Redis keys that expire with
 * the window: padline:login:<schema>:user:<name> and ...:ip:<peer>; the
 * schema keeps separate deployments (and test suites) apart.
 */
#include "svc_session.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "db.h"
#include "events.h"
#include "log.h"
#include "repo_audit.h"
#include "pwhash.h"
#include "repo_session.h"
#include "repo_user.h"

static void
key_user(struct app *app, const char *username, char *key, size_t size)
{
	int n = snprintf(key, size, "padline:login:%s:user:", app->cfg->schema);

	/* Counted case-insensitively, as usernames are unique that way. */
	for (const char *p = username; *p && n + 1 < (int)size; p++)
		key[n++] = (char)tolower((unsigned char)*p);
	key[n < (int)size ? n : (int)size - 1] = '\0';
}

static void
key_peer(struct app *app, const char *peer, char *key, size_t size)
{
	snprintf(key, size, "padline:login:%s:ip:%s", app->cfg->schema, peer);
}

/* Count and seconds to live of a counter; 0/0 when absent. */
static int
counter_get(redisContext *rc, const char *key, long long *count, long long *ttl)
{
	redisReply *r = redisCommand(rc, "GET %s", key);

	if (r == NULL)
		return -1;
	*count = r->type == REDIS_REPLY_STRING ? strtoll(r->str, NULL, 10) : 0;
	freeReplyObject(r);
	*ttl = 0;
	if (*count == 0)
		return 0;
	r = redisCommand(rc, "TTL %s", key);
	if (r == NULL)
		return -1;
	*ttl = r->type == REDIS_REPLY_INTEGER ? r->integer : 0;
	freeReplyObject(r);
	return 0;
}

int
svc_session_check_limits(struct app *app, const char *username,
                         const char *peer, struct pl_error *err)
{
	char ku[256], kp[256];
	long long nu = 0, tu = 0, np = 0, tp = 0;
	redisContext *rc = rds_pool_borrow(app->rds);
	int broken;

	if (rc == NULL) {
		log_warn("login limits unavailable", "reason=%s", "redis down");
		return PL_OK;
	}
	key_user(app, username, ku, sizeof ku);
	key_peer(app, peer, kp, sizeof kp);
	broken = counter_get(rc, ku, &nu, &tu) != 0 ||
	         counter_get(rc, kp, &np, &tp) != 0;
	rds_pool_return(app->rds, rc, broken);
	if (broken)
		return PL_OK;
	if (nu >= app->cfg->login_max_failures ||
	    np >= app->cfg->login_max_failures_ip) {
		long long t = nu >= app->cfg->login_max_failures ? tu : 0;

		if (np >= app->cfg->login_max_failures_ip && tp > t)
			t = tp;
		pl_error_set(err, PL_ERR_TOO_MANY, "too_many_attempts",
		             "too many failed sign-in attempts; try again "
		             "later");
		err->retry_after = t > 0 ? (int)t : 1;
		return err->code;
	}
	return PL_OK;
}

/* SET NX EX first, so the key has its expiry before it counts anything:
 * a counter can never be left without one. */
static int
counter_incr(redisContext *rc, const char *key, int window)
{
	redisReply *r = redisCommand(rc, "SET %s 0 EX %d NX", key, window);

	if (r == NULL)
		return -1;
	freeReplyObject(r);
	r = redisCommand(rc, "INCR %s", key);
	if (r == NULL)
		return -1;
	freeReplyObject(r);
	return 0;
}

void
svc_session_login_failed(struct app *app, PGconn *db, const char *username,
                         const char *user_id, const char *peer)
{
	char ku[256], kp[256];
	redisContext *rc = rds_pool_borrow(app->rds);
	struct pl_error err;
	struct audit_row audit = {0};
	json_t *details;

	if (rc != NULL) {
		key_user(app, username, ku, sizeof ku);
		key_peer(app, peer, kp, sizeof kp);
		int broken = counter_incr(rc, ku, app->cfg->login_window) ||
		             counter_incr(rc, kp, app->cfg->login_window);
		rds_pool_return(app->rds, rc, broken);
	}
	pl_error_init(&err);
	details = json_pack("{s:{s:s, s:s}}", "subject", "username", username,
	                    "peer", peer);
	if (repo_audit_insert(db, "session.login_failed", NULL, user_id,
	                      details, &audit, &err) == 0)
		events_publish_one(app, db, &audit);
	json_decref(details);
	pl_error_clear(&err);
}

static void
reset_user(struct app *app, const char *username)
{
	char ku[256];
	redisContext *rc = rds_pool_borrow(app->rds);
	redisReply *r;

	if (rc == NULL)
		return;
	key_user(app, username, ku, sizeof ku);
	r = redisCommand(rc, "DEL %s", ku);
	if (r)
		freeReplyObject(r);
	rds_pool_return(app->rds, rc, r == NULL);
}

int
svc_session_login_ok(struct app *app, PGconn *db, const char *username,
                     const char *user_id, int is_admin, json_t *user,
                     const char *rehash, json_t **result, struct rpc_session *s,
                     struct pl_error *err)
{
	unsigned char raw[32];
	char token[sizeof raw * 2 + 1], exp_text[40];

	reset_user(app, username);
	/* Best effort, never failing the login: replacing a hash made with
	 * old limits, and now and then sweeping expired sessions. */
	if (rehash || randombytes_uniform(100) == 0) {
		struct pl_error ign;

		pl_error_init(&ign);
		if (rehash)
			repo_user_set_hash(db, user_id, rehash, &ign);
		else
			repo_session_purge(db, &ign);
		pl_error_clear(&ign);
	}
	randombytes_buf(raw, sizeof raw);
	sodium_bin2hex(token, sizeof token, raw, sizeof raw);
	sodium_memzero(raw, sizeof raw);
	memset(s, 0, sizeof *s);
	pwhash_sha256_hex(token, s->token_hash);
	if (repo_session_insert(db, s->token_hash, user_id,
	                        app->cfg->session_ttl, &s->expires_at, exp_text,
	                        err) != 0)
		return err->code;
	s->active = 1;
	s->is_admin = is_admin;
	snprintf(s->user_id, sizeof s->user_id, "%s", user_id);
	*result = json_pack("{s:s, s:s, s:O}", "token", token, "expires_at",
	                    exp_text, "user", user);
	sodium_memzero(token, sizeof token);
	return PL_OK;
}

int
svc_session_resume(struct app *app, PGconn *db, const char *token,
                   json_t **user, struct rpc_session *s, struct pl_error *err)
{
	(void)app;
	memset(s, 0, sizeof *s);
	pwhash_sha256_hex(token, s->token_hash);
	if (repo_session_lookup(db, s->token_hash, user, s->user_id,
	                        &s->is_admin, &s->expires_at, err) != 0)
		return err->code;
	if (*user == NULL)
		return pl_error_set(err, PL_ERR_UNAUTHORIZED, "invalid_session",
		                    "the session is unknown or has expired");
	s->active = 1;
	return PL_OK;
}

int
svc_session_logout(PGconn *db, const char *token_hash, struct pl_error *err)
{
	return repo_session_delete(db, token_hash, err);
}
