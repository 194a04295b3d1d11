/*
 * Read-only mode (readonly.h): one environment variable, read where a key
 * would change something, so the screens need no extra state.
 */
#include "readonly.h"

#include <stdlib.h>
#include <string.h>

#include "app.h"

int
readonly_check_env(struct pl_error *err)
{
	const char *v = getenv("PADLINE_READONLY");

	if (!v || !*v || strcmp(v, "0") == 0 || strcmp(v, "1") == 0)
		return PL_OK;
	return pl_error_set(err, PL_ERR_VALIDATION, "bad_readonly",
	                    "PADLINE_READONLY must be 1 (read-only) or 0");
}

void
readonly_set(void)
{
	setenv("PADLINE_READONLY", "1", 1);
}

bool
readonly_on(void)
{
	const char *v = getenv("PADLINE_READONLY");

	return v && strcmp(v, "1") == 0;
}

bool
readonly_allows(const char *method)
{
	/* An allowlist: a method the client learns later is a write until
	 * it is listed here. */
	static const char *const reads[] = {
	    "server.hello",    "server.health",  "server.stats",
	    "session.login",   "session.resume", "session.logout",
	    "session.list",    "user.me",        "user.list",
	    "user.get",        "user.stats",     "account.activity",
	    "invitation.list", "events.since",   "template.list",
	    "pad.list",        "pad.get",        "pad.trash",
	    "pad.backups",     "pad.backup_get", "pad.shares",
	    "rule.list",       "signup.stats",   "signup.attempts",
	    "user.timeline",   "rule.test",      "user.held",
	};

	for (size_t i = 0; method && i < sizeof reads / sizeof reads[0]; i++)
		if (strcmp(method, reads[i]) == 0)
			return true;
	return false;
}

int
readonly_refuse(struct app *a, const char *what)
{
	if (!readonly_on())
		return 0;
	app_flash(a, 1, "Read-only console: %s is not allowed.", what);
	return 1;
}
