/*
 * The login form's state and how a failed login or an unreachable server is
 * worded: a message and a retry, never a crash.
 */
#include <stdio.h>
#include <string.h>

#include "models.h"

void
login_model_init(struct login_model *m)
{
	memset(m, 0, sizeof *m);
}

void
login_model_apply_error(struct login_model *m, const struct pl_error *e)
{
	m->server_down = 0;
	switch (e->code) {
	case PL_ERR_UNAUTHORIZED:
		snprintf(m->error, sizeof m->error,
		         "Wrong username or password.");
		break;
	case PL_ERR_TOO_MANY:
		snprintf(m->error, sizeof m->error,
		         "Too many attempts: try again in %d s.",
		         e->retry_after > 0 ? e->retry_after : 60);
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
