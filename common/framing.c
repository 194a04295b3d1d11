/*
 * Line framer: accumulates bytes until '\n'. The buffer never grows past
 * max_line and is given back after a big line, so a connection that once
 * sent a long request does not keep its memory while idle.
 */
#include "framing.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

/* A buffer bigger than this is freed once its line is out. */
#define FRAMER_KEEP (16 * 1024)

void
framer_init(struct framer *f, size_t max_line)
{
	memset(f, 0, sizeof *f);
	f->max_line = max_line;
}

void
framer_free(struct framer *f)
{
	free(f->buf);
	f->buf = NULL;
	f->len = f->cap = 0;
}

static void
framer_append(struct framer *f, const char *data, size_t n)
{
	if (f->len + n + 1 > f->cap) {
		size_t cap = f->cap ? f->cap : 256;

		while (cap < f->len + n + 1)
			cap *= 2;
		if (cap > f->max_line + 1 && f->len + n + 1 <= f->max_line + 1)
			cap = f->max_line + 1;
		f->buf = xrealloc(f->buf, cap);
		f->cap = cap;
	}
	memcpy(f->buf + f->len, data, n);
	f->len += n;
	f->buf[f->len] = '\0';
}

static int
framer_emit(char *line, size_t len, framer_line_cb cb, void *ud)
{
	if (len > 0 && line[len - 1] == '\r')
		len--;
	line[len] = '\0';
	return cb(ud, line, len);
}

int
framer_feed(struct framer *f, const char *data, size_t n, framer_line_cb cb,
            void *ud)
{
	while (n > 0) {
		const char *nl = memchr(data, '\n', n);
		size_t take = nl ? (size_t)(nl - data) : n;
		int rc;

		if (f->len + take > f->max_line)
			return FRAMER_OVERSIZE;
		framer_append(f, data, take);
		if (nl == NULL)
			return FRAMER_OK;
		data += take + 1;
		n -= take + 1;
		/* Hand out the line, then forget it before the callback may
		 * re-enter (it must not, but a stale buffer would be worse). */
		{
			size_t len = f->len;

			f->len = 0;
			rc = framer_emit(f->buf, len, cb, ud);
		}
		if (f->cap > FRAMER_KEEP)
			framer_free(f);
		if (rc != 0)
			return rc;
	}
	return FRAMER_OK;
}
