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
	/* Member by member, not a memset of the whole: a call inits and
	 * clears several, and the texts are read only up to their NUL. */
	e->code = 0;
	e->reason[0] = '\0';
	e->message[0] = '\0';
	e->violations = NULL;
	e->retry_after = 0;
	e->data = NULL;
}

void
pl_error_clear(struct pl_error *e)
{
	json_decref(e->violations);
	json_decref(e->data);
	pl_error_init(e);
}

/*
 * Messages may quote client input (a parse error near some bytes); JSON
 * strings must be valid UTF-8 or the whole reply fails to serialise, so any
 * invalid sequence becomes '?'. Rules as jansson's: no overlongs, no
 * surrogates, nothing above U+10FFFF.
 */
static void
pl_error_utf8_fix(char *s)
{
	unsigned char *p = (unsigned char *)s;

	while (*p) {
		unsigned c = *p, cp;
		int n = c < 0x80             ? 0
		        : (c & 0xe0) == 0xc0 ? 1
		        : (c & 0xf0) == 0xe0 ? 2
		        : (c & 0xf8) == 0xf0 ? 3
		                             : -1;
		int ok = n >= 0;

		cp = n == 0   ? c
		     : n == 1 ? c & 0x1f
		     : n == 2 ? c & 0x0f
		              : c & 0x07;
		for (int i = 1; ok && i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				ok = 0;
			else
				cp = (cp << 6) | (p[i] & 0x3f);
		}
		if (ok && ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) ||
		           (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
		           (cp >= 0xd800 && cp <= 0xdfff)))
			ok = 0;
		if (!ok) {
			*p++ = '?';
			continue;
		}
		p += n + 1;
	}
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
	/* vsnprintf may cut a multi-byte character in half: fix that too. */
	pl_error_utf8_fix(e->message);
	pl_error_utf8_fix(e->reason);
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

int
pl_error_data(struct pl_error *e, const char *key, json_t *value)
{
	if (e->data == NULL)
		e->data = json_object();
	json_object_set_new(e->data, key, value);
	return e->code;
}

json_t *
pl_error_to_json(const struct pl_error *e)
{
	json_t *err, *data = json_object();

	err =
	    json_pack("{s:i, s:s}", "code", e->code ? e->code : PL_ERR_INTERNAL,
	              "message", e->message[0] ? e->message : "internal error");
	if (e->reason[0])
		json_object_set_new(data, "reason", json_string(e->reason));
	if (e->violations)
		json_object_set(data, "violations", e->violations);
	if (e->retry_after > 0)
		json_object_set_new(data, "retry_after",
		                    json_integer(e->retry_after));
	if (e->data)
		json_object_update_missing(data, e->data);
	if (json_object_size(data) > 0)
		json_object_set_new(err, "data", data);
	else
		json_decref(data);
	return err;
}
