/*
 * Headless frames (padline --frames), the terminal's side: the script's
 * keys as padline's input, the size it sets, ncurses' own screen recorded
 * after every refresh (and logged), padline's exit status at the end.
 * frames_script.c runs the script.
 */
#include "frames.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "frames_int.h"
#include "xalloc.h"

struct fr_state fr;

int
frames_parse_size(const char *s, int *cols, int *rows)
{
	char *end;
	long c, r;

	c = strtol(s, &end, 10);
	if (*end != 'x' || c < 1 || c > 1000)
		return -1;
	r = strtol(end + 1, &end, 10);
	if (*end || r < 1 || r > 1000)
		return -1;
	*cols = (int)c;
	*rows = (int)r;
	return 0;
}

int
frames_setup(const char *script_path, int cols, int rows, const char *log_path,
             struct pl_error *err)
{
	FILE *f = strcmp(script_path, "-") ? fopen(script_path, "r") : stdin;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (!f)
		return pl_error_set(err, 1, NULL, "cannot read %s: %s",
		                    script_path, strerror(errno));
	while ((n = getline(&line, &cap, f)) >= 0) {
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		fr.lines =
		    xrealloc(fr.lines, (fr.nlines + 1) * sizeof *fr.lines);
		fr.lines[fr.nlines++] = xstrdup(line);
	}
	free(line);
	if (f != stdin)
		fclose(f);
	if (log_path && !(fr.log = fopen(log_path, "w")))
		return pl_error_set(err, 1, NULL, "cannot write %s: %s",
		                    log_path, strerror(errno));
	if (pipe(fr.wake) != 0)
		return pl_error_set(err, 1, NULL, "pipe: %s", strerror(errno));
	fcntl(fr.wake[0], F_SETFL, O_NONBLOCK);
	fcntl(fr.wake[0], F_SETFD, FD_CLOEXEC);
	fcntl(fr.wake[1], F_SETFD, FD_CLOEXEC);
	fr.cols = cols;
	fr.rows = rows;
	fr.timeout_s = 60;
	fr.started = uv_hrtime();
	fr.on = 1;
	return 0;
}

int
frames_on(void)
{
	return fr.on;
}

void
frames_size(int *rows, int *cols)
{
	*rows = fr.rows;
	*cols = fr.cols;
}

int
frames_input_fd(void)
{
	return fr.wake[0];
}

int
frames_next_key(int *is_fn, unsigned *ch)
{
	char buf[64];

	while (read(fr.wake[0], buf, sizeof buf) > 0)
		;
	if (!fr.key_sent || fr.key_read)
		return 0;
	fr.key_read = 1;
	*is_fn = fr.keys[fr.kpos - 1].fn;
	*ch = fr.keys[fr.kpos - 1].ch;
	return 1;
}

/* The frame just drawn becomes the last frame (and goes to the log). */
void
frames_record(void)
{
	free(fr.text);
	free(fr.frame);
	frames_screen_read(&fr.frame, &fr.text);
	fr.nframes++;
	if (fr.log) {
		fprintf(fr.log, "--- %lu at %.0f ms, script line %zu\n%s",
		        fr.nframes, (uv_hrtime() - fr.started) / 1e6, fr.at + 1,
		        fr.frame);
		fflush(fr.log);
	}
}

void
frames_bell(void)
{
	if (fr.log) {
		fputs("--- bell\n", fr.log);
		fflush(fr.log);
	}
}

/* 1 when what is left of the script is an `exits` (padline quit on the
 * key before it, drawing no frame that would have run it). */
static int
exits_next(void)
{
	int seen = 0;

	for (size_t i = fr.next; i < fr.nlines; i++) {
		const char *l = fr.lines[i] + strspn(fr.lines[i], " \t");

		if (!*l || *l == '#')
			continue;
		if (seen || strncmp(l, "exits", 5) != 0 ||
		    l[5 + strspn(l + 5, " \t")])
			return 0;
		seen = 1;
	}
	return seen;
}

int
frames_finish(int app_status)
{
	int rc = app_status;

	if (fr.failed)
		rc = 1;
	else if (fr.exiting ||
	         (fr.kpos == fr.nkeys && fr.key_read && exits_next()))
		; /* the exit the script waited for */
	else if (!fr.done && (fr.kpos < fr.nkeys || fr.next < fr.nlines ||
	                      (fr.key_sent && !fr.key_read))) {
		fprintf(stderr,
		        "padline: frames: padline quit (status %d) at script "
		        "line %zu, before the script's end\n",
		        app_status, fr.at + 1);
		rc = 1;
	}
	for (size_t i = 0; i < fr.nlines; i++)
		free(fr.lines[i]);
	free(fr.lines);
	free(fr.text);
	free(fr.frame);
	free(fr.lat);
	if (fr.log)
		fclose(fr.log);
	return rc;
}
