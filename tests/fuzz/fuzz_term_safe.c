/* libFuzzer target: the terminal escaper on arbitrary bytes (NULs
 * included). The output is valid UTF-8 without a control byte, a C1 or a
 * bidi control; its length is the one announced; a cut output is a prefix
 * of the whole one. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "term_safe.h"

/* Aborts unless out is valid UTF-8 free of what a terminal acts on. */
static void
check_safe(const unsigned char *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned long cp;
		size_t len, k;

		if (p[i] < 0x80)
			cp = p[i], len = 1;
		else if (p[i] >= 0xc2 && p[i] <= 0xdf)
			cp = p[i] & 0x1f, len = 2;
		else if (p[i] >= 0xe0 && p[i] <= 0xef)
			cp = p[i] & 0x0f, len = 3;
		else if (p[i] >= 0xf0 && p[i] <= 0xf4)
			cp = p[i] & 0x07, len = 4;
		else
			abort();
		if (i + len > n)
			abort();
		for (k = 1; k < len; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				abort();
			cp = (cp << 6) | (p[i + k] & 0x3f);
		}
		if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			abort();
		if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) ||
		    (cp >= 0x202a && cp <= 0x202e) ||
		    (cp >= 0x2066 && cp <= 0x2069))
			abort();
		i += len;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t need = term_safe_n((const char *)data, size, NULL, 0);
	char *out = malloc(need + 1), small[16];
	size_t got = term_safe_n((const char *)data, size, out, need + 1);

	if (got != need || strlen(out) != need || need < size)
		abort();
	check_safe((const unsigned char *)out, need);
	term_safe_n((const char *)data, size, small, sizeof small);
	if (strncmp(small, out, strlen(small)) != 0)
		abort();
	check_safe((const unsigned char *)small, strlen(small));
	free(out);
	return 0;
}
