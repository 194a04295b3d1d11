/*
 * padlined breached-import IN OUT: the text list in, the binary list of
 * breached.h out. The output is written to OUT.tmp and renamed only when
 * every line was good, so a failed import never leaves a list padlined
 * would open.
 */
#include "cli_breached.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "breached.h"
#include "xalloc.h"

#define PROGRESS_EVERY 10000000ULL /* lines between progress reports */

static void
put_le(unsigned char *p, uint64_t v, int bytes)
{
	for (int i = 0; i < bytes; i++, v >>= 8)
		p[i] = (unsigned char)(v & 0xff);
}

static int
write_header(FILE *f, uint64_t count)
{
	unsigned char h[BREACHED_HEADER_LEN];

	memcpy(h, BREACHED_MAGIC, BREACHED_MAGIC_LEN);
	put_le(h + BREACHED_MAGIC_LEN, count, 8);
	return fwrite(h, sizeof h, 1, f) == 1 ? 0 : -1;
}

/* Copies the lines of in to out as records; returns 0 or fills err. */
static int
copy_records(FILE *in, const char *in_name, FILE *out, FILE *progress,
             uint64_t *records, struct pl_error *err)
{
	unsigned char prev[BREACHED_HASH_LEN], rec[BREACHED_RECORD_LEN];
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	uint64_t lineno = 0, count;
	int rc = 0;

	*records = 0;
	while ((len = getline(&line, &cap, in)) >= 0) {
		lineno++;
		if (len > 0 && line[len - 1] == '\n')
			len--;
		if (len == 0 || (len == 1 && line[0] == '\r'))
			continue; /* a blank line, such as a last one */
		if (breached_parse_line(line, (size_t)len, rec, &count) != 0) {
			rc = pl_error_set(err, PL_ERR_VALIDATION, "import",
			                  "%s: line %llu is not HASH:COUNT "
			                  "(SHA-1 as 40 hex digits)",
			                  in_name, (unsigned long long)lineno);
			break;
		}
		if (*records > 0 && memcmp(rec, prev, BREACHED_HASH_LEN) <= 0) {
			rc = pl_error_set(err, PL_ERR_VALIDATION, "import",
			                  "%s: line %llu is not sorted: its "
			                  "hash does not follow the line "
			                  "before's (sort by hash, no repeats)",
			                  in_name, (unsigned long long)lineno);
			break;
		}
		memcpy(prev, rec, BREACHED_HASH_LEN);
		put_le(rec + BREACHED_HASH_LEN,
		       count > UINT32_MAX ? UINT32_MAX : count, 4);
		if (fwrite(rec, sizeof rec, 1, out) != 1) {
			rc = pl_error_set(err, PL_ERR_INTERNAL, "import",
			                  "write failed: %s", strerror(errno));
			break;
		}
		if (++*records % PROGRESS_EVERY == 0 && progress)
			fprintf(progress, "breached-import: %llu hashes\n",
			        (unsigned long long)*records);
	}
	if (rc == 0 && ferror(in))
		rc = pl_error_set(err, PL_ERR_INTERNAL, "import",
		                  "%s: read failed: %s", in_name,
		                  strerror(errno));
	if (rc == 0 && *records == 0)
		rc = pl_error_set(err, PL_ERR_VALIDATION, "import",
		                  "%s: no hashes", in_name);
	free(line);
	return rc;
}

int
breached_import(const char *in_path, const char *out_path, FILE *progress,
                struct pl_error *err)
{
	int from_stdin = strcmp(in_path, "-") == 0, rc;
	FILE *in = from_stdin ? stdin : fopen(in_path, "r");
	char *tmp = xasprintf("%s.tmp", out_path);
	FILE *out;
	uint64_t records = 0;

	if (in == NULL) {
		rc = pl_error_set(err, PL_ERR_VALIDATION, "import", "%s: %s",
		                  in_path, strerror(errno));
		free(tmp);
		return rc;
	}
	out = fopen(tmp, "w");
	if (out == NULL) {
		rc = pl_error_set(err, PL_ERR_VALIDATION, "import", "%s: %s",
		                  tmp, strerror(errno));
		goto done;
	}
	/* The count is known at the end: a header now, rewritten then. */
	rc = write_header(out, 0) != 0
	         ? pl_error_set(err, PL_ERR_INTERNAL, "import",
	                        "%s: write failed: %s", tmp, strerror(errno))
	         : copy_records(in, from_stdin ? "stdin" : in_path, out,
	                        progress, &records, err);
	if (rc == 0 &&
	    (fseek(out, 0, SEEK_SET) != 0 || write_header(out, records) != 0 ||
	     fflush(out) != 0 || fsync(fileno(out)) != 0))
		rc = pl_error_set(err, PL_ERR_INTERNAL, "import",
		                  "%s: write failed: %s", tmp, strerror(errno));
	if (fclose(out) != 0 && rc == 0)
		rc = pl_error_set(err, PL_ERR_INTERNAL, "import",
		                  "%s: write failed: %s", tmp, strerror(errno));
	if (rc == 0 && rename(tmp, out_path) != 0)
		rc = pl_error_set(err, PL_ERR_INTERNAL, "import", "%s: %s",
		                  out_path, strerror(errno));
	if (rc != 0)
		unlink(tmp);
	else if (progress)
		fprintf(progress,
		        "breached-import: %llu hashes written to %s\n",
		        (unsigned long long)records, out_path);
done:
	if (!from_stdin)
		fclose(in);
	free(tmp);
	return rc;
}

int
cli_breached_import(int argc, char **argv)
{
	struct pl_error err;
	int rc;

	if (argc != 3 || (argv[1][0] == '-' && argv[1][1] != '\0')) {
		fprintf(stderr,
		        "usage: padlined breached-import IN OUT\n"
		        "  IN   Have I Been Pwned's SHA-1 \"HASH:COUNT\" "
		        "text, sorted by hash (- = stdin)\n"
		        "  OUT  the binary list for "
		        "PADLINE_BREACHED_PASSWORDS\n");
		return 2;
	}
	pl_error_init(&err);
	rc = breached_import(argv[1], argv[2], stderr, &err);
	if (rc != 0)
		fprintf(stderr, "padlined: breached-import: %s\n", err.message);
	pl_error_clear(&err);
	return rc ? 1 : 0;
}
