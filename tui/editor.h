/*
 * $VISUAL / $EDITOR on a file (editor.c), for pad_edit.c: curses is
 * suspended while it runs, and a SIGHUP or SIGTERM meanwhile (the terminal
 * going away) is reported rather than lost.
 */
#ifndef PL_TUI_EDITOR_H
#define PL_TUI_EDITOR_H

#include "app.h"

/* Runs the editor on path; its exit status, -1 when it did not exit. On
 * *signum (0: none) a SIGHUP or SIGTERM that came meanwhile: it is passed
 * on to the editor and the terminal is left alone (it is gone). */
int editor_run(struct app *, const char *path, int *signum);
/* The file's contents (owned), NULL when it cannot be read. */
char *editor_slurp(const char *path);

#endif
