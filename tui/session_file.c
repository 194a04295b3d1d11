/*
 * The saved session: $XDG_STATE_HOME/padline/session (or
 * ~/.local/state/padline/session), mode 0600 in a 0700 directory, holding
 * only the token so the next start resumes instead of asking again.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app.h"
#include "state_dir.h"

int
session_path(char *buf, size_t size)
{
	return state_path("session", buf, size);
}

int
session_save(const char *token)
{
	char path[1024];
	int fd;
	ssize_t n;

	if (session_path(path, sizeof path))
		return -1;
	state_mkdirs(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	fchmod(fd, 0600); /* an older file may have had a wider mode */
	n = write(fd, token, strlen(token));
	close(fd);
	return n == (ssize_t)strlen(token) ? 0 : -1;
}

int
session_load(char *token, size_t size)
{
	char path[1024];
	FILE *f;
	size_t n;

	if (session_path(path, sizeof path) || !(f = fopen(path, "r")))
		return -1;
	n = fread(token, 1, size - 1, f);
	fclose(f);
	token[n] = '\0';
	token[strcspn(token, "\r\n")] = '\0';
	return token[0] ? 0 : -1;
}

void
session_forget(void)
{
	char path[1024];

	if (session_path(path, sizeof path) == 0)
		unlink(path);
}
