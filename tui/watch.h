/*
 * `padline watch`: its options and exit codes, its loop (watch.c) and the
 * lines it prints (watch_line.c), which are tested without a server.
 */
#ifndef PL_TUI_WATCH_H
#define PL_TUI_WATCH_H

#include <jansson.h>

#include "filter.h"

enum watch_format {
	WATCH_TEXT,  /* one line per event, for people */
	WATCH_JSONL, /* one JSON object per line (--json) */
	WATCH_CSV,   /* a header, then one CSV record per event */
};

/* How watch ends; documented in padline(1) and --help. A signal N ends it
 * with 128 + N. */
enum watch_exit {
	WATCH_EXIT_CLOSED = 0,     /* standard output closed (`| head`) */
	WATCH_EXIT_ERROR = 1,      /* padlined gave up on, an error, or
	                              output that cannot be written */
	WATCH_EXIT_USAGE = 2,      /* bad command line, filter or URL */
	WATCH_EXIT_UNTRUSTED = 3,  /* TLS or events key not trusted */
	WATCH_EXIT_NO_SESSION = 4, /* not signed in, and no way to ask */
	WATCH_EXIT_NOT_ADMIN = 5,  /* signed in, not an administrator */
};

struct watch_opts {
	enum watch_format format;
	long long since; /* start after that event id; -1 from now */
	const struct filter *filter; /* borrowed; NULL: every event */
	int alarms_only;             /* signup.alarm lines only */
};

/* Runs until a signal or an error; returns an enum watch_exit or 128+N. */
int watch_run(const char *server, const char *redis_url,
              const struct watch_opts *);

/*
 * The line for an event, without its newline, escaped for the terminal
 * (term_safe.h); free() it. NULL when the event is not shown: not a signup
 * (user.created) nor an alarm (signup.alarm), not matched by f (NULL: all),
 * or a signup with alarms_only.
 */
char *watch_event_line(json_t *ev, enum watch_format, const struct filter *f,
                       int alarms_only);
/* The CSV header line for WATCH_CSV (xalloc'd, no line end). */
char *watch_csv_header(void);

#endif
