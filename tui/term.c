/*
 * The terminal module: curses setup and guaranteed teardown (atexit, so any
 * exit path restores the tty), and the translation of curses input into the
 * key codes of term.h — Enter, Backspace and friends are recognised here
 * once, whatever the terminal sends for them.
 */
#include "term.h"

#include <curses.h>
#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "frames.h"

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

/*
 * Headless (frames.h): ncurses draws for a terminal of the script's size
 * that is not there. It writes to /dev/null and reads a pipe nobody writes
 * to (the script's keys come through term_read); TERM names the terminal
 * whose capabilities it assumes (colours or not).
 */
static int
frames_screen(void)
{
	static int quiet[2] = {-1, -1};
	FILE *out, *in;
	const char *term = getenv("TERM");
	char size[16];
	int rows, cols;

	frames_size(&rows, &cols);
	snprintf(size, sizeof size, "%d", rows);
	setenv("LINES", size, 1);
	snprintf(size, sizeof size, "%d", cols);
	setenv("COLUMNS", size, 1);
	if (pipe(quiet) != 0)
		return -1;
	fcntl(quiet[0], F_SETFD, FD_CLOEXEC);
	fcntl(quiet[1], F_SETFD, FD_CLOEXEC);
	out = fopen("/dev/null", "we");
	in = fdopen(quiet[0], "r");
	if (!out || !in)
		return -1;
	if (!newterm(term && *term ? term : "xterm", out, in))
		return -1;
	resize_term(rows, cols);
	return 0;
}

int
term_begin(int *color, int *utf8)
{
	setlocale(LC_ALL, "");
	*utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
	if (!getenv("ESCDELAY"))
		set_escdelay(25);
	if (frames_on()) {
		if (frames_screen() != 0)
			return -1;
	} else if (!initscr())
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
		if (frames_on()) {
			unsigned key;

			if (!frames_next_key(&r, &key))
				return K_NONE;
			r = term_key(r, key);
			if (r != K_NONE)
				return r;
			continue;
		}
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
	int rows, cols;

	if (frames_on()) {
		frames_size(&rows, &cols);
		resize_term(rows, cols);
	} else if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row &&
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

void
term_frame(void)
{
	refresh();
	if (frames_on())
		frames_drawn();
}

void
term_bell(void)
{
	if (frames_on())
		frames_bell();
	else
		beep();
}

int
term_input_fd(void)
{
	return frames_on() ? frames_input_fd() : STDIN_FILENO;
}

int
term_is_tty(void)
{
	return frames_on() || (isatty(STDIN_FILENO) && isatty(STDOUT_FILENO));
}
