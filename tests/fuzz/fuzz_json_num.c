/* libFuzzer target: whatever json_num_loadb reads, json_num_dumps prints
 * as JSON that plain jansson reads (no integer beyond 64 bits) and that
 * reads back equal, number by number (the round trip README promises). */
#include <stdint.h>
#include <stdlib.h>

#include "json_num.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_error_t err;
	json_t *v, *back;
	char *s;

	v = json_num_loadb((const char *)data, size,
	                   JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
	if (v == NULL)
		return 0;
	s = json_num_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	if (s == NULL)
		abort();
	back = json_loads(s, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
	if (back == NULL || !json_equal(v, back))
		abort();
	json_decref(back);
	json_decref(v);
	free(s);
	return 0;
}
