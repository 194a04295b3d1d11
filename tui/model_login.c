/*
 * The login form's state and how a failed login or an unreachable server is
 * worded: a message and a retry, never a crash.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "models.h"

void
login_model_init(struct login_model *m)
{
	memset(m, 0, sizeof *m);
}

/* A wait as a person says it, rounded up: "42 seconds", "15 minutes",
 * "2 hours" (a lockout's retry_after is up to hours). */
static void
retry_words(int s, char *buf, size_t size)
{
	int n = s < 60 ? s : s < 3600 ? (s + 59) / 60 : (s + 3599) / 3600;
	const char *unit = s < 60 ? "second" : s < 3600 ? "minute" : "hour";

	snprintf(buf, size, "%d %s%s", n, unit, n == 1 ? "" : "s");
}

void
login_model_apply_error(struct login_model *m, const struct pl_error *e)
{
	char when[32];

	m->server_down = 0;
	memset(m->totp, 0, sizeof m->totp);
	if (e->code == PL_ERR_UNAUTHORIZED &&
	    (strcmp(e->reason, "totp_required") == 0 ||
	     strcmp(e->reason, "invalid_totp") == 0)) {
		/* The password was right: keep it for the attempt with the
		 * code. The first ask is no error. */
		if (m->totp_step)
			snprintf(m->error, sizeof m->error,
			         "Wrong code (%s): try again.", e->message);
		else
			m->error[0] = '\0';
		m->totp_step = 1;
		return;
	}
	m->totp_step = 0;
	switch (e->code) {
	case PL_ERR_UNAUTHORIZED:
		snprintf(m->error, sizeof m->error,
		         "Wrong username or password.");
		break;
	case PL_ERR_TOO_MANY:
		/* The server's words for the lockout, and when to retry. */
		retry_words(e->retry_after > 0 ? e->retry_after : 60, when,
		            sizeof when);
		snprintf(m->error, sizeof m->error, "%s (in %s).",
		         e->message[0] ? e->message : "too many attempts",
		         when);
		m->error[0] = (char)toupper((unsigned char)m->error[0]);
		break;
	case PL_ERR_UNAVAILABLE:
		m->server_down = strcmp(e->reason, "disconnected") == 0;
		snprintf(m->error, sizeof m->error, "%s%s",
		         m->server_down ? "Server unreachable: "
		                        : "Service unavailable: ",
		         e->message);
		break;
	default:
		snprintf(m->error, sizeof m->error, "%s", e->message);
	}
	/* A refused attempt never keeps the password around; an unreachable
	 * server keeps it so Enter simply retries. */
	if (!m->server_down)
		memset(m->password, 0, sizeof m->password);
}

json_t *
login_model_params(const struct login_model *m)
{
	json_t *p = json_pack("{s:s, s:s}", "username", m->username, "password",
	                      m->password);

	if (m->totp_step)
		json_object_set_new(p, "totp", json_string(m->totp));
	return p;
}

void
login_model_reset_totp(struct login_model *m)
{
	m->totp_step = 0;
	memset(m->totp, 0, sizeof m->totp);
}

int
session_lost(const struct pl_error *e)
{
	static const char *const reasons[] = {
	    "not_signed_in", "invalid_session", "session_ended",
	    "session_expired", ""};

	if (e->code != PL_ERR_UNAUTHORIZED)
		return 0;
	for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++)
		if (strcmp(e->reason, reasons[i]) == 0)
			return 1;
	return 0;
}

const char *
session_lost_text(const struct pl_error *e)
{
	return strcmp(e->reason, "session_expired") == 0
	           ? "Your session expired; sign in again."
	           : "Your session has ended: sign in again.";
}
