/*
 * The terminal: the only module that sets curses up and tears it down (also
 * on exit and signals), and the one place that turns curses input into key
 * codes. Controllers see keys, never curses: a printable key is its Unicode
 * code point, a control key is K_CTRL('a'), the rest are the K_* below.
 */
#ifndef PL_TUI_TERM_H
#define PL_TUI_TERM_H

#include <stddef.h>

enum {
	K_NONE = 0,
	K_SPECIAL = 0x200000, /* above every Unicode code point */
	K_ENTER,              /* Enter, Return, keypad Enter, ^J, ^M */
	K_ESC,
	K_TAB,
	K_BTAB,      /* Shift-Tab */
	K_BACKSPACE, /* Backspace, ^H, DEL */
	K_DELETE,    /* the Delete key, ^D only in a text field */
	K_UP,
	K_DOWN,
	K_LEFT,
	K_RIGHT,
	K_HOME,
	K_END,
	K_PGUP,
	K_PGDN,
	K_F1,
	K_RESIZE,
};

/* Control keys other than those named above (^A = 1 ... ^Z = 26). */
#define K_CTRL(c) ((c)&0x1f)

/* One curses input (get_wch's result) as a key code. */
int term_key(int is_function_key, unsigned ch);
/* A key as the help page and status line write it ("Enter", "^R", "↑",
 * "q"); utf8 = 0 uses ASCII names. */
void term_key_name(int key, int utf8, char *buf, size_t size);

/* Starts curses on the tty; returns 0 or -1. Restored at exit and by
 * term_end. */
int term_begin(int *color, int *utf8);
void term_end(void);
/* Around an external program (the editor). */
void term_suspend(void);
void term_resume(void);
/* Reads the next key without waiting; K_NONE when there is none. */
int term_read(void);
/* Picks up a new window size (SIGWINCH) and forces a full repaint. */
void term_resize(void);
void term_full_redraw(void);
void term_size(int *rows, int *cols);
/* The terminal's bell (headless: a "--- bell" line in the frames log). */
void term_bell(void);
/* Ends a frame: the screen is updated (and, headless, written out). */
void term_frame(void);
/* The descriptor that is readable when a key waits (stdin, or the
 * headless script's). */
int term_input_fd(void);
/* 1 when the TUI can run: stdin and stdout are a terminal, or headless. */
int term_is_tty(void);

#endif
