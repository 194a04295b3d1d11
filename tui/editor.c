/*
 * Running $VISUAL or $EDITOR on a file with curses suspended (editor.h),
 * and reading back what it wrote. A SIGHUP or SIGTERM meanwhile is caught
 * here, because the loop's handlers cannot run until the editor returns.
 */
#include "editor.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "xalloc.h"

/* SIGHUP or SIGTERM while the editor runs: the terminal is going away
 * (an SSH connection dropped) and libuv's handlers cannot run until the
 * editor returns, so editor_run catches them itself. */
static volatile sig_atomic_t editor_signal;

static void
on_editor_signal(int signum)
{
	editor_signal = signum;
}

int
editor_run(struct app *a, const char *path, int *signum)
{
	const char *editor = getenv("VISUAL");
	struct sigaction sa, old_hup, old_term;
	pid_t pid;
	int status = -1, passed = 0;

	if (!editor || !*editor)
		editor = getenv("EDITOR");
	if (!editor || !*editor)
		editor = "vi";
	app_suspend(a);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_editor_signal; /* no SA_RESTART: waitpid wakes */
	sigemptyset(&sa.sa_mask);
	editor_signal = 0;
	sigaction(SIGHUP, &sa, &old_hup);
	sigaction(SIGTERM, &sa, &old_term);
	pid = fork();
	if (pid == 0) {
		/* Through the shell, so EDITOR="code --wait" works. */
		execl("/bin/sh", "sh", "-c", "exec $0 \"$1\"", editor, path,
		      (char *)NULL);
		_exit(127);
	}
	while (pid > 0) {
		if (editor_signal && !passed) {
			kill(pid, editor_signal);
			passed = 1;
		}
		if (waitpid(pid, &status, 0) >= 0 || errno != EINTR)
			break;
	}
	sigaction(SIGHUP, &old_hup, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	*signum = editor_signal;
	if (!*signum)
		app_resume(a);
	return pid > 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

char *
editor_slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (!f)
		return NULL;
	do {
		if (len + 4096 + 1 > cap)
			buf = xrealloc(buf, cap = (cap ? cap * 2 : 8192));
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
	} while (n > 0);
	fclose(f);
	buf[len] = '\0';
	return buf;
}
