/*
 * The per-user state directory of padline and `padline watch`, and the only
 * code that opens, writes or removes a file below it: what is refused (a
 * directory others could write or that is not the user's, a symbolic link
 * where a file should be) is decided once, here.
 */
#include "state_dir.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xalloc.h"

#define STATE_PATH_MAX 4096

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

/* mkdir -p, mode 0700 for what it makes (path is restored). */
static void
make_dirs(char *path)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		(void)mkdir(path, 0700);
		*p = '/';
	}
	(void)mkdir(path, 0700);
}

/* One directory: the user's, a real directory, nobody else may write. */
static int
check_dir(const char *dir, int create, struct pl_error *err)
{
	struct stat st;

	if (lstat(dir, &st) != 0) {
		if (errno == ENOENT && !create)
			return pl_error_set(err, PL_ERR_NOT_FOUND,
			                    "state_missing",
			                    "%s does not exist", dir);
		return pl_error_set(err, PL_ERR_INTERNAL, "state_dir",
		                    "cannot make the state directory %s: %s",
		                    dir, strerror(errno));
	}
	if (S_ISLNK(st.st_mode))
		return pl_error_set(err, PL_ERR_FORBIDDEN, "state_dir_unsafe",
		                    "state directory %s is a symbolic link: "
		                    "refused",
		                    dir);
	if (!S_ISDIR(st.st_mode))
		return pl_error_set(err, PL_ERR_FORBIDDEN, "state_dir_unsafe",
		                    "%s is not a directory: refused", dir);
	if (st.st_uid != geteuid())
		return pl_error_set(err, PL_ERR_FORBIDDEN, "state_dir_unsafe",
		                    "state directory %s is not owned by you "
		                    "(uid %ld owns it): refused",
		                    dir, (long)st.st_uid);
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return pl_error_set(err, PL_ERR_FORBIDDEN, "state_dir_unsafe",
		                    "state directory %s is writable by others "
		                    "(mode %03o): refused; chmod 700 it",
		                    dir, (unsigned)(st.st_mode & 0777));
	/* Readable by others: it names the servers used; made private. */
	if ((st.st_mode & 0777) != 0700 && chmod(dir, 0700) != 0)
		return pl_error_set(err, PL_ERR_INTERNAL, "state_dir",
		                    "cannot make %s private (chmod 700): %s",
		                    dir, strerror(errno));
	return 0;
}

/* Checks dir, and every directory from the state directory down to it
 * when dir lies below that. */
static int
prepare_dir(const char *dir, int create, struct pl_error *err)
{
	char root[STATE_PATH_MAX], *path;
	size_t rlen;
	int rc;

	if (state_path("", root, sizeof root) != 0)
		root[0] = '\0';
	rlen = strlen(root);
	if (rlen > 1 && root[rlen - 1] == '/')
		root[--rlen] = '\0';
	path = xstrdup(dir);
	for (size_t n = strlen(path); n > 1 && path[n - 1] == '/'; n--)
		path[n - 1] = '\0';
	if (create)
		make_dirs(path);
	if (rlen == 0 || strncmp(path, root, rlen) != 0 ||
	    (path[rlen] != '\0' && path[rlen] != '/')) {
		rc = check_dir(path, create, err);
		free(path);
		return rc;
	}
	rc = 0;
	for (size_t i = rlen; rc == 0; i++) {
		char c = path[i];

		if (c != '\0' && c != '/')
			continue;
		path[i] = '\0';
		if (i > 0 && path[i - 1] != '/') /* no empty component */
			rc = check_dir(path, create, err);
		path[i] = c;
		if (c == '\0')
			break;
	}
	free(path);
	return rc;
}

int
state_dir_ready(const char *dir, struct pl_error *err)
{
	return prepare_dir(dir, 1, err);
}

int
state_dir_check(struct pl_error *err)
{
	char root[STATE_PATH_MAX];

	if (state_path("", root, sizeof root) != 0)
		return 0;
	return state_dir_ready(root, err);
}

/* The directory part of path ("." when there is none); free(). */
static char *
parent_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

static int
read_fd(int fd, const char *path, size_t max, char **data, size_t *len,
        struct pl_error *err)
{
	struct stat st;
	size_t n = 0;
	char *buf;

	if (fstat(fd, &st) != 0)
		return pl_error_set(err, PL_ERR_INTERNAL, "state_file",
		                    "cannot read %s: %s", path,
		                    strerror(errno));
	if (!S_ISREG(st.st_mode))
		return pl_error_set(err, PL_ERR_FORBIDDEN, "state_file_unsafe",
		                    "%s is not a regular file: refused", path);
	if (st.st_uid != geteuid())
		return pl_error_set(err, PL_ERR_FORBIDDEN, "state_file_unsafe",
		                    "%s is not owned by you: refused", path);
	if ((size_t)st.st_size > max)
		return pl_error_set(err, PL_ERR_VALIDATION, "state_file_size",
		                    "%s is larger than %zu bytes: refused",
		                    path, max);
	buf = xmalloc(max + 1);
	for (;;) {
		ssize_t r = read(fd, buf + n, max + 1 - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			free(buf);
			return pl_error_set(err, PL_ERR_INTERNAL, "state_file",
			                    "cannot read %s: %s", path,
			                    strerror(errno));
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max) { /* grew since fstat */
			free(buf);
			return pl_error_set(
			    err, PL_ERR_VALIDATION, "state_file_size",
			    "%s is larger than %zu bytes: refused", path, max);
		}
	}
	buf[n] = '\0';
	*data = buf;
	if (len)
		*len = n;
	return 0;
}

int
state_file_read(const char *path, size_t max, char **data, size_t *len,
                struct pl_error *err)
{
	char *dir = parent_of(path);
	int fd, rc = prepare_dir(dir, 0, err);

	free(dir);
	*data = NULL;
	if (rc != 0)
		return rc;
	/* O_NONBLOCK: a FIFO put there must not hang the client. */
	fd = open(path,
	          O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0 && errno == ENOENT)
		return pl_error_set(err, PL_ERR_NOT_FOUND, "state_missing",
		                    "%s does not exist", path);
	if (fd < 0 && errno == ELOOP)
		return pl_error_set(err, PL_ERR_FORBIDDEN, "state_file_unsafe",
		                    "%s is a symbolic link: refused", path);
	if (fd < 0)
		return pl_error_set(err, PL_ERR_INTERNAL, "state_file",
		                    "cannot open %s: %s", path,
		                    strerror(errno));
	rc = read_fd(fd, path, max, data, len, err);
	close(fd);
	return rc;
}

static int
write_all(int fd, const char *s, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, s, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

int
state_file_write(const char *path, const char *data, size_t len,
                 struct pl_error *err)
{
	char *dir = parent_of(path), *tmp;
	int fd, rc = state_dir_ready(dir, err);

	if (rc != 0) {
		free(dir);
		return rc;
	}
	/* mkostemp: O_CREAT|O_EXCL (never an existing file or a link), 0600;
	 * the name does not end like the files (*.json, sessions). */
	tmp = xasprintf("%s.tmpXXXXXX", path);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		rc = pl_error_set(err, PL_ERR_INTERNAL, "state_file",
		                  "cannot create a file in %s: %s", dir,
		                  strerror(errno));
		free(tmp);
		free(dir);
		return rc;
	}
	rc = fchmod(fd, 0600) || write_all(fd, data, len) || fsync(fd);
	rc = close(fd) || rc;
	/* A crash leaves either the old file or the new one, never half. */
	if (rc || rename(tmp, path) != 0) {
		rc = pl_error_set(err, PL_ERR_INTERNAL, "state_file",
		                  "cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
	} else if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		(void)fsync(fd); /* the rename itself survives a crash */
		close(fd);
	}
	free(tmp);
	free(dir);
	return rc;
}

int
state_file_remove(const char *path)
{
	return unlink(path) == 0 || errno == ENOENT ? 0 : -1;
}
