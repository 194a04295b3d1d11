/*
 * The one line editor behind every text field: readline keys on a UTF-8
 * buffer with a cursor. Plain C (no curses), so tests drive it directly.
 */
#ifndef PL_TUI_EDIT_H
#define PL_TUI_EDIT_H

#include <stddef.h>

/* A field's cursor, kept as bytes from the END of the text: zero (what a
 * fresh or cleared field has) is "at the end", and text set from outside
 * keeps the cursor where typing continues. */
struct edit_cursor {
	size_t back;
};

/* Applies one key (term.h codes) to buf (NUL-terminated, capacity cap):
 * printable keys insert at the cursor; ←/→, Home/End, ^A/^E move; Backspace
 * and Delete remove a character; ^U/^K cut before/after the cursor; ^W the
 * word before it. Returns 1 if the key was an editing key, 0 if not (the
 * caller's: Enter, Esc, Tab, ↑/↓...). Never splits a UTF-8 character. */
int edit_key(char *buf, size_t cap, struct edit_cursor *cur, int key);
/* The cursor as a byte offset into buf. */
size_t edit_pos(const char *buf, const struct edit_cursor *cur);
/* Clears the field (and puts the cursor at its end). */
void edit_clear(char *buf, struct edit_cursor *cur);

#endif
