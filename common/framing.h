/*
 * Newline-delimited framing shared by server and client: bytes go in as they
 * arrive, whole lines come out through a callback. A line longer than the
 * limit is an error the caller answers with -32600 and a close.
 */
#ifndef PL_FRAMING_H
#define PL_FRAMING_H

#include <stddef.h>

enum framer_status { FRAMER_OK = 0, FRAMER_OVERSIZE = 1 };

struct framer {
	char *buf; /* pending bytes of an incomplete line */
	size_t len;
	size_t cap;
	size_t max_line; /* limit without the '\n' */
};

/* Called once per complete line (NUL-terminated, '\n' and a trailing '\r'
 * removed). A non-zero return stops feeding and is returned by framer_feed. */
typedef int (*framer_line_cb)(void *ud, char *line, size_t len);

void framer_init(struct framer *, size_t max_line);
void framer_free(struct framer *);
/*
 * Feeds n bytes. Returns FRAMER_OK, FRAMER_OVERSIZE as soon as a line (even
 * an unfinished one) passes max_line, or the callback's non-zero value.
 */
int framer_feed(struct framer *, const char *data, size_t n, framer_line_cb,
                void *ud);

#endif
