/* libFuzzer target: the line framer never overruns, never hands out a line
 * over the limit, and splits input the same whatever the chunking. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "framing.h"

struct tally {
	size_t lines, bytes, max_line;
};

static int
count(void *ud, char *line, size_t len)
{
	struct tally *t = ud;

	/* NUL bytes are legal inside a line; only the terminator counts. */
	if (len > t->max_line || line[len] != '\0')
		abort();
	t->lines++;
	t->bytes += len;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct framer a, b;
	struct tally ta = {0, 0, 64}, tb = {0, 0, 64};
	int ra, rb = FRAMER_OK;
	size_t chunk;

	if (size == 0)
		return 0;
	chunk = 1 + data[0] % 7;
	framer_init(&a, 64);
	framer_init(&b, 64);
	ra = framer_feed(&a, (const char *)data, size, count, &ta);
	for (size_t off = 0; off < size && rb == FRAMER_OK; off += chunk) {
		size_t n = size - off < chunk ? size - off : chunk;

		rb = framer_feed(&b, (const char *)data + off, n, count, &tb);
	}
	/* Chunking must not change the outcome. */
	if (ra != rb || ta.lines != tb.lines || ta.bytes != tb.bytes)
		abort();
	framer_free(&a);
	framer_free(&b);
	return 0;
}
