/*
 * JSON as text for the pad viewer and the $EDITOR round trip: pretty
 * printing, splitting into lines, and parsing edited text with a position
 * the user can find.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models.h"
#include "xalloc.h"

char *
json_pretty(json_t *v)
{
	char *s = json_dumps(v, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
	                            JSON_ENCODE_ANY);

	return s ? s : xstrdup("");
}

size_t
text_split_lines(const char *text, char ***lines)
{
	size_t n = 0, cap = 16;
	char **v = xreallocarray(NULL, cap, sizeof *v);
	const char *p = text;

	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		if (n == cap)
			v = xreallocarray(v, cap *= 2, sizeof *v);
		v[n] = xstrndup(p, len);
		n++;
		p = nl ? nl + 1 : p + len;
	}
	*lines = v;
	return n;
}

void
text_lines_free(char **lines, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
}

json_t *
json_parse_pad(const char *text, char *msg, size_t msgsz)
{
	json_error_t e;
	json_t *v = json_loads(text, JSON_REJECT_DUPLICATES, &e);

	if (!v) {
		snprintf(msg, msgsz, "line %d, column %d: %s", e.line, e.column,
		         e.text);
		return NULL;
	}
	if (!json_is_object(v)) {
		/* Valid JSON, wrong shape: say which, not "syntax error". */
		snprintf(msg, msgsz,
		         "valid JSON, but %s: pad data must be a JSON object "
		         "{...}",
		         json_is_array(v)    ? "an array [...]"
		         : json_is_string(v) ? "a string"
		         : json_is_number(v) ? "a number"
		                             : "not an object");
		json_decref(v);
		return NULL;
	}
	msg[0] = '\0';
	return v;
}
