/*
 * Data-directory resolution. A binary under the build tree prefers the
 * source tree, so a developer never runs stale installed migrations or
 * lists; an installed binary uses PADLINE_DATADIR.
 */
#include "paths.h"
#include "xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int
paths_exists(const char *p, int want_dir)
{
	struct stat st;

	return stat(p, &st) == 0 &&
	       (want_dir ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode));
}

/* src_rel under the source tree (a build-tree binary), else inst_rel under
 * the data directory, else the source tree's path for the error message. */
static char *
paths_pick(const char *src_rel, const char *inst_rel, int want_dir)
{
	char exe[4096], buf[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	int in_build = 0;

	if (n > 0) {
		exe[n] = '\0';
		in_build = strncmp(exe, PADLINE_SOURCE_DIR "/",
		                   strlen(PADLINE_SOURCE_DIR) + 1) == 0;
	}
	snprintf(buf, sizeof buf, "%s/%s", PADLINE_SOURCE_DIR, src_rel);
	if (in_build && paths_exists(buf, want_dir))
		return xstrdup(buf);
	snprintf(buf, sizeof buf, "%s/%s", PADLINE_DATADIR, inst_rel);
	if (paths_exists(buf, want_dir))
		return xstrdup(buf);
	snprintf(buf, sizeof buf, "%s/%s", PADLINE_SOURCE_DIR, src_rel);
	return xstrdup(buf);
}

void
paths_resolve(struct config *cfg)
{
	if (cfg->migrations_dir == NULL)
		cfg->migrations_dir = paths_pick("migrations", "migrations", 1);
	if (cfg->templates_dir == NULL)
		cfg->templates_dir = paths_pick("templates", "templates", 1);
}

char *
paths_data_file(const char *name)
{
	char src_rel[256];

	snprintf(src_rel, sizeof src_rel, "data/%s", name);
	return paths_pick(src_rel, name, 0);
}
