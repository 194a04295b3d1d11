/*
 * Line diff by longest common subsequence: the common head and tail are
 * matched first (a pad edit usually touches a few lines), then a table over
 * what is left. The table is capped so a huge rewrite costs memory in
 * proportion to the texts, not their product.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "diff.h"
#include "xalloc.h"

/* Cells of the LCS table at most (4 bytes each: 64 MiB). */
#define DIFF_MAX_CELLS ((size_t)16 * 1024 * 1024)

static void
emit(struct diff_line *out, size_t *n, enum diff_op op, const char *text)
{
	out[*n].op = op;
	out[*n].text = text;
	(*n)++;
}

/* The middle part, a[0..na) against b[0..nb), both without a common head
 * or tail. */
static void
diff_middle(char *const *a, size_t na, char *const *b, size_t nb,
            struct diff_line *out, size_t *n)
{
	size_t w = nb + 1;
	uint32_t *t;
	size_t i = 0, j = 0;

	if (na == 0 || nb == 0 || (na + 1) > DIFF_MAX_CELLS / w) {
		for (i = 0; i < na; i++)
			emit(out, n, DIFF_DEL, a[i]);
		for (j = 0; j < nb; j++)
			emit(out, n, DIFF_ADD, b[j]);
		return;
	}
	/* t[i][j]: LCS length of a[i..] and b[j..], filled from the end so
	 * the walk below goes forwards. */
	t = xcalloc((na + 1) * w, sizeof *t);
	for (size_t ii = na; ii-- > 0;)
		for (size_t jj = nb; jj-- > 0;)
			t[ii * w + jj] =
			    strcmp(a[ii], b[jj]) == 0
			        ? t[(ii + 1) * w + jj + 1] + 1
			    : t[(ii + 1) * w + jj] >= t[ii * w + jj + 1]
			        ? t[(ii + 1) * w + jj]
			        : t[ii * w + jj + 1];
	while (i < na && j < nb) {
		if (strcmp(a[i], b[j]) == 0) {
			emit(out, n, DIFF_SAME, a[i]);
			i++;
			j++;
		} else if (t[(i + 1) * w + j] >= t[i * w + j + 1]) {
			emit(out, n, DIFF_DEL, a[i++]);
		} else {
			emit(out, n, DIFF_ADD, b[j++]);
		}
	}
	while (i < na)
		emit(out, n, DIFF_DEL, a[i++]);
	while (j < nb)
		emit(out, n, DIFF_ADD, b[j++]);
	free(t);
}

size_t
diff_lines(char *const *a, size_t na, char *const *b, size_t nb,
           struct diff_line **out)
{
	size_t head = 0, tail = 0, n = 0;

	*out = xreallocarray(NULL, na + nb + 1, sizeof **out);
	while (head < na && head < nb && strcmp(a[head], b[head]) == 0)
		head++;
	while (tail < na - head && tail < nb - head &&
	       strcmp(a[na - 1 - tail], b[nb - 1 - tail]) == 0)
		tail++;
	for (size_t i = 0; i < head; i++)
		emit(*out, &n, DIFF_SAME, a[i]);
	diff_middle(a + head, na - head - tail, b + head, nb - head - tail,
	            *out, &n);
	for (size_t i = na - tail; i < na; i++)
		emit(*out, &n, DIFF_SAME, a[i]);
	return n;
}

void
diff_count(const struct diff_line *d, size_t n, size_t *del, size_t *add)
{
	*del = *add = 0;
	for (size_t i = 0; i < n; i++) {
		if (d[i].op == DIFF_DEL)
			(*del)++;
		else if (d[i].op == DIFF_ADD)
			(*add)++;
	}
}
