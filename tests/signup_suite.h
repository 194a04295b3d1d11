/* What e2e_signup_detectors and e2e_signup_rules share: their padlined's
 * settings (127.0.0.1 trusted for PROXY headers, as a load balancer is),
 * a signup from a given address, counts of what the database holds. */
#ifndef SIGNUP_SUITE_H
#define SIGNUP_SUITE_H

#include <check.h>

#include "tsupport.h"

#define TRUST "PADLINE_TRUSTED_PROXIES=127.0.0.1/32"

static struct ts_env tenv;
static const char *const trust_env[] = {TRUST, NULL};
static const struct ts_env_opts opts = {.prefix = "signup", .env = trust_env};

/* Registers username (email may be NULL) from src through port. */
static json_t *
signup_at(int port, const char *src, const char *username, const char *email)
{
	json_t *r = ts_register_proxied(port, src, username, email);

	ck_assert_ptr_nonnull(r);
	return r;
}

static json_t *
signup(const char *src, const char *username, const char *email)
{
	return signup_at(tenv.srv.port, src, username, email);
}

static long long
count(const char *sql, const char *param)
{
	PGconn *db = ts_db_connect(tenv.schema);
	const char *const p[] = {param};
	long long n = ts_db_count(db, sql, param ? 1 : 0, p);

	PQfinish(db);
	return n;
}

/* The new user's id in a user.register answer. */
static const char *
user_id(const json_t *r)
{
	return json_string_value(
	    json_object_get(json_object_get(ts_result(r), "user"), "id"));
}

#endif
