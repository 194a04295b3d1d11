/* libFuzzer target: the filter language on arbitrary bytes: parsing never
 * crashes, a parsed filter renders to text that parses back to the same
 * rendering, and matching a record built from the input never crashes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "filter.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), *r, *r2, shape[SIGNUP_SHAPE_MAX],
	     net[SIGNUP_NETWORK_MAX];
	const char *rules[] = {s};
	struct filter *f, *g;
	struct pl_error err;

	memcpy(s, data, size);
	s[size] = '\0';
	pl_error_init(&err);
	if (filter_parse(s, &f, &err) == 0) {
		struct filter_record rec = {
		    .username = s,
		    .email = s,
		    .peer = s,
		    .flags = size,
		    .status = (enum filter_status)(size % 5),
		    .rules = rules,
		    .nrules = 1,
		};
		(void)filter_match(f, &rec);
		r = filter_render(f);
		if (filter_parse(r, &g, &err) != 0)
			abort();
		r2 = filter_render(g);
		if (strcmp(r, r2) != 0 || filter_terms(f) != filter_terms(g))
			abort();
		free(r);
		free(r2);
		filter_free(g);
		filter_free(f);
	} else if (f != NULL || strstr(err.message, " at ") == NULL) {
		abort();
	}
	pl_error_clear(&err);
	if (signup_shape(s, shape, sizeof shape) == 0 && size <= 64 &&
	    strlen(shape) > 2 * size)
		abort();
	signup_network(s, net, sizeof net);
	free(s);
	return 0;
}
