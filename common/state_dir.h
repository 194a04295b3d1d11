/*
 * Where padline keeps its per-user state -- $XDG_STATE_HOME/padline (or
 * ~/.local/state/padline): saved sessions, kept edits, known_servers -- and
 * the one way the clients read and write there. Directories are made 0700
 * and refused when another user owns them or others may write them (they
 * could swap a file); files are opened without following a symbolic link,
 * must be the user's own, and are replaced atomically with mode 0600.
 */
#ifndef PL_STATE_DIR_H
#define PL_STATE_DIR_H

#include <stddef.h>

#include "pl_error.h"

/* $XDG_STATE_HOME/padline/name (or ~/.local/state/padline/name) into buf;
 * -1 when neither variable is set or buf is too small. */
int state_path(const char *name, char *buf, size_t size);
/*
 * Makes dir (and the directories above it) with mode 0700 if missing, then
 * checks it and, when it lies below the state directory, every directory
 * from there down: each must be a real directory (not a symbolic link),
 * owned by the effective user and not writable by group or others; one
 * others may only read is made 0700. 0, or PL_ERR_FORBIDDEN with a message
 * naming the directory (PL_ERR_INTERNAL when it cannot be made).
 */
int state_dir_ready(const char *dir, struct pl_error *);
/* state_dir_ready on the state directory itself; 0 when neither
 * XDG_STATE_HOME nor HOME is set (there is none). */
int state_dir_check(struct pl_error *);
/*
 * Reads path whole into *data (NUL-terminated, free()) and *len (may be
 * NULL): opened O_NOFOLLOW, it must be a regular file of the user's, at
 * most max bytes, in a directory state_dir_ready accepts (not created).
 * 0; PL_ERR_NOT_FOUND when it does not exist; PL_ERR_FORBIDDEN for a
 * symbolic link, another user's file or an unsafe directory; otherwise
 * PL_ERR_INTERNAL or PL_ERR_VALIDATION (too large).
 */
int state_file_read(const char *path, size_t max, char **data, size_t *len,
                    struct pl_error *);
/*
 * Replaces path with data, atomically: its directory through
 * state_dir_ready, a new temporary file (O_EXCL, 0600) beside it, written
 * and fsync'd, renamed over path (a symbolic link there is replaced, never
 * followed), the directory fsync'd. The file is 0600 whatever an older
 * one's mode was. 0 or an error code as state_dir_ready, PL_ERR_INTERNAL.
 */
int state_file_write(const char *path, const char *data, size_t len,
                     struct pl_error *);
/* Removes path (a link itself, never its target); 0 when it is gone or was
 * not there. */
int state_file_remove(const char *path);

#endif
