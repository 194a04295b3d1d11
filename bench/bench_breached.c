/*
 * Breached-password lookups at full size: writes a binary list of COUNT
 * hashes (default 100 million, about 2.4 GB) in DIR, then times lookups
 * through breached.h: listed and unlisted hashes, and whole passwords
 * (SHA-1 included), first with the file out of the page cache, then warm.
 * Prints p50/p99/max per kind. The file is deleted unless --keep.
 *   bench_breached [--count N] [--lookups N] [--dir DIR] [--keep]
 * The hashes are generated already sorted: record i's first 8 bytes are
 * i * (2^64 / N) plus a random offset below that stride, the rest random.
 */
#include <fcntl.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "breached.h"

#define BATCH 1000000ULL

static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void
report(const char *what, double *us, size_t n, size_t found)
{
	qsort(us, n, sizeof *us, cmp_double);
	printf("  %-28s p50 %7.1f us   p99 %7.1f us   max %8.1f us   "
	       "(%zu of %zu found)\n",
	       what, us[n / 2], us[n * 99 / 100], us[n - 1], found, n);
}

static int
generate(const char *path, uint64_t count)
{
	FILE *f = fopen(path, "w");
	unsigned char hdr[BREACHED_HEADER_LEN], *buf;
	uint64_t stride = UINT64_MAX / count;
	double t0 = now_us();

	if (f == NULL) {
		perror(path);
		return -1;
	}
	memcpy(hdr, BREACHED_MAGIC, BREACHED_MAGIC_LEN);
	for (int i = 0; i < 8; i++)
		hdr[BREACHED_MAGIC_LEN + i] = (unsigned char)(count >> (8 * i));
	fwrite(hdr, sizeof hdr, 1, f);
	buf = malloc(BATCH * BREACHED_RECORD_LEN);
	for (uint64_t done = 0; done < count; done += BATCH) {
		uint64_t n = count - done < BATCH ? count - done : BATCH;

		randombytes_buf(buf, n * BREACHED_RECORD_LEN);
		for (uint64_t k = 0; k < n; k++) {
			unsigned char *r = buf + k * BREACHED_RECORD_LEN;
			uint64_t off, top;

			memcpy(&off, r, 8);
			top = (done + k) * stride + off % stride;
			for (int b = 0; b < 8; b++)
				r[b] = (unsigned char)(top >> (56 - 8 * b));
			r[BREACHED_HASH_LEN] |= 1;    /* counts from 1 */
			r[BREACHED_HASH_LEN + 2] = 0; /* to 65 535 */
			r[BREACHED_HASH_LEN + 3] = 0;
		}
		if (fwrite(buf, BREACHED_RECORD_LEN, n, f) != n) {
			perror(path);
			fclose(f);
			free(buf);
			return -1;
		}
	}
	free(buf);
	if (fclose(f) != 0) {
		perror(path);
		return -1;
	}
	printf("generated %llu hashes (%.2f GB) in %.1f s\n",
	       (unsigned long long)count,
	       (double)(BREACHED_HEADER_LEN + count * BREACHED_RECORD_LEN) /
	           1e9,
	       (now_us() - t0) / 1e6);
	return 0;
}

/* Reads n random records' hashes from the file into out (n * 20 bytes). */
static int
pick_listed(int fd, uint64_t count, unsigned char *out, size_t n)
{
	unsigned char rec[BREACHED_RECORD_LEN];

	for (size_t i = 0; i < n; i++) {
		uint64_t idx;

		randombytes_buf(&idx, sizeof idx);
		idx %= count;
		if (pread(fd, rec, sizeof rec,
		          (off_t)(BREACHED_HEADER_LEN +
		                  idx * BREACHED_RECORD_LEN)) != sizeof rec)
			return -1;
		memcpy(out + i * BREACHED_HASH_LEN, rec, BREACHED_HASH_LEN);
	}
	return 0;
}

/* One pass: listed hashes, unlisted random hashes, and random passwords
 * through breached_count. cold: drop the file from the page cache first
 * (after the listed hashes were read), as after a reboot. */
static int
run_pass(const char *label, const struct breached *b, int fd, uint64_t count,
         size_t lookups, int cold)
{
	double *us = malloc(lookups * sizeof *us);
	unsigned char *listed = malloc(lookups * BREACHED_HASH_LEN),
	              h[BREACHED_HASH_LEN];
	char pw[40];
	size_t found;

	if (pick_listed(fd, count, listed, lookups) != 0) {
		free(us);
		free(listed);
		return -1;
	}
	if (cold) {
		fdatasync(fd);
		posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	}
	printf("%s:\n", label);
	found = 0;
	for (size_t i = 0; i < lookups; i++) {
		double t = now_us();

		found +=
		    breached_lookup(b, listed + i * BREACHED_HASH_LEN) != 0;
		us[i] = now_us() - t;
	}
	report("listed hash", us, lookups, found);
	found = 0;
	for (size_t i = 0; i < lookups; i++) {
		double t;

		randombytes_buf(h, sizeof h);
		t = now_us();
		found += breached_lookup(b, h) != 0;
		us[i] = now_us() - t;
	}
	report("unlisted hash", us, lookups, found);
	found = 0;
	for (size_t i = 0; i < lookups; i++) {
		double t;

		snprintf(pw, sizeof pw, "Bench-%08x!", randombytes_random());
		t = now_us();
		found += breached_count(b, pw) != 0;
		us[i] = now_us() - t;
	}
	report("password (SHA-1 + lookup)", us, lookups, found);
	free(us);
	free(listed);
	return 0;
}

int
main(int argc, char **argv)
{
	uint64_t count = 100000000ULL;
	size_t lookups = 100000;
	const char *dir = "build";
	int keep = 0, fd;
	char path[4096];
	struct breached *b;
	struct pl_error err;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--count") == 0 && i + 1 < argc)
			count = strtoull(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--lookups") == 0 && i + 1 < argc)
			lookups = strtoull(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
			dir = argv[++i];
		else if (strcmp(argv[i], "--keep") == 0)
			keep = 1;
		else {
			fprintf(stderr, "usage: bench_breached [--count N] "
			                "[--lookups N] [--dir DIR] [--keep]\n");
			return 2;
		}
	}
	if (count == 0 || lookups == 0 || sodium_init() < 0)
		return 2;
	snprintf(path, sizeof path, "%s/bench-breached-%d.bin", dir,
	         (int)getpid());
	if (generate(path, count) != 0)
		return 1;
	pl_error_init(&err);
	if (breached_open(path, &b, &err) != 0) {
		fprintf(stderr, "%s\n", err.message);
		unlink(path);
		return 1;
	}
	fd = open(path, O_RDONLY);
	if (fd < 0 ||
	    run_pass("cold (file dropped from the page cache)", b, fd, count,
	             lookups, 1) != 0 ||
	    run_pass("warm", b, fd, count, lookups, 0) != 0)
		fprintf(stderr, "bench_breached: cannot read %s\n", path);
	if (fd >= 0)
		close(fd);
	breached_free(b);
	if (keep)
		printf("kept %s\n", path);
	else
		unlink(path);
	return 0;
}
