/*
 * Breach lists for the tests: n random SHA-1 hashes plus the known ones,
 * sorted, in Have I Been Pwned's HASH:COUNT text form. The known hashes
 * are written here as hex (computed elsewhere), so the tests check the
 * server's own SHA-1 too. They run outside a test too (abort on failure).
 */
#ifndef PL_BREACHED_SUPPORT_H
#define PL_BREACHED_SUPPORT_H

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A password that meets the policy, its SHA-1 and a count to list it with. */
#define BS_PASSWORD "Summer-2024!x"
#define BS_PASSWORD_SHA1 "448AFE0E27466914ADA76B64D4CA5B1668F2805E"
#define BS_PASSWORD_COUNT 3861
/* "password"'s SHA-1, the head of every published list. */
#define BS_WEAK_SHA1 "5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8"

struct bs_entry {
	char hex[41];
	unsigned long count;
};

static int
bs_cmp(const void *a, const void *b)
{
	return strcmp(((const struct bs_entry *)a)->hex,
	              ((const struct bs_entry *)b)->hex);
}

/*
 * Fills *out (caller frees) with n random entries plus BS_PASSWORD_SHA1 and
 * BS_WEAK_SHA1, sorted; returns how many.
 */
static size_t
bs_entries(size_t n, struct bs_entry **out)
{
	struct bs_entry *e = calloc(n + 2, sizeof *e);
	unsigned char h[20];

	if (e == NULL)
		abort();
	for (size_t i = 0; i < n; i++) {
		randombytes_buf(h, sizeof h);
		for (int k = 0; k < 20; k++)
			sprintf(e[i].hex + 2 * k, "%02X", h[k]);
		e[i].count = 1 + randombytes_uniform(100000);
	}
	strcpy(e[n].hex, BS_PASSWORD_SHA1);
	e[n].count = BS_PASSWORD_COUNT;
	strcpy(e[n + 1].hex, BS_WEAK_SHA1);
	e[n + 1].count = 52256179;
	qsort(e, n + 2, sizeof *e, bs_cmp);
	*out = e;
	return n + 2;
}

/* Writes entries as HASH:COUNT lines ending in eol ("\n" or "\r\n"). */
static void
bs_write_text(const char *path, const struct bs_entry *e, size_t n,
              const char *eol)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		abort();
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s:%lu%s", e[i].hex, e[i].count, eol);
	if (fclose(f) != 0)
		abort();
}

#endif
