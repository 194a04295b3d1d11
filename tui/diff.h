/*
 * A line diff for the backups view (diff.c, no curses): the longest common
 * subsequence of two texts' lines, as same / removed / added lines.
 */
#ifndef PL_TUI_DIFF_H
#define PL_TUI_DIFF_H

#include <stddef.h>

enum diff_op { DIFF_SAME, DIFF_DEL, DIFF_ADD };

struct diff_line {
	enum diff_op op;
	const char *text; /* borrowed from the caller's line arrays */
};

/* The edit from a to b, in order (removals before additions at each
 * change). *out is malloc'd (free it); returns its length. A changed region
 * too large for the quadratic table (see diff.c) shows as all removed then
 * all added: still a correct diff, only not the shortest. */
size_t diff_lines(char *const *a, size_t na, char *const *b, size_t nb,
                  struct diff_line **out);
/* Counts of removed and added lines in d. */
void diff_count(const struct diff_line *d, size_t n, size_t *del, size_t *add);

#endif
