/*
 * The out-of-memory policy (see xalloc.h): log one line and exit 70
 * (EX_SOFTWARE-like). A server that cannot allocate cannot answer honestly;
 * its supervisor restarts it.
 */
#include "xalloc.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "log.h"

static void __attribute__((noreturn)) xalloc_fail(size_t size)
{
	log_error("out of memory", "bytes=%zu", size);
	_exit(70);
}

void *
xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (p == NULL)
		xalloc_fail(size);
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p;

	if (n == 0 || size == 0)
		n = size = 1;
	if ((p = calloc(n, size)) == NULL)
		xalloc_fail(n * size);
	return p;
}

void *
xrealloc(void *p, size_t size)
{
	void *q = realloc(p, size ? size : 1);

	if (q == NULL)
		xalloc_fail(size);
	return q;
}

void *
xreallocarray(void *p, size_t n, size_t size)
{
	if (size != 0 && n > SIZE_MAX / size)
		xalloc_fail(SIZE_MAX);
	return xrealloc(p, n * size);
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *p = xmalloc(len + 1);

	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *
xvasprintf(const char *fmt, va_list ap)
{
	char *s;

	if (vasprintf(&s, fmt, ap) < 0)
		xalloc_fail(0);
	return s;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	return s;
}

static void *
uv_xrealloc(void *p, size_t size)
{
	/* libuv frees through realloc(p, 0), which must not allocate. */
	if (size == 0) {
		free(p);
		return NULL;
	}
	return xrealloc(p, size);
}

void
xalloc_install(void)
{
	json_set_alloc_funcs(xmalloc, free);
	uv_replace_allocator(xmalloc, uv_xrealloc, xcalloc, free);
}
