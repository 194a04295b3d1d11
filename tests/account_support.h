/*
 * Helpers shared by the account suites (e2e_account, e2e_account_admin,
 * e2e_account_totp): calls that return just the error code, login with an
 * optional TOTP code, a fresh signed-in user, TOTP codes computed here from
 * the secret with liboath (independently of the server's code).
 */
#ifndef PL_ACCOUNT_SUPPORT_H
#define PL_ACCOUNT_SUPPORT_H

#include <liboath/oath.h>
#include <string.h>
#include <time.h>

#include "tsupport.h"
#include "users_support.h"

/* A method's error code (0 = result), -1 when no answer. */
static inline int
acc_call_code(struct ts_client *c, const char *method, json_t *params)
{
	json_t *r = ts_call(c, method, params);
	int code = r ? ts_error_code(r) : -1;

	json_decref(r);
	return code;
}

/* session.login with totp when not NULL. */
static inline json_t *
acc_login(struct ts_client *c, const char *name, const char *pw,
          const char *totp)
{
	json_t *p = json_pack("{s:s, s:s}", "username", name, "password", pw);

	if (totp)
		json_object_set_new(p, "totp", json_string(totp));
	return ts_call(c, "session.login", p);
}

/* Registers name (US_PASSWORD) and signs it in on a new connection. */
static inline struct ts_client *
acc_user(const struct ts_server *srv, const char *name)
{
	struct ts_client *c = ts_client_connect(srv->port);
	json_t *r = us_register_fresh(c, name, US_PASSWORD, NULL);

	ck_assert_msg(ts_error_code(r) == 0, "register %s: %d", name,
	              ts_error_code(r));
	json_decref(r);
	ck_assert_int_eq(ts_login(c, name, US_PASSWORD), 0);
	return c;
}

/* The signed-in user's id (malloc'd). */
static inline char *
acc_my_id(struct ts_client *c)
{
	json_t *r = ts_call(c, "user.me", NULL);
	const char *id = json_string_value(
	    json_object_get(json_object_get(ts_result(r), "user"), "id"));
	char *out;

	ck_assert_ptr_nonnull(id);
	out = strdup(id);
	json_decref(r);
	return out;
}

/* A TOTP secret decoded from its base32 text. */
struct acc_secret {
	char *raw;
	size_t len;
};

static inline void
acc_secret_decode(const char *b32, struct acc_secret *s)
{
	oath_init();
	ck_assert_int_eq(oath_base32_decode(b32, strlen(b32), &s->raw, &s->len),
	                 OATH_OK);
}

/* The code of absolute 30 s step `step`. */
static inline void
acc_code_at(const struct acc_secret *s, long long step, char out[8])
{
	ck_assert_int_eq(oath_totp_generate(s->raw, s->len, (time_t)(step * 30),
	                                    30, 0, 6, out),
	                 OATH_OK);
}

static inline long long
acc_step_now(void)
{
	return (long long)time(NULL) / 30;
}

#endif
