/*
 * The per-user state directory of padline and `padline watch`: the saved
 * session, kept edits and known_servers all live below it.
 */
#include "state_dir.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

int
state_path(const char *name, char *buf, size_t size)
{
	const char *state = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");
	int n;

	if (state && *state)
		n = snprintf(buf, size, "%s/padline/%s", state, name);
	else if (home && *home)
		n = snprintf(buf, size, "%s/.local/state/padline/%s", home,
		             name);
	else
		return -1;
	return n > 0 && (size_t)n < size ? 0 : -1;
}

void
state_mkdirs(char *path)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		(void)mkdir(path, 0700);
		*p = '/';
	}
}
