/*
 * The breached-password list of breached.h: opening and checking a mapped
 * file, the binary search of either form, and the violation registration
 * and password changes report. The hash is OpenSSL's SHA-1, the one the
 * published lists use.
 */
#include "breached.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xalloc.h"

struct breached {
	const unsigned char *data; /* the whole file, read-only */
	size_t size;
	int binary;     /* 1: records after a header; 0: HASH:COUNT lines */
	uint64_t count; /* records of the binary form */
};

static int
hex_digit(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int
breached_hex(const char *hex, unsigned char out[BREACHED_HASH_LEN])
{
	for (int i = 0; i < BREACHED_HASH_LEN; i++) {
		int hi = hex_digit((unsigned char)hex[2 * i]), lo;

		if (hi < 0)
			return -1;
		lo = hex_digit((unsigned char)hex[2 * i + 1]);
		if (lo < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

int
breached_parse_line(const char *line, size_t len,
                    unsigned char hash[BREACHED_HASH_LEN], uint64_t *count)
{
	const char *p = line + 2 * BREACHED_HASH_LEN, *end = line + len;
	uint64_t n = 0;

	if (len > 0 && end[-1] == '\r')
		end--;
	if (end - line < 2 * BREACHED_HASH_LEN + 2 ||
	    breached_hex(line, hash) != 0 || *p++ != ':')
		return -1;
	for (; p < end; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		n = n > (UINT64_MAX - 9) / 10 ? UINT64_MAX
		                              : n * 10 + (uint64_t)(*p - '0');
	}
	*count = n;
	return 0;
}

/* Parses the text line starting at off; sets *next to the next line's
 * start. Returns 0, or -1 when the line is not HASH:COUNT. */
static int
text_line(const struct breached *b, size_t off, unsigned char *hash,
          uint64_t *count, size_t *next)
{
	const char *p = (const char *)b->data + off;
	const char *nl = memchr(p, '\n', b->size - off);
	size_t len = nl ? (size_t)(nl - p) : b->size - off;

	*next = off + len + (nl != NULL);
	return breached_parse_line(p, len, hash, count);
}

/* Binary search over byte offsets: [lo, hi) holds whole lines, lo at a line
 * start; the line around the middle decides which half is left. */
static uint64_t
text_lookup(const struct breached *b, const unsigned char *want)
{
	size_t lo = 0, hi = b->size;
	unsigned char hash[BREACHED_HASH_LEN];

	while (lo < hi) {
		size_t start = lo + (hi - lo) / 2, next;
		uint64_t count;
		int cmp;

		while (start > lo && b->data[start - 1] != '\n')
			start--;
		if (text_line(b, start, hash, &count, &next) != 0)
			return 0; /* a damaged line: nothing to decide on */
		cmp = memcmp(hash, want, BREACHED_HASH_LEN);
		if (cmp == 0)
			return count ? count : 1; /* listed: at least once */
		if (cmp < 0)
			lo = next;
		else
			hi = start;
	}
	return 0;
}

static uint64_t
le_u64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static uint64_t
binary_lookup(const struct breached *b, const unsigned char *want)
{
	const unsigned char *rec = b->data + BREACHED_HEADER_LEN;
	uint64_t lo = 0, hi = b->count;

	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		const unsigned char *r = rec + mid * BREACHED_RECORD_LEN;
		int cmp = memcmp(r, want, BREACHED_HASH_LEN);

		if (cmp == 0) {
			const unsigned char *c = r + BREACHED_HASH_LEN;

			uint64_t n = (uint64_t)c[0] | (uint64_t)c[1] << 8 |
			             (uint64_t)c[2] << 16 |
			             (uint64_t)c[3] << 24;

			return n ? n : 1; /* listed: at least once */
		}
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

static int
open_fail(struct pl_error *err, const char *path, const char *what)
{
	return pl_error_set(err, PL_ERR_VALIDATION, "config",
	                    "breached-password list %s: %s", path, what);
}

/* Checks the mapped file's shape; fills b->binary and b->count. */
static int
check_shape(struct breached *b, const char *path, struct pl_error *err)
{
	unsigned char hash[BREACHED_HASH_LEN];
	uint64_t count;
	size_t next;

	if (b->size >= BREACHED_MAGIC_LEN &&
	    memcmp(b->data, BREACHED_MAGIC, BREACHED_MAGIC_LEN) == 0) {
		b->binary = 1;
		if (b->size < BREACHED_HEADER_LEN)
			return open_fail(err, path, "truncated header");
		b->count = le_u64(b->data + BREACHED_MAGIC_LEN);
		if (b->count >
		        (b->size - BREACHED_HEADER_LEN) / BREACHED_RECORD_LEN ||
		    b->size - BREACHED_HEADER_LEN !=
		        b->count * BREACHED_RECORD_LEN)
			return open_fail(err, path,
			                 "its size does not match the count in "
			                 "its header (truncated?)");
		return PL_OK;
	}
	if (text_line(b, 0, hash, &count, &next) != 0)
		return open_fail(err, path,
		                 "line 1 is not HASH:COUNT (SHA-1 as 40 hex "
		                 "digits); neither a text list nor one made by "
		                 "padlined breached-import");
	return PL_OK;
}

int
breached_open(const char *path, struct breached **out, struct pl_error *err)
{
	struct breached *b;
	struct stat st;
	void *map;
	int fd;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return open_fail(err, path, strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size == 0) {
		close(fd);
		return open_fail(err, path, "not a non-empty regular file");
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return open_fail(err, path, strerror(errno));
	/* Lookups touch a handful of pages far apart: no read-ahead. */
	madvise(map, (size_t)st.st_size, MADV_RANDOM);
	b = xcalloc(1, sizeof *b);
	b->data = map;
	b->size = (size_t)st.st_size;
	if (check_shape(b, path, err) != PL_OK) {
		breached_free(b);
		return err->code;
	}
	*out = b;
	return PL_OK;
}

void
breached_free(struct breached *b)
{
	if (b == NULL)
		return;
	munmap((void *)b->data, b->size);
	free(b);
}

uint64_t
breached_size(const struct breached *b)
{
	return b && b->binary ? b->count : 0;
}

uint64_t
breached_lookup(const struct breached *b,
                const unsigned char sha1[BREACHED_HASH_LEN])
{
	if (b == NULL)
		return 0;
	return b->binary ? binary_lookup(b, sha1) : text_lookup(b, sha1);
}

uint64_t
breached_count(const struct breached *b, const char *password)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	uint64_t n = 0;

	if (b == NULL || password == NULL)
		return 0;
	if (EVP_Digest(password, strlen(password), md, &len, EVP_sha1(),
	               NULL) == 1 &&
	    len == BREACHED_HASH_LEN)
		n = breached_lookup(b, md);
	OPENSSL_cleanse(md, sizeof md);
	return n;
}

void
breached_format_count(uint64_t n, char *out, size_t outsz)
{
	char digits[24], buf[32];
	int len =
	        snprintf(digits, sizeof digits, "%llu", (unsigned long long)n),
	    j = 0;

	for (int i = 0; i < len; i++) {
		if (i > 0 && (len - i) % 3 == 0)
			buf[j++] = ' ';
		buf[j++] = digits[i];
	}
	buf[j] = '\0';
	snprintf(out, outsz, "%s", buf);
}

int
breached_check(const struct breached *b, const char *password,
               const char *field, struct pl_error *err)
{
	uint64_t n = breached_count(b, password);
	char num[32], msg[96];

	if (n == 0)
		return PL_OK;
	breached_format_count(n, num, sizeof num);
	snprintf(msg, sizeof msg, "this password appears in %s known breach%s",
	         num, n == 1 ? "" : "es");
	return pl_error_violation(err, field, "breached", msg);
}
