/*
 * Guesses against the login limits (svc_guess.h): their counter keys, and
 * reserving with a bounded wait for guesses in flight. The wait is the
 * caller's retry, not a sleep: reservations run on the worker pool, which
 * the guesses being waited for need to finish.
 */
#include "svc_guess.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "db_pool.h"
#include "log.h"
#include "mono_time.h"
#include "repo_login_limit.h"
#include "throttle_count.h"

void
svc_guess_init(struct padlined *app, struct svc_guess *g, const char *user_id,
               const char *folded, const char *peer)
{
	memset(g, 0, sizeof *g);
	if (user_id != NULL)
		snprintf(g->key_user, sizeof g->key_user,
		         "padline:login:%s:user:%s", app->cfg->schema, user_id);
	else
		snprintf(g->key_user, sizeof g->key_user,
		         "padline:login:%s:name:%s", app->cfg->schema, folded);
	snprintf(g->key_peer, sizeof g->key_peer, "padline:login:%s:ip:%s",
	         app->cfg->schema, peer);
}

/* While Redis is away (the guess is held in memory), the fallback the
 * operator chose: PADLINE_LOGIN_LIMIT_FALLBACK. */
static int
fallback_is(const struct padlined *app, const struct svc_guess *g,
            const char *mode)
{
	return g->hold.where == LOGIN_HELD_MEMORY &&
	       strcmp(app->cfg->login_limit_fallback, mode) == 0;
}

/* A guess held in memory checked against the failures every instance
 * shares in PostgreSQL: 0, or the seconds until the counter that reached
 * its limit expires, or -1 with err set (the database failed too). */
static int
shared_wait(struct padlined *app, const struct svc_guess *g,
            struct pl_error *err)
{
	const struct config *cfg = app->cfg;
	struct db_conn *db;
	int wait = 0, rc;

	if (db_pool_borrow(app->db, &db, err) != PL_OK)
		return -1;
	rc = repo_login_limit_wait(db, g->key_user, cfg->login_max_failures,
	                           g->key_peer, cfg->login_max_failures_ip,
	                           &wait, err);
	db_pool_return(app->db, db);
	return rc == PL_OK ? wait : -1;
}

/* Counts a guess held in memory in PostgreSQL: a wrong one on both keys,
 * a right one clears the account's. A failure here is logged: the guess
 * was still counted on this instance. */
static void
shared_count(struct padlined *app, const struct svc_guess *g,
             enum login_outcome o)
{
	struct db_conn *db;
	struct pl_error err;
	int rc;

	if (o == LOGIN_NO_GUESS)
		return;
	pl_error_init(&err);
	if ((rc = db_pool_borrow(app->db, &db, &err)) == PL_OK) {
		rc = o == LOGIN_WRONG
		         ? repo_login_limit_fail(db, g->key_user, g->key_peer,
		                                 app->cfg->login_window, &err)
		         : repo_login_limit_clear(db, g->key_user, &err);
		db_pool_return(app->db, db);
	}
	if (rc != PL_OK)
		log_warn("login failure not shared", "error=%s", err.message);
	pl_error_clear(&err);
}

int
svc_guess_reserve(struct padlined *app, struct svc_guess *g, int *retry_ms,
                  struct pl_error *err)
{
	const struct config *cfg = app->cfg;
	long long now = mono_ms();
	int wait;

	*retry_ms = 0;
	if (g->wait_until_ms == 0)
		g->wait_until_ms = now + GUESS_WAIT_MS;
	wait = login_limit_reserve(
	    app->limits, g->key_user, cfg->login_max_failures, g->key_peer,
	    cfg->login_max_failures_ip, cfg->login_window, &g->hold);
	if (wait == 0 && fallback_is(app, g, "closed")) {
		svc_guess_done(app, g, LOGIN_NO_GUESS);
		pl_error_set(err, PL_ERR_UNAVAILABLE,
		             "login_limits_unavailable",
		             "sign-in is unavailable while the login limits "
		             "cannot be checked; try again shortly");
		err->retry_after = 1;
		return err->code;
	}
	if (wait == 0 && fallback_is(app, g, "postgres")) {
		wait = shared_wait(app, g, err);
		if (wait != 0)
			svc_guess_done(app, g, LOGIN_NO_GUESS);
		if (wait < 0)
			return err->code;
	}
	if (wait == 0)
		return PL_OK;
	if (wait != LOGIN_LIMIT_BUSY) {
		throttle_count_add(app->rds, cfg->schema);
		pl_error_set(err, PL_ERR_TOO_MANY, "too_many_attempts",
		             "too many failed sign-in attempts; try again "
		             "later");
		err->retry_after = wait;
		return err->code;
	}
	if (now >= g->wait_until_ms) {
		pl_error_set(err, PL_ERR_UNAVAILABLE, "attempts_in_flight",
		             "other sign-in attempts for this account or "
		             "address are still being checked; try again");
		err->retry_after = 1;
		return err->code;
	}
	/* Spread out, so waiters do not all ask at once. */
	*retry_ms = 20 + (int)randombytes_uniform(40);
	return PL_OK;
}

void
svc_guess_done(struct padlined *app, struct svc_guess *g, enum login_outcome o)
{
	/* Also a guess held in Redis that lost Redis before its end. */
	if (login_limit_release(app->limits, g->key_user, g->key_peer,
	                        app->cfg->login_window, &g->hold, o) &&
	    strcmp(app->cfg->login_limit_fallback, "postgres") == 0)
		shared_count(app, g, o);
}

void
svc_guess_settle(struct padlined *app, struct svc_guess *g, int rc)
{
	svc_guess_done(app, g,
	               rc == PL_OK                 ? LOGIN_RIGHT
	               : rc == PL_ERR_UNAUTHORIZED ? LOGIN_WRONG
	                                           : LOGIN_NO_GUESS);
}
