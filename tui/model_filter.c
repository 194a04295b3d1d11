/*
 * A filter typed into a field (model_console.h): the dashboard, Users and
 * the attempts view compile it here, and say why a text does not parse
 * the same way, whether padlined or the client found it.
 */
#include "model_console.h"

#include <stdio.h>

void
filter_error_text(const struct pl_error *err, char *why, size_t size)
{
	/* The position first: a narrow window cuts the end. */
	snprintf(why, size, "at %lld: %s",
	         (long long)json_integer_value(
	             json_object_get(err->data, "position")),
	         err->message);
}

int
filter_field_compile(const char *text, struct filter **out, char *why,
                     size_t size)
{
	struct filter *f = NULL;
	struct pl_error err;

	pl_error_init(&err);
	if (filter_parse(text, &f, &err) != 0) {
		filter_error_text(&err, why, size);
		pl_error_clear(&err);
		return -1;
	}
	why[0] = '\0';
	if (out && filter_terms(f) > 0)
		*out = f;
	else
		filter_free(f);
	return 0;
}
