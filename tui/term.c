/*
 * The terminal module: curses setup and guaranteed teardown (atexit, so any
 * exit path restores the tty), and the translation of curses input into the
 * key codes of term.h — Enter, Backspace and friends are recognised here
 * once, whatever the terminal sends for them.
 */
#include "term.h"

#include <curses.h>
#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* The terminal is the one piece of global state: curses itself is global. */
static int term_on;

int
term_key(int is_function_key, unsigned ch)
{
	if (is_function_key) {
		switch (ch) {
		case KEY_ENTER:
			return K_ENTER;
		case KEY_BACKSPACE:
			return K_BACKSPACE;
		case KEY_DC:
			return K_DELETE;
		case KEY_UP:
			return K_UP;
		case KEY_DOWN:
			return K_DOWN;
		case KEY_LEFT:
			return K_LEFT;
		case KEY_RIGHT:
			return K_RIGHT;
		case KEY_HOME:
		case KEY_A1:
			return K_HOME;
		case KEY_END:
		case KEY_C1:
			return K_END;
		case KEY_PPAGE:
		case KEY_A3:
			return K_PGUP;
		case KEY_NPAGE:
		case KEY_C3:
			return K_PGDN;
		case KEY_BTAB:
			return K_BTAB;
		case KEY_F(1):
			return K_F1;
		case KEY_RESIZE:
			return K_RESIZE;
		default:
			return K_NONE;
		}
	}
	switch (ch) {
	case '\r':
	case '\n':
		return K_ENTER;
	case '\t':
		return K_TAB;
	case 27:
		return K_ESC;
	case 8:
	case 127:
		return K_BACKSPACE;
	default:
		return ch > 0x10ffff ? K_NONE : (int)ch;
	}
}

void
term_key_name(int key, int utf8, char *buf, size_t size)
{
	static const struct {
		int key;
		const char *utf8, *ascii;
	} names[] = {
	    {K_ENTER, "Enter", "Enter"},
	    {K_ESC, "Esc", "Esc"},
	    {K_TAB, "Tab", "Tab"},
	    {K_BTAB, "S-Tab", "S-Tab"},
	    {K_BACKSPACE, "Bksp", "Bksp"},
	    {K_DELETE, "Del", "Del"},
	    {K_UP, "↑", "Up"},
	    {K_DOWN, "↓", "Down"},
	    {K_LEFT, "←", "Left"},
	    {K_RIGHT, "→", "Right"},
	    {K_HOME, "Home", "Home"},
	    {K_END, "End", "End"},
	    {K_PGUP, "PgUp", "PgUp"},
	    {K_PGDN, "PgDn", "PgDn"},
	    {K_F1, "F1", "F1"},
	    {' ', "Space", "Space"},
	};

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (names[i].key == key) {
			snprintf(buf, size, "%s",
			         utf8 ? names[i].utf8 : names[i].ascii);
			return;
		}
	if (key > 0 && key < 32) {
		snprintf(buf, size, "^%c", key + '@');
		return;
	}
	if (key > 0 && key < 128) {
		snprintf(buf, size, "%c", key);
		return;
	}
	snprintf(buf, size, "?");
}

static void
term_restore(void)
{
	if (term_on) {
		term_on = 0;
		endwin();
	}
}

int
term_begin(int *color, int *utf8)
{
	setlocale(LC_ALL, "");
	*utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
	if (!getenv("ESCDELAY"))
		set_escdelay(25);
	if (!initscr())
		return -1;
	term_on = 1;
	atexit(term_restore);
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	*color = has_colors() && !getenv("NO_COLOR");
	return 0;
}

void
term_end(void)
{
	term_restore();
}

void
term_suspend(void)
{
	def_prog_mode();
	endwin();
}

void
term_resume(void)
{
	reset_prog_mode();
	clearok(curscr, TRUE);
	refresh();
}

int
term_read(void)
{
	wint_t ch;
	int r;

	for (;;) {
		r = get_wch(&ch);
		if (r == ERR)
			return K_NONE;
		r = term_key(r == KEY_CODE_YES, (unsigned)ch);
		if (r != K_NONE)
			return r;
	}
}

void
term_resize(void)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row &&
	    ws.ws_col)
		resize_term(ws.ws_row, ws.ws_col);
	clearok(curscr, TRUE);
}

void
term_full_redraw(void)
{
	clearok(curscr, TRUE);
}

void
term_size(int *rows, int *cols)
{
	*rows = LINES;
	*cols = COLS;
}
