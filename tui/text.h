/*
 * Text measured in screen cells, not bytes: a CJK character or an emoji
 * takes two cells, a combining mark none, and a control, bidi control or
 * invalid byte the cells of its visible escape (term_safe.h), which is how
 * ui_put shows it. Plain C (wcwidth, no curses), so the column layout is
 * tested without a terminal. Needs a UTF-8 LC_CTYPE.
 */
#ifndef PL_TUI_TEXT_H
#define PL_TUI_TEXT_H

#include <stddef.h>

/* Cells the UTF-8 string takes on screen. */
int text_width(const char *s);
/* Cells taken by the first n bytes of s. */
int text_width_n(const char *s, size_t n);
/* s in exactly w cells into out: cut with "…" when longer (ellipsis = the
 * text to end with, e.g. "..." outside UTF-8), padded with spaces when
 * shorter; a wide character that would straddle the edge becomes a space.
 * What term_safe escapes is written escaped, and cut only whole.
 * w <= 0 gives "". */
void text_fit(const char *s, int w, const char *ellipsis, char *out,
              size_t size);
/* Word-wraps s in place: a space becomes a newline where the line would
 * pass w cells (a longer word stays whole). For dialog texts. */
void text_wrap(char *s, int w);
/* Joins the lines of each paragraph (a newline between two non-empty
 * lines becomes a space), so text_wrap can wrap it to any width. */
void text_reflow(char *s);
/* A size in the units a person reads: "158 bytes", "1 MB (1048576
 * bytes)", "1.3 MB (1363148 bytes)" (KB and MB of 1024). */
void text_bytes(long long bytes, char *out, size_t size);

#endif
