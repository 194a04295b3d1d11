/*
 * Running out of memory is decided once, here: every allocation padline's
 * own code makes goes through these, which log and exit instead of
 * returning NULL, so no call site checks and none can forget to (tmux's
 * xmalloc, redis's zmalloc OOM handler). xalloc_install() routes jansson and
 * libuv through them too. libpq, OpenSSL and ncurses allocate with malloc
 * and report a failure as a NULL result or an error, which their callers
 * handle. hiredis does the same, or aborts (hi_malloc's OOM handler): it has
 * an allocator hook only from 1.0 (hiredisSetAllocators), and Debian 12
 * ships 0.14, so it cannot be routed here.
 */
#ifndef PL_XALLOC_H
#define PL_XALLOC_H

#include <stdarg.h>
#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t size);
/* realloc of an array of n elements of size bytes, checked for overflow. */
void *xreallocarray(void *p, size_t n, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* asprintf that never fails; returns the new string. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap)
    __attribute__((format(printf, 1, 0)));

/* Makes jansson and libuv allocate through the functions above. Call first. */
void xalloc_install(void);

#endif
