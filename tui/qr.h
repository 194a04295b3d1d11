/*
 * QR codes as lines of terminal text (libqrencode; no curses): what the
 * Account screen draws for the otpauth URI. Dark modules are the glyphs, so
 * the text is drawn dark on light (see UI_QR in widgets.h).
 */
#ifndef PL_TUI_QR_H
#define PL_TUI_QR_H

#include <stddef.h>

#include "pl_error.h"

struct qr_text {
	char **lines; /* owned, NUL-terminated UTF-8 (or ASCII) */
	size_t n;
	int cols;    /* width of every line in screen cells */
	int modules; /* the symbol's side, quiet zone included */
};

/*
 * Encodes text (byte mode, error correction L, the smallest version) with
 * a quiet zone of quiet modules on every side. utf8: two modules per cell
 * vertically with ▀ ▄ █ and space; otherwise one module per row drawn as
 * "##" or two spaces (a cell is about twice as tall as wide, so the code
 * stays square). Returns 0 or a pl_error code (400 when text does not fit).
 */
int qr_render(const char *text, int utf8, int quiet, struct qr_text *out,
              struct pl_error *err);
void qr_text_free(struct qr_text *);

/*
 * The inverse of qr_render's drawing: fills bits (side*side, 1 = dark,
 * row-major) from the lines. Returns 0, or -1 when a line holds anything
 * qr_render does not draw or the size does not match.
 */
int qr_text_modules(const struct qr_text *, int utf8, int side,
                    unsigned char *bits);

#endif
