/*
 * The Account screen's rules without curses: the change of password (the
 * live policy checklist, errors in words next to their field), what a
 * failed TOTP call means, a typed code, and a session as a line.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "models.h"

void
acct_pw_clear(struct acct_pw_model *m)
{
	memset(m->field, 0, sizeof m->field);
	memset(m->err, 0, sizeof m->err);
	m->general[0] = '\0';
}

int
acct_pw_check(struct acct_pw_model *m)
{
	int bad = 0;

	memset(m->err, 0, sizeof m->err);
	m->general[0] = '\0';
	if (!m->field[ACCT_CURRENT][0]) {
		snprintf(m->err[ACCT_CURRENT], sizeof m->err[ACCT_CURRENT],
		         "enter your current password");
		bad = 1;
	}
	if (password_check(m->field[ACCT_NEW])) {
		snprintf(m->err[ACCT_NEW], sizeof m->err[ACCT_NEW],
		         "does not meet the rules");
		bad = 1;
	}
	if (strcmp(m->field[ACCT_NEW], m->field[ACCT_CONFIRM]) != 0) {
		snprintf(m->err[ACCT_CONFIRM], sizeof m->err[ACCT_CONFIRM],
		         "passwords do not match");
		bad = 1;
	}
	return bad;
}

json_t *
acct_pw_params(const struct acct_pw_model *m)
{
	return json_pack("{s:s, s:s}", "current_password",
	                 m->field[ACCT_CURRENT], "new_password",
	                 m->field[ACCT_NEW]);
}

/* The violations' messages, "; "-joined. */
static void
violations_text(const struct pl_error *e, char *buf, size_t size)
{
	size_t i;
	json_t *v;

	buf[0] = '\0';
	json_array_foreach (e->violations, i, v) {
		size_t len = strlen(buf);
		const char *msg =
		    json_string_value(json_object_get(v, "message"));

		snprintf(buf + len, size - len, "%s%s", len ? "; " : "",
		         msg ? msg : "invalid");
	}
	if (!buf[0])
		snprintf(buf, size, "%s", e->message);
}

int
acct_pw_apply_error(struct acct_pw_model *m, const struct pl_error *e)
{
	memset(m->err, 0, sizeof m->err);
	m->general[0] = '\0';
	if (e->code == PL_ERR_UNAUTHORIZED &&
	    strcmp(e->reason, "invalid_credentials") == 0) {
		snprintf(m->err[ACCT_CURRENT], sizeof m->err[ACCT_CURRENT],
		         "wrong current password");
		memset(m->field[ACCT_CURRENT], 0,
		       sizeof m->field[ACCT_CURRENT]);
		return 1;
	}
	if (e->code == PL_ERR_UNAUTHORIZED)
		return 0; /* the session itself ended */
	if (e->code == PL_ERR_VALIDATION) {
		violations_text(e, m->err[ACCT_NEW], sizeof m->err[ACCT_NEW]);
		return 1;
	}
	if (e->code == PL_ERR_CONFLICT)
		snprintf(m->general, sizeof m->general,
		         "The password was changed elsewhere meanwhile: "
		         "try again.");
	else
		snprintf(m->general, sizeof m->general, "%s", e->message);
	return 1;
}

int
acct_totp_error(const struct pl_error *e, char *buf, size_t size)
{
	const char *r = e->reason;

	if (e->code == PL_ERR_UNAUTHORIZED &&
	    strcmp(r, "invalid_credentials") == 0)
		snprintf(buf, size, "Wrong password.");
	else if (e->code == PL_ERR_UNAUTHORIZED &&
	         strcmp(r, "invalid_totp") == 0)
		snprintf(buf, size, "Wrong code (%s): try again.", e->message);
	else if (e->code == PL_ERR_UNAUTHORIZED)
		return 0;
	else if (e->code == PL_ERR_VALIDATION)
		snprintf(buf, size,
		         "That code does not match: check the device's clock "
		         "and type the code it shows now.");
	else if (strcmp(r, "totp_enabled") == 0)
		snprintf(buf, size, "Two-factor sign-in is already on.");
	else if (strcmp(r, "totp_not_enabled") == 0)
		snprintf(buf, size, "Two-factor sign-in is already off.");
	else if (strcmp(r, "totp_not_pending") == 0)
		snprintf(buf, size,
		         "This set-up was replaced or is gone: start again.");
	else
		snprintf(buf, size, "%s", e->message);
	return 1;
}

int
acct_totp_code(const char *typed, char *out, size_t size)
{
	size_t n = 0;

	for (; *typed && n + 1 < size; typed++) {
		if (*typed == ' ')
			continue;
		if (!isdigit((unsigned char)*typed))
			break;
		out[n++] = *typed;
	}
	out[n] = '\0';
	return *typed || n != 6 ? -1 : 0;
}

void
acct_session_text(json_t *s, char *buf, size_t size)
{
	char created[24], used[24];

	short_time(jstr(s, "created_at"), created, sizeof created);
	short_time(jstr(s, "last_used_at"), used, sizeof used);
	snprintf(buf, size, "%s %-19s  %-19s  %-22s%s",
	         json_is_true(json_object_get(s, "current")) ? "*" : " ",
	         created, used, jstr(s, "peer")[0] ? jstr(s, "peer") : "?",
	         json_is_true(json_object_get(s, "current")) ? "this session"
	                                                     : "");
}
