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

/* An activity action in words, for a line and for the summary. */
static const struct {
	const char *action, *words, *plural; /* plural: "%d ..." or NULL */
} activity_words[] = {
    {"session.login", "signed in", NULL},
    {"session.login_failed", "failed sign-in", "%d failed sign-ins"},
    {"session.reauth_failed", "wrong password confirming an action",
     "%d wrong passwords confirming an action"},
    {"user.change_password_failed", "wrong current password changing it",
     "%d wrong current passwords changing it"},
    {"user.totp_disable_failed", "wrong password or code turning 2FA off",
     "%d wrong passwords or codes turning 2FA off"},
    {"user.password_changed", "password changed", NULL},
    {"user.totp_enabled", "two-factor sign-in turned on", NULL},
    {"user.totp_disabled", "two-factor sign-in turned off", NULL},
    {"user.recovery_code_used", "recovery code used", "%d recovery codes used"},
    {"session.revoked", "session revoked", "%d sessions revoked"},
    {"user.updated", "account changed", NULL},
    {"user.created", "account created", NULL},
};
#define NWORDS (sizeof activity_words / sizeof activity_words[0])

static size_t
activity_index(const char *action)
{
	for (size_t i = 0; i < NWORDS; i++)
		if (strcmp(activity_words[i].action, action) == 0)
			return i;
	return NWORDS;
}

void
acct_activity_text(json_t *e, char *buf, size_t size)
{
	char at[24], by[96] = "", from[80] = "";
	size_t i = activity_index(jstr(e, "action"));
	const char *who = jstr(json_object_get(e, "by"), "username");

	short_time(jstr(e, "at"), at, sizeof at);
	if (jstr(e, "peer")[0])
		snprintf(from, sizeof from, " from %.64s", jstr(e, "peer"));
	if (who[0])
		snprintf(by, sizeof by, " by %.64s", who);
	snprintf(buf, size, "%-19s  %s%s%s", at,
	         i < NWORDS ? activity_words[i].words : jstr(e, "action"), from,
	         by);
}

/* Appends "; " and text to buf (of size). */
static void
summary_add(char *buf, size_t size, const char *text)
{
	size_t len = strlen(buf);

	snprintf(buf + len, size - len, "%s%s", len ? "; " : "", text);
}

int
acct_activity_summary(json_t *events, char *buf, size_t size)
{
	int count[NWORDS + 1] = {0};
	char peers[160] = "", by[96] = "", part[320];
	size_t i, from = 0, k;
	json_t *e;

	buf[0] = '\0';
	/* From after this sign-in up to the one before it. */
	while (from < json_array_size(events) &&
	       strcmp(jstr(json_array_get(events, from), "action"),
	              "session.login") != 0)
		from++;
	for (i = from + 1; i < json_array_size(events); i++) {
		e = json_array_get(events, i);
		k = activity_index(jstr(e, "action"));
		if (k < NWORDS &&
		    strcmp(activity_words[k].action, "session.login") == 0)
			break;
		count[k]++;
		if (strcmp(jstr(e, "action"), "session.login_failed") == 0 &&
		    jstr(e, "peer")[0] && !strstr(peers, jstr(e, "peer")))
			snprintf(peers + strlen(peers),
			         sizeof peers - strlen(peers), "%s%.64s",
			         peers[0] ? ", " : "", jstr(e, "peer"));
		if (jstr(json_object_get(e, "by"), "username")[0] && !by[0])
			snprintf(by, sizeof by, " by %.64s",
			         jstr(json_object_get(e, "by"), "username"));
	}
	for (k = 0; k < NWORDS; k++) {
		const char *w = activity_words[k].words;

		if (count[k] == 0 ||
		    strcmp(activity_words[k].action, "user.created") == 0)
			continue;
		if (count[k] > 1 && activity_words[k].plural)
			snprintf(part, sizeof part, activity_words[k].plural,
			         count[k]);
		else
			snprintf(part, sizeof part, "%s%s",
			         count[k] > 1 || !activity_words[k].plural
			             ? ""
			             : "1 ",
			         w);
		if (strcmp(activity_words[k].action, "session.login_failed") ==
		        0 &&
		    peers[0])
			snprintf(part + strlen(part),
			         sizeof part - strlen(part), " from %s", peers);
		if (strcmp(activity_words[k].action, "user.updated") == 0)
			snprintf(part + strlen(part),
			         sizeof part - strlen(part), "%s", by);
		summary_add(buf, size, part);
	}
	return buf[0] != '\0';
}
