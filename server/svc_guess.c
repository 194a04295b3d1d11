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
#include "mono_time.h"

void
svc_guess_init(struct app *app, struct svc_guess *g, const char *user_id,
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

int
svc_guess_reserve(struct app *app, struct svc_guess *g, int *retry_ms,
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
	if (wait == 0)
		return PL_OK;
	if (wait != LOGIN_LIMIT_BUSY) {
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
svc_guess_done(struct app *app, struct svc_guess *g, enum login_outcome o)
{
	login_limit_release(app->limits, g->key_user, g->key_peer,
	                    app->cfg->login_window, &g->hold, o);
}

void
svc_guess_settle(struct app *app, struct svc_guess *g, int rc)
{
	svc_guess_done(app, g,
	               rc == PL_OK                 ? LOGIN_RIGHT
	               : rc == PL_ERR_UNAUTHORIZED ? LOGIN_WRONG
	                                           : LOGIN_NO_GUESS);
}
