/*
 * Kept edits (recovery.c): a pad's edited text that is not saved yet lives
 * in $XDG_STATE_HOME/padline/recovery/ (mode 0600, one file per server,
 * user and pad) from before the save is sent until it succeeds or the user
 * discards it, so neither a failed save nor a crash loses work. No curses.
 */
#ifndef PL_TUI_RECOVERY_H
#define PL_TUI_RECOVERY_H

#include <stddef.h>

#include "pl_error.h"

/* One kept edit, as its file holds it. */
struct recovery {
	char server[300];       /* the server address the TUI was given */
	char user_id[64];       /* whose edit */
	char pad_id[64];        /* which pad */
	char name[128];         /* the pad's name when the edit began */
	long long base_version; /* the version the text was edited from */
	char saved_at[32];      /* when the file was last written (UTC) */
	char *text;             /* owned: the edited text, as typed */
};

/* The directory ($XDG_STATE_HOME or ~/.local/state + /padline/recovery). */
int recovery_dir(char *buf, size_t size);
/* The file of r's server, user and pad: <pad id>-<hash of both>.json. */
int recovery_path(const struct recovery *r, char *buf, size_t size);
/* Writes r's file through state_file_write (atomic, mode 0600 in a 0700
 * directory, refused in an unsafe one); sets r->saved_at. */
int recovery_write(struct recovery *r, struct pl_error *err);
/* Reads one file into r (cleared first; r->text owned by r), through
 * state_file_read (never a symbolic link or another user's file). */
int recovery_read(const char *path, struct recovery *r, struct pl_error *err);
/* The kept edits of this server and user, by pad id; *out is an owned
 * array of n (free with recovery_list_free). */
size_t recovery_list(const char *server, const char *user_id,
                     struct recovery **out);
void recovery_list_free(struct recovery *v, size_t n);
/* Removes r's file; 0 when it is gone (or was not there). */
int recovery_remove(const struct recovery *r);
void recovery_clear(struct recovery *r);
/* Copies r into dst (its own text). */
void recovery_copy(struct recovery *dst, const struct recovery *src);

/*
 * "Edit again on top of theirs": their text, with the lines where yours
 * differs (one block between the common first and last lines) shown as
 *     <<<<<<< theirs (version N)   their lines   =======   your lines
 *     >>>>>>> yours
 * so the file does not parse until the user picks. Owned result.
 */
char *recovery_merge(const char *theirs, const char *yours,
                     long long their_version);
/* 1 (and *line, 1-based) when text still has a conflict marker line. */
int recovery_has_markers(const char *text, int *line);

#endif
