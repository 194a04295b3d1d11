/*
 * The writes that take an idempotency_key, and the key's grammar. A method
 * whose answer holds a secret shown once (user.totp_begin, user.totp_enable) or
 * that binds a session (session.login) is not in the list: its retry must run
 * again.
 */
#include "idempotency.h"

#include <string.h>

static const char *const idempotent_methods[] = {
    "pad.create",
    "pad.update",
    "pad.delete",
    "pad.restore",
    "pad.share",
    "pad.unshare",
    "user.register",
    "user.update",
    "user.delete",
    "user.sync",
    "user.change_password",
    "user.totp_disable",
    "invitation.create",
    "invitation.revoke",
};

int
pl_idempotent_method(const char *method)
{
	size_t n = sizeof idempotent_methods / sizeof idempotent_methods[0];

	if (method == NULL)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (strcmp(method, idempotent_methods[i]) == 0)
			return 1;
	return 0;
}

const char *
pl_idempotent_method_at(size_t i)
{
	size_t n = sizeof idempotent_methods / sizeof idempotent_methods[0];

	return i < n ? idempotent_methods[i] : NULL;
}

int
pl_idempotency_key_valid(const char *key)
{
	size_t len;

	if (key == NULL)
		return 0;
	len = strlen(key);
	return len > 0 && len <= PL_IDEMPOTENCY_KEY_MAX &&
	       strspn(key,
	              "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	              "0123456789._:-") == len;
}
