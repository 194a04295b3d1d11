/*
 * What `padline watch` prints, apart from its loop (watch.c), so the lines
 * are tested without a server.
 */
#ifndef PL_TUI_WATCH_H
#define PL_TUI_WATCH_H

#include <jansson.h>

/* The line for a user.created event, without its newline: text or (json)
 * one JSON object, escaped for the terminal (term_safe.h); free() it. */
char *watch_user_line(json_t *ev, int json);

#endif
