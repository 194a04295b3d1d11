/*
 * The migration files themselves: which names are valid, their order, the
 * split into up and down parts, and their checksums. Kept apart from
 * migrate.c so unit tests cover them without a database.
 */
#include "migrate.h"
#include "xalloc.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "xalloc.h"

#define DIRECTIVE "migrate:"

int
migrate_name_valid(const char *name)
{
	/* YYYY_MM_DD_HHMM- is 16 characters; digits except the separators. */
	static const char shape[] = "dddd_dd_dd_dddd-";
	size_t len = strlen(name);

	if (len < sizeof shape - 1 + 1 + 4 || strcmp(name + len - 4, ".sql"))
		return 0;
	for (size_t i = 0; i < sizeof shape - 1; i++)
		if (shape[i] == 'd' ? !isdigit((unsigned char)name[i])
		                    : name[i] != shape[i])
			return 0;
	for (size_t i = sizeof shape - 1; i < len - 4; i++) {
		unsigned char c = (unsigned char)name[i];

		if (!(islower(c) || isdigit(c) || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

void
migrate_checksum(const char *text, size_t len, char out[65])
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, (const unsigned char *)text, len);
	sodium_bin2hex(out, 65, h, sizeof h);
}

/*
 * The checksum covers the up part only, and ignores whitespace at its end
 * (counted as one newline): adding a down part after an applied file's last
 * line, blank line or not, must not make it a "changed applied migration".
 * A file without a down part that ends in one newline checksums exactly as
 * the whole file did before down parts existed.
 */
static void
checksum_up(const char *up, size_t len, char out[65])
{
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_state st;

	while (len > 0 && isspace((unsigned char)up[len - 1]))
		len--;
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const unsigned char *)up, len);
	if (len > 0)
		crypto_hash_sha256_update(&st, (const unsigned char *)"\n", 1);
	crypto_hash_sha256_final(&st, h);
	sodium_bin2hex(out, 65, h, sizeof h);
}

/* The directive word of a "-- migrate:<word>" line (its length in *wlen),
 * or NULL when line is not a directive. */
static const char *
directive_word(const char *line, const char *end, size_t *wlen)
{
	const char *p = line + 2, *w;

	if (end - line < 2 || line[0] != '-' || line[1] != '-')
		return NULL;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if ((size_t)(end - p) < strlen(DIRECTIVE) ||
	    strncmp(p, DIRECTIVE, strlen(DIRECTIVE)) != 0)
		return NULL;
	w = p + strlen(DIRECTIVE);
	while (end > w && isspace((unsigned char)end[-1]))
		end--;
	*wlen = (size_t)(end - w);
	return w;
}

int
migrate_parse(struct migration *m, const char *text, size_t len,
              struct pl_error *err)
{
	const char *line = text, *stop = text + len;
	int lineno = 1;

	for (; line < stop; lineno++) {
		const char *nl = memchr(line, '\n', (size_t)(stop - line));
		const char *end = nl ? nl : stop, *w;
		size_t wlen;

		w = directive_word(line, end, &wlen);
		if (w != NULL && wlen == 4 && strncmp(w, "down", 4) == 0) {
			m->sql = xstrndup(text, (size_t)(line - text));
			m->down = xstrndup(end, (size_t)(stop - end));
			checksum_up(text, (size_t)(line - text), m->checksum);
			return PL_OK;
		}
		if (w != NULL)
			return pl_error_set(err, PL_ERR_INTERNAL, NULL,
			                    "migration %s line %d: unknown "
			                    "directive \"%.*s\" (only "
			                    "\"-- migrate:down\")",
			                    m->file, lineno, (int)(end - line),
			                    line);
		line = nl ? nl + 1 : stop;
	}
	m->sql = xstrndup(text, len);
	m->down = NULL;
	checksum_up(text, len, m->checksum);
	return PL_OK;
}

static int
by_file(const void *a, const void *b)
{
	return strcmp(((const struct migration *)a)->file,
	              ((const struct migration *)b)->file);
}

static char *
read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long size;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0) {
		buf = xmalloc((size_t)size + 1);
		*len = fread(buf, 1, (size_t)size, f);
		buf[*len] = '\0';
	}
	fclose(f);
	return buf;
}

void
migrate_list_free(struct migration *list, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(list[i].file);
		free(list[i].version);
		free(list[i].sql);
		free(list[i].down);
	}
	free(list);
}

/* Reads and parses dir/name into m (whose file and version are set). */
static int
load_one(const char *dir, struct migration *m, struct pl_error *err)
{
	char *path = xasprintf("%s/%s", dir, m->file), *text;
	size_t len = 0;
	int rc;

	text = read_file(path, &len);
	free(path);
	if (text == NULL)
		return pl_error_set(err, PL_ERR_INTERNAL, NULL,
		                    "cannot read migration %s", m->file);
	if (memchr(text, '\0', len) != NULL)
		rc = pl_error_set(err, PL_ERR_INTERNAL, NULL,
		                  "migration %s holds a NUL byte", m->file);
	else
		rc = migrate_parse(m, text, len, err);
	free(text);
	return rc;
}

int
migrate_list(const char *dir, struct migration **list, size_t *n,
             struct pl_error *err)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	struct migration *v = NULL;
	size_t count = 0;
	int rc = PL_OK;

	*list = NULL;
	*n = 0;
	if (d == NULL)
		return pl_error_set(err, PL_ERR_INTERNAL, NULL,
		                    "cannot open migrations directory %s: %s",
		                    dir, strerror(errno));
	while (rc == PL_OK && (e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);
		struct migration *m;

		if (len < 4 || strcmp(e->d_name + len - 4, ".sql") != 0)
			continue;
		if (!migrate_name_valid(e->d_name)) {
			rc = pl_error_set(err, PL_ERR_INTERNAL, NULL,
			                  "migration file %s: name must be "
			                  "YYYY_MM_DD_HHMM-slug.sql",
			                  e->d_name);
			break;
		}
		v = xreallocarray(v, count + 1, sizeof *v);
		m = &v[count++];
		memset(m, 0, sizeof *m);
		m->file = xstrdup(e->d_name);
		m->version = xstrndup(e->d_name, len - 4);
		rc = load_one(dir, m, err);
	}
	closedir(d);
	if (rc != PL_OK) {
		migrate_list_free(v, count);
		return rc;
	}
	if (count > 0)
		qsort(v, count, sizeof *v, by_file);
	*list = v;
	*n = count;
	return PL_OK;
}

int
migrate_find(const struct migration *v, size_t n, const char *name)
{
	size_t len = strlen(name);
	int found = -1;

	if (len == 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(v[i].version, name) == 0 ||
		    strcmp(v[i].file, name) == 0)
			return (int)i;
		if (strncmp(v[i].version, name, len) == 0)
			found = found == -1 ? (int)i : -2;
	}
	return found;
}
