/*
 * The disposable-domain set of disposable.h: every domain copied into one
 * arena, pointers to them sorted with qsort and searched with bsearch (no
 * hash function of our own), repeats dropped. A lookup walks the domain's
 * parents, so a listed domain covers all its subdomains.
 */
#include "disposable.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#define DOMAIN_MAX 253

struct disposable {
	char **domains; /* sorted, distinct; point into arena */
	size_t n;
	size_t *offs; /* while loading: where each domain starts in arena */
	size_t noffs, offs_cap;
	char *arena;
	size_t used, arena_cap;
};

static void
lower_ascii(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

/* Anything but blanks, controls, '@' and '/' (UTF-8 names are kept as
 * they come: the list has a few). */
static bool
domain_ok(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len > DOMAIN_MAX || s[0] == '.' || s[len - 1] == '.' ||
	    strstr(s, "..") != NULL)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == '@' || *s == '/' ||
		    *s == 0x7f)
			return false;
	return true;
}

/* Offsets while the arena may still move; pointers once it is whole. */
static void
add(struct disposable *d, const char *dom)
{
	size_t len = strlen(dom) + 1;

	if (d->used + len > d->arena_cap) {
		d->arena_cap = (d->used + len) * 2;
		d->arena = xrealloc(d->arena, d->arena_cap);
	}
	memcpy(d->arena + d->used, dom, len);
	if (d->noffs == d->offs_cap) {
		d->offs_cap = d->offs_cap ? d->offs_cap * 2 : 1024;
		d->offs = xreallocarray(d->offs, d->offs_cap, sizeof *d->offs);
	}
	d->offs[d->noffs++] = d->used;
	d->used += len;
}

static int
load(struct disposable *d, const char *path, struct pl_error *err)
{
	FILE *f = fopen(path, "r");
	char *line = NULL, *s, *e;
	size_t cap = 0;
	unsigned long lineno = 0;
	int rc = PL_OK;

	if (f == NULL)
		return pl_error_set(err, PL_ERR_VALIDATION, "config",
		                    "disposable domains %s: %s", path,
		                    strerror(errno));
	while (getline(&line, &cap, f) >= 0) {
		lineno++;
		for (s = line; *s == ' ' || *s == '\t'; s++)
			;
		e = s + strlen(s);
		while (e > s && (e[-1] == '\n' || e[-1] == '\r' ||
		                 e[-1] == ' ' || e[-1] == '\t'))
			e--;
		*e = '\0';
		if (*s == '\0' || *s == '#')
			continue;
		if (strncmp(s, "*.", 2) == 0)
			s += 2;
		else if (*s == '.')
			s++;
		lower_ascii(s);
		if (!domain_ok(s)) {
			rc = pl_error_set(err, PL_ERR_VALIDATION, "config",
			                  "disposable domains %s: line %lu is "
			                  "not a domain",
			                  path, lineno);
			break;
		}
		add(d, s);
	}
	free(line);
	fclose(f);
	return rc;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
disposable_open(const char *list, const char *extra, struct disposable **out,
                struct pl_error *err)
{
	struct disposable *d = xcalloc(1, sizeof *d);
	size_t w = 0;

	*out = NULL;
	if (load(d, list, err) != PL_OK ||
	    (extra && load(d, extra, err) != PL_OK)) {
		free(d->arena);
		free(d->offs);
		free(d);
		return err->code;
	}
	d->domains =
	    xreallocarray(NULL, d->noffs ? d->noffs : 1, sizeof *d->domains);
	for (size_t i = 0; i < d->noffs; i++)
		d->domains[i] = d->arena + d->offs[i];
	d->n = d->noffs;
	free(d->offs);
	d->offs = NULL;
	qsort(d->domains, d->n, sizeof *d->domains, cmp_str);
	for (size_t i = 0; i < d->n; i++)
		if (w == 0 || strcmp(d->domains[w - 1], d->domains[i]) != 0)
			d->domains[w++] = d->domains[i];
	d->n = w;
	*out = d;
	return PL_OK;
}

void
disposable_free(struct disposable *d)
{
	if (d == NULL)
		return;
	free(d->arena);
	free(d->domains);
	free(d);
}

size_t
disposable_size(const struct disposable *d)
{
	return d ? d->n : 0;
}

bool
disposable_domain(const struct disposable *d, const char *domain)
{
	char buf[DOMAIN_MAX + 2];
	size_t len;
	const char *p;

	if (d == NULL || domain == NULL)
		return false;
	len = strlen(domain);
	if (len > 0 && domain[len - 1] == '.')
		len--;
	if (len == 0 || len > DOMAIN_MAX)
		return false;
	memcpy(buf, domain, len);
	buf[len] = '\0';
	lower_ascii(buf);
	for (p = buf; p != NULL; p = strchr(p, '.') ? strchr(p, '.') + 1 : NULL)
		if (*p && bsearch(&p, d->domains, d->n, sizeof *d->domains,
		                  cmp_str) != NULL)
			return true;
	return false;
}
