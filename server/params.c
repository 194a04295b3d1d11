/*
 * Typed getters over a params object. Each failure is one violation naming
 * the field, so a client can put the message next to the right input.
 */
#include "params.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "validate.h"

static int
missing(const char *key, int required, struct pl_error *err)
{
	char msg[128];

	if (!required)
		return PL_OK;
	snprintf(msg, sizeof msg, "%s is required", key);
	return pl_error_violation(err, key, "required", msg);
}

static int
wrong_type(const char *key, const char *what, struct pl_error *err)
{
	char msg[128];

	snprintf(msg, sizeof msg, "%s must be %s", key, what);
	return pl_error_violation(err, key, "type", msg);
}

int
params_str(json_t *params, const char *key, int required, const char **out,
           struct pl_error *err)
{
	json_t *v = json_object_get(params, key);

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return missing(key, required, err);
	if (!json_is_string(v))
		return wrong_type(key, "a string", err);
	*out = json_string_value(v);
	return PL_OK;
}

int
params_int(json_t *params, const char *key, int required, long long min,
           long long max, long long dflt, long long *out, struct pl_error *err)
{
	json_t *v = json_object_get(params, key);
	char msg[128];

	*out = dflt;
	if (v == NULL || json_is_null(v))
		return missing(key, required, err);
	if (!json_is_integer(v))
		return wrong_type(key, "an integer", err);
	*out = json_integer_value(v);
	if (*out < min || *out > max) {
		snprintf(msg, sizeof msg, "%s must be between %lld and %lld",
		         key, min, max);
		return pl_error_violation(err, key, "range", msg);
	}
	return PL_OK;
}

int
params_bool(json_t *params, const char *key, int required, int dflt, int *out,
            struct pl_error *err)
{
	json_t *v = json_object_get(params, key);

	*out = dflt;
	if (v == NULL || json_is_null(v))
		return missing(key, required, err);
	if (!json_is_boolean(v))
		return wrong_type(key, "true or false", err);
	*out = json_is_true(v);
	return PL_OK;
}

int
params_uuid(json_t *params, const char *key, int required, const char **out,
            struct pl_error *err)
{
	char msg[128];
	int rc = params_str(params, key, required, out, err);

	if (rc != PL_OK || *out == NULL)
		return rc;
	if (!text_is_uuid(*out)) {
		*out = NULL;
		snprintf(msg, sizeof msg, "%s is not a valid id", key);
		return pl_error_violation(err, key, "format", msg);
	}
	return PL_OK;
}

/* 1 when v, or any string inside it, holds a NUL character. */
static int
has_nul(json_t *v)
{
	const char *k;
	json_t *e;
	size_t i;

	switch (json_typeof(v)) {
	case JSON_STRING:
		return memchr(json_string_value(v), '\0',
		              json_string_length(v)) != NULL;
	case JSON_ARRAY:
		json_array_foreach (v, i, e)
			if (has_nul(e))
				return 1;
		return 0;
	case JSON_OBJECT:
		json_object_foreach (v, k, e)
			if (has_nul(e))
				return 1;
		return 0;
	default:
		return 0;
	}
}

int
params_check_text(json_t *params, struct pl_error *err)
{
	const char *key;
	json_t *v;
	char msg[128];

	json_object_foreach (params, key, v)
		if (has_nul(v)) {
			snprintf(msg, sizeof msg,
			         "%s must not contain NUL (\\u0000) characters",
			         key);
			pl_error_violation(err, key, "nul", msg);
		}
	return err->code;
}
