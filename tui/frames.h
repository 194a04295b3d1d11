/*
 * Headless frames, a testing aid: padline --frames SCRIPT draws with
 * ncurses on no terminal, takes its keys from the script and writes the
 * frames it draws as text with attributes. The script advances on frames,
 * never on time (docs/man/padline.1, "FRAMES").
 */
#ifndef PL_TUI_FRAMES_H
#define PL_TUI_FRAMES_H

#include <stdio.h>

#include "pl_error.h"

/* Before app_run: reads the script; cols x rows is the first size; log
 * (may be NULL) gets every frame drawn. */
int frames_setup(const char *script_path, int cols, int rows,
                 const char *log_path, struct pl_error *err);
/* 1 once frames_setup succeeded: term.c draws headless. */
int frames_on(void);
/* The size the script set last. */
void frames_size(int *rows, int *cols);
/* Readable while the script has a key for padline. */
int frames_input_fd(void);
/* The script's next key, as curses would return it (get_wch's result:
 * is_fn for a KEY_* code); 0 when there is none now. */
int frames_next_key(int *is_fn, unsigned *ch);
/* The bell rang: a "--- bell" line in the log, between the frames. */
void frames_bell(void);
/* After each refresh: records the frame and runs the script on. */
void frames_drawn(void);
/* padline's exit status once the loop ended, given the app's. */
int frames_finish(int app_status);
/* frames_screen.c: curscr as a frame (header, rows, attributes, end) and
 * its rows alone; both new strings. */
void frames_screen_read(char **frame, char **rows_text);
/* frames_screen.c: sorts ms[0..n) and prints "latency keys=n p50=..." (the
 * measure step's line) on standard output. */
void frames_latency_print(double *ms, size_t n);
/* frames_screen.c: the UTF-8 character at *s (a script's text): its code
 * point, *s moved past it. */
unsigned frames_utf8_next(const char **s);
/* Parses "COLSxROWS"; 0 or -1. */
int frames_parse_size(const char *s, int *cols, int *rows);

#endif
