/*
 * The line editor (see edit.h). Positions are byte offsets kept on UTF-8
 * character boundaries; a "character" is one code point (combining marks
 * are separate, as in readline).
 */
#include "edit.h"

#include <string.h>
#include <wchar.h>

#include "term.h"

static int
is_cont(char c)
{
	return ((unsigned char)c & 0xc0) == 0x80;
}

static size_t
prev_char(const char *buf, size_t pos)
{
	while (pos > 0 && is_cont(buf[--pos]))
		;
	return pos;
}

static size_t
next_char(const char *buf, size_t len, size_t pos)
{
	if (pos < len)
		pos++;
	while (pos < len && is_cont(buf[pos]))
		pos++;
	return pos;
}

/* Removes buf[from, to). */
static void
cut(char *buf, size_t from, size_t to)
{
	memmove(buf + from, buf + to, strlen(buf + to) + 1);
}

size_t
edit_pos(const char *buf, const struct edit_cursor *cur)
{
	size_t len = strlen(buf);

	return cur->back > len ? 0 : len - cur->back;
}

void
edit_clear(char *buf, struct edit_cursor *cur)
{
	buf[0] = '\0';
	cur->back = 0;
}

static int
insert(char *buf, size_t cap, size_t *pos, int key)
{
	char mb[8];
	mbstate_t st;
	size_t n, len = strlen(buf);

	memset(&st, 0, sizeof st);
	n = wcrtomb(mb, (wchar_t)key, &st);
	if (n == (size_t)-1 || len + n + 1 > cap)
		return 1; /* not representable, or full: swallowed */
	memmove(buf + *pos + n, buf + *pos, len - *pos + 1);
	memcpy(buf + *pos, mb, n);
	*pos += n;
	return 1;
}

int
edit_key(char *buf, size_t cap, struct edit_cursor *cur, int key)
{
	size_t len = strlen(buf);
	size_t pos = edit_pos(buf, cur), p;
	int used = 1;

	switch (key) {
	case K_LEFT:
	case K_CTRL('b'):
		pos = prev_char(buf, pos);
		break;
	case K_RIGHT:
	case K_CTRL('f'):
		pos = next_char(buf, len, pos);
		break;
	case K_HOME:
	case K_CTRL('a'):
		pos = 0;
		break;
	case K_END:
	case K_CTRL('e'):
		pos = len;
		break;
	case K_BACKSPACE:
		p = prev_char(buf, pos);
		cut(buf, p, pos);
		pos = p;
		break;
	case K_DELETE:
		cut(buf, pos, next_char(buf, len, pos));
		break;
	case K_CTRL('u'):
		cut(buf, 0, pos);
		pos = 0;
		break;
	case K_CTRL('k'):
		buf[pos] = '\0';
		break;
	case K_CTRL('w'):
		/* Like readline's unix-word-rubout: spaces, then a word. */
		p = pos;
		while (p > 0 && buf[p - 1] == ' ')
			p--;
		while (p > 0 && buf[p - 1] != ' ')
			p--;
		cut(buf, p, pos);
		pos = p;
		break;
	default:
		if (key >= 32 && key != 127 && key < K_SPECIAL)
			insert(buf, cap, &pos, key);
		else
			used = 0;
	}
	cur->back = strlen(buf) - pos;
	return used;
}
