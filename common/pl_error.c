/*
 * The error struct shared by every layer, and its JSON-RPC rendering.
 * Messages here are what a client sees, so callers never put SQL text or
 * internal detail into them; that goes to the log instead.
 */
#include "pl_error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void
pl_error_init(struct pl_error *e)
{
	memset(e, 0, sizeof *e);
}

void
pl_error_clear(struct pl_error *e)
{
	json_decref(e->violations);
	pl_error_init(e);
}

int
pl_error_set(struct pl_error *e, int code, const char *reason, const char *fmt,
	     ...)
{
	va_list ap;

	e->code = code;
	snprintf(e->reason, sizeof e->reason, "%s", reason ? reason : "");
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof e->message, fmt, ap);
	va_end(ap);
	return code;
}

int
pl_error_violation(struct pl_error *e, const char *field, const char *rule,
		   const char *message)
{
	if (e->violations == NULL)
		e->violations = json_array();
	json_array_append_new(e->violations,
			      json_pack("{s:s, s:s, s:s}", "field", field,
					"rule", rule, "message", message));
	if (e->code == 0)
		pl_error_set(e, PL_ERR_VALIDATION, "validation",
			     "validation failed");
	return PL_ERR_VALIDATION;
}

json_t *
pl_error_to_json(const struct pl_error *e)
{
	json_t *err, *data = json_object();

	err = json_pack("{s:i, s:s}", "code", e->code ? e->code : PL_ERR_INTERNAL,
			"message", e->message[0] ? e->message : "internal error");
	if (e->reason[0])
		json_object_set_new(data, "reason", json_string(e->reason));
	if (e->violations)
		json_object_set(data, "violations", e->violations);
	if (e->retry_after > 0)
		json_object_set_new(data, "retry_after",
				    json_integer(e->retry_after));
	if (json_object_size(data) > 0)
		json_object_set_new(err, "data", data);
	else
		json_decref(data);
	return err;
}
