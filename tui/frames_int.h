/*
 * Inside headless frames: the state of the one script run, shared by
 * frames.c (what the terminal sees: keys in, frames out) and
 * frames_script.c (the script's steps).
 */
#ifndef PL_TUI_FRAMES_INT_H
#define PL_TUI_FRAMES_INT_H

#include <stdint.h>
#include <stdio.h>
#include <uv.h>

#include "frames.h"

#define FR_MAX_KEYS 512
#define FR_TEXT_MAX 512

struct fr_key {
	int fn;
	unsigned ch;
};

/* One script run per process, like curses itself. */
struct fr_state {
	int on;
	char **lines;
	size_t nlines, next, at; /* at: the line of the step in progress */
	int rows, cols;
	int wake[2];
	FILE *log;
	char *text;  /* the last frame's rows, for expect */
	char *frame; /* the last frame as written out */
	unsigned long nframes;
	struct fr_key keys[FR_MAX_KEYS];
	size_t nkeys, kpos;
	int key_sent, key_read;
	uint64_t sent_at, started;
	double timeout_s;
	uv_timer_t timer;
	int timer_ready;
	char wait_text[FR_TEXT_MAX];
	int waiting, wait_gone, wait_cmd; /* wait_cmd: wait_text is a command */
	int cmd_busy, cmd_again; /* a command runs; judge again after */
	char cmd[FR_TEXT_MAX];   /* run's command */
	int failed, done, running;
	int exiting; /* exits: padline must quit now */
	/* measure: latencies of keys in ms */
	double *lat;
	size_t nlat, lat_cap;
	int measuring;
};

/* The run (frames.c defines it; fr_ is this module's inner prefix). */
extern struct fr_state fr;

/* frames.c: the frame just drawn becomes the last frame (and goes to the
 * log). */
void frames_record(void);

#endif
