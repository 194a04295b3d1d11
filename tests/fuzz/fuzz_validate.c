/* libFuzzer target: every common/ validator (username, email, password
 * policy) on arbitrary bytes: no crash, no overrun, and the password mask
 * agrees with the violations reported. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "validate.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), out[USERNAME_MAX + 8];
	struct pl_error err;
	unsigned mask;
	size_t nviol;

	memcpy(s, data, size);
	s[size] = '\0';
	pl_error_init(&err);
	if (username_normalize(s, out, sizeof out, &err) == 0 &&
	    (strlen(out) < USERNAME_MIN || strlen(out) > USERNAME_MAX))
		abort();
	pl_error_clear(&err);
	email_validate(s, &err);
	pl_error_clear(&err);
	mask = password_check(s);
	password_validate(s, &err);
	nviol = err.violations ? json_array_size(err.violations) : 0;
	if ((mask == 0) != (nviol == 0))
		abort();
	pl_error_clear(&err);
	free(s);
	return 0;
}
