/*
 * Text from the network made safe for a terminal. Whatever a server, a peer
 * or Redis sent goes through here before any terminal sees it: the TUI's
 * drawing, `padline watch` (text and --json) and the messages the CLI
 * prints. One escape format everywhere:
 *
 *   - a code point a terminal would act on is written \uXXXX (four upper-case
 *     hex digits): C0 controls U+0000-U+001F (ESC, newline and tab
 *     included), DEL U+007F, C1 controls U+0080-U+009F and the bidi controls
 *     U+202A-U+202E and U+2066-U+2069;
 *   - a byte that is not part of valid UTF-8 (a stray continuation byte, a
 *     cut or overlong sequence, a surrogate, past U+10FFFF) is written \xHH;
 *   - everything else, backslashes included, is copied as it is.
 *
 * So the output is valid UTF-8 with no control byte or bidi control in it.
 * A \u escape is also a valid JSON escape and JSON text from jansson is
 * valid UTF-8, so escaping a whole json_dumps() line keeps it valid JSON.
 * The escapes are for reading, not for decoding back: a literal "\u001B"
 * in the input looks the same as an escaped ESC.
 */
#ifndef PL_TERM_SAFE_H
#define PL_TERM_SAFE_H

#include <stdio.h>
#include <stddef.h>

/* The longest escape of one unit, with its NUL ("\u202E"). */
#define TERM_SAFE_ESC_MAX 7

/*
 * Looks at the unit starting at s (len > 0 bytes left: one UTF-8 character,
 * or one byte that is not valid UTF-8) and returns the bytes it spans. When
 * it must not reach a terminal raw, writes its escape into esc and returns
 * the escape's length in *esclen; otherwise *esclen = 0 and the unit is safe
 * to copy as it is.
 */
size_t term_safe_unit(const char *s, size_t len, char esc[TERM_SAFE_ESC_MAX],
                      size_t *esclen);
/*
 * Writes the escaped form of the n bytes at s (NULs included) into out
 * (size > 0), always NUL-terminated and cut only between whole units.
 * Returns the length the whole escaped text needs, as snprintf does.
 */
size_t term_safe_n(const char *s, size_t n, char *out, size_t size);
/* The same for a NUL-terminated s. */
size_t term_safe(const char *s, char *out, size_t size);
/* The escaped form of s in an xalloc'd string (free() it). */
char *term_safe_dup(const char *s);
/*
 * Formats, escapes the result and writes it to out followed by a newline:
 * for a message that carries text from the network ("padline: %s" with a
 * server's error message). The format's own newline would be escaped too,
 * so fmt holds one line without its "\n".
 */
void term_safe_println(FILE *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
