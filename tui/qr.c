/*
 * QR rendering for the terminal: libqrencode's module matrix turned into
 * half-block lines (or an ASCII fallback), and back, so a test can decode
 * exactly what the screen shows.
 */
#include "qr.h"

#include <errno.h>
#include <qrencode.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

/* Indexed by (top dark) | (bottom dark) << 1. */
static const char *const half_blocks[4] = {" ", "▀", "▄", "█"};

static int
module_dark(const QRcode *q, int quiet, int y, int x)
{
	y -= quiet;
	x -= quiet;
	if (y < 0 || x < 0 || y >= q->width || x >= q->width)
		return 0;
	return q->data[y * q->width + x] & 1;
}

static char *
render_line(const QRcode *q, int quiet, int side, int y, int utf8)
{
	/* The widest glyph is 3 bytes (UTF-8) or 2 characters (ASCII). */
	char *line = xmalloc((size_t)side * 3 + 1), *p = line;

	for (int x = 0; x < side; x++) {
		if (utf8) {
			int top = module_dark(q, quiet, y, x);
			int bottom = module_dark(q, quiet, y + 1, x);
			const char *g = half_blocks[top | bottom << 1];
			size_t len = strlen(g);

			memcpy(p, g, len);
			p += len;
		} else {
			const char *g =
			    module_dark(q, quiet, y, x) ? "##" : "  ";

			memcpy(p, g, 2);
			p += 2;
		}
	}
	*p = '\0';
	return line;
}

int
qr_render(const char *text, int utf8, int quiet, struct qr_text *out,
          struct pl_error *err)
{
	QRcode *q;
	int side, step = utf8 ? 2 : 1;

	memset(out, 0, sizeof *out);
	if (quiet < 0)
		quiet = 0;
	q = QRcode_encodeString8bit(text, 0, QR_ECLEVEL_L);
	if (!q)
		return pl_error_set(err, PL_ERR_VALIDATION, "qr_too_long",
		                    "cannot draw this as a QR code: %s",
		                    strerror(errno));
	side = q->width + 2 * quiet;
	out->modules = side;
	out->cols = utf8 ? side : 2 * side;
	out->n = (size_t)(side + step - 1) / (size_t)step;
	out->lines = xcalloc(out->n, sizeof *out->lines);
	for (size_t i = 0; i < out->n; i++)
		out->lines[i] =
		    render_line(q, quiet, side, (int)i * step, utf8);
	QRcode_free(q);
	return 0;
}

void
qr_text_free(struct qr_text *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->lines[i]);
	free(t->lines);
	memset(t, 0, sizeof *t);
}

/* The index into half_blocks of the glyph at *s (advanced), -1 if none. */
static int
glyph_at(const char **s)
{
	for (int k = 3; k >= 0; k--) {
		size_t len = strlen(half_blocks[k]);

		if (strncmp(*s, half_blocks[k], len) == 0) {
			*s += len;
			return k;
		}
	}
	return -1;
}

int
qr_text_modules(const struct qr_text *t, int utf8, int side,
                unsigned char *bits)
{
	int step = utf8 ? 2 : 1;

	if (t->n != (size_t)((side + step - 1) / step))
		return -1;
	memset(bits, 0, (size_t)side * (size_t)side);
	for (size_t i = 0; i < t->n; i++) {
		const char *s = t->lines[i];
		int y = (int)i * step;

		for (int x = 0; x < side; x++) {
			if (utf8) {
				int k = glyph_at(&s);

				if (k < 0 || (y + 1 >= side && (k & 2)))
					return -1;
				bits[y * side + x] = k & 1;
				if (y + 1 < side)
					bits[(y + 1) * side + x] = (k >> 1) & 1;
			} else {
				if (s[0] != s[1] ||
				    (s[0] != '#' && s[0] != ' '))
					return -1;
				bits[y * side + x] = s[0] == '#';
				s += 2;
			}
		}
		if (*s)
			return -1;
	}
	return 0;
}
