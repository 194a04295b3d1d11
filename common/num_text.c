/*
 * num_text.h: digits written from the right into a scratch buffer, then
 * moved to the front.
 */
#include "num_text.h"

#include <string.h>

static size_t
digits(char *out, uintmax_t v, unsigned base)
{
	char tmp[sizeof(uintmax_t) * 3 + 1];
	char *p = tmp + sizeof tmp;
	size_t n;

	do {
		*--p = "0123456789abcdef"[v % base];
		v /= base;
	} while (v != 0);
	n = (size_t)(tmp + sizeof tmp - p);
	memcpy(out, p, n);
	out[n] = '\0';
	return n;
}

size_t
num_text_ll(char out[NUM_TEXT_LL], long long v)
{
	/* The magnitude as unsigned: -LLONG_MIN does not fit a long long. */
	if (v < 0) {
		out[0] = '-';
		return 1 + digits(out + 1, -(uintmax_t)v, 10);
	}
	return digits(out, (uintmax_t)v, 10);
}

size_t
num_text_hex(char out[NUM_TEXT_HEX], uintmax_t v)
{
	return digits(out, v, 16);
}
