/*
 * Data-directory resolution. A binary under the build tree prefers the
 * source tree, so a developer never runs stale installed migrations; an
 * installed binary uses PADLINE_DATADIR.
 */
#include "paths.h"
#include "xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int
paths_is_dir(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static char *
paths_pick(const char *sub)
{
	char exe[4096], buf[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	int in_build = 0;

	if (n > 0) {
		exe[n] = '\0';
		in_build = strncmp(exe, PADLINE_SOURCE_DIR "/",
		                   strlen(PADLINE_SOURCE_DIR) + 1) == 0;
	}
	snprintf(buf, sizeof buf, "%s/%s", PADLINE_SOURCE_DIR, sub);
	if (in_build && paths_is_dir(buf))
		return xstrdup(buf);
	snprintf(buf, sizeof buf, "%s/%s", PADLINE_DATADIR, sub);
	if (paths_is_dir(buf))
		return xstrdup(buf);
	snprintf(buf, sizeof buf, "%s/%s", PADLINE_SOURCE_DIR, sub);
	return xstrdup(buf);
}

void
paths_resolve(struct config *cfg)
{
	if (cfg->migrations_dir == NULL)
		cfg->migrations_dir = paths_pick("migrations");
	if (cfg->templates_dir == NULL)
		cfg->templates_dir = paths_pick("templates");
}
