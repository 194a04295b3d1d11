/* libFuzzer target: the metrics endpoint's request reader never reads past
 * what it was given, answers only with the statuses it documents, and
 * answers the whole input as it answered the first prefix it decided on:
 * the server stops reading there, so a later byte must not change it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "metrics_http.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size copy, so ASan sees any read past the end. */
	char *buf = malloc(size ? size : 1);
	int first = 0, whole;

	memcpy(buf, data, size);
	for (size_t n = 0; n <= size && first == 0; n++)
		first = metrics_http_read(buf, n);
	whole = metrics_http_read(buf, size);
	if (whole != 0 && whole != 200 && whole != 400 && whole != 404 &&
	    whole != 405 && whole != 431 && whole != 505)
		abort();
	if (first != whole)
		abort();
	if (whole != 0) {
		size_t len;
		char *r = metrics_http_response(whole, "x", 1, &len);

		if (len != strlen(r) || memcmp(r, "HTTP/1.1 ", 9) != 0)
			abort();
		free(r);
	}
	free(buf);
	return 0;
}
