/*
 * The script of headless frames (padline --frames), which stands in for the
 * user. A step waits for a frame (the one drawn after its key was read, or
 * the first that shows the awaited text), so a test never races the
 * drawing; a command of the script runs beside padline's loop.
 */
#include <curses.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "frames.h"
#include "frames_int.h"
#include "xalloc.h"

static void
fail(const char *fmt, const char *arg)
{
	fprintf(stderr, "padline: frames: script line %zu: ", fr.at + 1);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nthe last frame:\n%s",
	        fr.frame ? fr.frame : "(none drawn)\n");
	fr.failed = 1;
	uv_stop(uv_default_loop());
}

static void
on_timeout(uv_timer_t *t)
{
	(void)t;
	if (fr.exiting)
		fail("padline did not exit before the timeout%s", "");
	else if (fr.waiting)
		fail(fr.wait_cmd    ? "no frame before the timeout passed: %s"
		     : fr.wait_gone ? "still on screen after the timeout: %s"
		                    : "never on screen before the timeout: %s",
		     fr.wait_text);
	else
		fail("no frame after the key before the timeout%s", "");
}

static void
arm_timer(void)
{
	if (!fr.timer_ready) {
		uv_timer_init(uv_default_loop(), &fr.timer);
		fr.timer_ready = 1;
	}
	uv_timer_start(&fr.timer, on_timeout, (uint64_t)(fr.timeout_s * 1000),
	               0);
}

static void
send_key(void)
{
	char b = 'k';

	fr.kpos++;
	fr.key_sent = 1;
	fr.key_read = 0;
	fr.sent_at = uv_hrtime();
	arm_timer();
	if (write(fr.wake[1], &b, 1) != 1)
		fail("cannot wake padline: %s", strerror(errno));
}

static void
add_key(int fn, unsigned ch)
{
	if (fr.nkeys < FR_MAX_KEYS)
		fr.keys[fr.nkeys++] = (struct fr_key){fn, ch};
}

/* "<Down>", "<C-r>", "q" ...: 0, or -1 for an unknown name. */
static int
parse_key(const char *tok)
{
	static const struct {
		const char *name;
		int fn;
		unsigned ch;
	} named[] = {
	    {"Enter", 0, '\r'},        {"Esc", 0, 27},
	    {"Tab", 0, '\t'},          {"S-Tab", 1, KEY_BTAB},
	    {"Bksp", 0, 127},          {"Del", 1, KEY_DC},
	    {"Up", 1, KEY_UP},         {"Down", 1, KEY_DOWN},
	    {"Left", 1, KEY_LEFT},     {"Right", 1, KEY_RIGHT},
	    {"Home", 1, KEY_HOME},     {"End", 1, KEY_END},
	    {"PgUp", 1, KEY_PPAGE},    {"PgDn", 1, KEY_NPAGE},
	    {"F1", 1, KEY_F(1)},       {"Space", 0, ' '},
	    {"Resize", 1, KEY_RESIZE},
	};
	size_t n = strlen(tok);

	if (n > 2 && tok[0] == '<' && tok[n - 1] == '>') {
		if (n == 5 && tok[1] == 'C' && tok[2] == '-') {
			add_key(0, (unsigned)tok[3] & 0x1f);
			return 0;
		}
		for (size_t i = 0; i < sizeof named / sizeof named[0]; i++)
			if (strlen(named[i].name) == n - 2 &&
			    strncmp(named[i].name, tok + 1, n - 2) == 0) {
				add_key(named[i].fn, named[i].ch);
				return 0;
			}
		return -1;
	}
	{
		const char *p = tok;
		unsigned c = frames_utf8_next(&p);

		if (*p)
			return -1;
		add_key(0, c);
	}
	return 0;
}

/* The rest of a line after its command: "quoted" or as is. */
static void
argument(const char *s, char *out, size_t size)
{
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
		s++;
		n -= 2;
	}
	if (n >= size)
		n = size - 1;
	memcpy(out, s, n);
	out[n] = '\0';
}

static void
measure_report(void)
{
	frames_latency_print(fr.lat, fr.nlat);
	fr.nlat = 0;
	fr.measuring = 0;
}

/* "type <FILE": FILE's first line, read when the step runs (a run step
 * before it may write it: a code computed from what the screen showed). */
static int
type_from(const char *path, char *out, size_t size)
{
	FILE *f = fopen(path, "r");
	int ok = f && fgets(out, (int)size, f) != NULL;

	if (f)
		fclose(f);
	if (!ok)
		return -1;
	out[strcspn(out, "\r\n")] = '\0';
	return 0;
}

static int
wait_met(void)
{
	int shown = fr.text && strstr(fr.text, fr.wait_text) != NULL;

	return fr.wait_gone ? !shown : shown;
}

static void run_script(void);

static void
resume_script(void)
{
	fr.running = 1;
	run_script();
	fr.running = 0;
}

static void
on_cmd_closed(uv_handle_t *h)
{
	free(h);
}

static void cmd_start(const char *cmd);

static void
on_cmd_exit(uv_process_t *p, int64_t status, int signum)
{
	int ok = status == 0 && signum == 0;

	uv_close((uv_handle_t *)p, on_cmd_closed);
	fr.cmd_busy = 0;
	if (fr.failed || fr.done)
		return;
	if (!fr.waiting) { /* run */
		if (!ok)
			fail("run: the command failed: %s", fr.cmd);
		else
			resume_script();
		return;
	}
	if (ok) { /* until */
		fr.waiting = 0;
		uv_timer_stop(&fr.timer);
		resume_script();
	} else if (fr.cmd_again) {
		fr.cmd_again = 0;
		cmd_start(fr.wait_text);
	}
}

/* A command of the script runs beside padline, whose loop goes on meanwhile
 * (the connection, timers, frames: as the user's terminal would), with the
 * last frame's rows in its environment; on_cmd_exit takes the script on. */
static void
cmd_start(const char *cmd)
{
	uv_process_t *p = xcalloc(1, sizeof *p);
	char *args[] = {"/bin/sh", "-c", (char *)cmd, NULL};
	uv_stdio_container_t io[3];
	uv_process_options_t o;
	int r;

	memset(&o, 0, sizeof o);
	for (int i = 0; i < 3; i++) {
		io[i].flags = UV_INHERIT_FD;
		io[i].data.fd = i;
	}
	o.file = args[0];
	o.args = args;
	o.exit_cb = on_cmd_exit;
	o.stdio = io;
	o.stdio_count = 3;
	fflush(stdout);
	setenv("PADLINE_FRAME", fr.text ? fr.text : "", 1);
	r = uv_spawn(uv_default_loop(), p, &o);
	if (r != 0) {
		uv_close((uv_handle_t *)p, on_cmd_closed);
		fail("cannot run a command: %s", uv_strerror(r));
		return;
	}
	fr.cmd_busy = 1;
}

/* Runs lines until one waits (a key's frame, a text) or the script ends. */
static void
run_script(void)
{
	while (!fr.failed && !fr.done) {
		char cmd[32], arg[FR_TEXT_MAX];
		const char *line;
		int n = 0;

		if (fr.kpos < fr.nkeys) {
			send_key();
			return;
		}
		if (fr.measuring)
			measure_report();
		if (fr.next >= fr.nlines) {
			fr.done = 1;
			if (fr.timer_ready)
				uv_timer_stop(&fr.timer);
			uv_stop(uv_default_loop());
			return;
		}
		fr.at = fr.next++;
		line = fr.lines[fr.at];
		while (*line == ' ' || *line == '\t')
			line++;
		if (!*line || *line == '#')
			continue;
		if (sscanf(line, "%31s%n", cmd, &n) != 1)
			continue;
		argument(line + n, arg, sizeof arg);
		fr.nkeys = fr.kpos = 0;
		if (strcmp(cmd, "key") == 0 || strcmp(cmd, "measure") == 0) {
			char *save = NULL, *tok = strtok_r(arg, " ", &save);
			long times = 1;

			if (cmd[0] == 'm') {
				times = tok ? strtol(tok, NULL, 10) : 0;
				tok = strtok_r(NULL, " ", &save);
				fr.measuring = 1;
			}
			for (; tok; tok = strtok_r(NULL, " ", &save))
				if (parse_key(tok) != 0) {
					fail("unknown key %s", tok);
					return;
				}
			for (long i = 1, base = (long)fr.nkeys;
			     i < times && fr.nkeys < FR_MAX_KEYS; i++)
				for (long k = 0; k < base; k++)
					add_key(fr.keys[k].fn, fr.keys[k].ch);
			if (!fr.nkeys) {
				fail("%s: no key", cmd);
				return;
			}
		} else if (strcmp(cmd, "type") == 0) {
			const char *p = line + n + (line[n] == ' ');

			if (*p == '<') {
				if (type_from(p + 1, arg, sizeof arg) != 0) {
					fail("type: cannot read %s", p + 1);
					return;
				}
				p = arg;
			}
			while (*p)
				add_key(0, frames_utf8_next(&p));
		} else if (strcmp(cmd, "expect") == 0 ||
		           strcmp(cmd, "gone") == 0 ||
		           strcmp(cmd, "until") == 0) {
			snprintf(fr.wait_text, sizeof fr.wait_text, "%s", arg);
			fr.wait_gone = cmd[0] == 'g';
			fr.wait_cmd = cmd[0] == 'u';
			if (!fr.wait_cmd && wait_met())
				continue;
			fr.waiting = 1;
			arm_timer();
			if (fr.wait_cmd)
				cmd_start(fr.wait_text);
			return;
		} else if (strcmp(cmd, "exits") == 0) {
			fr.exiting = 1;
			arm_timer();
			return;
		} else if (strcmp(cmd, "absent") == 0) {
			if (fr.text && strstr(fr.text, arg)) {
				fail("on screen: %s", arg);
				return;
			}
		} else if (strcmp(cmd, "frame") == 0) {
			fputs(fr.frame ? fr.frame : "--- no frame\n", stdout);
			fflush(stdout);
		} else if (strcmp(cmd, "resize") == 0) {
			if (frames_parse_size(arg, &fr.cols, &fr.rows) != 0) {
				fail("resize needs COLSxROWS, not %s", arg);
				return;
			}
			add_key(1, KEY_RESIZE);
		} else if (strcmp(cmd, "timeout") == 0) {
			fr.timeout_s = strtod(arg, NULL);
			if (fr.timeout_s <= 0)
				fr.timeout_s = 60;
		} else if (strcmp(cmd, "run") == 0) {
			snprintf(fr.cmd, sizeof fr.cmd, "%s", arg);
			cmd_start(fr.cmd);
			return;
		} else {
			fail("unknown command %s", cmd);
			return;
		}
	}
}

void
frames_drawn(void)
{
	frames_record();
	if (fr.failed || fr.done || fr.running || fr.exiting)
		return;
	if (fr.cmd_busy && !fr.waiting)
		return; /* a run command's: the script waits for its end */
	if (fr.key_sent) {
		if (!fr.key_read)
			return; /* a frame of something else, before the key */
		fr.key_sent = 0;
		if (fr.measuring) {
			if (fr.nlat == fr.lat_cap)
				fr.lat = xrealloc(
				    fr.lat, (fr.lat_cap = fr.lat_cap * 2 + 64) *
				                sizeof *fr.lat);
			fr.lat[fr.nlat++] = (uv_hrtime() - fr.sent_at) / 1e6;
		}
		uv_timer_stop(&fr.timer);
	}
	if (fr.waiting && fr.wait_cmd) {
		/* until: its command judges the newest frame (once the one
		 * judging an older frame is done). */
		if (fr.cmd_busy)
			fr.cmd_again = 1;
		else
			cmd_start(fr.wait_text);
		return;
	}
	if (fr.waiting) {
		if (!wait_met())
			return;
		fr.waiting = 0;
		uv_timer_stop(&fr.timer);
	}
	resume_script();
}
