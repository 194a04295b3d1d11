/*
 * Test support: JSON-RPC calls that assert on their reply (results,
 * errors, violations), registration and sign-in shapes, TOTP codes
 * computed independently of the server, and pad helpers.
 */
#include "tsupport.h"

#include <liboath/oath.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tsupport_int.h"

json_t *
ts_ok(struct ts_client *c, const char *method, json_t *params)
{
	json_t *r = ts_call(c, method, params), *res;
	char *text;

	TS_CHECK(r != NULL, "%s: no reply", method);
	res = ts_result(r);
	if (res == NULL) {
		text = json_dumps(r, 0);
		TS_CHECK(0, "%s failed: %.300s", method, text);
	}
	json_incref(res);
	json_decref(r);
	return res;
}

json_t *
ts_err_data(struct ts_client *c, const char *method, json_t *params, int code,
            const char *reason)
{
	json_t *r = ts_call(c, method, params), *data;
	char *text;

	TS_CHECK(r != NULL, "%s: no reply", method);
	text = json_dumps(r, 0);
	TS_CHECK(ts_error_code(r) == code, "%s: want %d, got %.300s", method,
	         code, text);
	if (reason)
		TS_CHECK(strcmp(ts_error_reason(r), reason) == 0,
		         "%s: want reason %s, got %.300s", method, reason,
		         text);
	free(text);
	data = json_object_get(json_object_get(r, "error"), "data");
	json_incref(data);
	json_decref(r);
	return data;
}

void
ts_expect_err(struct ts_client *c, const char *method, json_t *params, int code,
              const char *reason)
{
	json_decref(ts_err_data(c, method, params, code, reason));
}

void
ts_expect_violation(struct ts_client *c, const char *method, json_t *params,
                    const char *field, const char *rule)
{
	json_t *r = ts_call(c, method, params);
	char *text;

	TS_CHECK(r != NULL, "%s: no reply", method);
	text = json_dumps(r, 0);
	TS_CHECK(ts_error_code(r) == 400, "%s: want 400, got %.300s", method,
	         text);
	TS_CHECK(ts_has_violation(r, field, rule),
	         "%s: want violation %s/%s, got %.300s", method, field, rule,
	         text);
	free(text);
	json_decref(r);
}

int
ts_call_code(struct ts_client *c, const char *method, json_t *params)
{
	json_t *r = ts_call(c, method, params);
	int code = r ? ts_error_code(r) : -1;

	json_decref(r);
	return code;
}

static json_t *
violations(const json_t *resp)
{
	return json_object_get(
	    json_object_get(json_object_get(resp, "error"), "data"),
	    "violations");
}

int
ts_has_violation(const json_t *resp, const char *field, const char *rule)
{
	size_t i;
	json_t *e;

	json_array_foreach (violations(resp), i, e) {
		const char *f = json_string_value(json_object_get(e, "field"));
		const char *r = json_string_value(json_object_get(e, "rule"));

		if (f && r && strcmp(f, field) == 0 && strcmp(r, rule) == 0)
			return 1;
	}
	return 0;
}

size_t
ts_violation_count(const json_t *resp)
{
	return json_array_size(violations(resp));
}

char *
ts_form_token(struct ts_client *c)
{
	json_t *h = ts_call(c, "server.hello", NULL);
	const char *t =
	    json_string_value(json_object_get(ts_result(h), "form_token"));
	char *tok = t ? strdup(t) : NULL;

	json_decref(h);
	return tok;
}

json_t *
ts_register_with(struct ts_client *c, const char *token, const char *username,
                 const char *password, const char *email,
                 const char *invitation)
{
	json_t *p = json_object();

	if (token)
		json_object_set_new(p, "form_token", json_string(token));
	if (username)
		json_object_set_new(p, "username", json_string(username));
	if (password)
		json_object_set_new(p, "password", json_string(password));
	if (email)
		json_object_set_new(p, "email", json_string(email));
	if (invitation)
		json_object_set_new(p, "invitation", json_string(invitation));
	return ts_call(c, "user.register", p);
}

json_t *
ts_register_fresh(struct ts_client *c, const char *username,
                  const char *password, const char *invitation)
{
	char *tok = ts_form_token(c);
	json_t *r =
	    ts_register_with(c, tok, username, password, NULL, invitation);

	free(tok);
	return r;
}

json_t *
ts_register(struct ts_client *c, const char *username, const char *password,
            const char *email)
{
	char *tok = ts_form_token(c);
	json_t *r = ts_register_with(c, tok ? tok : "", username, password,
	                             email, NULL);

	free(tok);
	return r;
}

json_t *
ts_login_totp(struct ts_client *c, const char *name, const char *pw,
              const char *totp)
{
	json_t *p = json_pack("{s:s, s:s}", "username", name, "password", pw);

	if (totp)
		json_object_set_new(p, "totp", json_string(totp));
	return ts_call(c, "session.login", p);
}

char *
ts_my_id(struct ts_client *c)
{
	json_t *r = ts_call(c, "user.me", NULL);
	const char *id = json_string_value(
	    json_object_get(json_object_get(ts_result(r), "user"), "id"));
	char *out;

	TS_CHECK(id != NULL, "user.me has no id");
	out = strdup(id);
	json_decref(r);
	return out;
}

void
ts_totp_decode(const char *b32, struct ts_totp_secret *s)
{
	oath_init();
	TS_CHECK(oath_base32_decode(b32, strlen(b32), &s->raw, &s->len) ==
	             OATH_OK,
	         "base32 %s", b32);
}

void
ts_totp_code_at(const struct ts_totp_secret *s, long long step, char out[8])
{
	TS_CHECK(oath_totp_generate(s->raw, s->len, (time_t)(step * 30), 30, 0,
	                            6, out) == OATH_OK,
	         "oath_totp_generate");
}

long long
ts_totp_step_now(void)
{
	return (long long)time(NULL) / 30;
}

const char *
ts_pad_create(struct ts_client *c, const char *name, json_t *data)
{
	static char ids[4][40];
	static int n;
	json_t *res = ts_ok(
	    c, "pad.create",
	    data ? json_pack("{s:s, s:o}", "display_name", name, "data", data)
	         : json_pack("{s:s}", "display_name", name));
	char *id = ids[n++ % 4];

	snprintf(id, 40, "%s",
	         json_string_value(
	             json_object_get(json_object_get(res, "pad"), "id")));
	json_decref(res);
	return id;
}

long long
ts_pad_int(json_t *res, const char *key)
{
	return json_integer_value(
	    json_object_get(json_object_get(res, "pad"), key));
}

void
ts_pad_update(struct ts_client *c, const char *id, json_t *data)
{
	json_decref(ts_ok(c, "pad.update",
	                  json_pack("{s:s, s:o}", "id", id, "data", data)));
}

long long
ts_db_count1(PGconn *db, const char *sql, const char *param)
{
	const char *params[] = {param};

	return ts_db_count(db, sql, 1, params);
}

long long
ts_pad_backups(PGconn *db, const char *pad_id)
{
	return ts_db_count1(
	    db, "SELECT count(*) FROM backups WHERE source_id = $1::uuid",
	    pad_id);
}

json_t *
ts_register_proxied(int port, const char *src, const char *username,
                    const char *email)
{
	struct ts_client *c = ts_client_proxied(port, src);
	char *tok = c ? ts_form_token(c) : NULL;
	json_t *r = NULL;

	if (tok != NULL)
		r = ts_register_with(c, tok, username, TS_PASSWORD, email,
		                     NULL);
	free(tok);
	ts_client_free(c);
	return r;
}

void
ts_usernames(const json_t *res, char *buf, size_t size)
{
	json_t *u;
	size_t i;

	buf[0] = '\0';
	json_array_foreach (json_object_get(res, "users"), i, u)
		snprintf(buf + strlen(buf), size - strlen(buf), "%s%s",
		         i ? " " : "",
		         json_string_value(json_object_get(u, "username")));
}
