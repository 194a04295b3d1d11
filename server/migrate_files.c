/*
 * The migration files themselves: which names are valid, their order and
 * their checksums. Kept apart from migrate.c so unit tests cover them
 * without a database.
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
	}
	free(list);
}

int
migrate_list(const char *dir, struct migration **list, size_t *n,
             struct pl_error *err)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	struct migration *v = NULL;
	size_t count = 0;

	*list = NULL;
	*n = 0;
	if (d == NULL)
		return pl_error_set(err, PL_ERR_INTERNAL, NULL,
		                    "cannot open migrations directory %s: %s",
		                    dir, strerror(errno));
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name), sqllen = 0;
		char *path;
		struct migration *m;

		if (len < 4 || strcmp(e->d_name + len - 4, ".sql") != 0)
			continue;
		if (!migrate_name_valid(e->d_name)) {
			/* e belongs to d: report before closing it. */
			pl_error_set(err, PL_ERR_INTERNAL, NULL,
			             "migration file %s: name must be "
			             "YYYY_MM_DD_HHMM-slug.sql",
			             e->d_name);
			closedir(d);
			migrate_list_free(v, count);
			return PL_ERR_INTERNAL;
		}
		v = xreallocarray(v, count + 1, sizeof *v);
		m = &v[count++];
		memset(m, 0, sizeof *m);
		m->file = xstrdup(e->d_name);
		m->version = xstrndup(e->d_name, len - 4);
		path = xasprintf("%s/%s", dir, e->d_name);
		m->sql = read_file(path, &sqllen);
		free(path);
		if (m->sql == NULL) {
			closedir(d);
			pl_error_set(err, PL_ERR_INTERNAL, NULL,
			             "cannot read migration %s", m->file);
			migrate_list_free(v, count);
			return PL_ERR_INTERNAL;
		}
		migrate_checksum(m->sql, sqllen, m->checksum);
	}
	closedir(d);
	if (count > 0)
		qsort(v, count, sizeof *v, by_file);
	*list = v;
	*n = count;
	return PL_OK;
}
